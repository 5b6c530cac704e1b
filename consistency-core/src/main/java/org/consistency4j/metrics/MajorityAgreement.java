package org.consistency4j.metrics;

import java.util.ArrayList;
import java.util.List;
import org.consistency4j.internal.Check;

/**
 * Majority agreement: the share of a group's responses that give the group's most frequent answer.
 * Two responses agree when their similarity is at least a threshold; each response counts the
 * responses that agree with it (itself included), the response with the highest count (the first
 * one on ties) is the majority answer, and the group's value is that count over the group size. With
 * {@link Similarities#exactMatch()} this is the frequency of the modal normalized answer.
 *
 * <p>Immutable; thread-safe when its similarity is.
 */
public final class MajorityAgreement {
  /** The default agreement threshold. */
  public static final double DEFAULT_THRESHOLD = 0.5;

  private final ResponseSimilarity similarity;
  private final double threshold;

  private MajorityAgreement(ResponseSimilarity similarity, double threshold) {
    this.similarity = Check.notNull(similarity, "similarity");
    this.threshold = checkThreshold(threshold);
  }

  /**
   * Majority agreement under {@code similarity} and {@code threshold}.
   *
   * @param threshold in (0, 1]; binary similarities (exact, {@code rougeL>=T}) give the same
   *     result for every threshold
   */
  public static MajorityAgreement of(ResponseSimilarity similarity, double threshold) {
    return new MajorityAgreement(similarity, threshold);
  }

  /** Majority agreement with the {@link #DEFAULT_THRESHOLD default threshold} 0.5. */
  public static MajorityAgreement of(ResponseSimilarity similarity) {
    return new MajorityAgreement(similarity, DEFAULT_THRESHOLD);
  }

  /** The similarity used. */
  public ResponseSimilarity similarity() {
    return similarity;
  }

  /** The agreement threshold. */
  public double threshold() {
    return threshold;
  }

  /**
   * Majority agreement of every group; groups with fewer than two responses are excluded and listed.
   *
   * @throws IllegalArgumentException if {@code groups} is empty, has duplicate ids or no group has
   *     two responses
   */
  public AgreementResult compute(List<ResponseGroup> groups) {
    List<String> excluded = new ArrayList<>();
    List<GroupAgreement> scored = ConsistencyRate.scoreGroups(groups, this::score, excluded);
    return new AgreementResult(similarity.name(), threshold, scored, excluded);
  }

  /**
   * Majority agreement of one group.
   *
   * @throws IllegalArgumentException if the group has fewer than two responses
   */
  public GroupAgreement score(ResponseGroup group) {
    double[] sims = ConsistencyRate.checkedPairwise(similarity, group);
    int n = group.responses().size();
    int[] agreeing = new int[n];
    java.util.Arrays.fill(agreeing, 1);
    int k = 0;
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++, k++) {
        if (sims[k] >= threshold) {
          agreeing[i]++;
          agreeing[j]++;
        }
      }
    }
    int best = 0;
    for (int i = 1; i < n; i++) {
      if (agreeing[i] > agreeing[best]) {
        best = i;
      }
    }
    return new GroupAgreement(group.id(), n, best, group.responses().get(best), agreeing[best]);
  }

  static double checkThreshold(double threshold) {
    Check.argument(
        threshold > 0 && threshold <= 1, "threshold must be in (0, 1], found " + threshold);
    return threshold;
  }
}
