package org.consistency4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import org.consistency4j.InvalidInputException;
import org.consistency4j.lora.Lora;
import org.consistency4j.lora.LoraConfig;
import org.consistency4j.loss.Losses;
import org.consistency4j.loss.StandardLoss;
import org.consistency4j.pairs.PreferencePair;
import org.consistency4j.pairs.PreferencePairsJsonl;
import org.consistency4j.train.CatConfig;
import org.consistency4j.train.Adaptation;
import org.consistency4j.train.CatTrainer;
import org.consistency4j.model.RuntimeOptions;
import org.consistency4j.optim.AdamWConfig;
import org.consistency4j.train.FineTuning;
import org.consistency4j.train.SftConfig;
import org.consistency4j.train.TrainingListener;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code consistency train}: fine-tuning of local Hugging Face model directories. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = "Fine-tune a local model on ONNX Runtime (see the subcommands).",
    subcommands = {TrainCommand.Sft.class, TrainCommand.Cat.class})
final class TrainCommand implements Runnable {
  @Spec private CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: sft or cat");
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

    @Mixin private TrainingOptions training;

    @Option(names = "--resume", paramLabel = "DIR",
        description = "Continue from the checkpoint in DIR (may be --out).")
    private Path resume;

    @Override
    public Integer call() {
      CommandLine cli = spec.commandLine();
      training.validate(cli);
      SftConfig config = training.config(cli).build();
      FineTuning.Options options = new FineTuning.Options(model, data,
          Optional.ofNullable(validationData), training.out, config, training.adaptation(),
          training.runtime(), Optional.ofNullable(resume), training.allowConfigChange);
      FineTuning.Result r;
      try (ProgressListener progress = new ProgressListener("sft")) {
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

  /** {@code consistency train cat}: consistency alignment training on preference pairs. */
  @Command(
      name = "cat",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Consistency alignment training (stage 2) on preference pairs with a pairwise loss: the "
            + "paper's ranking loss plus lambda times SFT on the chosen response (rank), DPO, IPO, "
            + "SimPO, ORPO or hinge. Writes into --out: checkpoint.safetensors (resumable), "
            + "metrics.jsonl (step, loss, reward_accuracy, margin_accuracy, margin, lr, grad_norm, "
            + "tokens_per_s, loss terms, val_loss/val_reward_accuracy/val_margin on validation "
            + "steps), reference_logps.json (DPO-style losses) and adapter/ (PEFT, with "
            + "--lora-rank or --adapter) or model/ (full weights, with --full)."
      },
      footer = {
        "",
        "Pairs (JSONL, TRL's format, as written by `consistency pairs`):",
        "  {\"prompt\": \"...\", \"chosen\": \"...\", \"rejected\": \"...\","
            + " \"score_chosen\": 0.9, \"score_rejected\": 0.2}",
        "",
        "Exit codes: 0 success, 1 failure while running, 2 bad usage or bad input."
      })
  static final class Cat implements Callable<Integer> {
    @Spec private CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR",
        description = "The stage-1 Hugging Face model directory (policy and reference).")
    private Path model;

    @Option(names = "--adapter", paramLabel = "DIR",
        description = "A stage-1 LoRA adapter (PEFT) of --model to continue: training starts from"
            + " its weights (rank, alpha and targets from the adapter; --lora-rank optional) and the"
            + " new adapter applies to --model. With --full it is merged into --model first.")
    private Path adapter;

    @Option(names = "--pairs", required = true, paramLabel = "FILE",
        description = "Preference pairs (JSONL, see below).")
    private Path pairs;

    @Option(names = "--validation-data", paramLabel = "FILE",
        description = "Held-out preference pairs (same JSONL): loss, reward accuracy and margin are"
            + " logged as val_* in metrics.jsonl.")
    private Path validationData;

    @Option(names = "--loss", paramLabel = "NAME", defaultValue = "rank",
        description = "rank, dpo, ipo, simpo, orpo or hinge (default: ${DEFAULT-VALUE}).")
    private String loss;

    @Option(names = "--lambda", paramLabel = "L",
        description = "Weight of the SFT term (rank: default 1; orpo: default 0.1).")
    private Double lambda;

    @Option(names = "--beta", paramLabel = "B", description = "DPO/SimPO beta.")
    private Double beta;

    @Option(names = "--tau", paramLabel = "T", description = "IPO tau.")
    private Double tau;

    @Option(names = "--gamma", paramLabel = "G", description = "SimPO gamma.")
    private Double gamma;

    @Option(names = "--margin", paramLabel = "M", description = "Hinge margin.")
    private Double margin;

    @Option(names = "--resume", paramLabel = "DIR",
        description = "Continue from the checkpoint in DIR (may be --out), as in train sft: its"
            + " checkpoint, metrics and reference log-probabilities are copied into --out first.")
    private Path resume;

    @Mixin private TrainingOptions training;

    @Override
    public Integer call() {
      CommandLine cli = spec.commandLine();
      training.validate(cli, adapter != null);
      // The loss is parsed once here; a parameter it does not have is bad usage.
      Map<String, Double> parameters = new LinkedHashMap<>();
      Double[] given = {lambda, beta, tau, gamma, margin};
      String[] names = {"lambda", "beta", "tau", "gamma", "margin"};
      for (int i = 0; i < names.length; i++) {
        if (given[i] != null) {
          parameters.put(names[i], given[i]);
        }
      }
      StandardLoss lossConfig;
      try {
        lossConfig = Losses.byName(loss, parameters);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(cli,
            (Losses.names().contains(loss) ? "" : "--loss: ") + e.getMessage());
      }
      CatConfig config = new CatConfig(lossConfig, training.config(cli).build());
      List<PreferencePair> data = PreferencePairsJsonl.read(pairs);
      if (data.isEmpty()) {
        throw new InvalidInputException(pairs.toString(), 0, "holds no preference pairs");
      }
      List<PreferencePair> validationPairs = List.of();
      if (validationData != null) {
        validationPairs = PreferencePairsJsonl.read(validationData);
        if (validationPairs.isEmpty()) {
          throw new InvalidInputException(validationData.toString(), 0, "holds no preference pairs");
        }
      }
      if (resume != null) {
        resumeInto(cli, resume, training.out);
      }
      // What trains is resolved once: an adapter with --full is merged into the model first.
      Path base = model;
      Adaptation adaptation = training.adaptation();
      if (adapter != null && training.full()) {
        base = FineTuning.mergeAdapter(model, adapter, training.out.resolve("stage1-merged"));
      } else if (adapter != null) {
        adaptation = new Adaptation.ContinueAdapter(adapter,
            training.loraContinuing(Lora.readPeftConfig(adapter), cli));
      }
      FineTuning.CatResult r;
      try (ProgressListener progress = new ProgressListener("cat")) {
        r = FineTuning.cat(new FineTuning.CatOptions(base, data, training.out, config, adaptation,
            training.runtime(), resume != null, validationPairs, training.allowConfigChange),
            progress);
      }
      cli.getOut().printf(Locale.ROOT,
          "trained %d steps on %d pairs with %s: reward accuracy %.3f -> %.3f, loss %.6f -> %.6f%s;"
              + " wrote %s%n",
          r.training().steps(), data.size(), lossConfig.loss(), r.before().rewardAccuracy(),
          r.after().rewardAccuracy(), r.before().loss(), r.after().loss(),
          r.training().validation().map(v -> String.format(Locale.ROOT,
              "; validation (%d pairs) loss %.6f, reward accuracy %.3f", v.pairs(), v.loss(),
              v.rewardAccuracy())).orElse(""),
          r.exported());
      cli.getOut().flush();
      return 0;
    }
  }

