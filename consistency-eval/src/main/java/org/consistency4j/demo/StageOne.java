package org.consistency4j.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.consistency4j.internal.AtomicFiles;
import org.consistency4j.model.RuntimeOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models of a finished stage 1 (base model, baseline, sft_ia, judge) and the manifest that lets
 * a later run in the same directory keep them ({@value #MANIFEST}). A run keeps them only when the
 * manifest records the same stage-1 settings ({@link #settings}: the seed, model shape, SFT and
 * judge-phase settings, the judge layout, the thread count and the device) and every model
 * directory is there, so re-running the demo with other stage-2 settings skips stage 1 and, with the
 * same seed, gets the same stage-1 models as a fresh run. The manifest is written atomically after
 * the judge phase, so an interrupted stage 1 leaves none.
 *
 * @param baseline the baseline model directory
 * @param sftIa the sft_ia model directory
 * @param judge the judge model directory (sft_ia's own when there is no judge phase)
 */
record StageOne(Path baseline, Path sftIa, Path judge) {
  /** The manifest's file name in the demo's output directory. */
  static final String MANIFEST = "stage1.json";
  /** The largest manifest {@link #read} parses (a real one is about 2 KiB). */
  static final long MAX_MANIFEST_BYTES = 1 << 20;

  private static final String FORMAT = "consistency4j-demo-stage1/1";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger LOG = LoggerFactory.getLogger(StageOne.class);

  /** Everything stage 1's models depend on, by name. */
  static Map<String, Object> settings(DemoConfig config, RuntimeOptions runtime) {
    Map<String, Object> all = config.toMap();
    Map<String, Object> m = new LinkedHashMap<>();
    for (String key : new String[] {"seed", "hidden", "layers", "heads", "intermediate",
        "train_examples_per_task", "judge_examples_per_task", "judge_replay_per_task",
        "judge_epochs", "judge_learning_rate", "sft_epochs", "sft_learning_rate", "batch_size",
        "threads"}) {
      m.put(key, all.get(key));
    }
    m.put("device", Demo.deviceLabel(runtime));
    m.put("prompt_template", DemoSuite.PROMPT_TEMPLATE);
    m.put("judge_template", DemoSuite.JUDGE_TEMPLATE);
    m.put("vocabulary_size", DemoSuite.load().vocabulary().size());
    return m;
  }

  /** Writes the manifest into {@code outDir} (atomically), model paths relative to it. */
  void write(Path outDir, DemoConfig config, RuntimeOptions runtime) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.set("settings", JSON.valueToTree(settings(config, runtime)));
    ObjectNode models = root.putObject("models");
    models.put("baseline", outDir.relativize(baseline).toString());
    models.put("sft_ia", outDir.relativize(sftIa).toString());
    models.put("judge", outDir.relativize(judge).toString());
    AtomicFiles.writeString(outDir.resolve(MANIFEST),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
  }

  /**
   * The stage 1 a previous run left in {@code outDir}, when its manifest records exactly these
   * settings and its models are there; empty otherwise (the reason is logged). A manifest that is
   * not JSON, or larger than {@link #MAX_MANIFEST_BYTES}, is not trusted: stage 1 runs again and
   * rewrites it.
   */
  static Optional<StageOne> read(Path outDir, DemoConfig config, RuntimeOptions runtime)
      throws IOException {
    Path file = outDir.resolve(MANIFEST);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    long size = Files.size(file);
    if (size > MAX_MANIFEST_BYTES) {
      LOG.warn("{}: {} bytes, more than a stage-1 manifest's limit of {}; stage 1 runs again", file,
          size, MAX_MANIFEST_BYTES);
      return Optional.empty();
    }
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (JsonProcessingException e) {
      LOG.warn("{}: not a readable stage-1 manifest ({}); stage 1 runs again", file,
          e.getOriginalMessage());
      return Optional.empty();
    }
    // Through text, so that number node types compare as a reader sees them.
    JsonNode wanted = JSON.readTree(JSON.writeValueAsString(settings(config, runtime)));
    if (!FORMAT.equals(root.path("format").asText()) || !wanted.equals(root.path("settings"))) {
      LOG.info("{}: another stage-1 configuration ({}), stage 1 runs again", file,
          root.path("settings"));
      return Optional.empty();
    }
    Path[] models = new Path[3];
    String[] names = {"baseline", "sft_ia", "judge"};
    for (int i = 0; i < names.length; i++) {
      String rel = root.path("models").path(names[i]).asText("");
      models[i] = outDir.resolve(rel).normalize();
      if (rel.isEmpty() || !models[i].startsWith(outDir.normalize())
          || !Files.isRegularFile(models[i].resolve("config.json"))) {
        LOG.info("{}: model {} is missing ({}), stage 1 runs again", file, names[i], rel);
        return Optional.empty();
      }
    }
    return Optional.of(new StageOne(models[0], models[1], models[2]));
  }
}
