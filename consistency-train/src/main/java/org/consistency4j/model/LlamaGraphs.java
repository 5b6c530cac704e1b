package org.consistency4j.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.consistency4j.ModelLoadException;
import org.consistency4j.graph.Attribute;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.ExportedModel;
import org.consistency4j.graph.GraphBuilder;
import org.consistency4j.graph.ModelOptions;
import org.consistency4j.graph.Tensor;
import org.consistency4j.graph.Value;
import org.consistency4j.internal.Check;
import org.consistency4j.safetensors.SafetensorsCheckpoint;

/**
 * The ONNX graphs of a Llama-family model (Llama, Qwen2, Mistral within its window, Qwen3, Phi-3, Gemma 2
 * and 3 with their sliding-window layers, with Gemma's changes listed in {@link ModelConfig}), following
 * Hugging Face's {@code LlamaForCausalLM} in float32: RMSNorm, RoPE computed from the positions
 * (rotate-half) with the inverse frequencies and cos/sin factor of {@link ModelConfig#ropeScaling()},
 * on the first {@link ModelConfig#rotaryDim()} channels of each head (the rest pass through), Qwen3's
 * per-head query/key RMSNorm before RoPE, grouped-query attention (repeat_kv), SwiGLU MLP, optional
 * q/k/v and output biases, tied or separate LM head. Phi-3's fused {@code qkv_proj} and {@code
 * gate_up_proj} are split at load time, so every family has the same graph and the same LoRA
 * targets. Each linear layer is {@code com.microsoft} {@code FusedMatMul(x, W, transB = 1)}, which
 * reads each weight as stored (with {@code MatMul(x, Transpose(W))} ONNX Runtime would hold a
 * transposed copy of every weight, or transpose it on every run); LoRA adapts it and autodiff
 * differentiates it. Float32 inference with weights read in place differs, because ONNX Runtime
 * cannot pre-pack a weight that arrives as an input and its {@code FusedMatMul(transB = 1)} then
 * packs it on every run: there each linear layer over a stored weight is an {@code If} on the
 * number of rows that puts the weight first for batches of rows ({@code rowSwitchedLinear}), and
 * with {@link RuntimeOptions.LinearLayout#SINGLE_SEQUENCE} the widening weights are held
 * transposed, {@code W^T [in, out]} made once at load ({@link #loadWeightsTransposed}), for a plain
 * {@code MatMul} (benchmarks/README.md, "Linear-layer layout with weights read in place" and
 * "Batched decoding with the stored weight as the left operand"). Weights are initializers with
 * their Hugging Face names ({@code NAME}{@link #TRANSPOSED} when held transposed); those above 64
 * KiB are external (see
 * {@link ExportedModel}).
 *
 * <ul>
 *   <li>{@link #forward}: {@code input_ids [batch, seq]} to {@code logits [batch, seq, vocab]}, causal
 *       attention over right-padded batches, no cache (training, and the graph LoRA adapts).
 *   <li>the inference graph used by {@link OnnxLanguageModel} for scoring and for incremental
 *       decoding (one ONNX Runtime session for both): {@code input_ids
 *       [batch, new]} with their rotary {@code position_ids [batch, new]}, the {@code attention_mask
 *       [batch, past+new]} (1 = a real token, 0 = padding that no query attends to), the key/value
 *       cache of the {@code past} tokens ({@code past_key.L}, {@code past_value.L}: {@code [past,
 *       batch, kv_heads, head_dim]}, position first, past may be 0) and {@code logits_from [1]} to
 *       {@code logits [batch, new - logits_from, vocab]} (the logits of the new positions from {@code
 *       logits_from} on: 0 to score every position, {@code new - 1} when decoding) and the keys and
 *       values of the new positions only ({@code new_key.L}, {@code new_value.L}: {@code [new, batch,
 *       kv_heads, head_dim]}). With the position first, the cache after the step is the past followed
 *       by the new entries in one buffer, so {@link OnnxLanguageModel} keeps one buffer per layer,
 *       feeds its valid start as the past and has ONNX Runtime write the new entries after it (pinned
 *       outputs): the cache is held once, not as a past and an extended copy of it. Batches of
 *       prompts are left-padded so that every
 *       row's last token is at the same index; attention is causal by index and masked by {@code
 *       attention_mask}, and positions count each row's real tokens, so a row's logits equal those of
 *       the row decoded alone up to float rounding.
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
  static final String LOGITS_FROM = "logits_from";

  private static final long EXTERNAL_ABOVE = 64 * 1024;

  private LlamaGraphs() {}

  static String pastKey(int l) {
    return "past_key." + l;
  }

  static String pastValue(int l) {
    return "past_value." + l;
  }

  static String newKey(int l) {
    return "new_key." + l;
  }

  static String newValue(int l) {
    return "new_value." + l;
  }

  /**
   * Reads every weight {@code config} implies from the safetensors files of {@code modelDir}, checking
   * names and shapes: float32 tensors as zero-copy views of the memory-mapped files (valid after the
   * files are closed; the files must not change while they are used), float16/bfloat16 upcast to
   * float32 copies in native memory (direct buffers, read without mapping: see {@link
   * SafetensorsCheckpoint#floatTensor}). Fused Phi-3 weights ({@link #fileShapes}) are split into the names of {@link
   * #expectedShapes}: {@code qkv_proj} rows are q, then k, then v; {@code gate_up_proj} rows are gate,
   * then up.
   *
   * @throws ModelLoadException if a weight is missing or mis-shaped (the message names it)
   */
  public static Map<String, Tensor> loadWeights(Path modelDir, ModelConfig config) {
    return loadWeights(modelDir, config, Quantization.NONE);
  }

  /**
   * {@link #loadWeights(Path, ModelConfig)}, with the weights {@link #quantizedWeights} names
   * quantized as they are read, row by row from the memory-mapped file (no float32 copy of such a
   * matrix is made, except that Phi-3's fused projections are upcast once to be split): each
   * becomes {@code NAME.nbits} (UINT8 codes) and {@code NAME.nbits_scales} (FLOAT) in the layout
   * of {@link Quantization}, in direct buffers, for {@link #forward(ModelConfig, Map,
   * Quantization)}. {@code
   * model.embed_tokens.weight} stays at the file's precision (float32, float16 or bfloat16, a
   * zero-copy view of the file; the graph casts the rows it looks up) and, with tied embeddings, is
   * also quantized for the LM head; the other weights (norms, biases) become float32 in direct
   * buffers. {@link Quantization#NONE} is {@link #loadWeights(Path, ModelConfig)}.
   *
   * @throws ModelLoadException if a weight is missing or mis-shaped (the message names it)
   * @throws IllegalArgumentException if a weight to quantize has a non-finite value (named)
   */
  public static Map<String, Tensor> loadWeights(Path modelDir, ModelConfig config,
      Quantization quantization) {
    Check.notNull(quantization, "quantization");
    return load(modelDir, config, quantization, Set.of(), Set.of(), 0);
  }

  /**
   * {@link #loadWeights(Path, ModelConfig)}, except that the weights {@link #transposedWeights}
   * names are held transposed, {@code [in, out]}, under {@code NAME + }{@link #TRANSPOSED} (and not
   * under their own name): read once from the file into float32 in native memory, transposed while
   * they are read (and upcast from float16/bfloat16; see {@link
   * SafetensorsCheckpoint#transposedFloatTensor}), for the plain {@code MatMul}s of the inference
   * graph (see the class comment). Each weight is held once: a tied embedding table is held only
   * transposed, and the graph looks its columns up. Phi-3's fused projections are split, then
   * transposed.
   *
   * @throws ModelLoadException if a weight is missing or mis-shaped (the message names it)
   */
  public static Map<String, Tensor> loadWeightsTransposed(Path modelDir, ModelConfig config) {
    Check.notNull(config, "config");
    return load(modelDir, config, Quantization.NONE, Set.of(),
        Set.copyOf(transposedWeights(config)), 0);
  }

  /**
   * Infix of a row chunk of a 16-bit linear weight held as stored: {@code NAME.rows.FIRST} holds
   * rows {@code FIRST ..} of weight {@code NAME} ({@link #loadWeightsInRowChunks}).
   */
  public static final String ROWS = ".rows.";

  /**
   * {@link #loadWeights(Path, ModelConfig)} for {@link RuntimeOptions.WeightPrecision#AS_STORED}:
   * every linear weight ({@link #quantizedWeights}) the file stores as float16 or bfloat16 is
   * held as stored, as zero-copy views of the memory-mapped file, split by rows into chunks of at
   * most {@code chunkElements} elements (at least one row each) named {@code NAME}{@link
   * #ROWS}{@code FIRST}, in row order (Phi-3's fused projections are cut into their parts by row
   * ranges, still views); a 16-bit embedding table is also held as stored under its own name for
   * the token lookup (a tied one as well as in chunks for the LM head, the same bytes). Norms and
   * biases, and every float32 tensor, are loaded as {@link #loadWeights(Path, ModelConfig)} does,
   * except that the float32 linear weights {@code transposed} names are held transposed as {@link
   * #loadWeightsTransposed} holds them. A float32 checkpoint gives what those methods give.
   *
   * @param chunkElements the most elements of one chunk, {@code >= 1}
   * @param transposed float32 linear weights to hold transposed (a subset of {@link
   *     #transposedWeights}), or none
   * @throws ModelLoadException if a weight is missing or mis-shaped (the message names it)
   */
  static Map<String, Tensor> loadWeightsInRowChunks(Path modelDir, ModelConfig config,
      int chunkElements, Set<String> transposed) {
    Check.notNull(config, "config");
    Check.positive(chunkElements, "chunkElements");
    return load(modelDir, config, Quantization.NONE, Set.of(), transposed, chunkElements);
  }

  /**
   * Puts the row chunks of rows {@code [firstRow, firstRow + rows)} of the matrix {@code t} as
   * weight {@code name}'s chunks ({@link #ROWS}), views of {@code t}'s bytes.
   */
  private static void putRowChunks(Map<String, Tensor> weights, String name, Tensor t,
      long firstRow, long rows, int chunkElements) {
    long cols = t.shape()[1];
    long per = Math.max(1, chunkElements / cols);
    long rowBytes = cols * t.dtype().byteSize();
    java.nio.ByteBuffer data = t.data();
    for (long r = 0; r < rows; r += per) {
      long n = Math.min(per, rows - r);
      java.nio.ByteBuffer slice = data.slice(Math.toIntExact((firstRow + r) * rowBytes),
          Math.toIntExact(n * rowBytes));
      weights.put(name + ROWS + r, Tensor.of(t.dtype(), slice, n, cols));
    }
  }

  /** Suffix of a weight held transposed, {@code [in, out]} ({@link #loadWeightsTransposed}). */
  public static final String TRANSPOSED = ".transposed";

  /**
   * The weights {@link #loadWeightsTransposed} holds transposed, {@code [in, out]}, in {@link
   * #expectedShapes} order: the linear weights ({@link #quantizedWeights}) with more outputs than
   * inputs: the LM head ({@code lm_head.weight}, or {@code model.embed_tokens.weight} with tied
   * embeddings), the MLP's gate and up projections, and any attention projection that widens (Qwen3's
   * {@code q_proj}). Measured at Qwen2.5-0.5B's shapes with the weights read in place, one thread, a
   * batch-1 product with a weight read from memory: {@code MatMul} over {@code [in, out]} took 0.59x
   * the time of {@code FusedMatMul(transB = 1)} over the stored weight for the LM head and 0.77-0.87x
   * for gate/up, but 1.35-1.5x for the narrowing ones (down, k, v) and the same for the square ones
   * (q, o). At batch 16 the stored layout is faster for every shape (benchmarks/README.md,
   * "Linear-layer layout with weights read in place").
   */
  public static List<String> transposedWeights(ModelConfig c) {
    Map<String, long[]> shapes = expectedShapes(c);
    List<String> out = new ArrayList<>();
    for (String n : linearWeights(c)) {
      long[] s = shapes.get(n);
      if (s[0] > s[1]) {
        out.add(n);
      }
    }
    return out;
  }

  /**
   * {@link #loadWeights(Path, ModelConfig)}, except that the weights named in {@code asStored} stay
   * as the file stores them: zero-copy views of the memory-mapped file (float32, float16 or
   * bfloat16), for a caller that reads them once, row by row, instead of keeping a float32 copy
   * ({@code org.consistency4j.train.QuantizedBase} quantizes the linear weights of a model loaded
   * for training on a quantized base so). Phi-3's fused projections are split into float32 copies
   * all the same.
   *
   * @throws ModelLoadException if a weight is missing or mis-shaped (the message names it)
   * @throws IllegalArgumentException if a name of {@code asStored} is not a weight of {@code config}
   */
  public static Map<String, Tensor> loadWeightsAsStored(Path modelDir, ModelConfig config,
      Set<String> asStored) {
    Check.notNull(config, "config");
    Check.notNull(asStored, "asStored");
    for (String n : asStored) {
      Check.argument(expectedShapes(config).containsKey(n),
          "asStored names " + n + ", which is not a weight of this model");
    }
    return load(modelDir, config, Quantization.NONE, asStored, Set.of(), 0);
  }

  /** Loads as the public methods say; {@code chunkElements} 0: no row chunks. */
  private static Map<String, Tensor> load(Path modelDir, ModelConfig config,
      Quantization quantization, Set<String> asStored, Set<String> transposed,
      int chunkElements) {
    Check.notNull(modelDir, "modelDir");
    Check.notNull(config, "config");
    List<String> quantized = quantization.enabled() ? quantizedWeights(config) : List.of();
    Set<String> linear = Set.copyOf(linearWeights(config));
    Map<String, long[]> split = expectedShapes(config);
    Map<String, Tensor> weights = new LinkedHashMap<>();
    try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(modelDir)) {
      checkWeightsCover(ckpt, config, modelDir);
      for (Map.Entry<String, long[]> e : fileShapes(config).entrySet()) {
        String name = e.getKey();
        Check.modelFile(ckpt.contains(name), modelDir + ": weight " + name + " is missing");
        List<Long> shape = ckpt.info(name).orElseThrow().shape();
        long[] s = shape.stream().mapToLong(Long::longValue).toArray();
        Check.modelFile(Arrays.equals(s, e.getValue()),
            modelDir + ": weight " + name + " has shape " + shape + ", config implies "
                + Arrays.toString(e.getValue()));
        List<String> fused = fusedParts(name);
        DType fileType = ckpt.info(name).orElseThrow().dtype();
        if (chunkElements > 0 && (fileType == DType.BFLOAT16 || fileType == DType.FLOAT16)
            && (!fused.isEmpty() || linear.contains(name) || name.equals(EMBEDDINGS))) {
          // Held as stored: views of the mapped file, linear weights in row chunks.
          Tensor view = ckpt.tensor(name);
          if (name.equals(EMBEDDINGS)) {
            weights.put(name, view);
          }
          long first = 0;
          for (String part : fused.isEmpty() ? List.of(name) : fused) {
            long rows = split.get(part)[0];
            if (linear.contains(part)) {
              putRowChunks(weights, part, view, first, rows, chunkElements);
            }
            first += rows;
          }
          continue;
        }
        if (!fused.isEmpty()) {
          // Phi-3: the fused projection is cut into the separate weights the graphs use (in
          // expectedShapes order, which keeps a fused weight's parts together).
          float[] all = ckpt.floats(name);
          int from = 0;
          for (String part : fused) {
            long[] ps = split.get(part);
            int size = (int) (ps[0] * ps[1]);
            if (transposed.contains(part)) {
              weights.put(part + TRANSPOSED, transpose(all, from, (int) ps[0], (int) ps[1]));
            } else {
              Tensor t = Tensor.ofFloats(Arrays.copyOfRange(all, from, from + size), ps);
              if (quantization.enabled()) {
                putQuantized(weights, part, t, quantization, config.tieWordEmbeddings());
              } else {
                weights.put(part, t);
              }
            }
            from += size;
          }
          continue;
        }
        if (quantized.contains(name)) {
          putQuantized(weights, name, ckpt.tensor(name), quantization, config.tieWordEmbeddings());
          continue;
        }
        if (transposed.contains(name)) {
          weights.put(name + TRANSPOSED, ckpt.transposedFloatTensor(name));
          continue;
        }
        if (asStored.contains(name)
            || (quantization.enabled() && name.equals("model.embed_tokens.weight"))) {
          // The embedding table of a quantized model stays at the file's precision (looked up,
          // then cast); asStored weights are read by their user.
          weights.put(name, ckpt.tensor(name));
          continue;
        }
        // float32 weights stay zero-copy views of the memory-mapped file; others are upcast into
        // native memory (read in chunks, no heap copy and no mapping of the 16-bit data). With
        // quantization this is the small rest (norms, biases).
        // (F64 and refused integer dtypes take the general path and its messages.)
        DType stored = ckpt.info(name).orElseThrow().dtype();
        weights.put(name, stored == DType.FLOAT ? ckpt.tensor(name)
            : stored == DType.BFLOAT16 || stored == DType.FLOAT16 ? ckpt.floatTensor(name)
            : Tensor.ofFloats(ckpt.floats(name), s));
      }
    }
    return weights;
  }

  /**
   * The transpose {@code [cols, rows]} of the {@code [rows, cols]} matrix at {@code values[from]}, as
   * float32 in a direct buffer (like the weights read from a file).
   */
  private static Tensor transpose(float[] values, int from, int rows, int cols) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(4 * rows * cols)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
    java.nio.FloatBuffer f = b.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    for (int r = 0; r < rows; r++) {
      for (int col = 0; col < cols; col++) {
        f.put(col * rows + r, values[from + r * cols + col]);
      }
    }
    return Tensor.of(DType.FLOAT, b, cols, rows);
  }

  private static final String EMBEDDINGS = "model.embed_tokens.weight";

  /** Suffix of a quantized weight's packed codes ({@code NAME.nbits}, UINT8). */
  public static final String PACKED = ".nbits";

  /** Suffix of a quantized weight's block scales ({@code NAME.nbits_scales}, FLOAT). */
  public static final String SCALES = ".nbits_scales";

  /**
   * The weights a quantized model stores as codes and scales: every projection of the decoder
   * layers (attention q, k, v, o; MLP gate, up, down) and the LM head ({@code lm_head.weight}, or
   * {@code model.embed_tokens.weight} with tied embeddings), in {@link #expectedShapes} order.
   */
  public static List<String> quantizedWeights(ModelConfig c) {
    return linearWeights(c);
  }

  /**
   * The weights of the linear layers: every projection of the decoder layers and the LM head
   * ({@code lm_head.weight}, or {@code model.embed_tokens.weight} with tied embeddings), in {@link
   * #expectedShapes} order.
   */
  private static List<String> linearWeights(ModelConfig c) {
    Check.notNull(c, "c");
    List<String> out = new ArrayList<>();
    for (String n : expectedShapes(c).keySet()) {
      if (n.endsWith("_proj.weight") || n.equals("lm_head.weight")
          || (c.tieWordEmbeddings() && n.equals("model.embed_tokens.weight"))) {
        out.add(n);
      }
    }
    return out;
  }

  /** The split names of a fused Phi-3 weight, or an empty list when {@code name} is not fused. */
  private static List<String> fusedParts(String name) {
    if (name.endsWith("self_attn.qkv_proj.weight")) {
      return List.of(name.replace("qkv_proj", "q_proj"), name.replace("qkv_proj", "k_proj"),
          name.replace("qkv_proj", "v_proj"));
    }
    if (name.endsWith("mlp.gate_up_proj.weight")) {
      return List.of(name.replace("gate_up_proj", "gate_proj"),
          name.replace("gate_up_proj", "up_proj"));
    }
    return List.of();
  }

  /**
   * Puts the codes and scales of weight {@code name}, read from {@code t} (a zero-copy view of the
   * file), and, if it is a tied embedding, the tensor itself for the token lookup.
   */
  private static void putQuantized(Map<String, Tensor> weights, String name, Tensor t,
      Quantization q, boolean tied) {
    long[] s = t.shape();
    Quantization.Quantized z = q.quantize(name, t);
    weights.put(name + PACKED,
        Tensor.of(DType.UINT8, z.packed(), s[0], q.blocksPerRow(s[1]), q.blockBytes()));
    weights.put(name + SCALES, Tensor.of(DType.FLOAT, z.scales(), s[0], q.blocksPerRow(s[1])));
    if (tied && name.equals("model.embed_tokens.weight")) {
      weights.put(name, t);
    }
  }

  /**
   * The weight names and shapes as a Hugging Face checkpoint of {@code c} stores them: {@link
   * #expectedShapes} except that Phi-3 stores {@code self_attn.qkv_proj.weight} {@code [q + 2 kv,
   * hidden]} and {@code mlp.gate_up_proj.weight} {@code [2 intermediate, hidden]} in place of the
   * separate projections.
   */
  public static Map<String, long[]> fileShapes(ModelConfig c) {
    Check.notNull(c, "c");
    Map<String, long[]> split = expectedShapes(c);
    if (!c.fusedProjections()) {
      return split;
    }
    Map<String, long[]> m = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : split.entrySet()) {
      String n = e.getKey();
      if (n.endsWith("self_attn.q_proj.weight")) {
        long rows = e.getValue()[0] + 2 * split.get(n.replace("q_proj", "k_proj"))[0];
        m.put(n.replace("q_proj", "qkv_proj"), new long[] {rows, e.getValue()[1]});
      } else if (n.endsWith("mlp.gate_proj.weight")) {
        m.put(n.replace("gate_proj", "gate_up_proj"),
            new long[] {2 * e.getValue()[0], e.getValue()[1]});
      } else if (!n.endsWith("k_proj.weight") && !n.endsWith("v_proj.weight")
          && !n.endsWith("up_proj.weight")) {
        m.put(n, e.getValue());
      }
    }
    return m;
  }

  /**
   * Weights named as in {@link #expectedShapes} in the layout a checkpoint of {@code c} stores (see
   * {@link #fileShapes}): Phi-3's projections fused again, everything else unchanged. The inverse of
   * the split {@link #loadWeights} does, so that exported Phi-3 models load in Hugging Face.
   *
   * @param weights float32 values (row-major) by name
   * @return values by file name, in {@link #fileShapes} order for fused models
   */
  public static Map<String, float[]> toFileLayout(ModelConfig c, Map<String, float[]> weights) {
    Check.notNull(c, "c");
    Check.notNull(weights, "weights");
    if (!c.fusedProjections()) {
      return weights;
    }
    Map<String, float[]> out = new LinkedHashMap<>();
    for (String n : fileShapes(c).keySet()) {
      if (n.endsWith("self_attn.qkv_proj.weight")) {
        out.put(n, concatRows(required(weights, n.replace("qkv_proj", "q_proj")),
            required(weights, n.replace("qkv_proj", "k_proj")),
            required(weights, n.replace("qkv_proj", "v_proj"))));
      } else if (n.endsWith("mlp.gate_up_proj.weight")) {
        out.put(n, concatRows(required(weights, n.replace("gate_up_proj", "gate_proj")),
            required(weights, n.replace("gate_up_proj", "up_proj"))));
      } else {
        out.put(n, required(weights, n));
      }
    }
    return out;
  }

  private static float[] required(Map<String, float[]> weights, String name) {
    float[] v = weights.get(name);
    Check.argument(v != null, "weights must contain " + name);
    return v;
  }

  private static float[] concatRows(float[]... parts) {
    int n = 0;
    for (float[] p : parts) {
      n += p.length;
    }
    float[] out = new float[n];
    int at = 0;
    for (float[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
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
    Check.modelFile(config.numHiddenLayers() <= layers,
        source.resolve("config.json") + ": num_hidden_layers is " + config.numHiddenLayers()
            + ", but the checkpoint has weights for " + layers + " layers"
            + (layers == 0 ? "" : " (model.layers.0 to model.layers." + (layers - 1) + ")"));
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
      if (c.qkNorm()) {
        m.put(p + "self_attn.q_norm.weight", new long[] {c.headDim()});
        m.put(p + "self_attn.k_norm.weight", new long[] {c.headDim()});
      }
      m.put(p + "self_attn.o_proj.weight", new long[] {h, q});
      if (c.outputBias()) {
        m.put(p + "self_attn.o_proj.bias", new long[] {h});
      }
      m.put(p + "post_attention_layernorm.weight", new long[] {h});
      if (c.gemma().isPresent()) {
        m.put(p + "pre_feedforward_layernorm.weight", new long[] {h});
        m.put(p + "post_feedforward_layernorm.weight", new long[] {h});
      }
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
    return forward(c, weights, Quantization.NONE);
  }

  /**
   * {@link #forward(ModelConfig, Map)} from weights loaded by {@link #loadWeights(Path, ModelConfig,
   * Quantization)}: the linear layers {@link #quantizedWeights} names run as {@code MatMulNBits}.
   *
   * @throws IllegalArgumentException if a weight is missing or has the wrong dtype
   */
  public static ExportedModel forward(ModelConfig c, Map<String, Tensor> weights,
      Quantization quantization) {
    Check.notNull(c, "c");
    Check.notNull(weights, "weights");
    Check.notNull(quantization, "quantization");
    GraphBuilder g = GraphBuilder.create("llama_train", 18);
    Value ids = g.input(INPUT_IDS, DType.INT64, "batch", "seq");
    return forwardBody(g, c, initializers(g, c, weights, quantization, Set.of()), ids);
  }

  private static ExportedModel forwardBody(GraphBuilder g, ModelConfig c, Weights w, Value ids) {
    // Positions 0..T-1, RoPE angles and the causal mask, all from the run-time sequence length.
    Value seqLen = g.squeeze(g.shape(ids, 1, 2), 0);
    Value pos = g.cast(g.range(g.scalar(DType.INT64, 0), seqLen, g.scalar(DType.INT64, 1)), DType.FLOAT);
    Value idx = g.range(g.scalar(DType.INT64, 0), seqLen, g.scalar(DType.INT64, 1));
    Value future = g.greater(g.unsqueeze(idx, 0), g.unsqueeze(idx, 1));
    Value x = decoder(g, c, w, embed(g, c, w, ids), rotary(g, c, g.unsqueeze(pos, 1), false),
        future, slidingMask(g, c, future, idx, idx), null, null);
    g.output(LOGITS, head(g, c, w, x));
    return g.build().toModel(ModelOptions.defaults().withExternalInitializersAbove(EXTERNAL_ABOVE));
  }

  /**
   * {@link #forward(ModelConfig, Map)} where the linear weights {@link #quantizedWeights} names
   * (except a tied embedding, which the token lookup reads as float32) may also be FLOAT16 or
   * BFLOAT16, as {@link #loadWeightsAsStored} leaves them. Such a graph is not runnable as it is (its
   * {@code FusedMatMul} products would mix types): it is for {@code
   * org.consistency4j.train.QuantizedBase#apply}, which replaces those weights by dequantized codes,
   * after {@code org.consistency4j.lora.Lora} has found its targets in it.
   *
   * @throws IllegalArgumentException if a weight is missing or has another dtype
   */
  public static ExportedModel forwardWithStoredLinearWeights(ModelConfig c,
      Map<String, Tensor> weights) {
    Check.notNull(c, "c");
    Check.notNull(weights, "weights");
    Set<String> stored = new java.util.HashSet<>(quantizedWeights(c));
    stored.remove("model.embed_tokens.weight");
    GraphBuilder g = GraphBuilder.create("llama_train", 18);
    Value ids = g.input(INPUT_IDS, DType.INT64, "batch", "seq");
    Weights w = initializers(g, c, weights, Quantization.NONE, stored);
    return forwardBody(g, c, w, ids);
  }

  /** The incremental-decoding graph described in the class comment. */
  static ExportedModel decode(ModelConfig c, Map<String, Tensor> weights,
      Quantization quantization) {
    return decode(c, weights, quantization, LeftRows.NEVER);
  }

  /**
   * {@link #decode(ModelConfig, Map, Quantization)} where every float32 linear weight held as
   * stored ({@code [out, in]}, not under {@link #TRANSPOSED}) is multiplied as {@link
   * #rowSwitchedLinear} does for the row counts {@code left} contains.
   */
  static ExportedModel decode(ModelConfig c, Map<String, Tensor> weights,
      Quantization quantization, LeftRows left) {
    Check.notNull(left, "left");
    Check.argument(left == LeftRows.NEVER || !quantization.enabled(),
        "the stored weight as left operand is for float32 weights, found quantization "
            + quantization.label());
    GraphBuilder g = GraphBuilder.create("llama_decode", 18);
    int hd = c.headDim();
    int nkv = c.numKeyValueHeads();
    Value ids = g.input(INPUT_IDS, DType.INT64, "batch", "new");
    Value positions = g.input(POSITION_IDS, DType.INT64, "batch", "new");
    Value mask = g.input(ATTENTION_MASK, DType.INT64, "batch", "total");
    Value[] pastK = new Value[c.numHiddenLayers()];
    Value[] pastV = new Value[c.numHiddenLayers()];
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      pastK[l] = g.input(pastKey(l), DType.FLOAT, "past", "batch", (long) nkv, (long) hd);
      pastV[l] = g.input(pastValue(l), DType.FLOAT, "past", "batch", (long) nkv, (long) hd);
    }
    Weights w = initializers(g, c, weights, quantization, Set.of()).withLeft(left);
    Value one = g.scalar(DType.INT64, 1);
    Value newLen = g.squeeze(g.shape(ids, 1, 2), 0);
    Value pastLen = g.squeeze(g.shape(pastK[0], 0, 1), 0);
    Value total = g.add(pastLen, newLen);
    Value qIdx = g.range(pastLen, total, one);
    Value kIdx = g.range(g.scalar(DType.INT64, 0), total, one);
    // [batch, new, 1] x [1, hd/2] -> [batch, 1, new, hd] to broadcast over the heads.
    Rotary rotary = rotary(g, c, g.unsqueeze(g.cast(positions, DType.FLOAT), 2), true);
    // Masked: a later key index, or a padding key. [1, new, total] or [batch, 1, 1, total].
    Value future = g.unsqueeze(g.greater(g.unsqueeze(kIdx, 0), g.unsqueeze(qIdx, 1)), 0);
    Value padding = g.unsqueeze(g.equal(mask, g.scalar(DType.INT64, 0)), 1, 2);
    Value masked = g.or(future, padding);
    Value x = decoder(g, c, w, embed(g, c, w, ids), rotary, masked,
        slidingMask(g, c, masked, qIdx, kIdx), pastK, pastV);
    // The logits of the new positions from logits_from on: [batch, new - from, vocab].
    Value from = g.input(LOGITS_FROM, DType.INT64, 1L);
    Value rest = g.op("Slice", java.util.Arrays.asList(x, from, g.constant(Tensor.vector(Long.MAX_VALUE)),
        g.constant(Tensor.vector(1L))), Map.of(), 1).get(0);
    g.output(LOGITS, head(g, c, w, rest));
    // With row chunks every weight is external, so that each chunk is read in place however small.
    return g.build().toModel(ModelOptions.defaults().withExternalInitializersAbove(
        w.chunks().isEmpty() ? EXTERNAL_ABOVE : 0));
  }

  private static Weights initializers(GraphBuilder g, ModelConfig c,
      Map<String, Tensor> weights, Quantization quantization, Set<String> stored) {
    Map<String, Value> w = new LinkedHashMap<>();
    Map<String, long[]> shapes = expectedShapes(c);
    List<String> quantized = quantization.enabled() ? quantizedWeights(c) : List.of();
    Map<String, List<Value>> chunks = rowChunks(g, weights, shapes);
    if (!chunks.isEmpty()) {
      Check.argument(!quantization.enabled(), "weights held in row chunks ("
          + chunks.keySet().iterator().next() + ROWS + "0 ...) cannot be quantized, found"
          + " quantization " + quantization.label());
    }
    for (String name : shapes.keySet()) {
      if (chunks.containsKey(name) && !name.equals(EMBEDDINGS)) {
        continue;
      }
      // Quantized models look the embeddings up at the file's precision and cast the rows; stored
      // weights stay at the file's precision for a quantized training base to quantize; with
      // weights in row chunks the embedding table may be 16-bit too.
      if ((name.equals(EMBEDDINGS) && (quantization.enabled() || !chunks.isEmpty()))
          || stored.contains(name)) {
        Tensor t = weights.get(name);
        Check.argument(t != null, "weights must contain " + name);
        Check.argument(t.dtype() == DType.FLOAT || t.dtype() == DType.FLOAT16
            || t.dtype() == DType.BFLOAT16, name + " must be FLOAT, FLOAT16 or BFLOAT16, found "
            + t.dtype());
        w.put(name, g.initializer(name, t));
      } else if (weights.containsKey(name + TRANSPOSED)) {
        Check.argument(!weights.containsKey(name), "weights must hold " + name + " once, found it"
            + " both as stored and as " + name + TRANSPOSED);
        long[] asStored = shapes.get(name);
        long[] want = {asStored[1], asStored[0]};
        Tensor t = weights.get(name + TRANSPOSED);
        Check.argument(Arrays.equals(t.shape(), want), name + TRANSPOSED + " must have shape "
            + Arrays.toString(want) + " (the transpose of " + Arrays.toString(asStored) + "), found "
            + Arrays.toString(t.shape()));
        w.put(name + TRANSPOSED, floatInitializer(g, weights, name + TRANSPOSED));
      } else if (!quantized.contains(name)) {
        w.put(name, floatInitializer(g, weights, name));
      }
    }
    for (String name : quantized) {
      for (String part : List.of(name + PACKED, name + SCALES)) {
        Tensor t = weights.get(part);
        Check.argument(t != null, "weights must contain " + part + " (quantization "
            + quantization.label() + ")");
        DType want = part.endsWith(PACKED) ? DType.UINT8 : DType.FLOAT;
        Check.argument(t.dtype() == want, part + " must be " + want + ", found " + t.dtype());
        w.put(part, g.initializer(part, t));
      }
    }
    return new Weights(w, chunks, shapes, quantization, LeftRows.NEVER);
  }

  /**
   * The row chunks ({@link #ROWS}) among {@code weights} as initializers of {@code g}, by the
   * weight they belong to: each FLOAT16 or BFLOAT16, {@code [rows, in]} with the weight's {@code
   * in}, named after their first row, in row order and together covering the weight's rows; the
   * weight itself must then not be given too (except a tied embedding table, looked up as stored).
   */
  private static Map<String, List<Value>> rowChunks(GraphBuilder g, Map<String, Tensor> weights,
      Map<String, long[]> shapes) {
    Map<String, List<Value>> out = new LinkedHashMap<>();
    Map<String, Long> next = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : weights.entrySet()) {
      String key = e.getKey();
      int at = key.indexOf(ROWS);
      if (at < 0) {
        continue;
      }
      String name = key.substring(0, at);
      long[] shape = shapes.get(name);
      Check.argument(shape != null && shape.length == 2, key + " is a row chunk of " + name
          + ", which is not a linear weight of this model");
      Tensor t = e.getValue();
      long first = next.getOrDefault(name, 0L);
      Check.argument(key.equals(name + ROWS + first), key + " must be the chunk starting at row "
          + first + " of " + name + " (chunks in row order, without gaps)");
      Check.argument(t.dtype() == DType.FLOAT16 || t.dtype() == DType.BFLOAT16,
          key + " must be FLOAT16 or BFLOAT16, found " + t.dtype());
      Check.argument(t.rank() == 2 && t.shape()[1] == shape[1] && t.shape()[0] >= 1
          && first + t.shape()[0] <= shape[0], key + " must have shape [rows, " + shape[1]
          + "] within the " + shape[0] + " rows of " + name + ", found "
          + Arrays.toString(t.shape()));
      Check.argument(!weights.containsKey(name) || name.equals(EMBEDDINGS),
          "weights must hold " + name + " once, found it both whole and in row chunks");
      next.put(name, first + t.shape()[0]);
      out.computeIfAbsent(name, n -> new ArrayList<>()).add(g.initializer(key, t));
    }
    next.forEach((name, rows) -> Check.argument(rows == shapes.get(name)[0], "the row chunks of "
        + name + " cover " + rows + " of its " + shapes.get(name)[0] + " rows"));
    return out;
  }

  private static Value floatInitializer(GraphBuilder g, Map<String, Tensor> weights, String name) {
    Tensor t = weights.get(name);
    Check.argument(t != null, "weights must contain " + name);
    Check.argument(t.dtype() == DType.FLOAT, name + " must be FLOAT, found " + t.dtype());
    return g.initializer(name, t);
  }

  /**
   * The graph's weight values by name, with the quantized form of the linear layers that have one
   * ({@code NAME.nbits} codes, {@code NAME.nbits_scales}).
   */
  private record Weights(Map<String, Value> values, Map<String, List<Value>> chunks,
      Map<String, long[]> shapes, Quantization quantization, LeftRows left) {
    Value get(String name) {
      return values.get(name);
    }

    Weights withLeft(LeftRows rows) {
      return new Weights(values, chunks, shapes, quantization, rows);
    }

    /**
     * {@code x W^T (+ bias)} for the weight {@code name}: MatMulNBits when it is quantized, a plain
     * MatMul when it is held transposed, {@link #rowSwitchedLinear} when {@link #left} says so;
     * a weight held in 16-bit row chunks is multiplied chunk by chunk ({@link #chunkedLinear}),
     * switched on the row count the same way.
     */
    Value linear(GraphBuilder g, Value x, String name, Value bias) {
      Value transposed = values.get(name + TRANSPOSED);
      if (transposed != null) {
        Value y = g.matMul(x, transposed);
        return bias == null ? y : g.add(y, bias);
      }
      List<Value> parts = chunks.get(name);
      if (parts != null) {
        // 16-bit row chunks: each cast to float32 and multiplied while it is in the cache.
        long[] s = shapes.get(name);
        Value y = left == LeftRows.NEVER ? chunkedLinear(g, x, parts, true)
            : rowSwitched(g, x, s[1], left, parts, true, b -> b.constant(Tensor.vector(s[0])));
        return bias == null ? y : g.add(y, bias);
      }
      Value packed = values.get(name + PACKED);
      if (packed == null && left != LeftRows.NEVER) {
        Value y = rowSwitchedLinear(g, x, values.get(name), shapes.get(name)[1], left);
        return bias == null ? y : g.add(y, bias);
      }
      if (packed == null) {
        return LlamaGraphs.linear(g, x, values.get(name), bias);
      }
      long[] s = shapes.get(name);
      Value y = g.matMulNBits(x, packed, values.get(name + SCALES), s[1], s[0],
          quantization.bits(), quantization.blockSize(),
          quantization.int8Activations() ? 4 : 0);
      return bias == null ? y : g.add(y, bias);
    }
  }

  /** cos and sin of the RoPE angles of the global layers and, for Gemma 3, of its local layers. */
  private record Rotary(Value cos, Value sin, Value localCos, Value localSin) {}

  /**
   * RoPE tables from positions {@code [..., 1]}: angles {@code positions * inv_freq}, duplicated to
   * the rotary width ({@code [..., rotaryDim]}, with a heads axis at 1 when {@code headsAxis}), cos and
   * sin times LongRoPE's attention factor when it is not 1.
   */
  private static Rotary rotary(GraphBuilder g, ModelConfig c, Value positions, boolean headsAxis) {
    Value[] global = cosSin(g, positions, c.ropeInverseFrequencies(),
        c.ropeScaling().attentionFactor(), headsAxis);
    double localTheta = c.gemma().map(ModelConfig.Gemma::localRopeTheta).orElse(0.0);
    if (localTheta == 0) {
      return new Rotary(global[0], global[1], null, null);
    }
    Value[] local = cosSin(g, positions,
        RopeScaling.none().inverseFrequencies(localTheta, c.rotaryDim()), 1.0, headsAxis);
    return new Rotary(global[0], global[1], local[0], local[1]);
  }

  private static Value[] cosSin(GraphBuilder g, Value positions, float[] invFreq, double factor,
      boolean headsAxis) {
    Value freqs = g.mul(positions, g.constant(Tensor.ofFloats(invFreq, 1, invFreq.length)));
    Value emb = g.concat(-1, freqs, freqs);
    if (headsAxis) {
      emb = g.unsqueeze(emb, 1);
    }
    Value cos = g.cos(emb);
    Value sin = g.sin(emb);
    if (factor != 1.0) {
      Value f = g.scalar(DType.FLOAT, (float) factor);
      cos = g.mul(cos, f);
      sin = g.mul(sin, f);
    }
    return new Value[] {cos, sin};
  }

  /**
   * The mask of the sliding-window layers: {@code masked} or a key at least {@code sliding_window}
   * indices before the query ({@code qIdx [new]}, {@code kIdx [keys]}; within a row, index
   * differences are position differences because padding is only on the left), or null without
   * sliding layers.
   */
  private static Value slidingMask(GraphBuilder g, ModelConfig c, Value masked, Value qIdx,
      Value kIdx) {
    int window = c.gemma().map(ModelConfig.Gemma::slidingWindow).orElse(0);
    if (window == 0) {
      return null;
    }
    Value distance = g.sub(g.unsqueeze(qIdx, 1), g.unsqueeze(kIdx, 0));
    return g.or(masked, g.greater(distance, g.scalar(DType.INT64, window - 1)));
  }

  /** Token embeddings; Gemma multiplies them by {@code sqrt(hidden_size)} (rounded to float32). */
  private static Value embed(GraphBuilder g, ModelConfig c, Weights w, Value ids) {
    Value table = w.get("model.embed_tokens.weight");
    Value x = table != null ? g.gather(table, ids, 0)
        : gatherColumns(g, w.get("model.embed_tokens.weight" + TRANSPOSED), ids, c.hiddenSize());
    if (g.dtypeOf(x) != DType.FLOAT) {
      x = g.cast(x, DType.FLOAT);
    }
    return c.gemma().isEmpty() ? x
        : g.mul(x, g.scalar(DType.FLOAT, (float) Math.sqrt(c.hiddenSize())));
  }

  /**
   * The columns {@code ids [batch, n]} of a table held transposed, {@code [hidden, vocab]} (a tied
   * embedding table, for the LM head's {@code MatMul}), as rows {@code [batch, n, hidden]}: one
   * {@code GatherND} of the elements {@code (h, id)}, which writes the rows contiguously. ({@code
   * Gather} on axis 1 then {@code Transpose} gives the same values, but ONNX Runtime's transpose
   * optimizer then moves the {@code Transpose} past the first RMSNorm, whose mean is then taken
   * over a strided axis and rounds differently from an untied model's.)
   */
  private static Value gatherColumns(GraphBuilder g, Value table, Value ids, int hidden) {
    long[] h = new long[hidden];
    for (int i = 0; i < hidden; i++) {
      h[i] = i;
    }
    Value rows = g.constant(Tensor.ofLongs(h, 1, 1, hidden, 1));
    Value shape = g.concat(0, g.shape(ids), g.constant(Tensor.vector(hidden, 1)));
    Value at = g.concat(-1, g.expand(rows, shape), g.expand(g.unsqueeze(ids, 2, 3), shape));
    return g.op("GatherND", Map.of(), table, at);
  }

  /**
   * The decoder layers over embeddings {@code x [batch, n, hidden]}: {@code masked} (bool,
   * broadcastable to the attention scores {@code [batch, heads, n, keys]}) marks the key positions a
   * query must not attend to; {@code slidingMasked} (null without sliding layers) does for Gemma's
   * sliding-window layers. With a cache ({@code pastK}, {@code pastV} not null, {@code [past, batch,
   * kv_heads, head_dim]}) the new keys and values are attended to after it and output, position
   * first, as {@code new_*}.
   */
  private static Value decoder(GraphBuilder g, ModelConfig c, Weights w, Value x,
      Rotary rotary, Value masked, Value slidingMasked, Value[] pastK, Value[] pastV) {
    int hd = c.headDim();
    int nh = c.numAttentionHeads();
    int nkv = c.numKeyValueHeads();
    boolean gemma = c.gemma().isPresent();
    List<Integer> slidingLayers = c.gemma().map(ModelConfig.Gemma::slidingLayers).orElse(List.of());
    double attnCap = c.gemma().map(ModelConfig.Gemma::attnLogitSoftcapping).orElse(0.0);
    Value minValue = g.scalar(DType.FLOAT, -Float.MAX_VALUE);
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      String p = "model.layers." + l + ".";
      boolean local = c.gemma().isPresent() && c.gemma().get().localRope(l);
      Value cos = local ? rotary.localCos() : rotary.cos();
      Value sin = local ? rotary.localSin() : rotary.sin();
      Value h = norm(g, c, x, w.get(p + "input_layernorm.weight"));
      Value q = w.linear(g, h, p + "self_attn.q_proj.weight", w.get(p + "self_attn.q_proj.bias"));
      Value k = w.linear(g, h, p + "self_attn.k_proj.weight", w.get(p + "self_attn.k_proj.bias"));
      Value v = w.linear(g, h, p + "self_attn.v_proj.weight", w.get(p + "self_attn.v_proj.bias"));
      q = heads(g, q, nh, hd);
      k = heads(g, k, nkv, hd);
      if (c.qkNorm()) {
        // Qwen3, Gemma 3: RMSNorm over each head's channels, before RoPE.
        q = norm(g, c, q, w.get(p + "self_attn.q_norm.weight"));
        k = norm(g, c, k, w.get(p + "self_attn.k_norm.weight"));
      }
      q = rope(g, q, cos, sin, hd, c.rotaryDim());
      k = rope(g, k, cos, sin, hd, c.rotaryDim());
      v = heads(g, v, nkv, hd);
      if (pastK != null) {
        g.output(newKey(l), g.transpose(k, 2, 0, 1, 3));
        g.output(newValue(l), g.transpose(v, 2, 0, 1, 3));
        k = g.concat(2, g.transpose(pastK[l], 1, 2, 0, 3), k);
        v = g.concat(2, g.transpose(pastV[l], 1, 2, 0, 3), v);
      }
      // With a cache (the inference graph) the heads sharing a key/value head are multiplied
      // together, [batch, kv_heads, group * new, head_dim], so that the keys and values are not
      // repeated per head: a copy of the whole cache times the group size on every step, for the
      // same products. (The training graph keeps repeat_kv, which autodiff differentiates.)
      boolean grouped = pastK != null && nh != nkv;
      if (!grouped) {
        k = repeatKv(g, k, nh, nkv, hd);
        v = repeatKv(g, v, nh, nkv, hd);
      }
      Value qk = grouped
          ? g.reshape(g.matMul(g.reshape(q, 0, nkv, -1, hd), g.transpose(k, 0, 1, 3, 2)),
              0, nh, -1, 0)
          : g.matMul(q, g.transpose(k, 0, 1, 3, 2));
      Value scores = g.mul(qk, g.scalar(DType.FLOAT, (float) c.attentionScale()));
      scores = softcap(g, scores, attnCap);
      Value layerMask = slidingLayers.contains(l) ? slidingMasked : masked;
      Value attn = g.softmax(g.where(layerMask, minValue, scores), -1);
      Value perHead = grouped
          ? g.reshape(g.matMul(g.reshape(attn, 0, nkv, -1, 0), v), 0, nh, -1, hd)
          : g.matMul(attn, v);
      Value ctx = g.reshape(g.transpose(perHead, 0, 2, 1, 3), 0, 0, (long) nh * hd);
      Value out = w.linear(g, ctx, p + "self_attn.o_proj.weight",
          w.get(p + "self_attn.o_proj.bias"));
      Value h2;
      if (gemma) {
        // Gemma: norms after attention and around the MLP.
        x = g.add(x, norm(g, c, out, w.get(p + "post_attention_layernorm.weight")));
        h2 = norm(g, c, x, w.get(p + "pre_feedforward_layernorm.weight"));
      } else {
        x = g.add(x, out);
        h2 = norm(g, c, x, w.get(p + "post_attention_layernorm.weight"));
      }
      Value gate = w.linear(g, h2, p + "mlp.gate_proj.weight", null);
      Value up = w.linear(g, h2, p + "mlp.up_proj.weight", null);
      Value act = g.mul(gemma ? geluTanh(g, gate) : g.mul(gate, g.sigmoid(gate)), up);
      Value mlp = w.linear(g, act, p + "mlp.down_proj.weight", null);
      x = g.add(x, gemma ? norm(g, c, mlp, w.get(p + "post_feedforward_layernorm.weight")) : mlp);
    }
    return x;
  }

  /** {@code cap * tanh(x / cap)} (Gemma's soft-capping), or {@code x} when {@code cap} is 0. */
  private static Value softcap(GraphBuilder g, Value x, double cap) {
    if (cap == 0) {
      return x;
    }
    Value c = g.scalar(DType.FLOAT, (float) cap);
    return g.mul(g.tanh(g.div(x, c)), c);
  }

  /** GELU, tanh approximation: {@code 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))}. */
  private static Value geluTanh(GraphBuilder g, Value x) {
    Value cube = g.mul(g.mul(x, x), x);
    Value inner = g.mul(g.add(x, g.mul(cube, g.scalar(DType.FLOAT, 0.044715f))),
        g.scalar(DType.FLOAT, (float) Math.sqrt(2.0 / Math.PI)));
    Value half = g.mul(x, g.scalar(DType.FLOAT, 0.5f));
    return g.mul(half, g.add(g.tanh(inner), g.scalar(DType.FLOAT, 1f)));
  }

  /** RMSNorm with weight {@code w}, or Gemma's {@code 1 + w}. */
  private static Value norm(GraphBuilder g, ModelConfig c, Value x, Value w) {
    Value scale = c.gemma().isPresent() ? g.add(w, g.scalar(DType.FLOAT, 1f)) : w;
    return rmsNorm(g, x, scale, c.rmsNormEps());
  }

  /** Final norm and LM head (tied to the embeddings or separate). */
  private static Value head(GraphBuilder g, ModelConfig c, Weights w, Value x) {
    Value hf = norm(g, c, x, w.get("model.norm.weight"));
    String head = c.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight";
    return softcap(g, w.linear(g, hf, head, null),
        c.gemma().map(ModelConfig.Gemma::finalLogitSoftcapping).orElse(0.0));
  }

  /**
   * {@code x @ W^T (+ bias)} for a weight {@code W [out, in]}: ONNX Runtime's {@code com.microsoft}
   * {@code FusedMatMul} with {@code transB = 1}, which reads {@code W} as it is stored. (With {@code
   * MatMul(x, Transpose(W))} ONNX Runtime's constant folding materialises {@code W^T} as a second copy
   * of every weight held by a session, and with weights fed as inputs the transpose would be computed
   * on every run.) LoRA adapts this pattern and autodiff differentiates it; the input gradient is
   * {@code gy W}, again reading {@code W} as stored. (Weights held transposed use {@code MatMul}
   * instead: {@code Weights.linear}.)
   */
  private static Value linear(GraphBuilder g, Value x, Value w, Value bias) {
    Value y = g.op("com.microsoft", "FusedMatMul", List.of(x, w),
        Map.of("transB", Attribute.of(1L)), List.of(DType.FLOAT)).get(0);
    return bias == null ? y : g.add(y, bias);
  }

  /**
   * The row counts (rows of a linear layer's input multiplied at once: batch times new tokens) for
   * which {@link #rowSwitchedLinear} puts the stored weight first, {@code [from, to]}; {@link
   * #NEVER}: no row count (plain {@code FusedMatMul(transB = 1)}, no {@code If}).
   */
  record LeftRows(long from, long to) {
    /** No row count: linear layers are plain {@code FusedMatMul(transB = 1)}. */
    static final LeftRows NEVER = new LeftRows(Long.MAX_VALUE, Long.MAX_VALUE);

    /**
     * 3 to 64 rows. Measured at Qwen2.5-0.5B's shapes with the weight read in place, one thread,
     * weights read from memory (JMH, loaded machine): the stored weight as the left operand took
     * 1.0-1.4x the time of {@code FusedMatMul(transB = 1)} for 2 rows (behind except the LM head),
     * 0.8-1.0x for 3, 0.4-1.0x for 4 to 64 (every shape ahead or level), 0.9-1.3x for 128 (the LM
     * head behind, 1.27x) and 0.9-1.4x for 512 (LM head 1.43x, gate/up 1.42x); 1.3-1.6x for one
     * row (benchmarks/README.md, "Batched decoding with the stored weight as the left operand").
     */
    static final LeftRows BATCHES = new LeftRows(3, 64);

    LeftRows {
      Check.argument(from >= 1 && to >= from, "left rows must be a range [from, to] with 1 <= from"
          + " <= to, found [" + from + ", " + to + "]");
    }
  }

  /**
   * {@code x W^T} for a float32 weight {@code W [out, in]} as stored and {@code x [..., in]}, with
   * an {@code If} on the number of rows of {@code x} (the product of its leading dims): for a row
   * count in {@code left}, the weight is the first operand, {@code Transpose(MatMul(W,
   * Transpose(x [rows, in])))}, which ONNX Runtime's CPU kernels run much faster for a batch of
   * rows when the weight is a graph input it cannot pre-pack; otherwise {@link #linear} ({@code
   * FusedMatMul(transB = 1)}), faster for one row. Both read {@code W} as stored.
   */
  static Value rowSwitchedLinear(GraphBuilder g, Value x, Value w, long in, LeftRows left) {
    return rowSwitched(g, x, in, left, List.of(w), false, b -> b.shape(w, 0, 1));
  }

  /**
   * {@code x W^T} for a weight held in row chunks {@code parts} ({@code [rows_i, in]}, top to
   * bottom), each cast to float32 first when {@code cast}: the products of the chunks concatenated
   * on the last axis, so that one chunk at a time is cast (and stays in the cache while it is
   * multiplied).
   */
  private static Value chunkedLinear(GraphBuilder g, Value x, List<Value> parts, boolean cast) {
    List<Value> ys = new ArrayList<>(parts.size());
    for (Value part : parts) {
      ys.add(linear(g, x, cast ? g.cast(part, DType.FLOAT) : part, null));
    }
    return ys.size() == 1 ? ys.get(0) : g.concat(-1, ys);
  }

  /**
   * {@link #rowSwitchedLinear} over a weight held in row chunks ({@link #chunkedLinear}): for a row
   * count in {@code left} each chunk is the first operand, {@code MatMul(W_i, x^T)}, and the
   * products are concatenated on the first axis; otherwise {@link #chunkedLinear}. {@code outDim}
   * gives the output width {@code [out]} inside the branch.
   */
  private static Value rowSwitched(GraphBuilder g, Value x, long in, LeftRows left,
      List<Value> parts, boolean cast, java.util.function.Function<GraphBuilder, Value> outDim) {
    Value size = g.size(x);
    Value many = g.greater(size, g.scalar(DType.INT64, (left.from() - 1) * in));
    if (left.to() < Long.MAX_VALUE / in - 1) {
      many = g.and(many, g.less(size, g.scalar(DType.INT64, (left.to() + 1) * in)));
    }
    GraphBuilder first = g.subgraph("weight_left");
    Value xt = first.transpose(first.reshape(x, -1, in), 1, 0);
    List<Value> yts = new ArrayList<>(parts.size());
    for (Value part : parts) {
      yts.add(first.matMul(cast ? first.cast(part, DType.FLOAT) : part, xt));
    }
    Value yt = yts.size() == 1 ? yts.get(0) : first.concat(0, yts);
    Value outShape = first.concat(0, first.shape(x, 0, -1), outDim.apply(first));
    first.output(first.reshape(first.transpose(yt, 1, 0), outShape));
    GraphBuilder second = g.subgraph("weight_right");
    second.output(chunkedLinear(second, x, parts, cast));
    return g.ifThenElse(many, first.build(), second.build()).get(0);
  }

  private static Value rmsNorm(GraphBuilder g, Value x, Value w, double eps) {
    Value ms = g.reduceMean(g.mul(x, x), true, -1);
    return g.mul(w, g.div(x, g.sqrt(g.add(ms, g.scalar(DType.FLOAT, (float) eps)))));
  }

  private static Value heads(GraphBuilder g, Value x, int n, int hd) {
    return g.transpose(g.reshape(x, 0, 0, n, hd), 0, 2, 1, 3);
  }

  /** Rotate-half RoPE on the first {@code rd} channels; the remaining {@code hd - rd} pass through. */
  private static Value rope(GraphBuilder g, Value x, Value cos, Value sin, int hd, int rd) {
    Value rot = rd == hd ? x : g.slice(x, -1, 0, rd);
    Value x1 = g.slice(rot, -1, 0, rd / 2);
    Value x2 = g.slice(rot, -1, rd / 2, rd);
    Value out = g.add(g.mul(rot, cos), g.mul(g.concat(-1, g.neg(x2), x1), sin));
    return rd == hd ? out : g.concat(-1, out, g.slice(x, -1, rd, hd));
  }

  private static Value repeatKv(GraphBuilder g, Value x, int nh, int nkv, int hd) {
    if (nh == nkv) {
      return x;
    }
    return g.reshape(g.expand(g.unsqueeze(x, 2), 1, 1, nh / nkv, 1, 1), 0, nh, -1, hd);
  }
}
