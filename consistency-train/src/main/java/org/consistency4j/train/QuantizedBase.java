package org.consistency4j.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.ExportedModel;
import org.consistency4j.graph.Graph;
import org.consistency4j.graph.GraphBuilder;
import org.consistency4j.graph.ModelOptions;
import org.consistency4j.graph.Node;
import org.consistency4j.graph.Tensor;
import org.consistency4j.graph.Value;
import org.consistency4j.internal.Check;
import org.consistency4j.model.LlamaGraphs;
import org.consistency4j.model.ModelConfig;
import org.consistency4j.model.Quantization;

/**
 * QLoRA-style training on a quantized base: rewrites a forward graph so that every frozen linear
 * weight, a rank-2 float32 initializer {@code W} (float16 or bfloat16 in a graph from {@link
 * #loadForward}) used as {@code com.microsoft FusedMatMul(x, W, transB = 1)}, is stored as its
 * {@link Quantization} codes ({@code W.qcodes}, UINT8 {@code [rows, blocks, blockBytes]}) and block
 * scales ({@code W.qscales}, FLOAT {@code [rows, blocks]}), and the
 * graph dequantizes it before the product: {@code (code - 2^(bits-1)) * scale}, exactly the values of
 * {@link Quantization#dequantize} (4-bit codes are unpacked with exact float arithmetic, the low
 * nibble first), and the float32 weight is dropped. A weight another node also reads stays float32
 * (a tied embedding: its token lookup needs the table anyway, so the LM head uses it as is, unlike
 * quantized inference, which quantizes a tied head).
 *
 * <p>Autodiff then treats the dequantized weight like any frozen value: no gradient reaches the
 * codes, and the input gradient {@code gy W} uses the dequantized {@code W}; adapters added by {@link
 * org.consistency4j.lora.Lora} before the rewrite are untouched. Large codes stay external
 * initializers, which {@link TrainingSession} feeds as inputs read in place, so ONNX Runtime cannot
 * constant-fold the dequantization into a float32 copy of each weight. The dequantized weights are
 * intermediate values of the gradient graph, kept from the forward pass to the backward pass like
 * other activations. Stateless.
 */
public final class QuantizedBase {
  /** Suffix of a quantized weight's codes. */
  public static final String CODES = ".qcodes";
  /** Suffix of a quantized weight's block scales. */
  public static final String SCALES = ".qscales";

  private QuantizedBase() {}

  /**
   * The forward graph of a Hugging Face model directory for training on a quantized base, loaded so
   * that no float32 copy of a linear weight is ever made: the weights {@link #apply} will quantize
   * (every projection of the decoder layers and an untied LM head) stay zero-copy views of the
   * memory-mapped checkpoint at its precision ({@link LlamaGraphs#loadWeightsAsStored}), which
   * {@link #apply} reads row by row into codes, as quantized inference does ({@link
   * LlamaGraphs#loadWeights(Path, ModelConfig, Quantization)}); the rest (embeddings, norms, biases)
   * is loaded as {@link LlamaTrainingGraph#load(Path, ModelConfig)} loads it. {@link
   * org.consistency4j.lora.Lora#apply} finds its targets in the graph as in a float32 one, and the
   * codes, scales and therefore losses and gradients are those of quantizing the float32 graph
   * (float16 and bfloat16 widen to float32 exactly). The graph is not runnable until {@link #apply}
   * has replaced those weights (a {@link TrainingSession} with a {@link
   * org.consistency4j.model.RuntimeOptions#quantization()} does; without one it refuses the graph).
   *
   * @throws org.consistency4j.ModelLoadException if a weight is missing or mis-shaped
   */
  public static ExportedModel loadForward(Path modelDir, ModelConfig config) {
    Check.notNull(modelDir, "modelDir");
    Check.notNull(config, "config");
    Set<String> stored = new java.util.LinkedHashSet<>(LlamaGraphs.quantizedWeights(config));
    // A tied embedding is looked up as well: it stays float32 (see the class comment).
    stored.remove("model.embed_tokens.weight");
    return LlamaGraphs.forwardWithStoredLinearWeights(config,
        LlamaGraphs.loadWeightsAsStored(modelDir, config, stored));
  }