  /** {@link FineTuning#resumeInto}, with a usage error naming the file when there is no checkpoint. */
  static void resumeInto(CommandLine cli, Path from, Path out) {
    Path checkpoint = from.resolve(CatTrainer.CHECKPOINT_FILE);
    if (!Files.isRegularFile(checkpoint)) {
      throw new CommandLine.ParameterException(cli,
          "--resume: the directory has no checkpoint, expected " + checkpoint);
    }
    FineTuning.resumeInto(from, out);
  }

  /** Options shared by {@code train sft} and {@code train cat}: output, LoRA, optimizer, schedule. */
  static final class TrainingOptions {
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    private Path out;

    /** What trains; picocli refuses both, naming the two options. */
    @ArgGroup(exclusive = true, multiplicity = "0..1")
    private WhatTrains what;

    /** {@code --lora-rank R} or {@code --full}. */
    static final class WhatTrains {
      @Option(names = "--lora-rank", paramLabel = "R", required = true,
          description = "Train LoRA adapters of rank R.")
      private Integer loraRank;

      @Option(names = "--full", required = true,
          description = "Train every weight instead of LoRA adapters.")
      private boolean full;
    }

    @Option(names = "--lora-alpha", paramLabel = "A",
        description = "LoRA alpha (default: 2 * rank).")
    private Double loraAlpha;

