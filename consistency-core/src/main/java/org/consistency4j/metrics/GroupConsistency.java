package org.consistency4j.metrics;

import org.consistency4j.internal.Check;

/**
 * The consistency of one scored group: the sum of the similarities of its n(n-1)/2 unordered pairs
 * of responses and their mean, the group's consistency rate.
 *
 * @param id the group's identifier
 * @param responses the number of responses, {@code >= 2}
 * @param similaritySum the sum of the pair similarities, in [0, pairs()]
 */
public record GroupConsistency(String id, int responses, double similaritySum) {
  /** Validates. */
  public GroupConsistency {
    Check.notNull(id, "id");
    Check.argument(responses >= 2, "responses must be >= 2, found " + responses);
    long pairs = (long) responses * (responses - 1) / 2;
    Check.inRange(similaritySum, 0, pairs, "similaritySum");
  }

  /** The number of unordered pairs, n(n-1)/2. */
  public long pairs() {
    return (long) responses * (responses - 1) / 2;
  }

  /** The group's consistency rate: the mean pair similarity, in [0, 1]. */
  public double rate() {
    return similaritySum / pairs();
  }
}