  /**
   * Refuses a graph whose linear weights are not float32 ({@link #loadForward}'s, meant to be
   * quantized) for training without quantization, naming the first such weight.
   *
   * @throws IllegalArgumentException if such a weight is found
   */
  static void requireFloatLinearWeights(ExportedModel forward) {
    Graph source = Graph.fromModel(forward.model(), forward.externalInitializers());
    Map<String, Tensor> inits = source.initializers();
    for (Node n : source.nodes()) {
      String w = linearWeight(n, inits);
      if (w != null && inits.get(w).dtype() != DType.FLOAT) {
        throw new IllegalArgumentException("linear weight " + w + " is " + inits.get(w).dtype()
            + ": the graph was loaded for a quantized base (QuantizedBase.loadForward); train it"
            + " with RuntimeOptions.quantization int8 or int4, or load it with"
            + " LlamaTrainingGraph.load for float32 training");
      }
    }
  }

  /**
   * The rewritten model.
   *
   * @param model the forward graph with dequantized frozen linear weights
   * @param quantized the quantized weight names, in graph order
   * @param quantization the quantization used
   * @param dequantized per quantized weight, its dequantized float32 value
   */
  public record Result(ExportedModel model, List<String> quantized, Quantization quantization,
      Map<String, Dequantized> dequantized) {
    /** Copies the list and the map. */
    public Result {
      Check.notNull(model, "model");
      quantized = List.copyOf(quantized);
      Check.notNull(quantization, "quantization");
      dequantized = Map.copyOf(dequantized);
    }
  }

  /**
   * A quantized weight's dequantized value in the rewritten graph.
   *
   * @param value the value's name
   * @param rows the weight's rows (output features)
   * @param cols the weight's columns (input features)
   */
  public record Dequantized(String value, long rows, long cols) {}