    @Option(names = "--lora-targets", split = ",", paramLabel = "NAMES",
        defaultValue = LoraConfig.DEFAULT_TARGETS,
        description = "Adapted modules among q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj"
            + " (default: ${DEFAULT-VALUE}).")
    private List<String> loraTargets;

    @Option(names = "--lora-dropout", paramLabel = "P", defaultValue = "0",
        description = "Dropout on the adapters' inputs during training, in [0, 1) (default:"
            + " ${DEFAULT-VALUE}).")
    private double loraDropout;

    @Option(names = "--epochs", paramLabel = "E", description = "Passes over the data (default 1).")
    private Integer epochs;

    @Option(names = "--steps", paramLabel = "N", description = "Optimizer steps (instead of --epochs).")
    private Long steps;

    @Option(names = "--validate-every", paramLabel = "N", defaultValue = "0",
        description = "Steps between validation passes on --validation-data; 0 = only at the end"
            + " (default: ${DEFAULT-VALUE}).")
    private long validateEvery;

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

    @Option(names = "--bucket-window", paramLabel = "N", defaultValue = "32",
        description = "Batches per length-sorting window; 1 turns length bucketing off, which"
            + " multi-task data whose prompt length tracks the task needs (sorted windows become"
            + " single-task batches) (default: ${DEFAULT-VALUE}).")
    private int bucketWindow;

