package org.consistency4j.metrics;

import java.util.List;

/**
 * One ROUGE metric with a stable {@link #name()} for reports and configuration, for example
 * {@code Metrics.rougeL(true)} named {@code "rougeL_stem"}. Obtain instances from {@link
 * Metrics}. Immutable and thread-safe.
 */
public final class RougeMetric {
  private final String type;
  private final boolean useStemmer;
  private final RougeScorer scorer;

  RougeMetric(String type, boolean useStemmer) {
    this.type = type;
    this.useStemmer = useStemmer;
    this.scorer = RougeScorer.of(List.of(type), useStemmer);
  }

  /**
   * The stable report name: the rouge-score type ({@code "rouge1"}, {@code "rougeL"}, {@code
   * "rougeLsum"}, ...), followed by {@code "_stem"} when the Porter stemmer is on. {@link
   * Metrics#byName(String)} maps it back to an equal metric.
   */
  public String name() {
    return useStemmer ? type + "_stem" : type;
  }

  /** The rouge-score type: {@code "rouge<n>"}, {@code "rougeL"} or {@code "rougeLsum"}. */
  public String type() {
    return type;
  }

  /** Whether tokens longer than 3 characters are Porter-stemmed. */
  public boolean useStemmer() {
    return useStemmer;
  }

  /**
   * Scores {@code prediction} against {@code target} (see {@link Rouge}).
   *
   * @throws NullPointerException if a text is null
   */
  public RougeScore score(String target, String prediction) {
    return scorer.score(target, prediction).get(type);
  }

  /** The F-measure of {@link #score}, in [0, 1]. */
  public double fmeasure(String target, String prediction) {
    return score(target, prediction).fmeasure();
  }

  /**
   * The score against the reference with the highest F-measure, the first winning ties (see
   * {@link RougeScorer#scoreMulti}).
   *
   * @throws IllegalArgumentException if {@code targets} is empty
   */
  public RougeScore scoreMulti(List<String> targets, String prediction) {
    return scorer.scoreMulti(targets, prediction).get(type);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RougeMetric other && type.equals(other.type) && useStemmer == other.useStemmer;
  }

  @Override
  public int hashCode() {
    return type.hashCode() * 31 + Boolean.hashCode(useStemmer);
  }

  @Override
  public String toString() {
    return name();
  }
}
