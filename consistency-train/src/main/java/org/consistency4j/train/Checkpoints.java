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
import org.consistency4j.graph.Tensor;
import org.consistency4j.internal.AtomicFiles;
import org.consistency4j.internal.Check;
import org.consistency4j.safetensors.SafetensorsFile;
import org.consistency4j.safetensors.SafetensorsWriter;

/**
 * Trainer checkpoints shared by {@link SftTrainer} and {@link CatTrainer}: the full optimizer state of a
 * {@link TrainingSession} in one safetensors file whose metadata names the format, step, seed, trained
 * tensors and the run's configuration; and the step-truncation of a metrics JSONL file on resume.
 */
final class Checkpoints {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Checkpoints() {}

  /** Writes the session's state and the run's identity to {@code file}, atomically. */
  static void save(TrainingSession session, Path file, String format, long seed,
      Map<String, ?> config) throws IOException {
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
    SafetensorsWriter.write(file, tensors, meta);
  }

  /**
   * Restores {@code session} from {@code file} and returns its step.
   *
   * @throws IllegalArgumentException if the file's format, seed or trained tensors differ from this run
   */
  static long load(TrainingSession session, Path file, String format, long seed) {
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      Map<String, String> meta = f.metadata();
      Check.argument(format.equals(meta.get("format")),
          file + ": format must be " + format + ", found " + meta.get("format"));
      Check.argument(Long.toString(seed).equals(meta.get("seed")),
          file + ": seed " + meta.get("seed") + " != configured seed " + seed);
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
