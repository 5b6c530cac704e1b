package org.consistency4j.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.consistency4j.internal.Check;
import org.consistency4j.optim.AdamWConfig;
import org.consistency4j.optim.LearningRateSchedule;

/**
 * Settings of a supervised fine-tuning run; immutable and validated once. Build with {@link #builder()};
 * builder methods are named after the fields. Defaults: 1 epoch, no step limit, batch 8, no accumulation,
 * learning rate 2e-5 with linear decay and no warm-up, {@link AdamWConfig#defaults()}, seed 42, max length
 * 512, bucket window 32 batches, EOS appended, validation and checkpoint only at the end.
 *
 * @param epochs passes over the data (used when {@code maxSteps} is 0), &gt; 0
 * @param maxSteps optimizer steps to run, or 0 to derive them from {@code epochs}
 * @param batchSize examples per micro-batch, in [1, {@value #MAX_BATCH_SIZE}]
 * @param gradientAccumulation micro-batches per optimizer step, in [1, {@value #MAX_BATCH_SIZE}]
 * @param learningRate peak learning rate
 * @param schedule shape of the learning-rate schedule
 * @param warmupSteps linear warm-up steps
 * @param minLearningRateRatio final learning rate of the cosine schedule as a fraction of the peak
 * @param optimizer AdamW settings
 * @param seed seed of shuffling (and of anything else random)
 * @param maxLength examples are truncated to this many tokens (and to the model's context, {@link
 *     org.consistency4j.model.ModelConfig#maxPositionEmbeddings()}, when that is shorter)
 * @param bucketWindow batches per length-sorting window (1 disables bucketing)
 * @param appendEos end completions with the EOS token
 * @param validateEvery steps between validation passes (0 = only at the end)
 * @param checkpointEvery steps between checkpoints (0 = only at the end)
 * @param chatTemplate render training prompts with the model's chat template when it has one
 *     (prompt/completion lines as one user turn plus the generation prompt; chat lines with the
 *     template); when false, prompts are used as given and chat lines use the plain
 *     {@code "role: content"} format
 */
