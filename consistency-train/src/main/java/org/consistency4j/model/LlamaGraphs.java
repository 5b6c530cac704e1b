package org.consistency4j.model;

import java.nio.file.Path;
import java.util.Arrays;
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
import org.consistency4j.safetensors.SafetensorsCheckpoint;

/**
 * The ONNX graphs of a Llama-family model (Llama, Qwen2, Mistral within its window), following Hugging
 * Face's {@code LlamaForCausalLM} in float32: RMSNorm, default RoPE computed from the positions
 * (rotate-half), grouped-query attention (repeat_kv), SwiGLU MLP, optional q/k/v and output biases,
 * tied or separate LM head. Each linear layer is {@code MatMul(x, Transpose(W))} so that LoRA can
 * adapt it and autodiff differentiate it. Weights are initializers with their Hugging Face names; those
 * above 64 KiB are external (see {@link ExportedModel}).
 *
 * <ul>
 *   <li>{@link #forward}: {@code input_ids [batch, seq]} to {@code logits [batch, seq, vocab]}, causal
 *       attention over right-padded batches, no cache (scoring and training).
 *   <li>the incremental-decoding graph used by {@link OnnxLanguageModel}: {@code input_ids [batch,
 *       new]} with their rotary {@code position_ids [batch, new]}, the {@code attention_mask [batch,
 *       past+new]} (1 = a real token, 0 = padding that no query attends to) and the key/value cache of
 *       the {@code past} tokens ({@code past_key.L}, {@code past_value.L}: {@code [batch, kv_heads,
 *       past, head_dim]}, past may be 0) to {@code last_logits [batch, vocab]} (after the last new
 *       token) and the extended cache ({@code present_key.L}, {@code present_value.L}). Batches of
 *       prompts are left-padded so that every row's last token is at the same index; attention is
 *       causal by index and masked by {@code attention_mask}, and positions count each row's real
 *       tokens, so a row's logits equal those of the row decoded alone up to float rounding.
 * </ul>
 *
 * <p>Both graphs share one decoder-layer builder. Stateless.
 */
public final class LlamaGraphs {
  /** Name of the token-id input. */
  public static final String INPUT_IDS = "input_ids";
  /** Name of the logits output of {@link #forward}. */
  public static final String LOGITS = "logits";

  static final String POSITION_IDS = "position_ids";
  static final String ATTENTION_MASK = "attention_mask";
  static final String LAST_LOGITS = "last_logits";

  private static final long EXTERNAL_ABOVE = 64 * 1024;

  private LlamaGraphs() {}

  static String pastKey(int l) {
    return "past_key." + l;
  }

  static String pastValue(int l) {
    return "past_value." + l;
  }

  static String presentKey(int l) {
    return "present_key." + l;
  }

