package org.consistency4j.pairs;

import org.consistency4j.internal.Check;

/**
 * A response, the prompt it answered and its reward: the unit that pairing strategies rank.
 *
 * @param prompt the exact prompt the response was generated from (for a paraphrased instruction, the
 *     rendered verbalization and input), not null
 * @param text the response text, not null
 * @param reward its reward, finite; higher is better (self-rewards are in [0, 1])
 */
public record ScoredResponse(String prompt, String text, double reward) {
  /** Validates. */
  public ScoredResponse {
    Check.notNull(prompt, "prompt");
    Check.notNull(text, "text");
    Check.finite(reward, "reward");
  }
}
