package org.consistency4j.metrics;

import java.util.List;
import org.consistency4j.internal.Check;

/**
 * Majority agreement over groups: per group the share of responses equal (under a similarity
 * threshold) to the group's most frequent answer, and the mean over groups.
 *
 * @param similarity the name of the similarity used
 * @param threshold two responses agree when their similarity is {@code >= threshold}
 * @param groups the scored groups (at least two responses), in input order, not empty
 * @param excludedIds the groups with fewer than two responses, in input order
 */
public record AgreementResult(
    String similarity, double threshold, List<GroupAgreement> groups, List<String> excludedIds) {
  /** Validates and copies. */
  public AgreementResult {
    Check.notNull(similarity, "similarity");
    MajorityAgreement.checkThreshold(threshold);
    groups = List.copyOf(Check.notEmpty(groups, "groups"));
    excludedIds = List.copyOf(Check.notNull(excludedIds, "excludedIds"));
  }

  /** The mean over groups of {@link GroupAgreement#share()}, in (0, 1]. */
  public double macro() {
    double sum = 0;
    for (GroupAgreement g : groups) {
      sum += g.share();
    }
    return sum / groups.size();
  }

  /** The share of each scored group, in the order of {@link #groups()}. */
  public double[] shares() {
    double[] shares = new double[groups.size()];
    for (int i = 0; i < shares.length; i++) {
      shares[i] = groups.get(i).share();
    }
    return shares;
  }

  /** A bootstrap confidence interval of {@link #macro()}, resampling groups. */
  public ConfidenceInterval macroInterval(Bootstrap bootstrap) {
    return Check.notNull(bootstrap, "bootstrap").mean(shares());
  }
}
