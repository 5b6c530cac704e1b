package org.consistency4j.metrics;

import org.consistency4j.internal.Check;

/**
 * A paired comparison of two systems scored on the same groups: the difference A - B of a statistic
 * (for example the macro consistency rate) with a paired bootstrap confidence interval, and the
 * two-sided p-value of a paired permutation test of "no difference" (each group's two values swap
 * labels at random; for a mean this is the sign-flip test).
 *
 * @param difference the estimate of A - B and its paired bootstrap interval (with level, resamples
 *     and seed)
 * @param pValue the permutation p-value, in (0, 1]: the share of label assignments whose |A - B| is
 *     at least the observed one, counting the observed assignment (so never 0)
 * @param permutations the number of label assignments evaluated, {@code >= 1}
 * @param exact whether all 2^n assignments were enumerated (small n) rather than sampled
 * @param groups the number of paired groups, {@code >= 1}
 */
public record PairedComparison(
    ConfidenceInterval difference, double pValue, long permutations, boolean exact, int groups) {
  /** Validates. */
  public PairedComparison {
    Check.notNull(difference, "difference");
    Check.argument(pValue > 0 && pValue <= 1, "pValue must be in (0, 1], found " + pValue);
    Check.positive(permutations, "permutations");
    Check.positive(groups, "groups");
  }
}
