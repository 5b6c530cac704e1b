package org.consistency4j.pairs;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.consistency4j.internal.Check;

/**
 * Turns the scored responses of one instruction group into preference pairs. Standard strategies
 * come from {@link PairingStrategies}; they are immutable, thread-safe and deterministic: they rank
 * with {@link PairingStrategies#rank(List)} and never pair two responses with the same text.
 */
@FunctionalInterface
public interface PairingStrategy {

  /**
   * The pairs of one group.
   *
   * @param group the group's responses in their original order, not null (may be empty)
   * @return the pairs, in a deterministic order
   */
  List<PreferencePair> pairs(List<ScoredResponse> group);

  /**
   * The pairs of several groups, group after group.
   *
   * @param groups the groups, not null
   */
  default List<PreferencePair> pairsOfGroups(Collection<? extends List<ScoredResponse>> groups) {
    Check.notNull(groups, "groups");
    List<PreferencePair> all = new ArrayList<>();
    for (List<ScoredResponse> g : groups) {
      all.addAll(pairs(g));
    }
    return all;
  }

  /** A stable name for logs and reports, for example {@code "best-vs-rest(margin=0.1)"}. */
  default String name() {
    return "custom";
  }
}
