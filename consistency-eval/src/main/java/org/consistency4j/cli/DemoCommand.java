package org.consistency4j.cli;

import org.consistency4j.model.RuntimeOptions;
import org.consistency4j.internal.Check;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import org.consistency4j.demo.Demo;
import org.consistency4j.demo.DemoConfig;
import org.consistency4j.demo.DemoSeeds;
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
          + "(7 training wordings), then consistency alignment training from the latter with its "
          + "own judgments as "
          + "self-rewards (its answer probability under its training wordings where that judges "
          + "accurately; responses sampled under the training wordings and their in-vocabulary "
          + "paraphrases), and evaluate all three on the 5 held-out wordings of every task "
          + "(consistency rate, accuracy, ROUGE-L with 95%% bootstrap intervals, and the paired "
          + "difference cat - sft_ia). Prints the table and writes OUT/report.json, report.md and "
          + "evaluation/report.html. With --seeds, runs several seeds and summarizes across them."
    },
    footer = {"", "Exit codes: 0 success, 1 failure, 2 bad usage."})
final class DemoCommand implements Callable<Integer> {
  @Spec private CommandLine.Model.CommandSpec spec;

  @Option(names = "--out", paramLabel = "DIR", defaultValue = "consistency-demo",
      description = "Output directory (default: ${DEFAULT-VALUE}). A stage 1 (base model, baseline,"
          + " sft_ia, judge) that an earlier run left there with the same stage-1 settings, seed,"
          + " threads and device (OUT/stage1.json) is kept and stage 2 runs on it.")
  private Path out;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "7",
      description = "Seed of everything random (default: ${DEFAULT-VALUE}).")
  private long seed;

  @Option(names = "--seeds", paramLabel = "LIST",
      description = "Run every seed of LIST (e.g. 1-10 or 1,3,7-9; at least 2) into OUT/seed-N and"
          + " write OUT/summary.json and summary.md: per system the mean and 95%% t interval over"
          + " seeds, and the paired difference cat - sft_ia with its interval and sign count."
          + " Replaces --seed.")
  private String seeds;

  @Option(names = "--parallel", paramLabel = "N", defaultValue = "1",
      description = "With --seeds: run N seeds at a time (use --threads so that N x threads fits the"
          + " cores; results do not depend on N) (default: ${DEFAULT-VALUE}).")
  private int parallel;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
      description = "ONNX Runtime intra-op threads; 0 = its default, one per core (default:"
          + " ${DEFAULT-VALUE}: the numbers depend on the thread count through float rounding, and"
          + " with one thread they do not depend on the core count; more threads are faster).")
  private int threads;

  @Option(names = "--quick", description = "A smoke test: a tiny configuration that runs in seconds"
      + " to check the pipeline; its numbers mean nothing.")
  private boolean quick;

  @Option(names = "--no-progress", description = "No progress bars on standard error.")
  private boolean noProgress;

  @picocli.CommandLine.Mixin private DeviceOption device;

  @Override
  public Integer call() {
    Check.inRange(threads, 0, RuntimeOptions.MAX_THREADS, "--threads");
    CommandLine cli = spec.commandLine();
    RuntimeOptions runtime = device.runtime(threads);
    DemoConfig base = quick ? DemoConfig.quick() : DemoConfig.defaults();
    DemoConfig config = base.withSeed(seed).withThreads(threads);
    if (seeds != null) {
      List<Long> list = DemoSeeds.parseSeeds(seeds);
      Check.inRange(parallel, 1, 64, "--parallel");
      if (list.size() < 2) {
        throw new IllegalArgumentException("--seeds needs at least 2 seeds, found \"" + seeds
            + "\"; use --seed for one run");
      }
      DemoSeeds.Summary summary;
      try (Progress progress = new Progress(!ProgressBars.shown(noProgress))) {
        summary = DemoSeeds.run(config, runtime, list, parallel, out, progress);
      }
      smokeNote(cli);
      cli.getOut().print(DemoSeeds.table(summary));
      cli.getOut().printf(Locale.ROOT, "wrote %s and %s%n", summary.summary(),
          out.resolve("summary.md"));
      cli.getOut().flush();
      return 0;
    }
    Demo.Result r;
    try (Progress progress = new Progress(!ProgressBars.shown(noProgress))) {
      r = Demo.run(config, runtime, out, progress);
    }
    smokeNote(cli);
    cli.getOut().print(Demo.table(r));
    cli.getOut().println(Demo.judgeLine(r));
    cli.getOut().printf(Locale.ROOT, "wrote %s (%.0f s)%n", r.report(), r.seconds());
    cli.getOut().flush();
    return 0;
  }

  private void smokeNote(CommandLine cli) {
    if (quick) {
      cli.getOut().println("SMOKE TEST (--quick): a tiny model on a few examples checks that the"
          + " pipeline runs; the numbers below mean nothing about the method.");
    }
  }

  /** Stage lines, a training progress bar per run and the evaluation's bars, on standard error. */
  private static final class Progress implements DemoSeeds.Listener, AutoCloseable {
    private final boolean quiet;
    private final ProgressBars evaluation;
    private ProgressBar bar;
    private ProgressBar seedsBar;

    Progress(boolean quiet) {
      this.quiet = quiet;
      this.evaluation = new ProgressBars(System.err);
    }

    @Override
    public void seedStarted(long seed, int total) {
      if (!quiet && seedsBar == null) {
        seedsBar = ProgressBars.bar("seeds", total, System.err);
      }
    }

    @Override
    public void seedFinished(long seed, int finished, int total, Demo.Result result) {
      if (seedsBar != null) {
        seedsBar.stepTo(finished);
      } else {
        System.err.printf(Locale.ROOT, "== seed %d done (%d of %d)%n", seed, finished, total);
      }
    }

    @Override
    public void stage(String description) {
      closeBar();
      if (seedsBar != null) {
        // One bar for the whole multi-seed run; the stage goes into its message.
        seedsBar.setExtraMessage(" " + description);
      } else {
        System.err.println("== " + description);
      }
    }

    @Override
    public void onStep(StepMetrics m) {
      if (quiet || seedsBar != null) {
        return;
      }
      if (bar == null) {
        bar = ProgressBars.bar("train", m.totalSteps(), System.err);
      }
      bar.stepTo(m.step());
      bar.setExtraMessage(String.format(Locale.ROOT, " loss %.4f", m.loss()));
      if (m.step() >= m.totalSteps()) {
        closeBar();
      }
    }

    @Override
    public void generationStarted(String model, int total, int alreadyStored) {
      if (!quiet && seedsBar == null) {
        evaluation.generationStarted(model, total, alreadyStored);
      }
    }

    @Override
    public void responsesStored(String model, int count) {
      if (!quiet && seedsBar == null) {
        evaluation.responsesStored(model, count);
      }
    }

    @Override
    public void generationFinished(String model) {
      if (!quiet && seedsBar == null) {
        evaluation.generationFinished(model);
      }
    }

    @Override
    public void scoringStarted(String model, int tasks) {
      if (!quiet && seedsBar == null) {
        evaluation.scoringStarted(model, tasks);
      }
    }

    @Override
    public void taskScored(String model, String task) {
      if (!quiet && seedsBar == null) {
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
      if (seedsBar != null) {
        seedsBar.close();
        seedsBar = null;
      }
      evaluation.close();
    }
  }
}
