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
 * The architecture of a Llama-family decoder (Hugging Face {@code config.json} of {@code model_type}
 * {@code llama}, {@code qwen2} or {@code mistral}), as far as the runtime needs it. Immutable.
 *
 * <p>{@link #parse(Path)} reads a {@code config.json} and rejects, with a {@link ModelLoadException}
 * naming the file, the field and the value, every setting the runtime does not implement (RoPE
 * scaling, sliding-window attention that would be active, MLP biases, activations other than SiLU,
 * quantization, partial rotary embeddings) instead of silently computing something else.
 *
 * @param modelType {@code llama}, {@code qwen2} or {@code mistral}
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
 * @param qkvBias whether the q, k and v projections have biases (Qwen2 always; Llama with {@code
 *     attention_bias})
 * @param outputBias whether the attention output projection has a bias (Llama with {@code
 *     attention_bias})
 * @param tieWordEmbeddings whether the LM head reuses the token embedding matrix
 * @param maxPositionEmbeddings the longest sequence (prompt plus generated tokens) the model
 *     accepts, {@code > 0}; for Mistral with a sliding window shorter than {@code
 *     max_position_embeddings} this is the window, because within it sliding-window attention
 *     equals full causal attention
 * @param bosTokenId the beginning-of-sequence token, if the config names one
 * @param eosTokenIds the end-of-sequence tokens (a config may list several), possibly empty
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
    List<Integer> eosTokenIds) {

  /** The supported values of {@code model_type}. */
  public static final List<String> SUPPORTED_MODEL_TYPES = List.of("llama", "qwen2", "mistral");

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
    long layer = attn + mlp + 2 * h;
    long emb = (long) vocabSize * h;
    return emb + (tieWordEmbeddings ? 0 : emb) + numHiddenLayers * layer + h;
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
      if (size > MAX_CONFIG_BYTES) {
        throw new ModelLoadException(file + ": file is " + size + " bytes, above the limit of "
            + MAX_CONFIG_BYTES + " (ModelConfig.MAX_CONFIG_BYTES)");
      }
      root = JSON.readTree(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      throw new ModelLoadException(file + ": file not found", e);
    } catch (JsonProcessingException e) {
      throw new ModelLoadException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new ModelLoadException(file + ": cannot read: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new ModelLoadException(file + ": must hold a JSON object");
    }
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
      if (typeNode == null || typeNode.isNull()) {
        throw fail("model_type is required");
      }
      String type = typeNode.asText();
      if (!typeNode.isTextual() || !SUPPORTED_MODEL_TYPES.contains(type)) {
        throw fail("model_type must be one of " + SUPPORTED_MODEL_TYPES + ", found " + typeNode);
      }
      int vocab = atMost("vocab_size", requiredPositiveInt("vocab_size"), MAX_VOCAB);
      int hidden = atMost("hidden_size", requiredPositiveInt("hidden_size"), MAX_WIDTH);
      int layers = atMost("num_hidden_layers", requiredPositiveInt("num_hidden_layers"), MAX_LAYERS);
      int heads = atMost("num_attention_heads", requiredPositiveInt("num_attention_heads"), MAX_HEADS);
      int kvHeads = atMost("num_key_value_heads",
          optionalPositiveInt("num_key_value_heads").orElse(heads), MAX_HEADS);
      if (heads % kvHeads != 0) {
        throw fail(
            "num_attention_heads ("
                + heads
                + ") must be a multiple of num_key_value_heads ("
                + kvHeads
                + ")");
      }
      Optional<Integer> explicitHeadDim = optionalPositiveInt("head_dim");
      if (explicitHeadDim.isEmpty() && hidden % heads != 0) {
        throw fail(
            "hidden_size (" + hidden + ") must be a multiple of num_attention_heads (" + heads
                + ") when head_dim is not given");
      }
      int headDim = atMost("head_dim", explicitHeadDim.orElse(hidden / heads), MAX_WIDTH);
      if (headDim % 2 != 0) {
        throw fail("head_dim must be even (rotary embeddings rotate pairs), found " + headDim);
      }
      int intermediate = atMost("intermediate_size", requiredPositiveInt("intermediate_size"),
          MAX_WIDTH);
      double eps = optionalPositiveDouble("rms_norm_eps", 1e-6);
      double theta = optionalPositiveDouble("rope_theta", 10000.0);
      int maxPos = requiredPositiveInt("max_position_embeddings");

      requireValue("hidden_act", "silu");
      rejectRopeScaling();
      requireAbsentOrEqual("partial_rotary_factor", 1.0);
      rejectPresent("quantization_config");
      requireFalse("mlp_bias");

      boolean qkvBias;
      boolean outBias;
      switch (type) {
        case "qwen2" -> {
          // HF Qwen2Attention: q/k/v always have biases, o_proj never.
          qkvBias = true;
          outBias = false;
          requireFalse("use_sliding_window");
        }
        case "mistral" -> {
          // HF MistralAttention has no biases and ignores attention_bias: refuse an ambiguous file.
          requireFalse("attention_bias");
          qkvBias = false;
          outBias = false;
          Optional<Integer> window = optionalPositiveInt("sliding_window");
          if (window.isPresent() && window.get() < maxPos) {
            // Within the window, sliding-window attention equals causal attention: cap the context.
            maxPos = window.get();
          }
        }
        default -> {
          boolean bias = optionalBoolean("attention_bias", false);
          qkvBias = bias;
          outBias = bias;
        }
      }
      boolean tied = optionalBoolean("tie_word_embeddings", false);
      Optional<Integer> bos = optionalTokenId("bos_token_id", vocab);
      List<Integer> eos = tokenIdList("eos_token_id", vocab);
      return new ModelConfig(
          type, vocab, hidden, layers, heads, kvHeads, headDim, intermediate, eps, theta, qkvBias,
          outBias, tied, maxPos, bos, eos);
    }

    private ModelLoadException fail(String problem) {
      return new ModelLoadException(file + ": " + problem);
    }

    private int atMost(String field, int value, int max) {
      if (value > max) {
        throw fail(field + " must be <= " + max + " (the library's limit), found " + value);
      }
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
      if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() <= 0) {
        throw fail(field + " must be a positive integer, found " + n);
      }
      return Optional.of(n.intValue());
    }

    private double optionalPositiveDouble(String field, double dflt) {
      JsonNode n = root.get(field);
      if (n == null || n.isNull()) {
        return dflt;
      }
      if (!n.isNumber() || !(n.doubleValue() > 0) || !Double.isFinite(n.doubleValue())) {
        throw fail(field + " must be a positive number, found " + n);
      }
      return n.doubleValue();
    }

    private boolean optionalBoolean(String field, boolean dflt) {
      JsonNode n = root.get(field);
      if (n == null || n.isNull()) {
        return dflt;
      }
      if (!n.isBoolean()) {
        throw fail(field + " must be true or false, found " + n);
      }
      return n.booleanValue();
    }

    private void requireFalse(String field) {
      if (optionalBoolean(field, false)) {
        throw fail(field + " must be false (not implemented by this runtime), found true");
      }
    }

    private void requireValue(String field, String expected) {
      JsonNode n = root.get(field);
      if (n != null && !n.isNull() && !(n.isTextual() && n.asText().equals(expected))) {
        throw fail(field + " must be \"" + expected + "\" (the only one implemented), found " + n);
      }
    }

    private void requireAbsentOrEqual(String field, double expected) {
      JsonNode n = root.get(field);
      if (n != null && !n.isNull() && !(n.isNumber() && n.doubleValue() == expected)) {
        throw fail(field + " must be " + expected + " (the only one implemented), found " + n);
      }
    }

    private void rejectPresent(String field) {
      JsonNode n = root.get(field);
      if (n != null && !n.isNull()) {
        throw fail(field + " is not supported by this runtime, found " + n);
      }
    }

    private void rejectRopeScaling() {
      JsonNode n = root.get("rope_scaling");
      if (n == null || n.isNull()) {
        return;
      }
      // {"rope_type": "default"} (newer transformers) means no scaling.
      JsonNode kind = n.has("rope_type") ? n.get("rope_type") : n.get("type");
      boolean isDefault = n.isObject() && kind != null && "default".equals(kind.asText())
          && n.size() == 1;
      if (!isDefault) {
        throw fail(
            "rope_scaling must be null (RoPE scaling is not implemented by this runtime), found "
                + n);
      }
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
      if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 0
          || n.intValue() >= vocab) {
        throw fail(field + " must be a token id in [0, " + vocab + "), found " + n);
      }
      return n.intValue();
    }
  }
}
