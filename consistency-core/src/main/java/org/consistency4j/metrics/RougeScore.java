package org.consistency4j.metrics;

import org.consistency4j.internal.Check;

/**
 * One ROUGE score, as {@code rouge_score.scoring.Score}: precision (matches over candidate units),
 * recall (matches over reference units) and their harmonic mean.
 *
 * @param precision in [0, 1]
 * @param recall in [0, 1]
 * @param fmeasure in [0, 1]; {@code 2 * p * r / (p + r)}, or 0 when {@code p + r == 0}
 */
public record RougeScore(double precision, double recall, double fmeasure) {
  /** The score of empty or disjoint texts: all three values 0. */
  public static final RougeScore ZERO = new RougeScore(0, 0, 0);

  /** Validates that all three values are in [0, 1] (NaN is rejected). */
  public RougeScore {
    Check.inRange(precision, 0, 1, "precision");
    Check.inRange(recall, 0, 1, "recall");
    Check.inRange(fmeasure, 0, 1, "fmeasure");
  }

  /**
   * Builds a score from precision and recall, computing the F-measure in the same order of double
   * operations as rouge-score ({@code 2 * p * r / (p + r)}), so results are bit-identical.
   *
   * @throws IllegalArgumentException if {@code precision} or {@code recall} is outside [0, 1]
   */
  public static RougeScore of(double precision, double recall) {
    return new RougeScore(precision, recall, fmeasure(precision, recall));
  }

  /** rouge-score's {@code scoring.fmeasure}: {@code 2 * p * r / (p + r)}, or 0 when {@code p + r == 0}. */
  public static double fmeasure(double precision, double recall) {
    return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
  }
}
