package org.consistency4j.cli;

import org.consistency4j.InvalidInputException;
import org.consistency4j.ModelLoadException;
import org.consistency4j.tokenizer.ChatTemplateException;
import picocli.CommandLine;

/** Maps failures to exit codes and prints them as one line on stderr. */
final class ExitCodes {
  /** Bad usage or bad input. */
  static final int BAD_INPUT = 2;

  /** A failure while running. */
  static final int FAILURE = 1;

  private ExitCodes() {}

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
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    cli.getErr().println("consistency " + cli.getCommandName() + ": " + message);
    if (Boolean.getBoolean("consistency.debug")) {
      e.printStackTrace(cli.getErr());
    }
    return forException(e);
  }
}
