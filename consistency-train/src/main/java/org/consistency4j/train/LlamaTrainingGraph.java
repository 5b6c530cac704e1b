package org.consistency4j.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.consistency4j.graph.ExportedModel;
import org.consistency4j.graph.Tensor;
import org.consistency4j.internal.Check;
import org.consistency4j.model.LlamaGraphs;
import org.consistency4j.model.ModelConfig;

/**
 * The float32 forward graph of a Llama-family model for training ({@code input_ids [batch, seq]} to
 * {@code logits [batch, seq, vocab]}, causal attention over right-padded batches, no KV cache; built
 * by {@link LlamaGraphs#forward}, whose operators {@link org.consistency4j.autodiff.Autodiff}
 * differentiates and whose {@code FusedMatMul(x, W, transB = 1)} linear layers {@link
 * org.consistency4j.lora.Lora} adapts), plus what training needs to know about the weights: which
 * ones exist ({@link #weightNames}) and which are exempt from weight decay ({@link #noDecay}).
 * Stateless.
 */
public final class LlamaTrainingGraph {
  /** Name of the token-id input. */
  public static final String INPUT_IDS = LlamaGraphs.INPUT_IDS;
  /** Name of the logits output. */
  public static final String LOGITS = LlamaGraphs.LOGITS;

  private LlamaTrainingGraph() {}

  /**
   * Loads {@code config.json} and the safetensors weights of a Hugging Face model directory (float32,
   * float16 or bfloat16 files; computed in float32).
   *
   * @throws org.consistency4j.ModelLoadException if the config is unsupported or a weight is missing or mis-shaped
   */
  public static ExportedModel load(Path modelDir) {
    Check.notNull(modelDir, "modelDir");
    return load(modelDir, ModelConfig.parse(modelDir.resolve("config.json")));
  }

  /**
   * As {@link #load(Path)}, with the directory's {@code config.json} already parsed into {@code
   * config} (so that a run parses it once).
   */
  public static ExportedModel load(Path modelDir, ModelConfig config) {
    Check.notNull(modelDir, "modelDir");
    Check.notNull(config, "config");
    return build(config, loadWeights(modelDir, config));
  }

  /** See {@link LlamaGraphs#loadWeights(Path, ModelConfig)}. */
  public static Map<String, Tensor> loadWeights(Path modelDir, ModelConfig config) {
    return LlamaGraphs.loadWeights(modelDir, config);
  }

  /** The weight names and shapes a config needs, in Hugging Face naming. */
  public static Map<String, long[]> expectedShapes(ModelConfig c) {
    return LlamaGraphs.expectedShapes(c);
  }

  /**
   * Builds the graph from float32 weights named as in {@link #expectedShapes(ModelConfig)} (the
   * forward graph of {@link LlamaGraphs#forward}).
   *
   * @throws IllegalArgumentException if a weight is missing or not float32
   */
  public static ExportedModel build(ModelConfig c, Map<String, Tensor> weights) {
    return LlamaGraphs.forward(c, weights);
  }

  /** Names of every weight, for full fine-tuning; norms and biases are listed by {@link #noDecay}. */
  public static List<String> weightNames(ModelConfig c) {
    return new ArrayList<>(expectedShapes(c).keySet());
  }

  /** The weights exempt from weight decay: norm weights and biases (as Hugging Face's Trainer does). */
  public static java.util.Set<String> noDecay(ModelConfig c) {
    java.util.Set<String> out = new java.util.LinkedHashSet<>();
    for (String n : expectedShapes(c).keySet()) {
      if (n.endsWith(".bias") || n.endsWith("norm.weight")) {
        out.add(n);
      }
    }
    return out;
  }
}
