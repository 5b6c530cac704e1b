package org.consistency4j.reward;

import org.consistency4j.internal.Check;

/**
 * How the three self-rewards combine: the reward of a response is {@code (wq * quality + wa *
 * agreement + wf * frequency) / (wq + wa + wf)}, so it stays in [0, 1]. A component with weight 0 is
 * not computed at all (no judge prompts are sent for it).
 *
 * @param quality weight of the quality judge, finite, {@code >= 0}
 * @param agreement weight of the agreement judge, finite, {@code >= 0}
 * @param frequency weight of agreement frequency (no judge prompt), finite, {@code >= 0}
 */
public record RewardWeights(double quality, double agreement, double frequency) {
  /** Validates; at least one weight must be positive. */
  public RewardWeights {
    Check.nonNegative(quality, "quality");
    Check.nonNegative(agreement, "agreement");
    Check.nonNegative(frequency, "frequency");
    Check.argument(
        quality + agreement + frequency > 0,
        "at least one weight must be > 0, found quality 0, agreement 0, frequency 0");
  }

  /** The method's default: the two judges with equal weight, quality 1 and agreement 1. */
  public static RewardWeights judges() {
    return new RewardWeights(1, 1, 0);
  }

  /** Agreement frequency only: the fallback for models too small to judge (no judge prompts). */
  public static RewardWeights frequencyOnly() {
    return new RewardWeights(0, 0, 1);
  }

  /** The sum of the weights, {@code > 0}. */
  public double total() {
    return quality + agreement + frequency;
  }

  /** Whether any judge prompt is needed (quality or agreement weight positive). */
  public boolean needsJudge() {
    return quality > 0 || agreement > 0;
  }
}
