package org.consistency4j.reward;

import org.consistency4j.internal.Check;

/**
 * How a judge's thresholded verdicts compare with labels. "Positive" is the label Yes (the response is
 * correct, or the two responses agree).
 *
 * @param truePositives labeled Yes, judged Yes
 * @param falsePositives labeled No, judged Yes
 * @param trueNegatives labeled No, judged No
 * @param falseNegatives labeled Yes, judged No
 * @param threshold the judge says Yes when P(Yes) is strictly greater than this, in [0, 1]
 * @param meanYesWhenPositive mean P(Yes) over the Yes-labeled examples (NaN when there are none)
 * @param meanYesWhenNegative mean P(Yes) over the No-labeled examples (NaN when there are none)
 */
public record JudgeAccuracyResult(
    int truePositives,
    int falsePositives,
    int trueNegatives,
    int falseNegatives,
    double threshold,
    double meanYesWhenPositive,
    double meanYesWhenNegative) {

  /** Validates. */
  public JudgeAccuracyResult {
    Check.nonNegative(truePositives, "truePositives");
    Check.nonNegative(falsePositives, "falsePositives");
    Check.nonNegative(trueNegatives, "trueNegatives");
    Check.nonNegative(falseNegatives, "falseNegatives");
    Check.argument(
        (long) truePositives + falsePositives + trueNegatives + falseNegatives > 0,
        "the counts must not all be 0");
    Check.inRange(threshold, 0, 1, "threshold");
  }

  /** The number of examples. */
  public int total() {
    return truePositives + falsePositives + trueNegatives + falseNegatives;
  }

  /** The share of examples judged as labeled, in [0, 1]. */
  public double accuracy() {
    return (double) (truePositives + trueNegatives) / total();
  }

  /**
   * The mean of the true-positive and true-negative rates, in [0, 1] (0.5 = chance even when labels
   * are unbalanced); over one class only when the other has no examples.
   */
  public double balancedAccuracy() {
    int pos = truePositives + falseNegatives;
    int neg = trueNegatives + falsePositives;
    if (pos == 0) {
      return (double) trueNegatives / neg;
    }
    if (neg == 0) {
      return (double) truePositives / pos;
    }
    return 0.5 * ((double) truePositives / pos + (double) trueNegatives / neg);
  }
}
