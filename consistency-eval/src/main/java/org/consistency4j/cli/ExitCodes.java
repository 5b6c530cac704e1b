package org.consistency4j.cli;

import java.util.List;
import org.consistency4j.ConsistencyException;
import org.consistency4j.InvalidInputException;
import org.consistency4j.ModelLoadException;
import org.consistency4j.tokenizer.ChatTemplateException;
import picocli.CommandLine;

/**
 * Maps failures to exit codes and prints them as one line on stderr, never as a stack trace (set the
 * system property {@code consistency.debug=true} to see one). Expected failures (bad input, bad
 * options, I/O, model errors) print their message; anything else is reported as an internal error
 * with its type, and running out of memory or stack is reported with what to do about it.
 */
public final class ExitCodes {
  /** Bad usage or bad input. */
  static final int BAD_INPUT = 2;

  /** A failure while running. */
  static final int FAILURE = 1;

  /** The system property that makes failures print their stack trace too. */
  static final String DEBUG_PROPERTY = "consistency.debug";

  private ExitCodes() {}

  /**
   * Gives {@code cli} this class's exit codes, one-line error messages and out-of-memory handling
   * (for other command-line front ends of the library, such as consistency-spark's).
   *
   * @param cli the command line
   * @return {@code cli}
   */
  public static CommandLine install(CommandLine cli) {
    cli.setExitCodeExceptionMapper(ExitCodes::forException);
    cli.setExecutionExceptionHandler(ExitCodes::handle);
    cli.setExecutionStrategy(ExitCodes::execute);
    return cli;
  }

  static int forException(Throwable t) {
    // A model directory with missing, invalid or unsupported files (or a chat template that fails
    // on the data) is bad input too.
    return t instanceof InvalidInputException
            || t instanceof ModelLoadException
            || t instanceof ChatTemplateException
            || t instanceof IllegalArgumentException
            || t instanceof CommandLine.ParameterException
        ? BAD_INPUT
        : FAILURE;
  }

  static int handle(Exception e, CommandLine cli, CommandLine.ParseResult parseResult) {
    cli.getErr().println("consistency " + cli.getCommandName() + ": " + describe(e));
    if (Boolean.getBoolean(DEBUG_PROPERTY)) {
      e.printStackTrace(cli.getErr());
    }
    return forException(e);
  }

  /** The message of an expected failure; the type and message of an unexpected one. */
  static String describe(Throwable e) {
    boolean expected =
        e instanceof ConsistencyException
            || e instanceof IllegalArgumentException
            || e instanceof IllegalStateException
            || e instanceof UnsupportedOperationException
            || e instanceof java.io.IOException
            || e instanceof java.io.UncheckedIOException
            || e instanceof CommandLine.ParameterException;
    String message = e.getMessage() == null || e.getMessage().isBlank() ? null : e.getMessage();
    if (expected && message != null) {
      return message;
    }
    return "internal error ("
        + e.getClass().getSimpleName()
        + (message == null ? "" : ": " + message)
        + "); please report it with the command line (-D"
        + DEBUG_PROPERTY
        + "=true prints the stack trace)";
  }

  /**
   * Runs the subcommand like picocli's {@code RunLast}, turning the errors a hostile input can still
   * provoke (memory or stack exhausted) into one-line messages and exit code 1 instead of a trace.
   */
  static int execute(CommandLine.ParseResult parseResult) {
    try {
      return new CommandLine.RunLast().execute(parseResult);
    } catch (OutOfMemoryError e) {
      long maxMiB = Runtime.getRuntime().maxMemory() >> 20;
      return report(parseResult, e,
          "out of memory (the JVM may use at most " + maxMiB + " MiB): an input or option asks for"
              + " more than that; reduce it, or give Java more memory with -Xmx");
    } catch (StackOverflowError e) {
      return report(parseResult, e,
          "out of stack space: an input is nested too deeply to process (for example a JSON value"
              + " or a template); simplify it, or give Java a larger stack with -Xss");
    }
  }

  private static int report(CommandLine.ParseResult parseResult, Error e, String message) {
    List<CommandLine> commands = parseResult.asCommandLineList();
    CommandLine cli = commands.get(commands.size() - 1);
    cli.getErr().println("consistency " + cli.getCommandName() + ": " + message);
    if (Boolean.getBoolean(DEBUG_PROPERTY)) {
      e.printStackTrace(cli.getErr());
    }
    cli.getErr().flush();
    return FAILURE;
  }
}
