package org.consistency4j.model;

import java.util.LinkedHashMap;
import java.util.Map;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.ExportedModel;
import org.consistency4j.graph.GraphBuilder;
import org.consistency4j.graph.ModelOptions;
import org.consistency4j.graph.Tensor;
import org.consistency4j.graph.Value;
import org.consistency4j.internal.Check;
import org.consistency4j.train.LlamaTrainingGraph;

/**
 * The incremental-decoding graph of a Llama-family model: {@code input_ids [batch, new]} with their
 * rotary {@code position_ids [batch, new]}, the {@code attention_mask [batch, past+new]} (1 = a real
 * token, 0 = padding that no query attends to) and the key/value cache of the {@code past} tokens
 * ({@code past_key.L}, {@code past_value.L}: {@code [batch, kv_heads, past, head_dim]}, past may be
 * 0) to {@code last_logits [batch, vocab]} (logits after the last new token) and the extended cache
 * ({@code present_key.L}, {@code present_value.L}). A batch of prompts of different lengths is
 * left-padded so that every row's last token is at the same index; attention is causal by index and
 * masked by {@code attention_mask}, and positions count each row's real tokens, so a row's logits
 * equal those of the row decoded alone up to float rounding. Same semantics as {@link
 * LlamaTrainingGraph} (Hugging Face float32). Weights are initializers with their Hugging Face
 * names, external above 64 KiB. Stateless.
 */
final class LlamaDecodeGraph {
  static final String INPUT_IDS = "input_ids";
  static final String POSITION_IDS = "position_ids";
  static final String ATTENTION_MASK = "attention_mask";
  static final String LAST_LOGITS = "last_logits";

  private LlamaDecodeGraph() {}

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

  static ExportedModel build(ModelConfig c, Map<String, Tensor> weights) {
    GraphBuilder g = GraphBuilder.create("llama_decode", 18);
    int hd = c.headDim();
    int nh = c.numAttentionHeads();
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
    Map<String, Value> w = new LinkedHashMap<>();
    for (String name : LlamaTrainingGraph.expectedShapes(c).keySet()) {
      Tensor t = weights.get(name);
      Check.argument(t != null, "weights must contain " + name);
      w.put(name, g.initializer(name, t));
    }
    Value one = g.scalar(DType.INT64, 1);
    Value newLen = g.squeeze(g.shape(ids, 1, 2), 0);
    Value pastLen = g.squeeze(g.shape(pastK[0], 2, 3), 0);
    Value total = g.add(pastLen, newLen);
    Value qPos = g.range(pastLen, total, one);
    Value kPos = g.range(g.scalar(DType.INT64, 0), total, one);
    float[] invFreq = new float[hd / 2];
    for (int i = 0; i < invFreq.length; i++) {
      invFreq[i] = (float) (1.0 / Math.pow(c.ropeTheta(), (float) (2 * i) / (float) hd));
    }
    // [batch, new, 1] x [1, hd/2] -> [batch, 1, new, hd] to broadcast over the heads.
    Value freqs = g.mul(g.unsqueeze(g.cast(positions, DType.FLOAT), 2),
        g.constant(Tensor.ofFloats(invFreq, 1, hd / 2)));
    Value emb = g.unsqueeze(g.concat(-1, freqs, freqs), 1);
    Value cos = g.cos(emb);
    Value sin = g.sin(emb);
    // Masked: a later key index, or a padding key. [1, 1, new, total] or [batch, 1, 1, total].
    Value future = g.unsqueeze(g.greater(g.unsqueeze(kPos, 0), g.unsqueeze(qPos, 1)), 0);
    Value padding = g.unsqueeze(g.equal(mask, g.scalar(DType.INT64, 0)), 1);
    Value masked = g.or(future, g.unsqueeze(padding, 1));
    Value minValue = g.scalar(DType.FLOAT, -Float.MAX_VALUE);

    Value x = g.gather(w.get("model.embed_tokens.weight"), ids, 0);
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      String p = "model.layers." + l + ".";
      Value h = rmsNorm(g, x, w.get(p + "input_layernorm.weight"), c.rmsNormEps());
      Value q = linear(g, h, w.get(p + "self_attn.q_proj.weight"), w.get(p + "self_attn.q_proj.bias"));
      Value k = linear(g, h, w.get(p + "self_attn.k_proj.weight"), w.get(p + "self_attn.k_proj.bias"));
      Value v = linear(g, h, w.get(p + "self_attn.v_proj.weight"), w.get(p + "self_attn.v_proj.bias"));
      q = rope(g, heads(g, q, nh, hd), cos, sin, hd);
      Value kAll = g.concat(2, pastK[l], rope(g, heads(g, k, nkv, hd), cos, sin, hd));
      Value vAll = g.concat(2, pastV[l], heads(g, v, nkv, hd));
      g.output(presentKey(l), kAll);
      g.output(presentValue(l), vAll);
      Value kr = repeatKv(g, kAll, nh, nkv, hd);
      Value vr = repeatKv(g, vAll, nh, nkv, hd);
      Value scores = g.mul(g.matMul(q, g.transpose(kr, 0, 1, 3, 2)),
          g.scalar(DType.FLOAT, (float) (1.0 / Math.sqrt(hd))));
      Value attn = g.softmax(g.where(masked, minValue, scores), -1);
      Value ctx = g.reshape(g.transpose(g.matMul(attn, vr), 0, 2, 1, 3), 0, 0, (long) nh * hd);
      x = g.add(x, linear(g, ctx, w.get(p + "self_attn.o_proj.weight"),
          w.get(p + "self_attn.o_proj.bias")));
      Value h2 = rmsNorm(g, x, w.get(p + "post_attention_layernorm.weight"), c.rmsNormEps());
      Value gate = linear(g, h2, w.get(p + "mlp.gate_proj.weight"), null);
      Value up = linear(g, h2, w.get(p + "mlp.up_proj.weight"), null);
      x = g.add(x, linear(g, g.mul(g.mul(gate, g.sigmoid(gate)), up),
          w.get(p + "mlp.down_proj.weight"), null));
    }
    // Only the last position's logits: [batch, 1, hidden] -> [batch, vocab].
    Value last = g.slice(x, 1, -1, Long.MAX_VALUE);
    Value hf = rmsNorm(g, last, w.get("model.norm.weight"), c.rmsNormEps());
    Value head = c.tieWordEmbeddings() ? w.get("model.embed_tokens.weight") : w.get("lm_head.weight");
    g.output(LAST_LOGITS, g.squeeze(linear(g, hf, head, null), 1));
    return g.build().toModel(ModelOptions.defaults().withExternalInitializersAbove(64 * 1024));
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
