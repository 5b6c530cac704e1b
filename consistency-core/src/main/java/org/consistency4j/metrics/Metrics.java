package org.consistency4j.metrics;

import org.consistency4j.internal.Check;

/**
 * Static factories for the standard metrics, and the one place that maps report and CLI names to
 * metric objects ({@link #byName(String)}).
 *
 * <p>Names: {@code "rouge<n>"} (n >= 1), {@code "rougeL"}, {@code "rougeLsum"}, each optionally
 * followed by {@code "_stem"} for the Porter stemmer. The factories without a stemmer argument
 * match rouge-score's default {@code use_stemmer=False}.
 */
public final class Metrics {
  private static final String STEM_SUFFIX = "_stem";

  private Metrics() {}

  /** ROUGE-1 (unigram overlap) without stemming, named {@code "rouge1"}. */
  public static RougeMetric rouge1() {
    return rougeN(1, false);
  }

  /** ROUGE-2 (bigram overlap) without stemming, named {@code "rouge2"}. */
  public static RougeMetric rouge2() {
    return rougeN(2, false);
  }

  /**
   * ROUGE-N, named {@code "rouge<n>"} (plus {@code "_stem"} with stemming).
   *
   * @throws IllegalArgumentException if {@code n <= 0}: {@code "n must be > 0, found 0"}
   */
  public static RougeMetric rougeN(int n, boolean useStemmer) {
    Check.positive(n, "n");
    return new RougeMetric("rouge" + n, useStemmer);
  }

  /** ROUGE-L without stemming, named {@code "rougeL"}. */
  public static RougeMetric rougeL() {
    return rougeL(false);
  }

  /** ROUGE-L, named {@code "rougeL"} or {@code "rougeL_stem"}. */
  public static RougeMetric rougeL(boolean useStemmer) {
    return new RougeMetric("rougeL", useStemmer);
  }

  /** ROUGE-Lsum (sentences are lines) without stemming, named {@code "rougeLsum"}. */
  public static RougeMetric rougeLsum() {
    return rougeLsum(false);
  }

  /** ROUGE-Lsum (sentences are lines), named {@code "rougeLsum"} or {@code "rougeLsum_stem"}. */
  public static RougeMetric rougeLsum(boolean useStemmer) {
    return new RougeMetric("rougeLsum", useStemmer);
  }

  /**
   * The metric with this {@link RougeMetric#name()}.
   *
   * @throws IllegalArgumentException for an unknown name: {@code "metric name 'bleu' is unknown;
   *     expected rouge<n> (n >= 1), rougeL or rougeLsum, optionally followed by _stem"}
   * @throws NullPointerException if {@code name} is null
   */
  public static RougeMetric byName(String name) {
    Check.notNull(name, "name");
    boolean stem = name.endsWith(STEM_SUFFIX);
    String type = stem ? name.substring(0, name.length() - STEM_SUFFIX.length()) : name;
    try {
      RougeScorer.kindOf(type);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "metric name '"
              + name
              + "' is unknown; expected rouge<n> (n >= 1), rougeL or rougeLsum, optionally followed"
              + " by _stem");
    }
    return new RougeMetric(type, stem);
  }
}