    @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "0",
        description = "Steps between checkpoints; 0 = only at the end (default: ${DEFAULT-VALUE}).")
    private long checkpointEvery;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
        description = "Seed of data order and adapter initialization (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--allow-config-change",
        description = "With --resume: continue even if the checkpoint's settings (learning rate,"
            + " batch size, loss, LoRA settings, ...), training data or model differ from this run's;"
            + " each difference is logged. Without it such a resume is refused, naming every"
            + " differing field. The run's length (--epochs, --steps) may always change.")
    private boolean allowConfigChange;

    @Mixin private DeviceOption device;

    @Option(names = "--quantize", paramLabel = "none|int8|int4", defaultValue = "none",
        description = "LoRA on a frozen quantized base (QLoRA-style): the model's linear weights are"
            + " stored as int8 or int4 codes (blocks of 32 weights per scale) and dequantized in the"
            + " graph; the adapter trains in float32 and applies to the float model. Needs"
            + " --lora-rank (train cat: or --adapter); --full trains float32 weights (default: ${DEFAULT-VALUE}).")
    private String quantize;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
        description = "ONNX Runtime intra-op threads; 0 = its default (default: ${DEFAULT-VALUE}).")
    private int threads;

    @Option(names = "--no-chat-template",
        description = "Use prompts as given (and plain \"role: content\" lines for chats) instead of"
            + " rendering them with the model's chat template.")
    private boolean noChatTemplate;

    /** Checks the combinations picocli cannot express. */
    void validate(CommandLine cli) {
      validate(cli, false);
    }

    private static void checkRange(CommandLine cli, String option, int value, int min, int max) {
      if (value < min || value > max) {
        throw new CommandLine.ParameterException(
            cli, option + " must be in [" + min + ", " + max + "], found " + value);
      }
    }

    /**
     * Checks the combinations picocli cannot express; with {@code adapterGiven} the LoRA settings may
     * come from a continued adapter, so neither --lora-rank nor --full is needed.
     */
    void validate(CommandLine cli, boolean adapterGiven) {
      checkRange(cli, "--batch-size", batchSize, 1, SftConfig.MAX_BATCH_SIZE);
      checkRange(cli, "--grad-accum", gradAccum, 1, SftConfig.MAX_BATCH_SIZE);
      checkRange(cli, "--threads", threads, 0, RuntimeOptions.MAX_THREADS);
      if (what == null && !adapterGiven) {
        throw new CommandLine.ParameterException(cli, "give exactly one of --lora-rank R and --full");
      }
      if (QuantizeOption.parse(quantize).enabled() && full()) {
        throw new CommandLine.ParameterException(cli, "--quantize " + quantize + " trains LoRA"
            + " adapters on a frozen quantized base; --full fine-tunes every weight in float32:"
            + " use --lora-rank R, or --quantize none with --full");
      }
      if (epochs != null && steps != null) {
        throw new CommandLine.ParameterException(cli, "give at most one of --epochs and --steps");
      }
    }

    /** The trainer settings these options describe. */
    SftConfig.Builder config(CommandLine cli) {
      SftConfig.Schedule sched;
      try {
        sched = SftConfig.Schedule.valueOf(schedule.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(cli,
            "--schedule must be constant, linear or cosine, found " + schedule);
      }
      if (bucketWindow < 1) {
        throw new CommandLine.ParameterException(cli, "--bucket-window must be >= 1 (1 turns length"
            + " bucketing off), found " + bucketWindow);
      }
      return SftConfig.builder()
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
          .bucketWindow(bucketWindow)
          .checkpointEvery(checkpointEvery)
          .validateEvery(validateEvery)
          .chatTemplate(!noChatTemplate);
    }

    /** Whether {@code --full} was given. */
    boolean full() {
      return what != null && what.full;
    }

    /** New LoRA adapters with {@code --lora-rank}, or full fine-tuning. */
    Adaptation adaptation() {
      Integer rank = what == null ? null : what.loraRank;
      return rank == null ? new Adaptation.Full()
          : new Adaptation.NewLora(new LoraConfig(rank,
              loraAlpha == null ? LoraConfig.defaultAlpha(rank) : loraAlpha, loraTargets, seed,
              loraDropout));
    }

    /**
     * LoRA settings that continue {@code adapter}: rank, alpha and targets from the adapter unless
     * given on the command line (then they must match it), dropout and seed from the options.
     */
    LoraConfig loraContinuing(LoraConfig adapter, CommandLine cli) {
      boolean targetsGiven = cli.getParseResult().hasMatchedOption("--lora-targets");
      Integer loraRank = what == null ? null : what.loraRank;
      return new LoraConfig(loraRank != null ? loraRank : adapter.rank(),
          loraAlpha != null ? loraAlpha : adapter.alpha(),
          targetsGiven ? loraTargets : adapter.targets(), seed, loraDropout);
    }

    RuntimeOptions runtime() {
      return device.runtime(threads).toBuilder().quantization(QuantizeOption.parse(quantize))
          .build();
    }
  }

  /** A progress bar on standard error showing step, loss and learning rate. */
  private static final class ProgressListener implements TrainingListener, AutoCloseable {
    private final String task;
    private ProgressBar bar;

    ProgressListener(String task) {
      this.task = task;
    }

    @Override
    public void onStep(StepMetrics m) {
      if (!ProgressBars.shown(false)) {
        return;
      }
      if (bar == null) {
        bar = ProgressBars.bar(task, m.totalSteps(), System.err);
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
