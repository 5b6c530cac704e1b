package org.consistency4j.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.HalfFloats;
import org.consistency4j.graph.Tensor;
import org.consistency4j.internal.AtomicFiles;
import org.consistency4j.internal.Check;
import org.consistency4j.model.LlamaGraphs;
import org.consistency4j.model.ModelConfig;
import org.consistency4j.safetensors.SafetensorsWriter;

/**
 * Creates small Llama models from scratch, as ordinary Hugging Face model directories that every
 * part of the library loads ({@code config.json}, {@code model.safetensors}, {@code tokenizer.json},
 * {@code tokenizer_config.json}): a word-level tokenizer over a given vocabulary and randomly
 * initialized weights. Used by the demo, tests and experiments that train tiny models with {@link
 * FineTuning}. Stateless.
 */
public final class ScratchModels {
  /** The unknown-word token (id 0). */
  public static final String UNK = "<unk>";
  /** The beginning-of-sequence token (id 1). */
  public static final String BOS = "<s>";
  /** The end-of-sequence token (id 2). */
  public static final String EOS = "</s>";
  /** The padding token (id 3). */
  public static final String PAD = "<pad>";

  private static final List<String> SPECIAL = List.of(UNK, BOS, EOS, PAD);
  private static final ObjectMapper JSON = new ObjectMapper();

  private ScratchModels() {}

  /**
   * The dimensions of a Llama model.
   *
   * @param hidden hidden size, a multiple of {@code heads}
   * @param layers decoder layers
   * @param heads attention heads (as many key-value heads)
   * @param intermediate MLP size
   * @param maxPositions context length
   */
  public record LlamaShape(int hidden, int layers, int heads, int intermediate, int maxPositions) {
    /** Validates. */
    public LlamaShape {
      Check.positive(hidden, "hidden");
      Check.positive(layers, "layers");
      Check.positive(heads, "heads");
      Check.positive(intermediate, "intermediate");
      Check.positive(maxPositions, "maxPositions");
      Check.argument(hidden % heads == 0,
          "hidden must be a multiple of heads, found hidden=" + hidden + ", heads=" + heads);
      Check.argument((hidden / heads) % 2 == 0,
          "hidden / heads (the head size) must be even for rotary embeddings, found " + hidden / heads);
    }
  }

