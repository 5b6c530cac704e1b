package org.consistency4j.cli;

import org.consistency4j.model.RuntimeOptions;
import org.consistency4j.internal.Check;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.consistency4j.demo.Demo;
import org.consistency4j.demo.DemoConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code consistency demo}: the whole method on an embedded suite, on CPU, nothing downloaded. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Run the whole method on an embedded suite of 8 tasks x 14 wordings: train a tiny word-level "
          + "Llama from scratch with baseline SFT (original wordings) and instruction-augmented SFT "
          + "(9 training wordings), then consistency alignment training from the latter with "
          + "self-rewards, and evaluate all three on the 5 held-out wordings of every task "
          + "(consistency rate, accuracy, ROUGE-L with 95%% bootstrap intervals). Prints the table and "
          + "writes OUT/report.json, report.md and evaluation/report.html. CPU only; about 1 to 2 minutes "
          + "on 2 cores."
    },
    footer = {"", "Exit codes: 0 success, 1 failure, 2 bad usage."})
final class DemoCommand implements Callable<Integer> {
  @Spec private CommandLine.Model.CommandSpec spec;

  @Option(names = "--out", paramLabel = "DIR", defaultValue = "consistency-demo",
      description = "Output directory (default: ${DEFAULT-VALUE}).")
  private Path out;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "7",
      description = "Seed of everything random (default: ${DEFAULT-VALUE}).")
  private long seed;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
      description = "ONNX Runtime intra-op threads; 0 = its default (default: ${DEFAULT-VALUE}).")
  private int threads;

  @Option(names = "--quick", description = "A tiny configuration that runs in seconds (smoke test;"
      + " the numbers mean little).")
  private boolean quick;

  @Option(names = "--no-progress", description = "No progress bars on standard error.")
  private boolean noProgress;

  @Override
  public Integer call() {
    Check.inRange(threads, 0, RuntimeOptions.MAX_THREADS, "--threads");
    CommandLine cli = spec.commandLine();
    DemoConfig base = quick ? DemoConfig.quick() : DemoConfig.defaults();
    DemoConfig config = new DemoConfig(seed, base.hidden(), base.layers(), base.heads(),
        base.intermediate(), base.trainExamplesPerTask(), base.judgeExamplesPerTask(), base.sftEpochs(),
        base.sftLearningRate(), base.batchSize(), base.judgeAccuracyThreshold(), base.catGroupsPerTask(),
        base.samplesPerWording(), base.samplingTemperature(), base.catLambda(), base.catEpochs(),
        base.catLearningRate(), base.evalInstancesPerTask(), base.resamples(), threads);
    Demo.Result r;
    try (Progress progress = new Progress(!ProgressBars.shown(noProgress))) {
      r = Demo.run(config, out, progress);
    }
    cli.getOut().print(Demo.table(r));
    cli.getOut().printf(Locale.ROOT,
        "judge accuracy %.3f -> CAT reward: %s; %d pairs; wrote %s (%.0f s)%n", r.judgeAccuracy(),
        r.reward(), r.pairs(), r.report(), r.seconds());
    cli.getOut().flush();
    return 0;
  }

  /** Stage lines, a training progress bar per run and the evaluation's bars, on standard error. */
  private static final class Progress implements Demo.Listener, AutoCloseable {
    private final boolean quiet;
    private final ProgressBars evaluation;
    private ProgressBar bar;

    Progress(boolean quiet) {
      this.quiet = quiet;
      this.evaluation = new ProgressBars(System.err);
    }

    @Override
    public void stage(String description) {
      closeBar();
      System.err.println("== " + description);
    }

    @Override
    public void onStep(StepMetrics m) {
      if (quiet) {
        return;
      }
      if (bar == null) {
        bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(m.totalSteps())
            .setConsumer(new ConsoleProgressBarConsumer(System.err)).setUpdateIntervalMillis(500)
            .build();
      }
      bar.stepTo(m.step());
      bar.setExtraMessage(String.format(Locale.ROOT, " loss %.4f", m.loss()));
      if (m.step() >= m.totalSteps()) {
        closeBar();
      }
    }

    @Override
    public void generationStarted(String model, int total, int alreadyStored) {
      if (!quiet) {
        evaluation.generationStarted(model, total, alreadyStored);
      }
    }

    @Override
    public void responsesStored(String model, int count) {
      if (!quiet) {
        evaluation.responsesStored(model, count);
      }
    }

    @Override
    public void generationFinished(String model) {
      if (!quiet) {
        evaluation.generationFinished(model);
      }
    }

    @Override
    public void scoringStarted(String model, int tasks) {
      if (!quiet) {
        evaluation.scoringStarted(model, tasks);
      }
    }

    @Override
    public void taskScored(String model, String task) {
      if (!quiet) {
        evaluation.taskScored(model, task);
      }
    }

    private void closeBar() {
      if (bar != null) {
        bar.close();
        bar = null;
      }
    }

    @Override
    public void close() {
      closeBar();
      evaluation.close();
    }
  }
}
