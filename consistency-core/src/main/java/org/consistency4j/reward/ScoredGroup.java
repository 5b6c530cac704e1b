package org.consistency4j.reward;

import java.util.ArrayList;
import java.util.List;
import org.consistency4j.internal.Check;
import org.consistency4j.pairs.ScoredResponse;

/**
 * A response group with the self-reward of each response, ready for pairing.
 *
 * @param group the responses
 * @param rewards one reward per response, in the same order
 */
public record ScoredGroup(SampledGroup group, List<RewardBreakdown> rewards) {
  /** Validates and copies. */
  public ScoredGroup {
    Check.notNull(group, "group");
    rewards = List.copyOf(Check.notNull(rewards, "rewards"));
    Check.sameSize(group.size(), "responses", rewards.size(), "rewards");
  }

  /**
   * The responses with their prompts and combined rewards, in order, as the pairing strategies of
   * {@link org.consistency4j.pairs.PairingStrategies} take them.
   */
  public List<ScoredResponse> scoredResponses() {
    List<ScoredResponse> out = new ArrayList<>(rewards.size());
    for (int i = 0; i < rewards.size(); i++) {
      SampledResponse r = group.responses().get(i);
      out.add(new ScoredResponse(r.prompt(), r.text(), rewards.get(i).reward()));
    }
    return out;
  }
}