public record SftConfig(
    int epochs,
    long maxSteps,
    int batchSize,
    int gradientAccumulation,
    double learningRate,
    Schedule schedule,
    long warmupSteps,
    double minLearningRateRatio,
    AdamWConfig optimizer,
    long seed,
    int maxLength,
    int bucketWindow,
    boolean appendEos,
    long validateEvery,
    long checkpointEvery,
    boolean chatTemplate) {

  /** Learning-rate schedule shapes. */
  public enum Schedule {
    /** Constant after warm-up. */
    CONSTANT,
    /** Linear decay to 0 at the last step. */
    LINEAR,
    /** Cosine decay to {@code minLearningRateRatio * learningRate}. */
    COSINE
  }

  /**
   * The largest {@link #batchSize()} and {@link #gradientAccumulation()}: 65,536, far above what fits
   * in memory for any model, low enough that batch arithmetic never overflows.
   */
  public static final int MAX_BATCH_SIZE = 1 << 16;

  /** Validates every field. */
  public SftConfig {
    Check.positive(epochs, "epochs");
    Check.argument(maxSteps >= 0, "maxSteps must be >= 0, found " + maxSteps);
    Check.inRange(batchSize, 1, MAX_BATCH_SIZE, "batchSize");
    Check.inRange(gradientAccumulation, 1, MAX_BATCH_SIZE, "gradientAccumulation");
    Check.positive(learningRate, "learningRate");
    Check.notNull(schedule, "schedule");
    Check.argument(warmupSteps >= 0, "warmupSteps must be >= 0, found " + warmupSteps);
    Check.inRange(minLearningRateRatio, 0, 1, "minLearningRateRatio");
    Check.notNull(optimizer, "optimizer");
    Check.positive(maxLength, "maxLength");
    Check.positive(bucketWindow, "bucketWindow");
    Check.argument(validateEvery >= 0, "validateEvery must be >= 0, found " + validateEvery);
    Check.argument(checkpointEvery >= 0, "checkpointEvery must be >= 0, found " + checkpointEvery);
  }

  /** A builder with the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this configuration. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.epochs = epochs;
    b.maxSteps = maxSteps;
    b.batchSize = batchSize;
    b.gradientAccumulation = gradientAccumulation;
    b.learningRate = learningRate;
    b.schedule = schedule;
    b.warmupSteps = warmupSteps;
    b.minLearningRateRatio = minLearningRateRatio;
    b.optimizer = optimizer;
    b.seed = seed;
    b.maxLength = maxLength;
    b.bucketWindow = bucketWindow;
    b.appendEos = appendEos;
    b.validateEvery = validateEvery;
    b.checkpointEvery = checkpointEvery;
    b.chatTemplate = chatTemplate;
    return b;
  }

  /** Optimizer steps of a run over {@code examples} examples (or pairs): {@code maxSteps} when set. */
  public long totalSteps(int examples) {
    Check.nonNegative(examples, "examples");
    return TrainingLoop.totalSteps(this, examples);
  }

  /** The learning-rate schedule over {@code totalSteps}. */
  public LearningRateSchedule learningRateSchedule(long totalSteps) {
    long warm = Math.min(warmupSteps, totalSteps);
    return switch (schedule) {
      case CONSTANT -> step -> step <= warm ? learningRate * (step - 1) / Math.max(1, warm)
          : learningRate;
      case LINEAR -> LearningRateSchedule.linear(learningRate, warm, totalSteps);
      case COSINE -> LearningRateSchedule.cosine(learningRate, warm, totalSteps, minLearningRateRatio);
    };
  }

  /** Every field as strings, for checkpoints and reports. */
  public Map<String, String> toMap() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("epochs", Integer.toString(epochs));
    m.put("maxSteps", Long.toString(maxSteps));
    m.put("batchSize", Integer.toString(batchSize));
    m.put("gradientAccumulation", Integer.toString(gradientAccumulation));
    m.put("learningRate", Double.toString(learningRate));
    m.put("schedule", schedule.name());
    m.put("warmupSteps", Long.toString(warmupSteps));
    m.put("minLearningRateRatio", Double.toString(minLearningRateRatio));
    m.put("optimizer", optimizer.toString());
    m.put("seed", Long.toString(seed));
    m.put("maxLength", Integer.toString(maxLength));
    m.put("bucketWindow", Integer.toString(bucketWindow));
    m.put("appendEos", Boolean.toString(appendEos));
    m.put("validateEvery", Long.toString(validateEvery));
    m.put("checkpointEvery", Long.toString(checkpointEvery));
    m.put("chatTemplate", Boolean.toString(chatTemplate));
    return m;
  }

  /** Mutable builder; {@link #build()} validates. Not thread-safe. */
  public static final class Builder {
    private int epochs = 1;
    private long maxSteps = 0;
    private int batchSize = 8;
    private int gradientAccumulation = 1;
    private double learningRate = 2e-5;
    private Schedule schedule = Schedule.LINEAR;
    private long warmupSteps = 0;
    private double minLearningRateRatio = 0;
    private AdamWConfig optimizer = AdamWConfig.defaults();
    private long seed = 42;
    private int maxLength = 512;
    private int bucketWindow = 32;
    private boolean appendEos = true;
    private long validateEvery = 0;
    private long checkpointEvery = 0;
    private boolean chatTemplate = true;

    private Builder() {}

    /** See {@link SftConfig#epochs()}. */
    public Builder epochs(int v) {
      epochs = v;
      return this;
    }

    /** See {@link SftConfig#maxSteps()}. */
    public Builder maxSteps(long v) {
      maxSteps = v;
      return this;
    }

    /** See {@link SftConfig#batchSize()}. */
    public Builder batchSize(int v) {
      batchSize = v;
      return this;
    }

    /** See {@link SftConfig#gradientAccumulation()}. */
    public Builder gradientAccumulation(int v) {
      gradientAccumulation = v;
      return this;
    }

    /** See {@link SftConfig#learningRate()}. */
    public Builder learningRate(double v) {
      learningRate = v;
      return this;
    }

    /** See {@link SftConfig#schedule()}. */
    public Builder schedule(Schedule v) {
      schedule = v;
      return this;
    }

    /** See {@link SftConfig#warmupSteps()}. */
    public Builder warmupSteps(long v) {
      warmupSteps = v;
      return this;
    }

    /** See {@link SftConfig#minLearningRateRatio()}. */
    public Builder minLearningRateRatio(double v) {
      minLearningRateRatio = v;
      return this;
    }

    /** See {@link SftConfig#optimizer()}. */
    public Builder optimizer(AdamWConfig v) {
      optimizer = v;
      return this;
    }

    /** See {@link SftConfig#seed()}. */
    public Builder seed(long v) {
      seed = v;
      return this;
    }

    /** See {@link SftConfig#maxLength()}. */
    public Builder maxLength(int v) {
      maxLength = v;
      return this;
    }

    /** See {@link SftConfig#bucketWindow()}. */
    public Builder bucketWindow(int v) {
      bucketWindow = v;
      return this;
    }

    /** See {@link SftConfig#appendEos()}. */
    public Builder appendEos(boolean v) {
      appendEos = v;
      return this;
    }

    /** See {@link SftConfig#validateEvery()}. */
    public Builder validateEvery(long v) {
      validateEvery = v;
      return this;
    }

    /** See {@link SftConfig#checkpointEvery()}. */
    public Builder checkpointEvery(long v) {
      checkpointEvery = v;
      return this;
    }

    /** See {@link SftConfig#chatTemplate()}; default true. */
    public Builder chatTemplate(boolean v) {
      chatTemplate = v;
      return this;
    }

    /** The validated configuration. */
    public SftConfig build() {
      return new SftConfig(epochs, maxSteps, batchSize, gradientAccumulation, learningRate, schedule,
          warmupSteps, minLearningRateRatio, optimizer, seed, maxLength, bucketWindow, appendEos,
          validateEvery, checkpointEvery, chatTemplate);
    }
  }
}
