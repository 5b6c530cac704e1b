package org.consistency4j.metrics;

import org.consistency4j.internal.Check;

/**
 * Majority agreement of one group: how many of its responses agree with its most frequent answer.
 *
 * @param id the group's identifier
 * @param responses the number of responses, {@code >= 2}
 * @param majorityIndex the index of the response chosen as the group's most frequent answer
 * @param majority that response's text
 * @param agreeing how many responses (the majority itself included) agree with it, in [1,
 *     responses]
 */
public record GroupAgreement(
    String id, int responses, int majorityIndex, String majority, int agreeing) {
  /** Validates. */
  public GroupAgreement {
    Check.notNull(id, "id");
    Check.argument(responses >= 2, "responses must be >= 2, found " + responses);
    Check.inRange(majorityIndex, 0, responses - 1, "majorityIndex");
    Check.notNull(majority, "majority");
    Check.inRange(agreeing, 1, responses, "agreeing");
  }

  /** The share of responses that agree with the majority answer, in (0, 1]. */
  public double share() {
    return (double) agreeing / responses;
  }
}
