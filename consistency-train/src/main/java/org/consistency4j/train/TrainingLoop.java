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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.consistency4j.graph.Tensor;
import org.consistency4j.internal.AtomicFiles;
import org.consistency4j.internal.Check;
import org.consistency4j.safetensors.SafetensorsFile;
import org.consistency4j.safetensors.SafetensorsWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop {@link SftTrainer} and {@link CatTrainer} share, and its checkpoints: the seeded,
 * length-bucketed order of micro-batches ({@link Batching}), the learning-rate schedule, one metrics
 * line per step, periodic and final validation and checkpoints. A checkpoint is one safetensors file
 * with the session's full optimizer state; its metadata names the format, step, seed, trained
 * tensors, the configuration and the run's identity beyond it (data fingerprint, model, LoRA
 * settings), which a resuming run must match. What differs between SFT and CAT, the data and what a
 * step computes, is a {@link Task}. Immutable; one {@link #run} at a time per session.
 *
 * @param format the {@code format} tag of the checkpoints
 * @param training batch size, accumulation, schedule, seed and intervals
 * @param config every field of the trainer's configuration, stored in checkpoints (in this order)
 * @param runFields what identifies the run beyond its configuration and data
 * @param allowConfigChange resume even from a checkpoint of a run with other settings, logging them
 */
record TrainingLoop(String format, SftConfig training, Map<String, String> config,
    Map<String, String> runFields, boolean allowConfigChange) {
  /** File name of the checkpoint inside the output directory. */
  static final String CHECKPOINT_FILE = "checkpoint.safetensors";
  /** File name of the per-step metrics (JSONL) inside the output directory. */
  static final String METRICS_FILE = "metrics.jsonl";

  private static final Logger LOG = LoggerFactory.getLogger(TrainingLoop.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * Configuration fields a resumed run may change: how long it runs (under a decaying schedule the
   * remaining learning rates follow the new length) and how often it validates or saves. Every other
   * field changes what a step computes.
   */
  private static final Set<String> MAY_CHANGE = Set.of("epochs", "maxSteps", "validateEvery",
      "checkpointEvery", "training.epochs", "training.maxSteps", "training.validateEvery",
      "training.checkpointEvery", "seed", "training.seed");

  /** Validates and copies. */
  TrainingLoop {
    Check.notNull(format, "format");
    Check.notNull(training, "training");
    config = Collections.unmodifiableMap(new LinkedHashMap<>(Check.notNull(config, "config")));
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

  /**
   * What one kind of training does inside the loop: its data ({@code lengths} of the examples that
   * batch indices refer to, the {@code trainData} fingerprint recorded as run field {@code
   * train_data}, whether it {@code validates}), one step and a validation pass.
   */
  abstract static class Task {
    final int[] lengths;
    final String trainData;
    final boolean validates;

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
   * What a step did: its loss, the session's result, and the metrics line's fields after {@code
   * loss} ({@code metrics}) and after {@code tokens_per_s} ({@code terms}), in order.
   */
  record Step(double loss, TrainingSession.StepResult result, Map<String, Double> metrics,
      Map<String, Double> terms) {
    /** A step with only the session's loss. */
    Step(TrainingSession.StepResult result) {
      this(result.loss(), result, Map.of(), Map.of());
    }
  }

  /** Outcome of a run: steps in total, the last step's loss, the last validation loss. */
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
        checkResume(checkpoint, identity);
      }
      task.beforeRestore(resuming);
      if (resuming) {
        long step = load(session, checkpoint);
        keepMetricsUpTo(metrics, step);
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
            save(session, checkpoint, identity);
            lastSaved = step;
            listener.onCheckpoint(step, checkpoint);
          }
        }
      }
      if (lastSaved != session.step() || !Files.exists(checkpoint)) {
        save(session, checkpoint, identity);
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

  /** Writes the session's state, the configuration and {@code run} to {@code file}, atomically. */
  void save(TrainingSession session, Path file, Map<String, String> run) throws IOException {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, float[]> e : session.state().entrySet()) {
      String name = e.getKey().substring(2);
      tensors.put(e.getKey(), Tensor.ofFloats(e.getValue(), session.shape(name)));
    }
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", format);
    meta.put("step", Long.toString(session.step()));
    meta.put("seed", Long.toString(training.seed()));
    meta.put("trainables", JSON.writeValueAsString(session.trainableNames()));
    meta.put("config", JSON.writeValueAsString(config));
    meta.put("run", JSON.writeValueAsString(new TreeMap<>(run)));
    SafetensorsWriter.write(file, tensors, meta);
  }

  /**
   * Checks, before anything is restored, that the checkpoint in {@code file} belongs to a run like this
   * one: same format and seed, and the same configuration and run identity except the fields a resumed
   * run may change (its length and its validation and checkpoint intervals) and configuration fields
   * this run does not have. Differences are refused, each named with the checkpoint's value and this
   * run's, unless {@link #allowConfigChange}; then they are logged. A checkpoint written before run
   * identities were recorded is compared on its configuration only.
   *
   * @return the differences found (empty when the runs agree)
   * @throws IllegalArgumentException naming the file and every differing field
   */
  List<String> checkResume(Path file, Map<String, String> run) {
    Map<String, String> meta;
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      meta = f.metadata();
    }
    checkFormatAndSeed(file, meta);
    List<String> differences = new ArrayList<>();
    Map<String, String> stored = stringMap(file, meta, "config");
    // Settings this run's configuration does not have (such as the unused loss parameters that
    // checkpoints of earlier versions recorded) cannot change what a step computes.
    stored.keySet().retainAll(config.keySet());
    compare(stored, config, differences);
    if (meta.containsKey("run")) {
      compare(stringMap(file, meta, "run"), run, differences);
    } else {
      LOG.info("{} records no run identity (written by an earlier version); comparing its"
          + " configuration only", file);
    }
    if (differences.isEmpty()) {
      return differences;
    }
    Check.argument(allowConfigChange,
        file + ": the checkpoint belongs to a run with other settings: "
            + String.join("; ", differences) + ". Resume with the checkpoint's"
            + " settings, or allow the change explicitly (--allow-config-change)");
    LOG.warn("resuming {} with changed settings (allowed): {}", file, String.join("; ", differences));
    return differences;
  }

  private static void compare(Map<String, String> stored, Map<String, String> current,
      List<String> differences) {
    Set<String> keys = new TreeSet<>(stored.keySet());
    keys.addAll(current.keySet());
    for (String k : keys) {
      String a = stored.get(k);
      String b = current.get(k);
      if (!MAY_CHANGE.contains(k) && !Objects.equals(a, b)) {
        differences.add(k + ": checkpoint " + (a == null ? "(none)" : a) + ", this run "
            + (b == null ? "(none)" : b));
      }
    }
  }

  private static Map<String, String> stringMap(Path file, Map<String, String> meta, String key) {
    Map<String, String> out = new TreeMap<>();
    String text = meta.get(key);
    if (text == null) {
      return out;
    }
    try {
      JSON.readTree(text).fields().forEachRemaining(e -> out.put(e.getKey(),
          e.getValue().isTextual() ? e.getValue().textValue() : e.getValue().toString()));
      return out;
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": metadata \"" + key + "\" is not a JSON object: "
          + e.getMessage(), e);
    }
  }

  private void checkFormatAndSeed(Path file, Map<String, String> meta) {
    Check.argument(format.equals(meta.get("format")),
        file + ": format must be " + format + ", found " + meta.get("format"));
    Check.argument(Long.toString(training.seed()).equals(meta.get("seed")),
        file + ": seed " + meta.get("seed") + " != configured seed " + training.seed());
  }

  /**
   * Restores {@code session} from {@code file} and returns its step.
   *
   * @throws IllegalArgumentException if the file's format, seed or trained tensors differ from this run
   */
  long load(TrainingSession session, Path file) {
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      Map<String, String> meta = f.metadata();
      checkFormatAndSeed(file, meta);
      String names = JSON.writeValueAsString(session.trainableNames());
      Check.argument(names.equals(meta.get("trainables")),
          file + ": trainables " + meta.get("trainables") + " != " + names);
      Map<String, float[]> state = new LinkedHashMap<>();
      for (String n : f.names()) {
        state.put(n, f.floats(n));
      }
      long step = Long.parseLong(meta.get("step"));
      session.restore(state, step);
      return step;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read checkpoint " + file, e);
    }
  }

  /** Keeps the lines of a metrics JSONL file whose {@code step} is at most {@code step}. */
  private static void keepMetricsUpTo(Path metrics, long step) throws IOException {
    if (!Files.exists(metrics)) {
      return;
    }
    StringBuilder text = new StringBuilder();
    for (String line : Files.readAllLines(metrics, StandardCharsets.UTF_8)) {
      if (!line.isBlank() && JSON.readTree(line).path("step").asLong(Long.MAX_VALUE) <= step) {
        text.append(line).append('\n');
      }
    }
    AtomicFiles.writeString(metrics, text.toString());
  }
}
