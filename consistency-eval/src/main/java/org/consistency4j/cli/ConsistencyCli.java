package org.consistency4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code consistency} command-line tool. Each subcommand is a class of this package registered
 * in {@link #commandLine()}. Exit codes: 0 success, 1 failure while running, 2 bad usage or bad input.
 * Failures print one line on standard error, never a stack trace unless the system property {@code
 * consistency.debug} is {@code true}.
 */
@Command(
    name = "consistency",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Measure and improve how consistently language models answer paraphrased instructions",
      "(consistency alignment, arXiv 2403.14221)."
    },
    subcommands = {
      CommandLine.HelpCommand.class,
      RougeCommand.class,
      ConsistencyCommand.class,
      EvaluateCommand.class,
      CompareCommand.class,
      ParaphraseCommand.class,
      AugmentCommand.class,
      TrainCommand.class,
      DemoCommand.class,
      StageTwoCommands.Reward.class,
      StageTwoCommands.Pairs.class,
      ModelCommands.Generate.class,
      ModelCommands.Logprobs.class,
    })
public final class ConsistencyCli implements Runnable {

  @CommandLine.Spec private CommandLine.Model.CommandSpec spec;

  /** Runs the tool and exits with its exit code. */
  public static void main(String[] args) {
    // DJL probes for CUDA on every tokenizer load and warns when there is none; the CLI runs on the
    // CPU unless asked otherwise, so keep that probe quiet (users may still override the property).
    if (System.getProperty("org.slf4j.simpleLogger.log.ai.djl") == null) {
      System.setProperty("org.slf4j.simpleLogger.log.ai.djl", "error");
    }
    System.exit(run(args));
  }

  /** Runs the tool without exiting (for tests and embedding); returns the exit code. */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /** The configured picocli command line with every subcommand. */
  public static CommandLine commandLine() {
    return ExitCodes.install(new CommandLine(new ConsistencyCli()));
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
