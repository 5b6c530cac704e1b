package org.consistency4j.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * Trainer checkpoints shared by {@link SftTrainer} and {@link CatTrainer}: the full optimizer state of a
 * {@link TrainingSession} in one safetensors file whose metadata names the format, step, seed, trained
 * tensors, the run's configuration and the run's identity beyond it (data fingerprint, model, LoRA
 * settings); the comparison of both with a resuming run; and the step-truncation of a metrics JSONL
 * file on resume.
 */
final class Checkpoints {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);
  /**
   * Configuration fields a resumed run may change: how long it runs (to extend or shorten it; under a
   * decaying schedule the remaining learning rates follow the new length) and how often it validates
   * or saves. Every other field changes what a step computes.
   */
  private static final Set<String> MAY_CHANGE = Set.of("epochs", "maxSteps", "validateEvery",
      "checkpointEvery", "training.epochs", "training.maxSteps", "training.validateEvery",
      "training.checkpointEvery");

  private Checkpoints() {}

  /**
   * Writes the session's state, the run's configuration and {@code run} (what identifies the run
   * beyond its configuration) to {@code file}, atomically.
   */
  static void save(TrainingSession session, Path file, String format, long seed,
      Map<String, ?> config, Map<String, String> run) throws IOException {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, float[]> e : session.state().entrySet()) {
      String name = e.getKey().substring(2);
      tensors.put(e.getKey(), Tensor.ofFloats(e.getValue(), session.shape(name)));
    }
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", format);
    meta.put("step", Long.toString(session.step()));
    meta.put("seed", Long.toString(seed));
    meta.put("trainables", JSON.writeValueAsString(session.trainableNames()));
    meta.put("config", JSON.writeValueAsString(config));
    meta.put("run", JSON.writeValueAsString(new TreeMap<>(run)));
    SafetensorsWriter.write(file, tensors, meta);
  }

  /**
   * Checks, before anything is restored, that the checkpoint in {@code file} belongs to a run like this
   * one: same format and seed, and the same configuration and run identity except the fields a resumed
   * run may change (its length and its validation and checkpoint intervals) and configuration fields
   * this run does not have. Differences are refused,
   * each named with the checkpoint's value and this run's, unless {@code allowChange}; then they are
   * logged. A checkpoint written before run identities were recorded is compared on its configuration
   * only.
   *
   * @return the differences found (empty when the runs agree)
   * @throws IllegalArgumentException naming the file and every differing field
   */
  static List<String> checkResume(Path file, String format, long seed, Map<String, String> config,
      Map<String, String> run, boolean allowChange) {
    Map<String, String> meta;
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      meta = f.metadata();
    }
    checkFormatAndSeed(file, meta, format, seed);
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
    if (!allowChange) {
      throw new IllegalArgumentException(file + ": the checkpoint belongs to a run with other"
          + " settings: " + String.join("; ", differences) + ". Resume with the checkpoint's"
          + " settings, or allow the change explicitly (--allow-config-change)");
    }
    LOG.warn("resuming {} with changed settings (allowed): {}", file, String.join("; ", differences));
    return differences;
  }

  private static void compare(Map<String, String> stored, Map<String, String> current,
      List<String> differences) {
    Set<String> keys = new TreeSet<>(stored.keySet());
    keys.addAll(current.keySet());
    for (String k : keys) {
      if (MAY_CHANGE.contains(k) || k.equals("seed") || k.equals("training.seed")) {
        continue;
      }
      String a = stored.get(k);
      String b = current.get(k);
      if (!java.util.Objects.equals(a, b)) {
        differences.add(k + ": checkpoint " + (a == null ? "(none)" : a) + ", this run "
            + (b == null ? "(none)" : b));
      }
    }
  }

  private static Map<String, String> stringMap(Path file, Map<String, String> meta, String key) {
    String text = meta.get(key);
    if (text == null) {
      return new TreeMap<>();
    }
    try {
      Map<String, String> out = new TreeMap<>();
      JSON.readTree(text).fields().forEachRemaining(e -> out.put(e.getKey(),
          e.getValue().isTextual() ? e.getValue().textValue() : e.getValue().toString()));
      return out;
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": metadata \"" + key + "\" is not a JSON object: "
          + e.getMessage(), e);
    }
  }

  private static void checkFormatAndSeed(Path file, Map<String, String> meta, String format,
      long seed) {
    Check.argument(format.equals(meta.get("format")),
        file + ": format must be " + format + ", found " + meta.get("format"));
    Check.argument(Long.toString(seed).equals(meta.get("seed")),
        file + ": seed " + meta.get("seed") + " != configured seed " + seed);
  }

  /**
   * Restores {@code session} from {@code file} and returns its step.
   *
   * @throws IllegalArgumentException if the file's format, seed or trained tensors differ from this run
   */
  static long load(TrainingSession session, Path file, String format, long seed) {
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      Map<String, String> meta = f.metadata();
      checkFormatAndSeed(file, meta, format, seed);
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
  static void keepMetricsUpTo(Path metrics, long step) throws IOException {
    if (!Files.exists(metrics)) {
      return;
    }
    List<String> keep = new ArrayList<>();
    for (String line : Files.readAllLines(metrics, StandardCharsets.UTF_8)) {
      if (!line.isBlank() && JSON.readTree(line).path("step").asLong(Long.MAX_VALUE) <= step) {
        keep.add(line);
      }
    }
    StringBuilder text = new StringBuilder();
    for (String line : keep) {
      text.append(line).append('\n');
    }
    AtomicFiles.writeString(metrics, text.toString());
  }
}
