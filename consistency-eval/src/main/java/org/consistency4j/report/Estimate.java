package org.consistency4j.report;

import org.consistency4j.internal.Check;

/**
 * A point estimate with its confidence interval (95% bootstrap percentile interval in reports made by
 * the harness). Written in JSON as {@code {"value", "ci_low", "ci_high"}}.
 *
 * @param value the point estimate, finite
 * @param ciLow the interval's lower end, finite, {@code <= ciHigh}
 * @param ciHigh the interval's upper end, finite
 */
public record Estimate(double value, double ciLow, double ciHigh) {
  /** Validates. */
  public Estimate {
    Check.finite(value, "value");
    Check.finite(ciLow, "ciLow");
    Check.finite(ciHigh, "ciHigh");
    Check.argument(ciLow <= ciHigh, "ciLow must be <= ciHigh (" + ciHigh + "), found " + ciLow);
  }

  /** An estimate without uncertainty (the interval is the point). */
  public static Estimate exact(double value) {
    return new Estimate(value, value, value);
  }
}
