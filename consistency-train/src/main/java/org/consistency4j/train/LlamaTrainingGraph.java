package org.consistency4j.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.consistency4j.ModelLoadException;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.ExportedModel;
import org.consistency4j.graph.GraphBuilder;
import org.consistency4j.graph.ModelOptions;
import org.consistency4j.graph.Tensor;
import org.consistency4j.graph.Value;
import org.consistency4j.internal.Check;
import org.consistency4j.model.ModelConfig;
import org.consistency4j.safetensors.SafetensorsCheckpoint;

/**
 * The float32 forward graph of a Llama-family model (Llama, Qwen2, Mistral within its window) for
 * training: {@code input_ids [batch, seq]} to {@code logits [batch, seq, vocab]}, full causal attention
 * over right-padded batches, no KV cache. It follows Hugging Face's {@code LlamaForCausalLM} (RMSNorm,
 * default RoPE computed in float32 from the positions, grouped-query attention, SwiGLU MLP, optional q/k/v
 * and output biases, tied or separate LM head) in standard operators that {@link
 * org.consistency4j.autodiff.Autodiff} differentiates; each linear layer is {@code MatMul(x,
 * Transpose(W))} so that {@link org.consistency4j.lora.Lora} can adapt it. Weights are initializers with
 * their Hugging Face names; those above 64 KiB are external (see {@link ExportedModel}). Stateless.
 */
public final class LlamaTrainingGraph {
  /** Name of the token-id input. */
  public static final String INPUT_IDS = "input_ids";
  /** Name of the logits output. */
  public static final String LOGITS = "logits";

  private static final long EXTERNAL_ABOVE = 64 * 1024;

  private LlamaTrainingGraph() {}

  /**
   * Loads {@code config.json} and the safetensors weights of a Hugging Face model directory (float32,
   * float16 or bfloat16 files; computed in float32).
   *
   * @throws ModelLoadException if the config is unsupported or a weight is missing or mis-shaped
   */
  public static ExportedModel load(Path modelDir) {
    Check.notNull(modelDir, "modelDir");
    ModelConfig config = ModelConfig.parse(modelDir.resolve("config.json"));
    return build(config, loadWeights(modelDir, config));
  }

