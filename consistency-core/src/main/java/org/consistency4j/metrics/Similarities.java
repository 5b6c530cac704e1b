package org.consistency4j.metrics;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.consistency4j.internal.Check;

/**
 * The standard {@link ResponseSimilarity} implementations, and the one place that maps their names
 * (used by the CLI and in reports) to objects and back:
 *
 * <table>
 *   <caption>Names</caption>
 *   <tr><th>name</th><th>factory</th><th>value</th></tr>
 *   <tr><td>{@code exact}</td><td>{@link #exactMatch()}</td><td>1 if equal after SQuAD
 *       normalization, else 0</td></tr>
 *   <tr><td>{@code tokenF1}</td><td>{@link #tokenF1()}</td><td>SQuAD token F1</td></tr>
 *   <tr><td>{@code rougeL}</td><td>{@link #rougeL()}</td><td>ROUGE-L F (graded)</td></tr>
 *   <tr><td>{@code rougeL>=T}</td><td>{@link #rougeL(double)}</td><td>1 if ROUGE-L F &gt;= T, else
 *       0</td></tr>
 *   <tr><td>{@code rougeL+stem}, {@code rougeL+stem>=T}</td><td>{@link #rougeL(boolean)}, {@link
 *       #rougeL(double, boolean)}</td><td>the same with the Porter stemmer</td></tr>
 * </table>
 *
 * <p>For every standard similarity {@code s}, {@code byName(s.name())} equals {@code s}. Every
 * returned object is immutable and thread-safe.
 */
public final class Similarities {
  private Similarities() {}

  /**
   * Normalized exact match ({@code "exact"}): 1 when both responses are equal after {@link
   * AnswerNormalizer SQuAD normalization} (lowercase, no ASCII punctuation, no articles, single
   * spaces), else 0. For classification-style answers.
   */
  public static ResponseSimilarity exactMatch() {
    return ExactMatchSimilarity.INSTANCE;
  }

  /**
   * SQuAD token F1 over normalized tokens ({@code "tokenF1"}), see {@link AnswerMatch#tokenF1}.
   * Graded; 1 for identical responses.
   */
  public static ResponseSimilarity tokenF1() {
    return TokenF1Similarity.INSTANCE;
  }

  /**
   * Gives {@code similarity} a name for reports; the result delegates every method to it.
   *
   * @param name the name, not blank
   */
  public static ResponseSimilarity named(String name, ResponseSimilarity similarity) {
    Check.notNull(name, "name");
    Check.argument(!name.isBlank(), "name must not be blank");
    Check.notNull(similarity, "similarity");
    return new NamedSimilarity(name, similarity);
  }

  /**
   * The standard similarity with this name (see the table above).
   *
   * @throws IllegalArgumentException naming the bad name and listing the valid ones
   */
  public static ResponseSimilarity byName(String name) {
    Check.notNull(name, "name");
    switch (name) {
      case "exact":
        return exactMatch();
      case "tokenF1":
        return tokenF1();
      default:
        break;
    }
    throw unknown(name, null);
  }

  /** The names {@link #byName} accepts, with {@code T} standing for a threshold in (0, 1]. */
  public static List<String> names() {
    return List.of("exact", "tokenF1");
  }

  private static IllegalArgumentException unknown(String name, String detail) {
    return new IllegalArgumentException(
        "unknown similarity \""
            + name
            + "\""
            + (detail == null ? "" : " (" + detail + ")")
            + "; valid names: "
            + String.join(", ", names()));
  }

  /** Formats a threshold without trailing zeros (0.5 -> "0.5", 1.0 -> "1"). */
  static String formatThreshold(double threshold) {
    return BigDecimal.valueOf(threshold).stripTrailingZeros().toPlainString();
  }

  /** Normalized exact match; pairwise normalizes each response once. */
  private static final class ExactMatchSimilarity implements ResponseSimilarity {
    static final ExactMatchSimilarity INSTANCE = new ExactMatchSimilarity();

    private ExactMatchSimilarity() {}

    @Override
    public double similarity(String a, String b) {
      return AnswerMatch.exact(a, b) ? 1.0 : 0.0;
    }

    @Override
    public double[] pairwise(List<String> responses) {
      Check.notNull(responses, "responses");
      List<String> normalized = new ArrayList<>(responses.size());
      for (String r : responses) {
        normalized.add(AnswerNormalizer.normalize(Check.notNull(r, "response")));
      }
      int n = normalized.size();
      double[] out = new double[ResponseSimilarity.pairCount(n)];
      int k = 0;
      for (int i = 0; i < n; i++) {
        for (int j = i + 1; j < n; j++) {
          out[k++] = normalized.get(i).equals(normalized.get(j)) ? 1.0 : 0.0;
        }
      }
      return out;
    }

    @Override
    public String name() {
      return "exact";
    }

    @Override
    public String toString() {
      return name();
    }
  }

  /** SQuAD token F1; pairwise tokenizes and counts each response once. */
  private static final class TokenF1Similarity implements ResponseSimilarity {
    static final TokenF1Similarity INSTANCE = new TokenF1Similarity();

    private TokenF1Similarity() {}

    @Override
    public double similarity(String a, String b) {
      return AnswerMatch.tokenF1(a, b);
    }

    @Override
    public double[] pairwise(List<String> responses) {
      Check.notNull(responses, "responses");
      int n = responses.size();
      List<Map<String, Integer>> counts = new ArrayList<>(n);
      int[] sizes = new int[n];
      for (int i = 0; i < n; i++) {
        List<String> tokens = AnswerNormalizer.tokens(Check.notNull(responses.get(i), "response"));
        counts.add(AnswerMatch.counts(tokens));
        sizes[i] = tokens.size();
      }
      double[] out = new double[ResponseSimilarity.pairCount(n)];
      int k = 0;
      for (int i = 0; i < n; i++) {
        for (int j = i + 1; j < n; j++) {
          out[k++] =
              sizes[i] == 0 || sizes[j] == 0
                  ? (sizes[i] == sizes[j] ? 1.0 : 0.0)
                  : AnswerMatch.tokenF1(counts.get(i), sizes[i], counts.get(j), sizes[j]);
        }
      }
      return out;
    }

    @Override
    public String name() {
      return "tokenF1";
    }

    @Override
    public String toString() {
      return name();
    }
  }

  private record NamedSimilarity(String name, ResponseSimilarity delegate)
      implements ResponseSimilarity {
    @Override
    public double similarity(String a, String b) {
      return delegate.similarity(a, b);
    }

    @Override
    public double[] pairwise(List<String> responses) {
      return delegate.pairwise(responses);
    }

    @Override
    public String toString() {
      return name;
    }
  }
}
