package org.consistency4j.loss;

import java.util.ArrayList;
import java.util.List;
import org.consistency4j.internal.Check;

/**
 * The input of a {@link PairwiseLoss}: the log-probabilities of a batch of preference pairs. Either
 * every pair has reference log-probabilities or none has, so a loss can tell up front whether it can
 * run.
 *
 * @param pairs the pairs, not empty
 */
public record PreferenceBatch(List<PairLogProbs> pairs) {

  /** Validates and copies. */
  public PreferenceBatch {
    pairs = List.copyOf(Check.notEmpty(pairs, "pairs"));
    boolean first = pairs.get(0).hasReference();
    for (int i = 1; i < pairs.size(); i++) {
      if (pairs.get(i).hasReference() != first) {
        throw new IllegalArgumentException(
            "pairs must all have reference log-probabilities or none: pair 0 "
                + (first ? "has" : "has not")
                + ", pair "
                + i
                + (first ? " has not" : " has"));
      }
    }
  }

  /** A batch of the given pairs. */
  public static PreferenceBatch of(PairLogProbs... pairs) {
    return new PreferenceBatch(List.of(pairs));
  }

  /**
   * A batch from parallel arrays, without reference log-probabilities.
   *
   * @param policyChosen chosen log-probability sums
   * @param policyRejected rejected log-probability sums
   * @param chosenTokens chosen token counts
   * @param rejectedTokens rejected token counts
   * @throws IllegalArgumentException if the arrays differ in length or a value is invalid
   */
  public static PreferenceBatch of(
      double[] policyChosen, double[] policyRejected, int[] chosenTokens, int[] rejectedTokens) {
    return fromArrays(policyChosen, policyRejected, chosenTokens, rejectedTokens, null, null);
  }

  /**
   * A batch from parallel arrays, with reference log-probabilities.
   *
   * @throws IllegalArgumentException if the arrays differ in length or a value is invalid
   */
  public static PreferenceBatch withReference(
      double[] policyChosen,
      double[] policyRejected,
      int[] chosenTokens,
      int[] rejectedTokens,
      double[] referenceChosen,
      double[] referenceRejected) {
    Check.notNull(referenceChosen, "referenceChosen");
    Check.notNull(referenceRejected, "referenceRejected");
    return fromArrays(
        policyChosen,
        policyRejected,
        chosenTokens,
        rejectedTokens,
        referenceChosen,
        referenceRejected);
  }

  private static PreferenceBatch fromArrays(
      double[] pc, double[] pr, int[] nc, int[] nr, double[] rc, double[] rr) {
    Check.notNull(pc, "policyChosen");
    Check.notNull(pr, "policyRejected");
    Check.notNull(nc, "chosenTokens");
    Check.notNull(nr, "rejectedTokens");
    Check.sameSize(pc.length, "policyChosen", pr.length, "policyRejected");
    Check.sameSize(pc.length, "policyChosen", nc.length, "chosenTokens");
    Check.sameSize(pc.length, "policyChosen", nr.length, "rejectedTokens");
    if (rc != null) {
      Check.sameSize(pc.length, "policyChosen", rc.length, "referenceChosen");
      Check.sameSize(pc.length, "policyChosen", rr.length, "referenceRejected");
    }
    List<PairLogProbs> pairs = new ArrayList<>(pc.length);
    for (int i = 0; i < pc.length; i++) {
      pairs.add(
          rc == null
              ? PairLogProbs.of(pc[i], pr[i], nc[i], nr[i])
              : PairLogProbs.withReference(pc[i], pr[i], nc[i], nr[i], rc[i], rr[i]));
    }
    return new PreferenceBatch(pairs);
  }

  /** The number of pairs, {@code >= 1}. */
  public int size() {
    return pairs.size();
  }

  /** Whether the pairs carry reference log-probabilities. */
  public boolean hasReference() {
    return pairs.get(0).hasReference();
  }

  /** Pair {@code i}. */
  public PairLogProbs get(int i) {
    return pairs.get(i);
  }

  /**
   * The share of pairs whose chosen response has a strictly higher log-probability sum under the
   * policy than the rejected one, {@code p(chosen) > p(rejected)} (ties count as wrong).
   *
   * @return a value in [0, 1]
   */
  public double accuracy() {
    return share(p -> p.policyChosen() > p.policyRejected());
  }

  /**
   * The reward accuracy of the policy on this batch: the share of pairs whose chosen response has a
   * strictly higher length-normalized log-probability than the rejected one (ties count as wrong).
   *
   * @return a value in [0, 1]
   */
  public double lengthNormalizedAccuracy() {
    return share(p -> p.policyChosenMean() > p.policyRejectedMean());
  }

  private double share(java.util.function.Predicate<PairLogProbs> ranksRight) {
    return (double) pairs.stream().filter(ranksRight).count() / pairs.size();
  }
}
