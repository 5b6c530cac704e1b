package org.consistency4j.metrics;

import org.consistency4j.internal.Check;

/**
 * A point estimate with a bootstrap percentile confidence interval.
 *
 * @param estimate the statistic on the original sample
 * @param ciLow the lower bound, the (1 - level)/2 quantile of the bootstrap distribution
 * @param ciHigh the upper bound, the (1 + level)/2 quantile; {@code >= ciLow}
 * @param level the nominal coverage, in (0, 1), for example 0.95
 * @param resamples the number of bootstrap resamples, {@code >= 1}
 * @param seed the seed of the resampling
 */
public record ConfidenceInterval(
    double estimate, double ciLow, double ciHigh, double level, int resamples, long seed) {
  /** Validates. */
  public ConfidenceInterval {
    Check.finite(estimate, "estimate");
    Check.finite(ciLow, "ciLow");
    Check.finite(ciHigh, "ciHigh");
    Check.argument(ciLow <= ciHigh, "ciLow (" + ciLow + ") must be <= ciHigh (" + ciHigh + ")");
    Bootstrap.checkLevel(level);
    Check.positive(resamples, "resamples");
  }

  /** Whether {@code value} lies in [ciLow, ciHigh]. */
  public boolean contains(double value) {
    return value >= ciLow && value <= ciHigh;
  }
}
