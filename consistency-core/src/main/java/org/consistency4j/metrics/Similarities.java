package org.consistency4j.metrics;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.consistency4j.text.RougeTokenizer;
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
  private static final String ROUGE_L = "rougeL";
  private static final String ROUGE_L_STEM = "rougeL+stem";
  private static final Pattern THRESHOLD = Pattern.compile("[0-9]+(\\.[0-9]+)?|\\.[0-9]+");

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
   * Graded ROUGE-L F without stemming ({@code "rougeL"}): the F-measure of {@link Rouge#rougeL} (one
   * LCS over rouge-score's tokens), symmetric in its arguments. Unlike ROUGE, two responses that
   * both have no token (empty or only punctuation) count as agreeing (1): they give the same
   * (empty) answer. One response without tokens against one with tokens scores 0.
   */
  public static ResponseSimilarity rougeL() {
    return new RougeLSimilarity(false);
  }

  /**
   * Graded ROUGE-L F ({@code "rougeL"}, or {@code "rougeL+stem"} with the Porter stemmer), as
   * {@link #rougeL()}.
   */
  public static ResponseSimilarity rougeL(boolean useStemmer) {
    return new RougeLSimilarity(useStemmer);
  }

  /**
   * Binary ROUGE-L without stemming ({@code "rougeL>=T"}): 1 when the ROUGE-L F of {@link #rougeL()}
   * is at least {@code threshold}, else 0.
   *
   * @param threshold T, in (0, 1]
   */
  public static ResponseSimilarity rougeL(double threshold) {
    return rougeL(threshold, false);
  }

  /**
   * Binary ROUGE-L ({@code "rougeL>=T"}, or {@code "rougeL+stem>=T"} with the Porter stemmer).
   *
   * @param threshold T, in (0, 1]
   */
  public static ResponseSimilarity rougeL(double threshold, boolean useStemmer) {
    Check.argument(
        threshold > 0 && threshold <= 1, "threshold must be in (0, 1], found " + threshold);
    return new RougeLThresholdSimilarity(threshold, useStemmer);
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
      case ROUGE_L:
        return rougeL(false);
      case ROUGE_L_STEM:
        return rougeL(true);
      default:
        break;
    }
    boolean stem = name.startsWith(ROUGE_L_STEM + ">=");
    if (stem || name.startsWith(ROUGE_L + ">=")) {
      String t = name.substring(rougeLName(stem).length() + 2);
      if (!THRESHOLD.matcher(t).matches()) {
        throw unknown(name, "threshold \"" + t + "\" is not a decimal number");
      }
      double threshold = Double.parseDouble(t);
      if (!(threshold > 0 && threshold <= 1)) {
        throw unknown(name, "threshold must be in (0, 1], found " + t);
      }
      return rougeL(threshold, stem);
    }
    throw unknown(name, null);
  }

  /** The names {@link #byName} accepts, with {@code T} standing for a threshold in (0, 1]. */
  public static List<String> names() {
    return List.of(
        "exact",
        "tokenF1",
        ROUGE_L,
        ROUGE_L + ">=T",
        ROUGE_L_STEM,
        ROUGE_L_STEM + ">=T");
  }

  private static IllegalArgumentException unknown(String name, String detail) {
    return new IllegalArgumentException(
        "unknown similarity \""
            + name
            + "\""
            + (detail == null ? "" : " (" + detail + ")")
            + "; valid names: "
            + String.join(", ", names())
            + " (T a threshold in (0, 1], for example rougeL>=0.5)");
  }

  /** {@code "rougeL+stem"} with the stemmer, else {@code "rougeL"}. */
  private static String rougeLName(boolean useStemmer) {
    return useStemmer ? ROUGE_L_STEM : ROUGE_L;
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

  /**
   * ROUGE-L F of every pair: each response is tokenized once, its tokens mapped to group-local
   * ids, and each response's LCS with all later ones computed bit-parallel from masks built once.
   */
  private static double[] rougeLPairwise(List<String> responses, boolean useStemmer) {
    Check.notNull(responses, "responses");
    int n = responses.size();
    Map<String, Integer> vocabulary = new HashMap<>();
    int[][] ids = new int[n][];
    for (int i = 0; i < n; i++) {
      ids[i] =
          ids(
              RougeTokenizer.tokenize(Check.notNull(responses.get(i), "response"), useStemmer),
              vocabulary);
    }
    double[] out = new double[ResponseSimilarity.pairCount(n)];
    LcsRows rows = new LcsRows(vocabulary.size());
    int k = 0;
    for (int i = 0; i < n; i++) {
      rows.load(ids[i]);
      for (int j = i + 1; j < n; j++) {
        int[] a = ids[i];
        int[] b = ids[j];
        out[k++] =
            a.length == 0 || b.length == 0
                ? (a.length == b.length ? 1.0 : 0.0)
                : rougeLF(rows.lcs(b), a.length, b.length);
      }
    }
    return out;
  }

  private static int[] ids(List<String> tokens, Map<String, Integer> vocabulary) {
    int[] out = new int[tokens.size()];
    for (int i = 0; i < out.length; i++) {
      Integer id = vocabulary.putIfAbsent(tokens.get(i), vocabulary.size());
      out[i] = id == null ? vocabulary.size() - 1 : id;
    }
    return out;
  }

  /** rouge-score's ROUGE-L F from the LCS length: P = lcs / |b|, R = lcs / |a|; symmetric. */
  private static double rougeLF(int lcs, int lengthA, int lengthB) {
    return RougeScore.fmeasure((double) lcs / lengthB, (double) lcs / lengthA);
  }

  private static double rougeLF(String a, String b, boolean useStemmer) {
    Check.notNull(a, "a");
    Check.notNull(b, "b");
    Map<String, Integer> vocabulary = new HashMap<>();
    int[] x = ids(RougeTokenizer.tokenize(a, useStemmer), vocabulary);
    int[] y = ids(RougeTokenizer.tokenize(b, useStemmer), vocabulary);
    if (x.length == 0 || y.length == 0) {
      return x.length == y.length ? 1.0 : 0.0;
    }
    return rougeLF(Lcs.lengthDp(x, y), x.length, y.length);
  }

  private record RougeLSimilarity(boolean useStemmer) implements ResponseSimilarity {
    @Override
    public double similarity(String a, String b) {
      return rougeLF(a, b, useStemmer);
    }

    @Override
    public double[] pairwise(List<String> responses) {
      return rougeLPairwise(responses, useStemmer);
    }

    @Override
    public String name() {
      return rougeLName(useStemmer);
    }

    @Override
    public String toString() {
      return name();
    }
  }

  private record RougeLThresholdSimilarity(double threshold, boolean useStemmer)
      implements ResponseSimilarity {
    @Override
    public double similarity(String a, String b) {
      return rougeLF(a, b, useStemmer) >= threshold ? 1.0 : 0.0;
    }

    @Override
    public double[] pairwise(List<String> responses) {
      double[] f = rougeLPairwise(responses, useStemmer);
      for (int k = 0; k < f.length; k++) {
        f[k] = f[k] >= threshold ? 1.0 : 0.0;
      }
      return f;
    }

    @Override
    public String name() {
      return rougeLName(useStemmer) + ">=" + formatThreshold(threshold);
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
