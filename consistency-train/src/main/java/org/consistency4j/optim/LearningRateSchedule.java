package org.consistency4j.optim;

import org.consistency4j.internal.Check;

/**
 * The learning rate at each optimizer step: linear warm-up from 0 to the peak, then constant, linear decay
 * to 0 or cosine decay to a floor at the last step. Steps are 1-based (step 1 is the first update); the
 * formulas are Hugging Face's {@code get_linear_schedule_with_warmup} and {@code
 * get_cosine_schedule_with_warmup} evaluated at {@code step - 1} completed steps (so with warm-up the first
 * update has learning rate 0, as there). Implementations are immutable and thread-safe.
 */
@FunctionalInterface
public interface LearningRateSchedule {
  /** The learning rate for optimizer step {@code step} (&gt;= 1). */
  double at(long step);

  /** Always {@code lr}. */
  static LearningRateSchedule constant(double lr) {
    Check.positive(lr, "lr");
    return step -> lr;
  }

  /**
   * Linear warm-up over {@code warmupSteps}, then linear decay reaching 0 after {@code totalSteps}.
   *
   * @param peak learning rate after warm-up, &gt; 0
   * @param warmupSteps &gt;= 0
   * @param totalSteps &gt;= warmupSteps and &gt; 0
   */
  static LearningRateSchedule linear(double peak, long warmupSteps, long totalSteps) {
    validate(peak, warmupSteps, totalSteps);
    return step -> {
      long s = step - 1;
      if (s < warmupSteps) {
        return peak * s / (double) Math.max(1, warmupSteps);
      }
      return peak * Math.max(0.0, (double) (totalSteps - s) / Math.max(1, totalSteps - warmupSteps));
    };
  }

  /**
   * Linear warm-up over {@code warmupSteps}, then half a cosine from {@code peak} down to {@code peak *
   * minRatio} at {@code totalSteps}.
   *
   * @param minRatio final learning rate as a fraction of the peak, in [0, 1]
   */
  static LearningRateSchedule cosine(double peak, long warmupSteps, long totalSteps, double minRatio) {
    validate(peak, warmupSteps, totalSteps);
    Check.inRange(minRatio, 0, 1, "minRatio");
    return step -> {
      long s = step - 1;
      if (s < warmupSteps) {
        return peak * s / (double) Math.max(1, warmupSteps);
      }
      double progress = Math.min(1.0, (double) (s - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
      double cos = 0.5 * (1 + Math.cos(Math.PI * progress));
      return peak * (minRatio + (1 - minRatio) * cos);
    };
  }

  private static void validate(double peak, long warmupSteps, long totalSteps) {
    Check.positive(peak, "peak");
    Check.argument(warmupSteps >= 0, "warmupSteps must be >= 0, found " + warmupSteps);
    Check.argument(totalSteps > 0, "totalSteps must be > 0, found " + totalSteps);
    Check.argument(
        totalSteps >= warmupSteps,
        "totalSteps (" + totalSteps + ") must be >= warmupSteps (" + warmupSteps + ")");
  }
}
