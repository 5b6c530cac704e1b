package org.consistency4j.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.consistency4j.ModelLoadException;
import org.consistency4j.internal.Check;

/**
 * The architecture of a Llama-family decoder, as far as the runtime needs it. Immutable. Hugging Face
 * {@code config.json} files of these {@code model_type}s load:
 *
 * <ul>
 *   <li>{@code llama} (Llama 2, Llama 3.x with {@code rope_scaling} {@code llama3}, {@code linear} or
 *       {@code dynamic}), {@code mistral} (within its sliding window), {@code qwen2} (q/k/v biases);
 *   <li>{@code qwen3}: per-head RMSNorm of queries and keys ({@code q_norm}, {@code k_norm}) before
 *       RoPE, explicit {@code head_dim}, biases only with {@code attention_bias};
 *   <li>{@code phi3} (Phi-3, Phi-4-mini): fused {@code qkv_proj} and {@code gate_up_proj}, split at
 *       load time into the {@code q/k/v_proj} and {@code gate/up_proj} every graph, LoRA target and
 *       exported checkpoint of this library names ({@link LlamaGraphs#loadWeights}); {@code
 *       partial_rotary_factor} (RoPE on the first {@code rotaryDim} channels of each head); {@code
 *       rope_scaling} {@code longrope} within {@code original_max_position_embeddings};
 *   <li>{@code gemma2} and {@code gemma3_text} ({@link Gemma}): embeddings times {@code
 *       sqrt(hidden_size)}, {@code (1 + w)} RMSNorm, GELU-tanh MLP, RMSNorm before and after both
 *       attention and MLP, {@code query_pre_attn_scalar}, attention and final logit soft-capping;
 *       sliding-window attention on Gemma 2's even layers and Gemma 3's {@code layer_types} (or all
 *       but every {@code sliding_window_pattern}-th layer); Gemma 3's {@code (1 + w)} {@code
 *       q_norm}/{@code k_norm} and its sliding layers' RoPE base {@code rope_local_base_freq}
 *       (global layers use {@code rope_theta} and {@code rope_scaling}).
 * </ul>
 *
 * <p>{@link #parse(Path)} reads a {@code config.json} and rejects, with a {@link ModelLoadException}
 * naming the file, the field and the value, every setting the runtime does not implement (RoPE
 * scaling types other than the above, Qwen2's sliding window, MLP biases, activations other than
 * SiLU (GELU-tanh for Gemma), quantization, partial rotary embeddings outside Phi-3) instead of
 * silently computing something else. Where a setting only matters beyond some length (the sliding
 * windows of Mistral, Qwen3 and Phi-3, LongRoPE's long factors) the context is capped at that length,
 * within which the result is exact.
 *
 * @param modelType one of {@link #SUPPORTED_MODEL_TYPES}
 * @param vocabSize rows of the embedding and of the LM head, {@code > 0}
 * @param hiddenSize the residual stream width, {@code > 0}
 * @param numHiddenLayers decoder layers, {@code > 0}
 * @param numAttentionHeads query heads, {@code > 0}
 * @param numKeyValueHeads key/value heads (grouped-query attention), divides {@code
 *     numAttentionHeads}
 * @param headDim width of one head, even ({@code hiddenSize / numAttentionHeads} unless given)
 * @param intermediateSize the SwiGLU MLP width, {@code > 0}
 * @param rmsNormEps the RMSNorm epsilon, {@code > 0}
 * @param ropeTheta the RoPE base, {@code > 0}
 * @param qkvBias whether the q, k and v projections have biases (Qwen2 always; Llama and Qwen3 with
 *     {@code attention_bias})
 * @param outputBias whether the attention output projection has a bias (Llama and Qwen3 with {@code
 *     attention_bias})
 * @param tieWordEmbeddings whether the LM head reuses the token embedding matrix
 * @param maxPositionEmbeddings the longest sequence (prompt plus generated tokens) the model
 *     accepts, {@code > 0}; capped at an active sliding window (within it, sliding-window attention
 *     equals full causal attention; Gemma masks its sliding layers instead) and at LongRoPE's {@code
 *     original_max_position_embeddings}
 * @param bosTokenId the beginning-of-sequence token, if the config names one
 * @param eosTokenIds the end-of-sequence tokens (a config may list several), possibly empty
 * @param ropeScaling the RoPE scaling ({@link RopeScaling#none()} for default RoPE)
 * @param rotaryDim the rotated channels of each head: even, in {@code (0, headDim]} ({@code headDim}
 *     except Phi-3's {@code partial_rotary_factor})
 * @param gemma the Gemma 2/3 settings, present exactly for those model types
 */