  static String presentValue(int l) {
    return "present_value." + l;
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
      checkWeightsCover(ckpt, config, modelDir);
      for (Map.Entry<String, long[]> e : expectedShapes(config).entrySet()) {
        String name = e.getKey();
        if (!ckpt.contains(name)) {
          throw new ModelLoadException(modelDir + ": weight " + name + " is missing");
        }
        List<Long> shape = ckpt.info(name).orElseThrow().shape();
        long[] s = shape.stream().mapToLong(Long::longValue).toArray();
        if (!Arrays.equals(s, e.getValue())) {
          throw new ModelLoadException(modelDir + ": weight " + name + " has shape " + shape
              + ", config implies " + Arrays.toString(e.getValue()));
        }
        // float32 weights stay zero-copy views of the memory-mapped file; others are upcast.
        weights.put(name, ckpt.info(name).orElseThrow().dtype() == DType.FLOAT
            ? ckpt.tensor(name) : Tensor.ofFloats(ckpt.floats(name), s));
      }
    }
    return weights;
  }

  /**
   * Checks, before anything is built or allocated from the config, that the checkpoint has weights for
   * every layer the config claims: {@code num_hidden_layers} must not exceed the layers present (the
   * highest {@code model.layers.N.} prefix plus one), so that a config claiming far more layers than the
   * file holds is refused at once with both numbers. Missing or mis-shaped weights of the layers present
   * are then named one by one by {@link #loadWeights}.
   *
   * @param source the model directory named in the message
   * @throws ModelLoadException naming {@code config.json}, the field, its value and the layers present
   */
  public static void checkWeightsCover(SafetensorsCheckpoint ckpt, ModelConfig config, Path source) {
    Check.notNull(ckpt, "ckpt");
    Check.notNull(config, "config");
    int layers = 0;
    for (String n : ckpt.names()) {
      if (n.startsWith("model.layers.")) {
        int dot = n.indexOf('.', "model.layers.".length());
        String index = dot < 0 ? "" : n.substring("model.layers.".length(), dot);
        if (!index.isEmpty() && index.length() <= 9 && index.chars().allMatch(Character::isDigit)) {
          layers = Math.max(layers, Integer.parseInt(index) + 1);
        }
      }
    }
    if (config.numHiddenLayers() > layers) {
      throw new ModelLoadException(source.resolve("config.json") + ": num_hidden_layers is "
          + config.numHiddenLayers() + ", but the checkpoint has weights for " + layers + " layers"
          + (layers == 0 ? "" : " (model.layers.0 to model.layers." + (layers - 1) + ")"));
    }
  }

  /** The weight names and shapes a config needs, in Hugging Face naming. */
  public static Map<String, long[]> expectedShapes(ModelConfig c) {
    Check.notNull(c, "c");
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
   * The full forward graph: {@code input_ids [batch, seq]} to {@code logits [batch, seq, vocab]}, from
   * float32 weights named as in {@link #expectedShapes(ModelConfig)}.
   *
   * @throws IllegalArgumentException if a weight is missing or not float32
   */
  public static ExportedModel forward(ModelConfig c, Map<String, Tensor> weights) {
    Check.notNull(c, "c");
    Check.notNull(weights, "weights");
    GraphBuilder g = GraphBuilder.create("llama_train", 18);
    Value ids = g.input(INPUT_IDS, DType.INT64, "batch", "seq");
    Map<String, Value> w = initializers(g, c, weights);
    // Positions 0..T-1, RoPE angles and the causal mask, all from the run-time sequence length.
    Value seqLen = g.squeeze(g.shape(ids, 1, 2), 0);
    Value pos = g.cast(g.range(g.scalar(DType.INT64, 0), seqLen, g.scalar(DType.INT64, 1)), DType.FLOAT);
    Value freqs = angles(g, c, g.unsqueeze(pos, 1));
    Value emb = g.concat(-1, freqs, freqs);
    Value idx = g.range(g.scalar(DType.INT64, 0), seqLen, g.scalar(DType.INT64, 1));
    Value future = g.greater(g.unsqueeze(idx, 0), g.unsqueeze(idx, 1));
    Value x = decoder(g, c, w, g.gather(w.get("model.embed_tokens.weight"), ids, 0),
        g.cos(emb), g.sin(emb), future, null, null);
    g.output(LOGITS, head(g, c, w, x));
    return g.build().toModel(ModelOptions.defaults().withExternalInitializersAbove(EXTERNAL_ABOVE));
  }

  /** The incremental-decoding graph described in the class comment. */
  static ExportedModel decode(ModelConfig c, Map<String, Tensor> weights) {
    GraphBuilder g = GraphBuilder.create("llama_decode", 18);
    int hd = c.headDim();
    int nkv = c.numKeyValueHeads();
    Value ids = g.input(INPUT_IDS, DType.INT64, "batch", "new");
    Value positions = g.input(POSITION_IDS, DType.INT64, "batch", "new");
    Value mask = g.input(ATTENTION_MASK, DType.INT64, "batch", "total");
    Value[] pastK = new Value[c.numHiddenLayers()];
    Value[] pastV = new Value[c.numHiddenLayers()];
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      pastK[l] = g.input(pastKey(l), DType.FLOAT, "batch", (long) nkv, "past", (long) hd);
      pastV[l] = g.input(pastValue(l), DType.FLOAT, "batch", (long) nkv, "past", (long) hd);
    }
    Map<String, Value> w = initializers(g, c, weights);
    Value one = g.scalar(DType.INT64, 1);
    Value newLen = g.squeeze(g.shape(ids, 1, 2), 0);
    Value pastLen = g.squeeze(g.shape(pastK[0], 2, 3), 0);
    Value total = g.add(pastLen, newLen);
    Value qIdx = g.range(pastLen, total, one);
    Value kIdx = g.range(g.scalar(DType.INT64, 0), total, one);
    // [batch, new, 1] x [1, hd/2] -> [batch, 1, new, hd] to broadcast over the heads.
    Value freqs = angles(g, c, g.unsqueeze(g.cast(positions, DType.FLOAT), 2));
    Value emb = g.unsqueeze(g.concat(-1, freqs, freqs), 1);
    // Masked: a later key index, or a padding key. [1, new, total] or [batch, 1, 1, total].
    Value future = g.unsqueeze(g.greater(g.unsqueeze(kIdx, 0), g.unsqueeze(qIdx, 1)), 0);
    Value padding = g.unsqueeze(g.equal(mask, g.scalar(DType.INT64, 0)), 1, 2);
    Value x = decoder(g, c, w, g.gather(w.get("model.embed_tokens.weight"), ids, 0),
        g.cos(emb), g.sin(emb), g.or(future, padding), pastK, pastV);
    // Only the last position's logits: [batch, 1, hidden] -> [batch, vocab].
    g.output(LAST_LOGITS, g.squeeze(head(g, c, w, g.slice(x, 1, -1, Long.MAX_VALUE)), 1));
    return g.build().toModel(ModelOptions.defaults().withExternalInitializersAbove(EXTERNAL_ABOVE));
  }

  private static Map<String, Value> initializers(GraphBuilder g, ModelConfig c,
      Map<String, Tensor> weights) {
    Map<String, Value> w = new LinkedHashMap<>();
    for (String name : expectedShapes(c).keySet()) {
      Tensor t = weights.get(name);
      Check.argument(t != null, "weights must contain " + name);
      Check.argument(t.dtype() == DType.FLOAT, name + " must be FLOAT, found " + t.dtype());
      w.put(name, g.initializer(name, t));
    }
    return w;
  }

  /** RoPE angles {@code positions * inv_freq}: positions {@code [..., 1]} to {@code [..., hd/2]}. */
  private static Value angles(GraphBuilder g, ModelConfig c, Value positions) {
    int hd = c.headDim();
    float[] invFreq = new float[hd / 2];
    for (int i = 0; i < invFreq.length; i++) {
      invFreq[i] = (float) (1.0 / Math.pow(c.ropeTheta(), (float) (2 * i) / (float) hd));
    }
    return g.mul(positions, g.constant(Tensor.ofFloats(invFreq, 1, hd / 2)));
  }

  /**
   * The decoder layers over embeddings {@code x [batch, n, hidden]}: {@code masked} (bool,
   * broadcastable to the attention scores {@code [batch, heads, n, keys]}) marks the key positions a
   * query must not attend to. With a cache ({@code pastK}, {@code pastV} not null) the new keys and
   * values are appended to it and output as {@code present_*}.
   */
  private static Value decoder(GraphBuilder g, ModelConfig c, Map<String, Value> w, Value x,
      Value cos, Value sin, Value masked, Value[] pastK, Value[] pastV) {
    int hd = c.headDim();
    int nh = c.numAttentionHeads();
    int nkv = c.numKeyValueHeads();
    Value minValue = g.scalar(DType.FLOAT, -Float.MAX_VALUE);
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      String p = "model.layers." + l + ".";
      Value h = rmsNorm(g, x, w.get(p + "input_layernorm.weight"), c.rmsNormEps());
      Value q = linear(g, h, w.get(p + "self_attn.q_proj.weight"), w.get(p + "self_attn.q_proj.bias"));
      Value k = linear(g, h, w.get(p + "self_attn.k_proj.weight"), w.get(p + "self_attn.k_proj.bias"));
      Value v = linear(g, h, w.get(p + "self_attn.v_proj.weight"), w.get(p + "self_attn.v_proj.bias"));
      q = rope(g, heads(g, q, nh, hd), cos, sin, hd);
      k = rope(g, heads(g, k, nkv, hd), cos, sin, hd);
      v = heads(g, v, nkv, hd);
      if (pastK != null) {
        k = g.concat(2, pastK[l], k);
        v = g.concat(2, pastV[l], v);
        g.output(presentKey(l), k);
        g.output(presentValue(l), v);
      }
      k = repeatKv(g, k, nh, nkv, hd);
      v = repeatKv(g, v, nh, nkv, hd);
      Value scores = g.mul(g.matMul(q, g.transpose(k, 0, 1, 3, 2)),
          g.scalar(DType.FLOAT, (float) (1.0 / Math.sqrt(hd))));
      Value attn = g.softmax(g.where(masked, minValue, scores), -1);
      Value ctx = g.reshape(g.transpose(g.matMul(attn, v), 0, 2, 1, 3), 0, 0, (long) nh * hd);
      x = g.add(x, linear(g, ctx, w.get(p + "self_attn.o_proj.weight"),
          w.get(p + "self_attn.o_proj.bias")));
      Value h2 = rmsNorm(g, x, w.get(p + "post_attention_layernorm.weight"), c.rmsNormEps());
      Value gate = linear(g, h2, w.get(p + "mlp.gate_proj.weight"), null);
      Value up = linear(g, h2, w.get(p + "mlp.up_proj.weight"), null);
      Value act = g.mul(g.mul(gate, g.sigmoid(gate)), up);
      x = g.add(x, linear(g, act, w.get(p + "mlp.down_proj.weight"), null));
    }
    return x;
  }

  /** Final norm and LM head (tied to the embeddings or separate). */
  private static Value head(GraphBuilder g, ModelConfig c, Map<String, Value> w, Value x) {
    Value hf = rmsNorm(g, x, w.get("model.norm.weight"), c.rmsNormEps());
    Value head = c.tieWordEmbeddings() ? w.get("model.embed_tokens.weight") : w.get("lm_head.weight");
    return linear(g, hf, head, null);
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
    return g.reshape(g.expand(g.unsqueeze(x, 2), 1, 1, nh / nkv, 1, 1), 0, nh, -1, hd);
  }
}
