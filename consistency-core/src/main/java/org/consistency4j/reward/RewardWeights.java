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

  /** The names {@link #preset} accepts, in the order the CLI lists them. */
  public static final java.util.List<String> PRESETS =
      java.util.List.of("frequency", "quality", "agreement", "judges");

  /**
   * A named preset, as {@code --reward} takes it: {@code frequency} (0, 0, 1), {@code quality} (1, 0,
   * 0), {@code agreement} (0, 1, 0) or {@code judges} (1, 1, 0).
   *
   * @param name the preset's name
   * @throws IllegalArgumentException naming the bad value and the accepted ones
   */
  public static RewardWeights preset(String name) {
    Check.notNull(name, "name");
    return switch (name) {
      case "frequency" -> frequencyOnly();
      case "quality" -> new RewardWeights(1, 0, 0);
      case "agreement" -> new RewardWeights(0, 1, 0);
      case "judges" -> judges();
      default -> throw new IllegalArgumentException(
          "a reward preset must be frequency, quality, agreement or judges, found \"" + name + "\"");
    };
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
