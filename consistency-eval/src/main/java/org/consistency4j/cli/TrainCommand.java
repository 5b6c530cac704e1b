package org.consistency4j.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.consistency4j.lora.LoraConfig;
import org.consistency4j.model.RuntimeOptions;
import org.consistency4j.optim.AdamWConfig;
import org.consistency4j.train.FineTuning;
import org.consistency4j.train.SftConfig;
import org.consistency4j.train.TrainingListener;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code consistency train}: fine-tuning of local Hugging Face model directories. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = "Fine-tune a local model on ONNX Runtime (see the subcommands).",
    subcommands = {TrainCommand.Sft.class})
final class TrainCommand implements Runnable {
  @Spec private CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: sft");
  }

  /** {@code consistency train sft}: supervised fine-tuning, LoRA or full. */
  @Command(
      name = "sft",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Supervised fine-tuning with the loss on completion tokens only, on ONNX Runtime.",
        "Writes into --out: checkpoint.safetensors (resumable), metrics.jsonl (one line per step:",
        "step, loss, lr, grad_norm, tokens_per_s) and adapter/ (PEFT, with --lora-rank) or model/",
        "(full weights with config and tokenizer files, with --full)."
      },
      footer = {
        "",
        "Data (JSONL, one object per line):",
        "  {\"prompt\": \"...\", \"completion\": \"...\"}",
        "  {\"messages\": [{\"role\": \"user\", \"content\": \"...\"}, {\"role\": \"assistant\", ...}]}",
        "Chat lines are rendered with the model's chat template; the last message (assistant) is the",
        "completion.",
        "",
        "Exit codes: 0 success, 1 failure while running (for example a non-finite loss; the last",
        "checkpoint is kept), 2 bad usage or bad input."
      })
  static final class Sft implements Callable<Integer> {
    @Spec private CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR",
        description = "Hugging Face model directory (config.json, safetensors, tokenizer).")
    private Path model;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Training JSONL.")
    private Path data;

    @Option(names = "--validation-data", paramLabel = "FILE", description = "Validation JSONL.")
    private Path validationData;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    private Path out;

    @Option(names = "--lora-rank", paramLabel = "R", description = "Train LoRA adapters of rank R.")
    private Integer loraRank;

    @Option(names = "--lora-alpha", paramLabel = "A",
        description = "LoRA alpha (default: 2 * rank).")
    private Double loraAlpha;

    @Option(names = "--lora-targets", split = ",", paramLabel = "NAMES",
        defaultValue = "q_proj,v_proj",
        description = "Adapted modules among q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj"
            + " (default: ${DEFAULT-VALUE}).")
    private List<String> loraTargets;

    @Option(names = "--full", description = "Train every weight instead of LoRA adapters.")
    private boolean full;

    @Option(names = "--epochs", paramLabel = "E", description = "Passes over the data (default 1).")
    private Integer epochs;

    @Option(names = "--steps", paramLabel = "N", description = "Optimizer steps (instead of --epochs).")
    private Long steps;

    @Option(names = "--lr", paramLabel = "LR", defaultValue = "2e-5",
        description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    private double lr;

    @Option(names = "--schedule", paramLabel = "S", defaultValue = "linear",
        description = "constant, linear or cosine (default: ${DEFAULT-VALUE}).")
    private String schedule;

    @Option(names = "--warmup-steps", paramLabel = "N", defaultValue = "0",
        description = "Linear warm-up steps (default: ${DEFAULT-VALUE}).")
    private long warmupSteps;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "8",
        description = "Examples per micro-batch (default: ${DEFAULT-VALUE}).")
    private int batchSize;

    @Option(names = "--grad-accum", paramLabel = "K", defaultValue = "1",
        description = "Micro-batches per optimizer step (default: ${DEFAULT-VALUE}).")
    private int gradAccum;

    @Option(names = "--weight-decay", paramLabel = "W", defaultValue = "0",
        description = "AdamW decoupled weight decay (default: ${DEFAULT-VALUE}).")
    private double weightDecay;

    @Option(names = "--max-grad-norm", paramLabel = "G", defaultValue = "1.0",
        description = "Global gradient-norm clipping (default: ${DEFAULT-VALUE}).")
    private double maxGradNorm;

    @Option(names = "--max-length", paramLabel = "T", defaultValue = "512",
        description = "Truncate examples to T tokens (default: ${DEFAULT-VALUE}).")
    private int maxLength;

    @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "0",
        description = "Steps between checkpoints; 0 = only at the end (default: ${DEFAULT-VALUE}).")
    private long checkpointEvery;

    @Option(names = "--validate-every", paramLabel = "N", defaultValue = "0",
        description = "Steps between validation passes; 0 = only at the end (default: ${DEFAULT-VALUE}).")
    private long validateEvery;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
        description = "Seed of data order and adapter initialization (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--resume", paramLabel = "DIR",
        description = "Continue from the checkpoint in DIR (may be --out).")
    private Path resume;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
        description = "ONNX Runtime intra-op threads; 0 = its default (default: ${DEFAULT-VALUE}).")
    private int threads;

    @Override
    public Integer call() {
      CommandLine cli = spec.commandLine();
      if (full == (loraRank != null)) {
        throw new CommandLine.ParameterException(cli, "give exactly one of --lora-rank R and --full");
      }
      if (epochs != null && steps != null) {
        throw new CommandLine.ParameterException(cli, "give at most one of --epochs and --steps");
      }
      SftConfig.Schedule sched;
      try {
        sched = SftConfig.Schedule.valueOf(schedule.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(cli,
            "--schedule must be constant, linear or cosine, found " + schedule);
      }
      SftConfig config = SftConfig.builder()
          .epochs(epochs == null ? 1 : epochs)
          .maxSteps(steps == null ? 0 : steps)
          .batchSize(batchSize)
          .gradientAccumulation(gradAccum)
          .learningRate(lr)
          .schedule(sched)
          .warmupSteps(warmupSteps)
          .optimizer(AdamWConfig.defaults().withWeightDecay(weightDecay).withMaxGradNorm(maxGradNorm))
          .seed(seed)
          .maxLength(maxLength)
          .checkpointEvery(checkpointEvery)
          .validateEvery(validateEvery)
          .build();
      Optional<LoraConfig> lora = loraRank == null ? Optional.empty()
          : Optional.of(new LoraConfig(loraRank, loraAlpha == null ? 2.0 * loraRank : loraAlpha,
              loraTargets, seed));
      FineTuning.Options options = new FineTuning.Options(model, data,
          Optional.ofNullable(validationData), out, config, lora,
          RuntimeOptions.builder().intraOpThreads(threads).build(), Optional.ofNullable(resume));
      FineTuning.Result r;
      try (ProgressListener progress = new ProgressListener(cli)) {
        r = FineTuning.sft(options, progress);
      }
      cli.getOut().printf(Locale.ROOT, "trained %d steps on %d examples: last loss %.6f%s; wrote %s%n",
          r.training().steps(), r.trainExamples(), r.training().lastLoss(),
          r.training().validationLoss().isPresent()
              ? String.format(Locale.ROOT, ", validation loss %.6f",
                  r.training().validationLoss().getAsDouble())
              : "",
          r.exported());
      cli.getOut().flush();
      return 0;
    }
  }

  /** A progress bar on standard error showing step, loss and learning rate. */
  private static final class ProgressListener implements TrainingListener, AutoCloseable {
    private final CommandLine cli;
    private ProgressBar bar;

    ProgressListener(CommandLine cli) {
      this.cli = cli;
    }

    @Override
    public void onStep(StepMetrics m) {
      if (bar == null) {
        bar = new ProgressBarBuilder()
            .setTaskName("sft")
            .setInitialMax(m.totalSteps())
            .setConsumer(new ConsoleProgressBarConsumer(System.err))
            .setUpdateIntervalMillis(500)
            .build();
        bar.stepTo(m.step() - 1);
      }
      bar.stepTo(m.step());
      bar.setExtraMessage(String.format(Locale.ROOT, " loss %.4f lr %.2e", m.loss(), m.learningRate()));
    }

    @Override
    public void close() {
      if (bar != null) {
        bar.close();
      }
    }
  }
}