  /**
   * Reads every weight {@code config} implies from the safetensors files of {@code modelDir}, checking
   * names and shapes: float32 tensors as zero-copy views of the memory-mapped files (valid after the
   * files are closed; the files must not change while they are used), float16/bfloat16 upcast to
   * float32 copies.
   *
   * @throws ModelLoadException if a weight is missing or mis-shaped (the message names it)
   */
  public static Map<String, Tensor> loadWeights(Path modelDir, ModelConfig config) {
    Check.notNull(modelDir, "modelDir");
    Check.notNull(config, "config");
    Map<String, Tensor> weights = new LinkedHashMap<>();
    try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(modelDir)) {
      for (Map.Entry<String, long[]> e : expectedShapes(config).entrySet()) {
        String name = e.getKey();
        if (!ckpt.contains(name)) {
          throw new ModelLoadException(modelDir + ": weight " + name + " is missing");
        }
        List<Long> shape = ckpt.info(name).orElseThrow().shape();
        long[] s = shape.stream().mapToLong(Long::longValue).toArray();
        if (!java.util.Arrays.equals(s, e.getValue())) {
          throw new ModelLoadException(modelDir + ": weight " + name + " has shape " + shape
              + ", config implies " + java.util.Arrays.toString(e.getValue()));
        }
        // float32 weights stay zero-copy views of the memory-mapped file; others are upcast.
        weights.put(name, ckpt.info(name).orElseThrow().dtype() == DType.FLOAT
            ? ckpt.tensor(name) : Tensor.ofFloats(ckpt.floats(name), s));
      }
    }
    return weights;
  }

  /** The weight names and shapes a config needs, in Hugging Face naming. */
  public static Map<String, long[]> expectedShapes(ModelConfig c) {
    Map<String, long[]> m = new LinkedHashMap<>();
    long h = c.hiddenSize();
    long q = (long) c.numAttentionHeads() * c.headDim();
    long kv = (long) c.numKeyValueHeads() * c.headDim();
    m.put("model.embed_tokens.weight", new long[] {c.vocabSize(), h});
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      String p = "model.layers." + l + ".";
      m.put(p + "input_layernorm.weight", new long[] {h});
      m.put(p + "self_attn.q_proj.weight", new long[] {q, h});
      m.put(p + "self_attn.k_proj.weight", new long[] {kv, h});
      m.put(p + "self_attn.v_proj.weight", new long[] {kv, h});
      if (c.qkvBias()) {
        m.put(p + "self_attn.q_proj.bias", new long[] {q});
        m.put(p + "self_attn.k_proj.bias", new long[] {kv});
        m.put(p + "self_attn.v_proj.bias", new long[] {kv});
      }
      m.put(p + "self_attn.o_proj.weight", new long[] {h, q});
      if (c.outputBias()) {
        m.put(p + "self_attn.o_proj.bias", new long[] {h});
      }
      m.put(p + "post_attention_layernorm.weight", new long[] {h});
      m.put(p + "mlp.gate_proj.weight", new long[] {c.intermediateSize(), h});
      m.put(p + "mlp.up_proj.weight", new long[] {c.intermediateSize(), h});
      m.put(p + "mlp.down_proj.weight", new long[] {h, c.intermediateSize()});
    }
    m.put("model.norm.weight", new long[] {h});
    if (!c.tieWordEmbeddings()) {
      m.put("lm_head.weight", new long[] {c.vocabSize(), h});
    }
    return m;
  }

  /**
   * Builds the graph from float32 weights named as in {@link #expectedShapes(ModelConfig)}.
   *
   * @throws IllegalArgumentException if a weight is missing or not float32
   */
  public static ExportedModel build(ModelConfig c, Map<String, Tensor> weights) {
    Check.notNull(c, "c");
    Check.notNull(weights, "weights");
    GraphBuilder g = GraphBuilder.create("llama_train", 18);
    Value ids = g.input(INPUT_IDS, DType.INT64, "batch", "seq");
    Map<String, Value> w = new LinkedHashMap<>();
    for (String name : expectedShapes(c).keySet()) {
      Tensor t = weights.get(name);
      Check.argument(t != null, "weights must contain " + name);
      Check.argument(t.dtype() == DType.FLOAT, name + " must be FLOAT, found " + t.dtype());
      w.put(name, g.initializer(name, t));
    }
    int hd = c.headDim();
    int nh = c.numAttentionHeads();
    int nkv = c.numKeyValueHeads();
    // Positions 0..T-1, RoPE angles and the causal mask, all from the run-time sequence length.
    Value seqLen = g.squeeze(g.shape(ids, 1, 2), 0);
    Value pos = g.cast(g.range(g.scalar(DType.INT64, 0), seqLen, g.scalar(DType.INT64, 1)), DType.FLOAT);
    float[] invFreq = new float[hd / 2];
    for (int i = 0; i < invFreq.length; i++) {
      invFreq[i] = (float) (1.0 / Math.pow(c.ropeTheta(), (float) (2 * i) / (float) hd));
    }
    Value freqs = g.mul(g.unsqueeze(pos, 1), g.constant(Tensor.ofFloats(invFreq, 1, hd / 2)));
    Value emb = g.concat(-1, freqs, freqs);
    Value cos = g.cos(emb);
    Value sin = g.sin(emb);
    Value idx = g.range(g.scalar(DType.INT64, 0), seqLen, g.scalar(DType.INT64, 1));
    Value future = g.greater(g.unsqueeze(idx, 0), g.unsqueeze(idx, 1));
    Value minValue = g.scalar(DType.FLOAT, -Float.MAX_VALUE);

    Value x = g.gather(w.get("model.embed_tokens.weight"), ids, 0);
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      String p = "model.layers." + l + ".";
      Value h = rmsNorm(g, x, w.get(p + "input_layernorm.weight"), c.rmsNormEps());
      Value q = linear(g, h, w.get(p + "self_attn.q_proj.weight"), w.get(p + "self_attn.q_proj.bias"));
      Value k = linear(g, h, w.get(p + "self_attn.k_proj.weight"), w.get(p + "self_attn.k_proj.bias"));
      Value v = linear(g, h, w.get(p + "self_attn.v_proj.weight"), w.get(p + "self_attn.v_proj.bias"));
      q = rope(g, heads(g, q, nh, hd), cos, sin, hd);
      k = repeatKv(g, rope(g, heads(g, k, nkv, hd), cos, sin, hd), nh, nkv, hd);
      v = repeatKv(g, heads(g, v, nkv, hd), nh, nkv, hd);
      Value scores = g.mul(g.matMul(q, g.transpose(k, 0, 1, 3, 2)),
          g.scalar(DType.FLOAT, (float) (1.0 / Math.sqrt(hd))));
      Value attn = g.softmax(g.where(future, minValue, scores), -1);
      Value ctx = g.reshape(g.transpose(g.matMul(attn, v), 0, 2, 1, 3), 0, 0, (long) nh * hd);
      x = g.add(x, linear(g, ctx, w.get(p + "self_attn.o_proj.weight"), w.get(p + "self_attn.o_proj.bias")));
      Value h2 = rmsNorm(g, x, w.get(p + "post_attention_layernorm.weight"), c.rmsNormEps());
      Value gate = linear(g, h2, w.get(p + "mlp.gate_proj.weight"), null);
      Value up = linear(g, h2, w.get(p + "mlp.up_proj.weight"), null);
      Value act = g.mul(g.mul(gate, g.sigmoid(gate)), up);
      x = g.add(x, linear(g, act, w.get(p + "mlp.down_proj.weight"), null));
    }
    Value hf = rmsNorm(g, x, w.get("model.norm.weight"), c.rmsNormEps());
    Value head = c.tieWordEmbeddings() ? w.get("model.embed_tokens.weight") : w.get("lm_head.weight");
    g.output(LOGITS, linear(g, hf, head, null));
    return g.build().toModel(ModelOptions.defaults().withExternalInitializersAbove(EXTERNAL_ABOVE));
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

  private static Value linear(GraphBuilder g, Value x, Value w, Value bias) {
    Value y = g.matMul(x, g.transpose(w, 1, 0));
    return bias == null ? y : g.add(y, bias);
  }

  private static Value rmsNorm(GraphBuilder g, Value x, Value w, double eps) {
    Value ms = g.reduceMean(g.mul(x, x), true, -1);
    return g.mul(w, g.div(x, g.sqrt(g.add(ms, g.scalar(DType.FLOAT, (float) eps)))));
  }

  private static Value heads(GraphBuilder g, Value x, int n, int hd) {
    return g.transpose(g.reshape(x, 0, 0, n, hd), 0, 2, 1, 3);
  }

  private static Value rope(GraphBuilder g, Value x, Value cos, Value sin, int hd) {
    Value x1 = g.slice(x, -1, 0, hd / 2);
    Value x2 = g.slice(x, -1, hd / 2, hd);
    return g.add(g.mul(x, cos), g.mul(g.concat(-1, g.neg(x2), x1), sin));
  }

  private static Value repeatKv(GraphBuilder g, Value x, int nh, int nkv, int hd) {
    if (nh == nkv) {
      return x;
    }
    Value e = g.expand(g.unsqueeze(x, 2), 1, 1, nh / nkv, 1, 1);
    return g.reshape(e, 0, nh, -1, hd);
  }
}
