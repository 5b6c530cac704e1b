package org.consistency4j.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.consistency4j.internal.AtomicFiles;
import org.consistency4j.internal.Check;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop {@link SftTrainer} and {@link CatTrainer} share: the resume check and restore
 * ({@link Checkpoints}), the seeded, length-bucketed order of micro-batches ({@link Batching}), the
 * learning-rate schedule, one metrics line per step, periodic and final validation, and periodic and
 * final checkpoints. What differs between the two, the data and what one step computes, is a {@link
 * Task}. Immutable; {@link #run} is one run at a time per session.
 *
 * @param format the {@code format} tag of the checkpoints
 * @param training batch size, accumulation, schedule, seed, length and intervals
 * @param config every field of the trainer's configuration, stored in checkpoints and compared on
 *     resume
 * @param runFields what identifies the run beyond its configuration and data (model, LoRA settings,
 *     continued adapter)
 * @param allowConfigChange resume even from a checkpoint of a run with other settings, logging each
 *     difference
 */
record TrainingLoop(String format, SftConfig training, Map<String, String> config,
    Map<String, String> runFields, boolean allowConfigChange) {
  /** File name of the checkpoint inside the output directory. */
  static final String CHECKPOINT_FILE = "checkpoint.safetensors";
  /** File name of the per-step metrics (JSONL) inside the output directory. */
  static final String METRICS_FILE = "metrics.jsonl";

  private static final Logger LOG = LoggerFactory.getLogger(TrainingLoop.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Validates and copies. */
  TrainingLoop {
    Check.notNull(format, "format");
    Check.notNull(training, "training");
    // The configuration keeps its order: checkpoints store it as written.
    config = java.util.Collections.unmodifiableMap(
        new LinkedHashMap<>(Check.notNull(config, "config")));
    runFields = Map.copyOf(Check.notNull(runFields, "run"));
  }

  /** A loop with no run fields that refuses a resume with changed settings. */
  TrainingLoop(String format, SftConfig training, Map<String, String> config) {
    this(format, training, config, Map.of(), false);
  }

  /** This loop recording {@code fields} as the run's identity. */
  TrainingLoop withRunFields(Map<String, String> fields) {
    return new TrainingLoop(format, training, config, fields, allowConfigChange);
  }

  /** This loop, allowing or refusing a resume with changed settings. */
  TrainingLoop allowingConfigChange(boolean allow) {
    return new TrainingLoop(format, training, config, runFields, allow);
  }

  /** What one kind of training does inside the loop: its data, one step and a validation pass. */
  abstract static class Task {
    final int[] lengths;
    final String trainData;
    final boolean validates;

    /**
     * A task over the given data.
     *
     * @param lengths the length of every training example; batch indices refer to this order
     * @param trainData the fingerprint of the training data, recorded as run field {@code train_data}
     * @param validates whether there is validation data
     */
    Task(int[] lengths, String trainData, boolean validates) {
      this.lengths = lengths;
      this.trainData = trainData;
      this.validates = validates;
    }

    /** Called after a resumed checkpoint was checked, before it is restored (initial parameters). */
    void beforeRestore(boolean resuming) throws IOException {}

    /** One optimizer step over the example indices of each micro-batch. */
    abstract Step step(List<int[]> micro, double lr);

    /** A validation pass: the {@code val_*} fields of the metrics line, {@code val_loss} first. */
    abstract Map<String, Double> validate();
  }

  /**
   * What a step did.
   *
   * @param loss the step's loss
   * @param result the session's result (gradient norm, tokens)
   * @param metrics fields of the metrics line written after {@code loss}, in order
   * @param terms fields of the metrics line written after {@code tokens_per_s}, in order
   */
  record Step(double loss, TrainingSession.StepResult result, Map<String, Double> metrics,
      Map<String, Double> terms) {
    /** A step with only the session's loss. */
    Step(TrainingSession.StepResult result) {
      this(result.loss(), result, Map.of(), Map.of());
    }
  }

  /**
   * Outcome of a run.
   *
   * @param steps optimizer steps completed in total (including those before a resume)
   * @param lastLoss loss of the last step (NaN if no step ran)
   * @param validationLoss the loss of the last validation pass, if there is validation data
   * @param checkpoint the checkpoint written at the end
   */
  record Outcome(long steps, double lastLoss, OptionalDouble validationLoss, Path checkpoint) {}

  /** Number of optimizer steps of a run over {@code examples} examples. */
  static long totalSteps(SftConfig t, int examples) {
    if (t.maxSteps() > 0) {
      return t.maxSteps();
    }
    long micro = (long) t.epochs() * batchesPerEpoch(t, examples);
    return (micro + t.gradientAccumulation() - 1) / t.gradientAccumulation();
  }

  private static int batchesPerEpoch(SftConfig t, int examples) {
    return (examples + t.batchSize() - 1) / t.batchSize();
  }

  /**
   * Trains {@code session} to the end of the run, resuming from {@code outDir}'s checkpoint when
   * {@code resume} and there is one.
   *
   * @throws IllegalArgumentException if a resumed checkpoint does not belong to this run
   * @throws org.consistency4j.TrainingException if a step fails; the message names the step
   */
  Outcome run(TrainingSession session, Task task, Path outDir, boolean resume,
      TrainingListener listener) {
    Check.notNull(session, "session");
    Check.notNull(task, "task");
    Check.notNull(outDir, "outDir");
    Check.notNull(listener, "listener");
    try {
      Files.createDirectories(outDir);
      AtomicFiles.cleanLeftovers(outDir);
      Path checkpoint = outDir.resolve(CHECKPOINT_FILE);
      Path metrics = outDir.resolve(METRICS_FILE);
      Map<String, String> identity = new LinkedHashMap<>(runFields);
      identity.put("train_data", task.trainData);
      boolean resuming = resume && Files.exists(checkpoint);
      if (resuming) {
        Checkpoints.checkResume(checkpoint, format, training.seed(), config, identity,
            allowConfigChange);
      }
      task.beforeRestore(resuming);
      if (resuming) {
        long step = Checkpoints.load(session, checkpoint, format, training.seed());
        Checkpoints.keepMetricsUpTo(metrics, step);
        LOG.info("resumed from {} at step {}", checkpoint, step);
      } else {
        Files.deleteIfExists(metrics);
      }
      int[] lengths = task.lengths;
      long totalSteps = totalSteps(training, lengths.length);
      var schedule = training.learningRateSchedule(totalSteps);
      int perEpoch = batchesPerEpoch(training, lengths.length);
      int cachedEpoch = -1;
      List<int[]> epochBatches = List.of();
      double lastLoss = Double.NaN;
      OptionalDouble validationLoss = OptionalDouble.empty();
      long lastValidated = -1;
      long lastSaved = session.step();
      try (BufferedWriter out = Files.newBufferedWriter(metrics, StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
        while (session.step() < totalSteps) {
          long step = session.step() + 1;
          List<int[]> micro = new ArrayList<>();
          for (int k = 0; k < training.gradientAccumulation(); k++) {
            long g = (step - 1) * training.gradientAccumulation() + k;
            int epoch = (int) (g / perEpoch);
            if (epoch != cachedEpoch) {
              epochBatches = Batching.epoch(lengths, training.batchSize(), training.bucketWindow(),
                  training.seed(), epoch);
              cachedEpoch = epoch;
            }
            micro.add(epochBatches.get((int) (g % perEpoch)));
          }
          double lr = schedule.at(step);
          long t0 = System.nanoTime();
          Step r = task.step(micro, lr);
          double seconds = Math.max(1e-9, (System.nanoTime() - t0) / 1e9);
          lastLoss = r.loss();
          var m = new TrainingListener.StepMetrics(step, totalSteps, r.loss(), lr,
              r.result().gradNorm(), r.result().tokens() / seconds);
          ObjectNode line = JSON.createObjectNode();
          line.put("step", step);
          line.put("loss", r.loss());
          r.metrics().forEach(line::put);
          line.put("lr", lr);
          line.put("grad_norm", r.result().gradNorm());
          line.put("tokens_per_s", m.tokensPerSecond());
          r.terms().forEach(line::put);
          boolean validateNow = task.validates && (step == totalSteps
              || (training.validateEvery() > 0 && step % training.validateEvery() == 0));
          if (validateNow) {
            Map<String, Double> v = task.validate();
            v.forEach(line::put);
            validationLoss = OptionalDouble.of(v.get("val_loss"));
            lastValidated = step;
          }
          out.write(JSON.writeValueAsString(line));
          out.newLine();
          out.flush();
          listener.onStep(m);
          if (validateNow) {
            listener.onValidation(step, validationLoss.getAsDouble());
          }
          if (training.checkpointEvery() > 0 && step % training.checkpointEvery() == 0) {
            Checkpoints.save(session, checkpoint, format, training.seed(), config, identity);
            lastSaved = step;
            listener.onCheckpoint(step, checkpoint);
          }
        }
      }
      if (lastSaved != session.step() || !Files.exists(checkpoint)) {
        Checkpoints.save(session, checkpoint, format, training.seed(), config, identity);
        listener.onCheckpoint(session.step(), checkpoint);
      }
      if (task.validates && lastValidated != session.step()) {
        validationLoss = OptionalDouble.of(task.validate().get("val_loss"));
        listener.onValidation(session.step(), validationLoss.getAsDouble());
      }
      return new Outcome(session.step(), lastLoss, validationLoss, checkpoint);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write into " + outDir, e);
    }
  }

  /**
   * Writes the session's state, the configuration and the run fields to {@code file}, atomically
   * (without a training-data fingerprint, which only {@link #run} knows).
   */
  void save(TrainingSession session, Path file) throws IOException {
    Checkpoints.save(session, file, format, training.seed(), config, runFields);
  }

  /** Restores {@code session} from a checkpoint of this loop's format and seed; returns its step. */
  long load(TrainingSession session, Path file) {
    return Checkpoints.load(session, file, format, training.seed());
  }
}
