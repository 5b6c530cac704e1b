package org.consistency4j.report;

import org.consistency4j.internal.Check;

/**
 * A paired comparison of two models on the same groups: {@code B - A} of a metric, with a bootstrap
 * interval and a two-sided p-value.
 *
 * @param task the task, or {@link TaskResult#OVERALL}
 * @param metric the metric key ({@link MetricNames})
 * @param modelA the first model
 * @param modelB the second model
 * @param groups how many groups both models were evaluated on, {@code >= 1}
 * @param meanA the mean of the metric over those groups for model A
 * @param meanB the same for model B
 * @param difference {@code meanB - meanA} with its paired-bootstrap interval
 * @param pValue two-sided p-value of the paired test (permutation of the sign of each group's
 *     difference), in [0, 1]
 */
public record Comparison(
    String task,
    String metric,
    String modelA,
    String modelB,
    int groups,
    double meanA,
    double meanB,
    Estimate difference,
    double pValue) {
  /** Validates. */
  public Comparison {
    Check.notNull(task, "task");
    Check.notNull(metric, "metric");
    Check.notNull(modelA, "modelA");
    Check.notNull(modelB, "modelB");
    Check.positive(groups, "groups");
    Check.finite(meanA, "meanA");
    Check.finite(meanB, "meanB");
    Check.notNull(difference, "difference");
    Check.inRange(pValue, 0, 1, "pValue");
  }
}
