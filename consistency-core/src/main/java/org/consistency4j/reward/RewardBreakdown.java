package org.consistency4j.reward;

import java.util.OptionalDouble;
import org.consistency4j.internal.Check;

/**
 * The self-reward of one response and its parts. A part is present exactly when its weight in {@link
 * RewardWeights} is positive.
 *
 * @param quality P(Yes) of the quality judge, in [0, 1], if computed
 * @param agreement mean P(Yes) of the agreement judge against the group's other responses, in [0, 1],
 *     if computed
 * @param frequency agreement frequency (mean similarity to the group's other responses), in [0, 1],
 *     if computed
 * @param reward the weighted combination, in [0, 1]
 */
public record RewardBreakdown(
    OptionalDouble quality, OptionalDouble agreement, OptionalDouble frequency, double reward) {
  /** Validates. */
  public RewardBreakdown {
    unit(quality, "quality");
    unit(agreement, "agreement");
    unit(frequency, "frequency");
    Check.inRange(reward, 0, 1, "reward");
  }

  private static void unit(OptionalDouble v, String name) {
    Check.notNull(v, name);
    if (v.isPresent()) {
      Check.inRange(v.getAsDouble(), 0, 1, name);
    }
  }
}
