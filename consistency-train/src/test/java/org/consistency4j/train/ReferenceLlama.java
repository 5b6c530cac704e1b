package org.consistency4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.GraphBuilder;
import org.consistency4j.graph.Tensor;
import org.consistency4j.graph.Value;

/**
 * Test-only Llama forward graph written from the fixture README's description of Hugging Face's {@code
 * LlamaForCausalLM} (RMSNorm, RoPE, grouped-query attention, SiLU MLP, untied head), in FLOAT or DOUBLE,
 * for static batch and sequence sizes. It lets the whole-model gradient check run independently of the
 * library's model runtime.
 */
final class ReferenceLlama {
  static final int HIDDEN = 64;
  static final int HEADS = 4;
  static final int KV_HEADS = 2;
  static final int HEAD_DIM = 16;
  static final int LAYERS = 2;
  static final double EPS = 1e-6;
  static final double THETA = 10000.0;

  private ReferenceLlama() {}

  /** Reads the F32 tensors of a safetensors file. */
  static Map<String, float[]> readSafetensors(InputStream in, Map<String, long[]> shapes)
      throws IOException {
    byte[] all = in.readAllBytes();
    ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
    long headerLen = b.getLong();
    JsonNode header =
        new ObjectMapper().readTree(new String(all, 8, (int) headerLen, StandardCharsets.UTF_8));
    Map<String, float[]> out = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = header.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("__metadata__")) {
        continue;
      }
      if (!e.getValue().get("dtype").asText().equals("F32")) {
        throw new IOException("expected F32 for " + e.getKey());
      }
      long begin = e.getValue().get("data_offsets").get(0).asLong();
      long end = e.getValue().get("data_offsets").get(1).asLong();
      float[] v = new float[(int) ((end - begin) / 4)];
      ByteBuffer slice = ByteBuffer.wrap(all, (int) (8 + headerLen + begin), (int) (end - begin))
          .order(ByteOrder.LITTLE_ENDIAN);
      slice.asFloatBuffer().get(v);
      out.put(e.getKey(), v);
      long[] shape = new long[e.getValue().get("shape").size()];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = e.getValue().get("shape").get(i).asLong();
      }
      shapes.put(e.getKey(), shape);
    }
    return out;
  }

  /** Appends the forward pass; weights become initializers named as in the file. */
  static Value forward(
      GraphBuilder g, DType dt, Value ids, int batch, int seq, Map<String, float[]> w,
      Map<String, long[]> shapes) {
    Map<String, Value> p = new LinkedHashMap<>();
    for (Map.Entry<String, float[]> e : w.entrySet()) {
      float[] f = e.getValue();
      Tensor t;
      if (dt == DType.DOUBLE) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
          d[i] = f[i];
        }
        t = Tensor.ofDoubles(d, shapes.get(e.getKey()));
      } else {
        t = Tensor.ofFloats(f, shapes.get(e.getKey()));
      }
      p.put(e.getKey(), g.initializer(e.getKey(), t));
    }
    // RoPE tables [seq, head_dim] and the additive causal mask [seq, seq], computed here.
    double[] cos = new double[seq * HEAD_DIM];
    double[] sin = new double[seq * HEAD_DIM];
    for (int t = 0; t < seq; t++) {
      for (int i = 0; i < HEAD_DIM / 2; i++) {
        double invFreq = 1.0 / Math.pow(THETA, (2.0 * i) / HEAD_DIM);
        if (dt == DType.FLOAT) {
          invFreq = (float) (1.0 / Math.pow(THETA, (float) ((2.0 * i) / HEAD_DIM)));
        }
        double a = t * invFreq;
        cos[t * HEAD_DIM + i] = cos[t * HEAD_DIM + i + HEAD_DIM / 2] = Math.cos(a);
        sin[t * HEAD_DIM + i] = sin[t * HEAD_DIM + i + HEAD_DIM / 2] = Math.sin(a);
      }
    }
    double[] mask = new double[seq * seq];
    for (int i = 0; i < seq; i++) {
      for (int j = i + 1; j < seq; j++) {
        mask[i * seq + j] = -1e9;
      }
    }
    Value cosV = g.constant(tensor(dt, cos, seq, HEAD_DIM));
    Value sinV = g.constant(tensor(dt, sin, seq, HEAD_DIM));
    Value maskV = g.constant(tensor(dt, mask, seq, seq));
    Value x = g.gather(p.get("model.embed_tokens.weight"), ids, 0);
    for (int l = 0; l < LAYERS; l++) {
      String pre = "model.layers." + l + ".";
      Value h = rmsNorm(g, dt, x, p.get(pre + "input_layernorm.weight"));
      Value q = heads(g, linear(g, h, p.get(pre + "self_attn.q_proj.weight")), batch, seq, HEADS);
      Value k = heads(g, linear(g, h, p.get(pre + "self_attn.k_proj.weight")), batch, seq, KV_HEADS);
      Value v = heads(g, linear(g, h, p.get(pre + "self_attn.v_proj.weight")), batch, seq, KV_HEADS);
      q = rope(g, q, cosV, sinV);
      k = rope(g, k, cosV, sinV);
      k = repeatKv(g, k, batch, seq);
      v = repeatKv(g, v, batch, seq);
      Value scores = g.mul(g.matMul(q, g.transpose(k, 0, 1, 3, 2)),
          g.scalar(dt, 1.0 / Math.sqrt(HEAD_DIM)));
      Value attn = g.softmax(g.add(scores, maskV), -1);
      Value ctx = g.reshape(g.transpose(g.matMul(attn, v), 0, 2, 1, 3), batch, seq, HEADS * HEAD_DIM);
      x = g.add(x, linear(g, ctx, p.get(pre + "self_attn.o_proj.weight")));
      Value h2 = rmsNorm(g, dt, x, p.get(pre + "post_attention_layernorm.weight"));
      Value gate = linear(g, h2, p.get(pre + "mlp.gate_proj.weight"));
      Value up = linear(g, h2, p.get(pre + "mlp.up_proj.weight"));
      Value act = g.mul(g.mul(gate, g.sigmoid(gate)), up);
      x = g.add(x, linear(g, act, p.get(pre + "mlp.down_proj.weight")));
    }
    Value hf = rmsNorm(g, dt, x, p.get("model.norm.weight"));
    return linear(g, hf, p.get("lm_head.weight"));
  }

  private static Tensor tensor(DType dt, double[] v, long... shape) {
    if (dt == DType.DOUBLE) {
      return Tensor.ofDoubles(v, shape);
    }
    float[] f = new float[v.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) v[i];
    }
    return Tensor.ofFloats(f, shape);
  }

  private static Value linear(GraphBuilder g, Value x, Value w) {
    return g.matMul(x, g.transpose(w, 1, 0));
  }

  private static Value rmsNorm(GraphBuilder g, DType dt, Value x, Value w) {
    Value ms = g.reduceMean(g.mul(x, x), true, -1);
    Value r = g.div(x, g.sqrt(g.add(ms, g.scalar(dt, EPS))));
    return g.mul(w, r);
  }

  private static Value heads(GraphBuilder g, Value x, int batch, int seq, int n) {
    return g.transpose(g.reshape(x, batch, seq, n, HEAD_DIM), 0, 2, 1, 3);
  }

  private static Value rope(GraphBuilder g, Value x, Value cos, Value sin) {
    Value x1 = g.slice(x, -1, 0, HEAD_DIM / 2);
    Value x2 = g.slice(x, -1, HEAD_DIM / 2, HEAD_DIM);
    Value rotated = g.concat(-1, g.neg(x2), x1);
    return g.add(g.mul(x, cos), g.mul(rotated, sin));
  }

  private static Value repeatKv(GraphBuilder g, Value x, int batch, int seq) {
    int rep = HEADS / KV_HEADS;
    Value e = g.expand(g.unsqueeze(x, 2), batch, KV_HEADS, rep, seq, HEAD_DIM);
    return g.reshape(e, batch, HEADS, seq, HEAD_DIM);
  }
}