  /**
   * Quantizes the frozen linear weights of {@code forward} with {@code q}.
   *
   * @param trainable the tensors that will be trained; none may be a linear weight (full fine-tuning
   *     of a quantized base is refused)
   * @throws IllegalArgumentException if {@code q} is {@link Quantization#NONE}, a trainable is a
   *     linear weight, or no linear weight is found
   */
  public static Result apply(ExportedModel forward, Quantization q, Set<String> trainable) {
    Check.notNull(forward, "forward");
    Check.notNull(q, "q");
    Check.notNull(trainable, "trainable");
    Check.argument(q.enabled(), "quantization must not be none for a quantized base");
    Graph source = Graph.fromModel(forward.model(), forward.externalInitializers());
    Map<String, Tensor> inits = source.initializers();
    List<Node> nodes = source.nodes();
    // Linear weights (in graph order) and the initializers some other node still reads.
    List<String> linear = new ArrayList<>();
    Set<String> otherUse = new java.util.HashSet<>();
    for (Node n : nodes) {
      String w = linearWeight(n, inits);
      if (w != null && !linear.contains(w)) {
        linear.add(w);
      }
      for (int i = 0; i < n.inputs().size(); i++) {
        if (w == null || i != 1) {
          otherUse.add(n.inputs().get(i));
        }
      }
    }
    source.outputs().forEach(o -> otherUse.add(o.name()));
    for (String w : linear) {
      Check.argument(!trainable.contains(w), "training on a quantized base (quantization "
          + q.label() + ") trains adapters only: the linear weights are frozen and stored"
          + " quantized, but trainable " + w + " is one; fully fine-tune with quantization none,"
          + " or train LoRA adapters");
    }
    // A weight another node also reads (a tied embedding, looked up as a table) stays float32 for
    // both uses: quantizing its product would only add the codes and a dequantized copy.
    List<String> quantized = linear.stream().filter(w -> !otherUse.contains(w)).toList();
    for (String w : linear) {
      Check.argument(quantized.contains(w) || inits.get(w).dtype() == DType.FLOAT,
          "linear weight " + w + " is " + inits.get(w).dtype() + " but is also read by another"
              + " node, so it is not quantized; it must be FLOAT");
    }
    Check.argument(!quantized.isEmpty(),
        "no frozen linear weight FusedMatMul(x, W, transB=1) to quantize in " + source.name());

    GraphBuilder g = GraphBuilder.create(source.name(), source.opset());
    for (Value in : source.inputs()) {
      g.input(in.name(), in.dtype(), in.shape().orElseThrow(
          () -> new IllegalArgumentException("input " + in.name() + " has no shape")));
    }
    Map<String, Value[]> parts = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : inits.entrySet()) {
      String name = e.getKey();
      if (!quantized.contains(name)) {
        g.initializer(name, e.getValue());
        continue;
      }
      Tensor t = e.getValue();
      long[] s = t.shape();
      Quantization.Quantized z = q.quantize(name, t);
      Value codes = g.initializer(name + CODES,
          Tensor.of(DType.UINT8, z.packed(), s[0], q.blocksPerRow(s[1]), q.blockBytes()));
      Value scales = g.initializer(name + SCALES,
          Tensor.of(DType.FLOAT, z.scales(), s[0], q.blocksPerRow(s[1])));
      parts.put(name, new Value[] {codes, scales});
    }
    g.setNamePrefix("qbase/");
    Map<String, Value> dequantized = new HashMap<>();
    for (Node n : nodes) {
      String w = linearWeight(n, inits);
      List<Value> ins = new ArrayList<>();
      for (int i = 0; i < n.inputs().size(); i++) {
        String name = n.inputs().get(i);
        if (name.isEmpty()) {
          ins.add(null);
        } else if (i == 1 && w != null && parts.containsKey(w)) {
          ins.add(dequantized.computeIfAbsent(w,
              k -> dequantize(g, q, parts.get(k)[0], parts.get(k)[1], inits.get(k).shape(),
                  false)));
        } else {
          ins.add(g.value(name).orElseThrow());
        }
      }
      g.copyNode(n, source, ins);
    }
    for (Value o : source.outputs()) {
      g.output(g.value(o.name()).orElseThrow());
    }
    // Codes of 1 KiB and more stay out of the proto even in small models: fed as inputs, never folded.
    long external = ModelOptions.defaults().withExternalInitializersLike(forward)
        .externalThresholdBytes();
    ExportedModel model = g.build().toModel(
        ModelOptions.defaults().withExternalInitializersAbove(Math.min(external, 1024)));
    Map<String, Dequantized> names = new LinkedHashMap<>();
    dequantized.forEach((w, v) -> names.put(w,
        new Dequantized(v.name(), inits.get(w).shape()[0], inits.get(w).shape()[1])));
    return new Result(model, quantized, q, names);
  }

  /**
   * The weight {@code n} multiplies by as a linear layer ({@code FusedMatMul(x, W, transB = 1)} with
   * {@code W} a rank-2 float32, float16 or bfloat16 initializer), or null.
   */
  private static String linearWeight(Node n, Map<String, Tensor> inits) {
    if (!n.opType().equals("FusedMatMul") || !n.domain().equals("com.microsoft")
        || n.inputs().size() != 2 || n.intAttribute("transB", 0) != 1
        || n.intAttribute("transA", 0) != 0 || n.floatAttribute("alpha", 1f) != 1f
        || n.intAttribute("transBatchA", 0) != 0 || n.intAttribute("transBatchB", 0) != 0) {
      return null;
    }
    Tensor t = inits.get(n.inputs().get(1));
    return t != null && t.rank() == 2 && (t.dtype() == DType.FLOAT || t.dtype() == DType.FLOAT16
        || t.dtype() == DType.BFLOAT16) ? n.inputs().get(1) : null;
  }

  /**
   * Makes the backward pass of a gradient graph built from {@link #apply}'s model dequantize each
   * weight again instead of reading the forward pass's value: every node after the first (forward)
   * reader of a dequantized weight reads a recomputed copy, added just before the first such node.
   * ONNX Runtime then frees each layer's float32 weight after its forward product, and holds it again
   * only around its backward product. The recomputation starts from a reshaped view of the codes, so
   * common-subexpression elimination cannot merge it with the forward one; its values are the same.
   *
   * @param gradient the gradient graph ({@link TrainingGraphs.Gradient#model()})
   * @param base what {@link #apply} returned for the graph's forward model
   */
  public static ExportedModel recomputeInBackward(ExportedModel gradient, Result base) {
    Check.notNull(gradient, "gradient");
    Check.notNull(base, "base");
    Graph source = Graph.fromModel(gradient.model(), gradient.externalInitializers());
    Map<String, String> weightOf = new HashMap<>();
    base.dequantized().forEach((w, v) -> weightOf.put(v.value(), w));
    GraphBuilder g = GraphBuilder.create(source.name(), source.opset());
    for (Value in : source.inputs()) {
      g.input(in.name(), in.dtype(), in.shape().orElseThrow(
          () -> new IllegalArgumentException("input " + in.name() + " has no shape")));
    }
    source.initializers().forEach(g::initializer);
    g.setNamePrefix("qbase_recompute/");
    Set<String> readByForward = new java.util.HashSet<>();
    Map<String, Value> recomputed = new HashMap<>();
    Quantization q = base.quantization();
    for (Node n : source.nodes()) {
      List<Value> ins = new ArrayList<>();
      for (String name : n.inputs()) {
        String w = name.isEmpty() ? null : weightOf.get(name);
        if (name.isEmpty()) {
          ins.add(null);
        } else if (w == null || readByForward.add(name)) {
          ins.add(g.value(name).orElseThrow());
        } else {
          ins.add(recomputed.computeIfAbsent(w, k -> dequantize(g, q,
              g.value(k + CODES).orElseThrow(), g.value(k + SCALES).orElseThrow(),
              new long[] {base.dequantized().get(k).rows(), base.dequantized().get(k).cols()},
              true)));
        }
      }
      g.copyNode(n, source, ins);
    }
    for (Value o : source.outputs()) {
      g.output(g.value(o.name()).orElseThrow());
    }
    return g.build().toModel(ModelOptions.defaults().withExternalInitializersLike(gradient));
  }

  /**
   * {@code (code - 2^(bits-1)) * scale} as a float32 {@code [rows, cols]} value; with {@code
   * recompute} the same values from a reshaped view of the codes (a node sequence of its own).
   */
  private static Value dequantize(GraphBuilder g, Quantization q, Value codes, Value scales,
      long[] shape, boolean recompute) {
    long rows = shape[0];
    long cols = shape[1];
    int blocks = q.blocksPerRow(cols);
    Value c;
    if (recompute) {
      long bb = q.blockBytes();
      c = g.reshape(g.cast(g.reshape(codes, rows, blocks * bb), DType.FLOAT), rows, blocks, bb);
    } else {
      c = g.cast(codes, DType.FLOAT);
    }
    if (q.bits() == 4) {
      // Two codes per byte, the earlier in the low nibble: hi = floor(c / 16), lo = c - 16 hi.
      Value hi = g.floor(g.mul(c, g.scalar(DType.FLOAT, 1.0 / 16)));
      Value lo = g.sub(c, g.mul(hi, g.scalar(DType.FLOAT, 16)));
      c = g.reshape(g.concat(-1, g.unsqueeze(lo, -1), g.unsqueeze(hi, -1)),
          rows, blocks, q.blockSize());
    }
    Value centred = g.sub(c, g.scalar(DType.FLOAT, 1 << (q.bits() - 1)));
    Value w = g.reshape(g.mul(centred, g.unsqueeze(scales, -1)), rows,
        (long) blocks * q.blockSize());
    return (long) blocks * q.blockSize() == cols ? w : g.slice(w, 1, 0, cols);
  }
}
