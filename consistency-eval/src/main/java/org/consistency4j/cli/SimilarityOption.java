package org.consistency4j.cli;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.consistency4j.embedding.EmbeddingSimilarity;
import org.consistency4j.metrics.ResponseSimilarity;
import org.consistency4j.metrics.Similarities;

/**
 * A {@code --similarity NAME} resolved for the CLI: every name of {@link Similarities#byName} plus
 * the names that need ONNX Runtime, which consistency-core cannot resolve:
 *
 * <ul>
 *   <li>{@code embedding}: the all-MiniLM-L6-v2 sentence-embedding cosine, clamped to [0, 1]
 *       ({@link EmbeddingSimilarity#miniLm()}, reported as {@code embedding:all-MiniLM-L6-v2-q});
 *   <li>{@code embedding>=T}: 1 when that value is at least T, in (0, 1], else 0 (reported as
 *       {@code embedding:all-MiniLM-L6-v2-q>=T}).
 * </ul>
 *
 * <p>Owns the encoder it loads for the embedding names; close it when the similarity is no longer
 * used. The similarity is thread-safe.
 */
final class SimilarityOption implements AutoCloseable {
  static final String EMBEDDING = "embedding";
  private static final Pattern THRESHOLD = Pattern.compile("[0-9]+(\\.[0-9]+)?|\\.[0-9]+");

  private final ResponseSimilarity similarity;
  private final EmbeddingSimilarity encoder;

  private SimilarityOption(ResponseSimilarity similarity, EmbeddingSimilarity encoder) {
    this.similarity = similarity;
    this.encoder = encoder;
  }

  /**
   * Resolves {@code name}; loads the MiniLM encoder for the embedding names.
   *
   * @throws IllegalArgumentException naming the bad name (or threshold) and listing the valid names
   */
  static SimilarityOption open(String name) {
    if (name == null) {
      throw new IllegalArgumentException("similarity name must not be null");
    }
    if (!name.equals(EMBEDDING) && !name.startsWith(EMBEDDING + ">=")) {
      try {
        return new SimilarityOption(Similarities.byName(name), null);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            e.getMessage() + "; with ONNX Runtime also: embedding, embedding>=T", e);
      }
    }
    Double threshold = null;
    if (!name.equals(EMBEDDING)) {
      String t = name.substring(EMBEDDING.length() + 2);
      if (!THRESHOLD.matcher(t).matches()) {
        throw unknown(name, "threshold \"" + t + "\" is not a decimal number");
      }
      threshold = Double.parseDouble(t);
      if (!(threshold > 0 && threshold <= 1)) {
        throw unknown(name, "threshold must be in (0, 1], found " + t);
      }
    }
    EmbeddingSimilarity miniLm = EmbeddingSimilarity.miniLm();
    ResponseSimilarity sim =
        threshold == null ? miniLm : new AtLeast(miniLm, threshold);
    return new SimilarityOption(sim, miniLm);
  }

  /** The names {@link #open} accepts, T standing for a threshold in (0, 1]. */
  static List<String> names() {
    List<String> all = new ArrayList<>(Similarities.names());
    all.add(EMBEDDING);
    all.add(EMBEDDING + ">=T");
    return all;
  }

  private static IllegalArgumentException unknown(String name, String detail) {
    return new IllegalArgumentException("unknown similarity \"" + name + "\" (" + detail
        + "); valid names: " + String.join(", ", names())
        + " (T a threshold in (0, 1], for example embedding>=0.8)");
  }

  /** The resolved similarity; valid until {@link #close()}. */
  ResponseSimilarity similarity() {
    return similarity;
  }

  /** Closes the encoder, if one was loaded. Idempotent. */
  @Override
  public void close() {
    if (encoder != null) {
      encoder.close();
    }
  }

  /** 1 when the base similarity is at least {@code threshold}, else 0. */
  private record AtLeast(ResponseSimilarity base, double threshold)
      implements ResponseSimilarity {
    @Override
    public double similarity(String a, String b) {
      return base.similarity(a, b) >= threshold ? 1.0 : 0.0;
    }

    @Override
    public double[] pairwise(List<String> responses) {
      double[] s = base.pairwise(responses);
      for (int k = 0; k < s.length; k++) {
        s[k] = s[k] >= threshold ? 1.0 : 0.0;
      }
      return s;
    }

    @Override
    public String name() {
      return base.name() + ">=" + BigDecimal.valueOf(threshold).stripTrailingZeros().toPlainString();
    }

    @Override
    public String toString() {
      return name();
    }
  }
}