  /**
   * Writes a word-level tokenizer: text is lower-cased and split into runs of word characters and
   * runs of punctuation ({@code tokenizers}' Whitespace pre-tokenizer); ids 0 to 3 are {@link #UNK},
   * {@link #BOS}, {@link #EOS}, {@link #PAD}, then {@code words} in their order (lower-cased,
   * duplicates dropped). Decoding joins tokens with spaces.
   *
   * @return the vocabulary size
   * @throws IllegalArgumentException if a word is blank or contains whitespace
   */
  public static int writeWordLevelTokenizer(Path dir, List<String> words, int maxPositions) {
    Check.notNull(dir, "dir");
    Check.notNull(words, "words");
    Set<String> vocab = new LinkedHashSet<>(SPECIAL);
    for (String w : words) {
      Check.notNull(w, "words element");
      Check.argument(!w.isBlank() && w.chars().noneMatch(Character::isWhitespace),
          "words must be single tokens without whitespace, found \"" + w + "\"");
      vocab.add(w.toLowerCase(java.util.Locale.ROOT));
    }
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    for (int i = 0; i < SPECIAL.size(); i++) {
      ObjectNode t = added.addObject();
      t.put("id", i);
      t.put("content", SPECIAL.get(i));
      t.put("single_word", false);
      t.put("lstrip", false);
      t.put("rstrip", false);
      t.put("normalized", false);
      t.put("special", true);
    }
    root.putObject("normalizer").put("type", "Lowercase");
    root.putObject("pre_tokenizer").put("type", "Whitespace");
    root.putNull("post_processor");
    root.putNull("decoder");
    ObjectNode model = root.putObject("model");
    model.put("type", "WordLevel");
    ObjectNode v = model.putObject("vocab");
    int id = 0;
    for (String w : vocab) {
      v.put(w, id++);
    }
    model.put("unk_token", UNK);
    ObjectNode cfg = JSON.createObjectNode();
    cfg.put("tokenizer_class", "PreTrainedTokenizerFast");
    cfg.put("bos_token", BOS);
    cfg.put("eos_token", EOS);
    cfg.put("unk_token", UNK);
    cfg.put("pad_token", PAD);
    cfg.put("add_bos_token", false);
    cfg.put("add_eos_token", false);
    cfg.put("model_max_length", maxPositions);
    try {
      Files.createDirectories(dir);
      AtomicFiles.writeString(dir.resolve("tokenizer.json"),
          JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
      AtomicFiles.writeString(dir.resolve("tokenizer_config.json"),
          JSON.writerWithDefaultPrettyPrinter().writeValueAsString(cfg));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the tokenizer into " + dir, e);
    }
    return vocab.size();
  }

  /**
   * Writes {@code config.json} (model_type llama, float32, untied embeddings, {@link #BOS}/{@link #EOS}
   * ids 1 and 2) and {@code model.safetensors} with seeded random weights: normal with standard
   * deviation 0.02 for every matrix, 1 for the RMSNorm weights (the usual Llama initialization).
   */
  public static void writeRandomLlama(Path dir, int vocabSize, LlamaShape shape, long seed) {
    Check.notNull(dir, "dir");
    Check.positive(vocabSize, "vocabSize");
    Check.notNull(shape, "shape");
    ObjectNode c = JSON.createObjectNode();
    c.putArray("architectures").add("LlamaForCausalLM");
    c.put("model_type", "llama");
    c.put("vocab_size", vocabSize);
    c.put("hidden_size", shape.hidden());
    c.put("num_hidden_layers", shape.layers());
    c.put("num_attention_heads", shape.heads());
    c.put("num_key_value_heads", shape.heads());
    c.put("intermediate_size", shape.intermediate());
    c.put("hidden_act", "silu");
    c.put("rms_norm_eps", 1e-5);
    c.put("rope_theta", 10000.0);
    c.put("max_position_embeddings", shape.maxPositions());
    c.put("tie_word_embeddings", false);
    c.put("attention_bias", false);
    c.put("bos_token_id", 1);
    c.put("eos_token_id", 2);
    c.put("torch_dtype", "float32");
    try {
      Files.createDirectories(dir);
      AtomicFiles.writeString(dir.resolve("config.json"),
          JSON.writerWithDefaultPrettyPrinter().writeValueAsString(c));
      ModelConfig config = ModelConfig.parse(dir.resolve("config.json"));
      SplittableRandom rng = new SplittableRandom(seed);
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      for (Map.Entry<String, long[]> e : LlamaTrainingGraph.expectedShapes(config).entrySet()) {
        long n = 1;
        for (long d : e.getValue()) {
          n *= d;
        }
        float[] w = new float[Math.toIntExact(n)];
        if (e.getKey().endsWith("norm.weight")) {
          java.util.Arrays.fill(w, 1f);
        } else {
          for (int i = 0; i < w.length; i++) {
            w[i] = (float) (0.02 * rng.nextGaussian());
          }
        }
        tensors.put(e.getKey(), Tensor.ofFloats(w, e.getValue()));
      }
      SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the model into " + dir, e);
    }
  }

  /**
   * Writes {@code model.safetensors} for the {@code config.json} already in {@code dir} (any supported
   * family, for example a real model's config file): every weight the config implies, named and shaped
   * as Hugging Face stores them ({@link LlamaGraphs#fileShapes}), as {@code dtype}, with seeded random
   * values: normal with standard deviation 0.02 (rounded to {@code dtype}) for matrices and biases, 1 for
   * RMSNorm weights (0 for Gemma, whose norms scale by {@code 1 + w}). Each tensor draws from its own
   * stream, derived from {@code seed} and its name, and is generated and written in chunks, so the file
   * may be larger than memory. The same config, dtype and seed give the same bytes.
   *
   * @param dtype FLOAT, FLOAT16 or BFLOAT16
   * @throws IllegalArgumentException if {@code dtype} is another type
   * @throws org.consistency4j.ModelLoadException if {@code config.json} is missing or invalid
   */
  public static void writeRandomWeights(Path dir, DType dtype, long seed) {
    Check.notNull(dir, "dir");
    Check.notNull(dtype, "dtype");
    Check.argument(dtype == DType.FLOAT || dtype == DType.FLOAT16 || dtype == DType.BFLOAT16,
        "dtype must be FLOAT, FLOAT16 or BFLOAT16, found " + dtype);
    ModelConfig config = ModelConfig.parse(dir.resolve("config.json"));
    float normValue = config.gemma().isPresent() ? 0f : 1f;
    List<SafetensorsWriter.Spec> specs = new java.util.ArrayList<>();
    LlamaGraphs.fileShapes(config).forEach((n, s) -> specs.add(new SafetensorsWriter.Spec(n, dtype, s)));
    ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 22).order(ByteOrder.LITTLE_ENDIAN);
    try {
      SafetensorsWriter.writeStreaming(dir.resolve("model.safetensors"), specs,
          Map.of("format", "pt"), (spec, out) -> {
            SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L
                + spec.name().hashCode());
            boolean norm = spec.name().endsWith("norm.weight");
            long n = spec.byteSize() / dtype.byteSize();
            for (long i = 0; i < n; i++) {
              float v = norm ? normValue : (float) (0.02 * rng.nextGaussian());
              if (dtype == DType.FLOAT) {
                chunk.putFloat(v);
              } else if (dtype == DType.BFLOAT16) {
                chunk.putShort(HalfFloats.floatToBfloat16(v));
              } else {
                chunk.putShort(HalfFloats.floatToFloat16(v));
              }
              if (!chunk.hasRemaining() || i == n - 1) {
                chunk.flip();
                while (chunk.hasRemaining()) {
                  out.write(chunk);
                }
                chunk.clear();
              }
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the weights into " + dir, e);
    }
  }
}