public record ModelConfig(
    String modelType,
    int vocabSize,
    int hiddenSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int numKeyValueHeads,
    int headDim,
    int intermediateSize,
    double rmsNormEps,
    double ropeTheta,
    boolean qkvBias,
    boolean outputBias,
    boolean tieWordEmbeddings,
    int maxPositionEmbeddings,
    Optional<Integer> bosTokenId,
    List<Integer> eosTokenIds,
    RopeScaling ropeScaling,
    int rotaryDim,
    Optional<Gemma> gemma) {

  /** The supported values of {@code model_type}. */
  public static final List<String> SUPPORTED_MODEL_TYPES =
      List.of("llama", "qwen2", "mistral", "qwen3", "phi3", "gemma2", "gemma3_text");

  /**
   * What Gemma 2 and Gemma 3 decoders add to the Llama layout (besides the fixed {@code (1 + w)}
   * RMSNorm, embedding scaling, GELU-tanh and the norms around attention and MLP). Immutable.
   *
   * @param attnLogitSoftcapping {@code c} in {@code c * tanh(scores / c)} on the attention scores
   *     before masking, or 0 for none
   * @param finalLogitSoftcapping the same on the output logits, or 0 for none
   * @param queryPreAttnScalar the attention scores are scaled by {@code queryPreAttnScalar^-0.5},
   *     {@code > 0}
   * @param localRopeTheta the RoPE base of the sliding layers (default RoPE, no scaling; Gemma 3's
   *     {@code rope_local_base_freq}), or 0 when they use the global RoPE (Gemma 2)
   * @param slidingWindow how many positions a query of a sliding layer sees (itself and the {@code
   *     slidingWindow - 1} before it), or 0 for none
   * @param slidingLayers the layers with sliding-window attention
   */
  public record Gemma(double attnLogitSoftcapping, double finalLogitSoftcapping,
      double queryPreAttnScalar, double localRopeTheta, int slidingWindow,
      List<Integer> slidingLayers) {
    /** Validates and copies. */
    public Gemma {
      Check.nonNegative(attnLogitSoftcapping, "attnLogitSoftcapping");
      Check.nonNegative(finalLogitSoftcapping, "finalLogitSoftcapping");
      Check.positive(queryPreAttnScalar, "queryPreAttnScalar");
      Check.nonNegative(localRopeTheta, "localRopeTheta");
      Check.nonNegative(slidingWindow, "slidingWindow");
      slidingLayers = List.copyOf(Check.notNull(slidingLayers, "slidingLayers"));
      Check.argument(slidingLayers.isEmpty() || slidingWindow > 0,
          "slidingWindow must be > 0 when slidingLayers is not empty, found " + slidingWindow);
    }

    /** Whether layer {@code l} uses Gemma 3's local RoPE base. */
    public boolean localRope(int l) {
      return localRopeTheta > 0 && slidingLayers.contains(l);
    }
  }

  /**
   * Largest {@code num_hidden_layers} accepted: 1,024 (released Llama-family models have at most 126).
   * Sizes are checked before anything is allocated; the weights present bound them further ({@link
   * LlamaGraphs#checkWeightsCover}).
   */
  public static final int MAX_LAYERS = 1024;
  /** Largest {@code hidden_size}, {@code intermediate_size} and {@code head_dim}: 1,048,576. */
  public static final int MAX_WIDTH = 1 << 20;
  /** Largest {@code num_attention_heads} and {@code num_key_value_heads}: 16,384. */
  public static final int MAX_HEADS = 1 << 14;
  /** Largest {@code vocab_size}: 16,777,216. */
  public static final int MAX_VOCAB = 1 << 24;
  /** Largest {@code config.json} read: 1 MiB (real ones are a few KiB). */
  public static final long MAX_CONFIG_BYTES = 1 << 20;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Validates (messages name the field) and copies. */
  public ModelConfig {
    Check.notNull(modelType, "modelType");
    Check.argument(
        SUPPORTED_MODEL_TYPES.contains(modelType),
        "modelType must be one of " + SUPPORTED_MODEL_TYPES + ", found " + modelType);
    Check.positive(vocabSize, "vocabSize");
    Check.positive(hiddenSize, "hiddenSize");
    Check.positive(numHiddenLayers, "numHiddenLayers");
    Check.argument(vocabSize <= MAX_VOCAB, "vocabSize must be <= " + MAX_VOCAB + ", found " + vocabSize);
    Check.argument(hiddenSize <= MAX_WIDTH,
        "hiddenSize must be <= " + MAX_WIDTH + ", found " + hiddenSize);
    Check.argument(numHiddenLayers <= MAX_LAYERS,
        "numHiddenLayers must be <= " + MAX_LAYERS + ", found " + numHiddenLayers);
    Check.argument(numAttentionHeads <= MAX_HEADS,
        "numAttentionHeads must be <= " + MAX_HEADS + ", found " + numAttentionHeads);
    Check.argument(headDim <= MAX_WIDTH, "headDim must be <= " + MAX_WIDTH + ", found " + headDim);
    Check.argument(intermediateSize <= MAX_WIDTH,
        "intermediateSize must be <= " + MAX_WIDTH + ", found " + intermediateSize);
    Check.positive(numAttentionHeads, "numAttentionHeads");
    Check.positive(numKeyValueHeads, "numKeyValueHeads");
    Check.argument(
        numAttentionHeads % numKeyValueHeads == 0,
        "numAttentionHeads (" + numAttentionHeads + ") must be a multiple of numKeyValueHeads ("
            + numKeyValueHeads + ")");
    Check.positive(headDim, "headDim");
    Check.argument(headDim % 2 == 0, "headDim must be even, found " + headDim);
    Check.positive(intermediateSize, "intermediateSize");
    Check.positive(rmsNormEps, "rmsNormEps");
    Check.positive(ropeTheta, "ropeTheta");
    Check.positive(maxPositionEmbeddings, "maxPositionEmbeddings");
    Check.notNull(bosTokenId, "bosTokenId");
    eosTokenIds = List.copyOf(Check.notNull(eosTokenIds, "eosTokenIds"));
    Check.notNull(ropeScaling, "ropeScaling");
    Check.argument(rotaryDim > 0 && rotaryDim <= headDim && rotaryDim % 2 == 0,
        "rotaryDim must be even and in (0, headDim = " + headDim + "], found " + rotaryDim);
    Check.notNull(gemma, "gemma");
    Check.argument(gemma.isPresent() == modelType.startsWith("gemma"),
        "gemma settings must be present exactly for Gemma model types, found " + gemma
            + " for " + modelType);
    for (int l : gemma.map(Gemma::slidingLayers).orElse(List.of())) {
      Check.argument(l >= 0 && l < numHiddenLayers,
          "slidingLayers must be layer indices in [0, " + numHiddenLayers + "), found " + l);
    }
  }

  /** A configuration with default RoPE over whole heads (no scaling, no partial rotary). */
  public ModelConfig(String modelType, int vocabSize, int hiddenSize, int numHiddenLayers,
      int numAttentionHeads, int numKeyValueHeads, int headDim, int intermediateSize,
      double rmsNormEps, double ropeTheta, boolean qkvBias, boolean outputBias,
      boolean tieWordEmbeddings, int maxPositionEmbeddings, Optional<Integer> bosTokenId,
      List<Integer> eosTokenIds) {
    this(modelType, vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads,
        headDim, intermediateSize, rmsNormEps, ropeTheta, qkvBias, outputBias, tieWordEmbeddings,
        maxPositionEmbeddings, bosTokenId, eosTokenIds, RopeScaling.none(), headDim,
        Optional.empty());
  }

  /**
   * Whether queries and keys are RMS-normalized per head before RoPE (Qwen3's and Gemma 3's q_norm,
   * k_norm).
   */
  public boolean qkNorm() {
    return modelType.equals("qwen3") || modelType.equals("gemma3_text");
  }

  /** The factor on the attention scores: {@code headDim^-0.5}, or Gemma's {@code query_pre_attn_scalar^-0.5}. */
  public double attentionScale() {
    return 1.0 / Math.sqrt(gemma.map(Gemma::queryPreAttnScalar).orElse((double) headDim));
  }

  /**
   * Whether the checkpoint stores fused {@code qkv_proj} and {@code gate_up_proj} weights (Phi-3),
   * which {@link LlamaGraphs#loadWeights} splits into the separate projections.
   */
  public boolean fusedProjections() {
    return modelType.equals("phi3");
  }

  /** The RoPE inverse frequencies over {@link #rotaryDim()} (float32, as Hugging Face computes them). */
  public float[] ropeInverseFrequencies() {
    return ropeScaling.inverseFrequencies(ropeTheta, rotaryDim);
  }

  /** Query heads per key/value head ({@code repeat_kv} factor). */
  public int groupSize() {
    return numAttentionHeads / numKeyValueHeads;
  }

  /** The number of parameters the weights must hold (embeddings, LM head unless tied, layers). */
  public long parameterCount() {
    long h = hiddenSize;
    long q = (long) numAttentionHeads * headDim;
    long kv = (long) numKeyValueHeads * headDim;
    long attn = h * q + 2 * h * kv + q * h + (qkvBias ? q + 2 * kv : 0) + (outputBias ? h : 0);
    long mlp = 3 * h * intermediateSize;
    long layer = attn + mlp + 2 * h + (qkNorm() ? 2L * headDim : 0) + (gemma.isPresent() ? 2 * h : 0);
    long emb = (long) vocabSize * h;
    return emb + (tieWordEmbeddings ? 0 : emb) + numHiddenLayers * layer + h;
  }

  /**
   * Checks that {@code ids} is valid input for a model of this architecture: not empty, at most
   * {@link #maxPositionEmbeddings()} ids, each in {@code [0, vocabSize)}. Every method of {@link
   * OnnxLanguageModel} that takes token ids applies this rule; callers that read ids from a file can
   * apply it first to name the line.
   *
   * @param ids the token ids
   * @param what how the error message names them (for example {@code "line 3 input_ids"})
   * @throws IllegalArgumentException naming {@code what}, the rule and the bad value
   */
  public void validateInputIds(int[] ids, String what) {
    Check.notNull(ids, what);
    Check.argument(ids.length > 0, what + " must not be empty (the model has no BOS token to start"
        + " from)");
    Check.argument(
        ids.length <= maxPositionEmbeddings,
        what + " length must be <= max_position_embeddings (" + maxPositionEmbeddings
            + "), found " + ids.length);
    for (int i = 0; i < ids.length; i++) {
      Check.argument(ids[i] >= 0 && ids[i] < vocabSize,
          what + "[" + i + "] must be in [0, " + vocabSize + "), found " + ids[i]);
    }
  }

  /**
   * Reads and validates a Hugging Face {@code config.json}.
   *
   * @param file the {@code config.json}
   * @throws ModelLoadException if the file is missing, is not JSON, lacks a required field, or sets a
   *     field to a value the runtime does not implement; the message names the file, the field and
   *     the value
   */
  public static ModelConfig parse(Path file) {
    Check.notNull(file, "file");
    JsonNode root;
    try {
      long size = Files.size(file);
      Check.modelFile(size <= MAX_CONFIG_BYTES,
          file + ": file is " + size + " bytes, above the limit of " + MAX_CONFIG_BYTES
              + " (ModelConfig.MAX_CONFIG_BYTES)");
      root = JSON.readTree(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      throw new ModelLoadException(file + ": file not found", e);
    } catch (JsonProcessingException e) {
      throw new ModelLoadException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new ModelLoadException(file + ": cannot read: " + e.getMessage(), e);
    }
    Check.modelFile(root != null && root.isObject(), file + ": must hold a JSON object");
    return new Reader(file, root).read();
  }

  /** Parses with field-level error messages. */
  private static final class Reader {
    private final Path file;
    private final JsonNode root;

    Reader(Path file, JsonNode root) {
      this.file = file;
      this.root = root;
    }

    ModelConfig read() {
      JsonNode typeNode = root.get("model_type");
      require(typeNode != null && !typeNode.isNull(), "model_type is required");
      String type = typeNode.asText();
      require(typeNode.isTextual() && SUPPORTED_MODEL_TYPES.contains(type),
          "model_type must be one of " + SUPPORTED_MODEL_TYPES + ", found " + typeNode);
      int vocab = atMost("vocab_size", requiredPositiveInt("vocab_size"), MAX_VOCAB);
      int hidden = atMost("hidden_size", requiredPositiveInt("hidden_size"), MAX_WIDTH);
      int layers = atMost("num_hidden_layers", requiredPositiveInt("num_hidden_layers"), MAX_LAYERS);
      int heads = atMost("num_attention_heads", requiredPositiveInt("num_attention_heads"), MAX_HEADS);
      int kvHeads = atMost("num_key_value_heads",
          optionalPositiveInt("num_key_value_heads").orElse(heads), MAX_HEADS);
      require(heads % kvHeads == 0,
          "num_attention_heads (" + heads + ") must be a multiple of num_key_value_heads ("
              + kvHeads + ")");
      Optional<Integer> explicitHeadDim = optionalPositiveInt("head_dim");
      require(!explicitHeadDim.isEmpty() || hidden % heads == 0 || type.startsWith("gemma"),
          "hidden_size (" + hidden + ") must be a multiple of num_attention_heads (" + heads
              + ") when head_dim is not given");
      boolean isGemma = type.startsWith("gemma");
      // Gemma2Config and Gemma3TextConfig default head_dim to 256, not hidden / heads.
      int headDim = atMost("head_dim", explicitHeadDim.orElse(isGemma ? 256 : hidden / heads), MAX_WIDTH);
      require(headDim % 2 == 0,
          "head_dim must be even (rotary embeddings rotate pairs), found " + headDim);
      int intermediate = atMost("intermediate_size", requiredPositiveInt("intermediate_size"),
          MAX_WIDTH);
      double eps = optionalPositiveDouble("rms_norm_eps", 1e-6);
      double theta = optionalPositiveDouble("rope_theta", 10000.0);
      int maxPos = requiredPositiveInt("max_position_embeddings");

      if (isGemma) {
        // Gemma's MLP activation is hidden_activation (hidden_act is an older alias).
        requireValue("hidden_activation", "gelu_pytorch_tanh");
        requireValue("hidden_act", "gelu_pytorch_tanh");
      } else {
        requireValue("hidden_act", "silu");
      }
      rejectPresent("quantization_config");
      requireFalse("mlp_bias");
      int rotaryDim = headDim;
      if (type.equals("phi3")) {
        rotaryDim = partialRotaryDim(headDim);
      } else {
        requireAbsentOrEqual("partial_rotary_factor", 1.0);
      }
      RopeScaling rope = ropeScaling(rotaryDim, maxPos);
      if (rope.type() == RopeScaling.Type.LONGROPE) {
        // Beyond original_max_position_embeddings the long factors would apply: cap the context.
        maxPos = Math.min(maxPos, rope.originalMaxPositionEmbeddings());
      }

      boolean qkvBias;
      boolean outBias;
      switch (type) {
        case "qwen2" -> {
          // HF Qwen2Attention: q/k/v always have biases, o_proj never.
          qkvBias = true;
          outBias = false;
          requireFalse("use_sliding_window");
        }
        case "gemma2", "gemma3_text" -> {
          // HF Gemma2Attention, Gemma3Attention: q/k/v and o biases follow attention_bias.
          boolean bias = optionalBoolean("attention_bias", false);
          qkvBias = bias;
          outBias = bias;
        }
        case "qwen3" -> {
          // HF Qwen3Attention: q/k/v and o biases follow attention_bias.
          boolean bias = optionalBoolean("attention_bias", false);
          qkvBias = bias;
          outBias = bias;
          // Layers from max_window_layers on use sliding windows when use_sliding_window is set.
          Optional<Integer> window = optionalPositiveInt("sliding_window");
          int firstSliding = optionalPositiveInt("max_window_layers").orElse(layers);
          if (optionalBoolean("use_sliding_window", false) && window.isPresent()
              && firstSliding < layers && window.get() < maxPos) {
            maxPos = window.get();
          }
        }
        case "phi3" -> {
          // HF Phi3Attention has no biases and ignores attention_bias: refuse an ambiguous file.
          requireFalse("attention_bias");
          requireFalse("lm_head_bias");
          qkvBias = false;
          outBias = false;
          maxPos = capAtSlidingWindow(maxPos);
        }
        case "mistral" -> {
          // HF MistralAttention has no biases and ignores attention_bias: refuse an ambiguous file.
          requireFalse("attention_bias");
          qkvBias = false;
          outBias = false;
          maxPos = capAtSlidingWindow(maxPos);
        }
        default -> {
          boolean bias = optionalBoolean("attention_bias", false);
          qkvBias = bias;
          outBias = bias;
        }
      }
      Optional<Gemma> gemma = Optional.empty();
      if (isGemma) {
        Optional<Integer> window = optionalPositiveInt("sliding_window");
        // Without a window (or one covering the context) the sliding layers attend to everything.
        List<Integer> layerKinds = slidingLayers(type, layers);
        List<Integer> sliding = window.isPresent() && window.get() < maxPos ? layerKinds : List.of();
        gemma = Optional.of(new Gemma(optionalPositiveDouble("attn_logit_softcapping", 0.0),
            optionalPositiveDouble("final_logit_softcapping", 0.0),
            optionalPositiveDouble("query_pre_attn_scalar", 256.0),
            type.equals("gemma3_text") ? optionalPositiveDouble("rope_local_base_freq", 10000.0) : 0,
            sliding.isEmpty() ? 0 : window.get(), sliding));
      }
      // Gemma's configs default to tied embeddings.
      boolean tied = optionalBoolean("tie_word_embeddings", isGemma);
      Optional<Integer> bos = optionalTokenId("bos_token_id", vocab);
      List<Integer> eos = tokenIdList("eos_token_id", vocab);
      return new ModelConfig(
          type, vocab, hidden, layers, heads, kvHeads, headDim, intermediate, eps, theta, qkvBias,
          outBias, tied, maxPos, bos, eos, rope, rotaryDim, gemma);
    }

    /**
     * Gemma's sliding-window layers: Gemma 2 every even layer; Gemma 3 from {@code layer_types}, or
     * every layer but each {@code sliding_window_pattern}-th.
     */
    private List<Integer> slidingLayers(String type, int layers) {
      List<Integer> out = new ArrayList<>();
      JsonNode types = root.get("layer_types");
      if (type.equals("gemma3_text") && types != null && !types.isNull()) {
        require(types.isArray() && types.size() == layers,
            "layer_types must list num_hidden_layers (" + layers + ") entries, found " + types);
        for (int i = 0; i < layers; i++) {
          String t = types.get(i).asText();
          require(t.equals("sliding_attention") || t.equals("full_attention"),
              "layer_types entries must be \"sliding_attention\" or \"full_attention\","
                  + " found " + types.get(i));
          if (t.equals("sliding_attention")) {
            out.add(i);
          }
        }
        return out;
      }
      int pattern = type.equals("gemma2") ? 2 : optionalPositiveInt("sliding_window_pattern").orElse(6);
      for (int i = 0; i < layers; i++) {
        if ((i + 1) % pattern != 0) {
          out.add(i);
        }
      }
      return out;
    }

    /** Within the window, sliding-window attention equals causal attention: cap the context. */
    private int capAtSlidingWindow(int maxPos) {
      Optional<Integer> window = optionalPositiveInt("sliding_window");
      return window.isPresent() && window.get() < maxPos ? window.get() : maxPos;
    }

    /** Phi-3's rotated width {@code int(head_dim * partial_rotary_factor)}, as Hugging Face rounds. */
    private int partialRotaryDim(int headDim) {
      JsonNode n = root.get("partial_rotary_factor");
      if (n == null || n.isNull()) {
        return headDim;
      }
      double f = n.doubleValue();
      require(n.isNumber() && f > 0 && f <= 1,
          "partial_rotary_factor must be a number in (0, 1], found " + n);
      int dim = (int) (headDim * f);
      require(dim > 0 && dim % 2 == 0,
          "partial_rotary_factor " + n + " gives an odd or empty rotary width int(head_dim "
              + headDim + " * factor) = " + dim + "; it must be even and > 0");
      return dim;
    }

    private ModelLoadException fail(String problem) {
      return new ModelLoadException(file + ": " + problem);
    }

    private void require(boolean condition, String problem) {
      Check.modelFile(condition, file + ": " + problem);
    }

    private int atMost(String field, int value, int max) {
      require(value <= max,
          field + " must be <= " + max + " (the library's limit), found " + value);
      return value;
    }

    private int requiredPositiveInt(String field) {
      return optionalPositiveInt(field).orElseThrow(() -> fail(field + " is required"));
    }

    private Optional<Integer> optionalPositiveInt(String field) {
      JsonNode n = root.get(field);
      if (n == null || n.isNull()) {
        return Optional.empty();
      }
      require(n.isIntegralNumber() && n.canConvertToInt() && n.intValue() > 0,
          field + " must be a positive integer, found " + n);
      return Optional.of(n.intValue());
    }

    private double optionalPositiveDouble(String field, double dflt) {
      JsonNode n = root.get(field);
      if (n == null || n.isNull()) {
        return dflt;
      }
      require(n.isNumber() && n.doubleValue() > 0 && Double.isFinite(n.doubleValue()),
          field + " must be a positive number, found " + n);
      return n.doubleValue();
    }

    private boolean optionalBoolean(String field, boolean dflt) {
      JsonNode n = root.get(field);
      if (n == null || n.isNull()) {
        return dflt;
      }
      require(n.isBoolean(), field + " must be true or false, found " + n);
      return n.booleanValue();
    }

    private void requireFalse(String field) {
      require(!optionalBoolean(field, false),
          field + " must be false (not implemented by this runtime), found true");
    }

    private void requireValue(String field, String expected) {
      JsonNode n = root.get(field);
      require(n == null || n.isNull() || n.isTextual() && n.asText().equals(expected),
          field + " must be \"" + expected + "\" (the only one implemented), found " + n);
    }

    private void requireAbsentOrEqual(String field, double expected) {
      JsonNode n = root.get(field);
      require(n == null || n.isNull() || n.isNumber() && n.doubleValue() == expected,
          field + " must be " + expected + " (the only one implemented), found " + n);
    }

    private void rejectPresent(String field) {
      JsonNode n = root.get(field);
      require(n == null || n.isNull(), field + " is not supported by this runtime, found " + n);
    }

    /**
     * {@code rope_scaling} with its kind under {@code rope_type} or the older {@code type} (as
     * transformers reads it, {@code rope_type} first).
     */
    private RopeScaling ropeScaling(int rotaryDim, int maxPos) {
      JsonNode n = root.get("rope_scaling");
      if (n == null || n.isNull()) {
        return RopeScaling.none();
      }
      require(n.isObject(), "rope_scaling must be null or an object, found " + n);
      JsonNode kind = n.has("rope_type") ? n.get("rope_type") : n.get("type");
      require(kind != null && kind.isTextual(),
          "rope_scaling must name its kind in rope_type (or type), found " + n);
      return switch (kind.asText()) {
        case "default" -> RopeScaling.none();
        case "linear" -> RopeScaling.linear(ropeNumber(n, "factor"));
        // Dynamic NTK changes the base only for sequences longer than max_position_embeddings,
        // which the runtime refuses: within that context it is default RoPE, exactly.
        case "dynamic" -> RopeScaling.dynamic(ropeNumber(n, "factor"));
        case "llama3" -> {
          double factor = ropeNumber(n, "factor");
          double low = ropeNumber(n, "low_freq_factor");
          double high = ropeNumber(n, "high_freq_factor");
          double original = ropeNumber(n, "original_max_position_embeddings");
          require(high > low,
              "rope_scaling.high_freq_factor must be > low_freq_factor ("
                  + n.get("low_freq_factor") + "), found " + n.get("high_freq_factor"));
          require(original == Math.rint(original) && original <= Integer.MAX_VALUE,
              "rope_scaling.original_max_position_embeddings must be a positive integer,"
                  + " found " + n.get("original_max_position_embeddings"));
          yield RopeScaling.llama3(factor, low, high, (int) original);
        }
        case "longrope" -> longrope(n, rotaryDim, maxPos);
        default -> throw fail("rope_scaling type " + kind + " is not implemented by this runtime"
            + " (implemented: default, linear, dynamic, llama3, longrope), found " + n);
      };
    }

    /** LongRoPE within the original context: the short factors and the attention factor. */
    private RopeScaling longrope(JsonNode n, int rotaryDim, int maxPos) {
      List<Double> shortFactor = ropeFactors(n, "short_factor", rotaryDim);
      ropeFactors(n, "long_factor", rotaryDim);
      // As HF: a top-level original_max_position_embeddings (Phi-3) defines the factor as the ratio
      // of the extended to the original context; otherwise rope_scaling.factor is required.
      Optional<Integer> original = optionalPositiveInt("original_max_position_embeddings");
      double factor = original.isPresent()
          ? (double) maxPos / original.get() : ropeNumber(n, "factor");
      int originalMax = original.orElse(maxPos);
      JsonNode af = n.get("attention_factor");
      double attention;
      if (af != null && !af.isNull()) {
        attention = ropeNumber(n, "attention_factor");
      } else {
        attention = factor <= 1.0 ? 1.0
            : Math.sqrt(1 + Math.log(factor) / Math.log(originalMax));
      }
      return RopeScaling.longrope(shortFactor, originalMax, attention);
    }

    private List<Double> ropeFactors(JsonNode n, String field, int rotaryDim) {
      JsonNode a = n.get(field);
      require(a != null && a.isArray() && a.size() == rotaryDim / 2,
          "rope_scaling." + field + " must be a list of rotary_dim / 2 = " + rotaryDim / 2
              + " positive numbers, found " + a);
      List<Double> out = new ArrayList<>();
      for (JsonNode e : a) {
        require(e.isNumber() && e.doubleValue() > 0 && Double.isFinite(e.doubleValue()),
            "rope_scaling." + field + " must hold positive numbers, found " + e);
        out.add(e.doubleValue());
      }
      return out;
    }

    private double ropeNumber(JsonNode n, String field) {
      JsonNode v = n.get(field);
      require(v != null && !v.isNull(),
          "rope_scaling." + field + " is required for rope_scaling type "
              + (n.has("rope_type") ? n.get("rope_type") : n.get("type")) + ", found " + n);
      require(v.isNumber() && v.doubleValue() > 0 && Double.isFinite(v.doubleValue()),
          "rope_scaling." + field + " must be a positive number, found " + v);
      return v.doubleValue();
    }

    private Optional<Integer> optionalTokenId(String field, int vocab) {
      JsonNode n = root.get(field);
      if (n == null || n.isNull()) {
        return Optional.empty();
      }
      return Optional.of(tokenId(field, n, vocab));
    }

    private List<Integer> tokenIdList(String field, int vocab) {
      JsonNode n = root.get(field);
      List<Integer> ids = new ArrayList<>();
      if (n == null || n.isNull()) {
        return ids;
      }
      if (n.isArray()) {
        for (JsonNode e : n) {
          ids.add(tokenId(field, e, vocab));
        }
      } else {
        ids.add(tokenId(field, n, vocab));
      }
      return ids;
    }

    private int tokenId(String field, JsonNode n, int vocab) {
      require(n.isIntegralNumber() && n.canConvertToInt() && n.intValue() >= 0
          && n.intValue() < vocab, field + " must be a token id in [0, " + vocab + "), found " + n);
      return n.intValue();
    }
  }
}
