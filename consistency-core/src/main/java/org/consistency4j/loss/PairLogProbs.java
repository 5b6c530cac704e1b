package org.consistency4j.loss;

import java.util.OptionalDouble;
import org.consistency4j.internal.Check;
import org.consistency4j.lm.ContinuationScore;

/**
 * The log-probabilities of one preference pair: a chosen and a rejected response to the same prompt.
 *
 * <p>Log-probabilities are natural-log <em>sums</em> over the response tokens, {@code log
 * pi(y|x) = sum_t log pi(y_t | x, y_<t)}; the token counts give the length-normalized means that the
 * ranking loss, SimPO and ORPO use. The reference values (the frozen stage-1 model, for DPO, IPO and
 * the reference variant of hinge) are present for both responses or for neither.
 *
 * @param policyChosen log-probability sum of the chosen response under the trained policy, finite and
 *     {@code <= 0}
 * @param policyRejected log-probability sum of the rejected response under the policy, finite and
 *     {@code <= 0}
 * @param chosenTokens number of tokens of the chosen response, {@code >= 1}
 * @param rejectedTokens number of tokens of the rejected response, {@code >= 1}
 * @param referenceChosen log-probability sum of the chosen response under the reference model, if
 *     any; finite and {@code <= 0}
 * @param referenceRejected log-probability sum of the rejected response under the reference model,
 *     if any; finite and {@code <= 0}
 */
public record PairLogProbs(
    double policyChosen,
    double policyRejected,
    int chosenTokens,
    int rejectedTokens,
    OptionalDouble referenceChosen,
    OptionalDouble referenceRejected) {

  /** Validates; messages name the field, the rule and the value. */
  public PairLogProbs {
    logProb(policyChosen, "policyChosen");
    logProb(policyRejected, "policyRejected");
    Check.positive(chosenTokens, "chosenTokens");
    Check.positive(rejectedTokens, "rejectedTokens");
    Check.notNull(referenceChosen, "referenceChosen");
    Check.notNull(referenceRejected, "referenceRejected");
    Check.argument(
        referenceChosen.isPresent() == referenceRejected.isPresent(),
        "referenceChosen and referenceRejected must both be present or both be absent");
    if (referenceChosen.isPresent()) {
      logProb(referenceChosen.getAsDouble(), "referenceChosen");
      logProb(referenceRejected.getAsDouble(), "referenceRejected");
    }
  }

  /** A pair without reference log-probabilities. */
  public static PairLogProbs of(
      double policyChosen, double policyRejected, int chosenTokens, int rejectedTokens) {
    return new PairLogProbs(
        policyChosen,
        policyRejected,
        chosenTokens,
        rejectedTokens,
        OptionalDouble.empty(),
        OptionalDouble.empty());
  }

  /** A pair with reference log-probabilities. */
  public static PairLogProbs withReference(
      double policyChosen,
      double policyRejected,
      int chosenTokens,
      int rejectedTokens,
      double referenceChosen,
      double referenceRejected) {
    return new PairLogProbs(
        policyChosen,
        policyRejected,
        chosenTokens,
        rejectedTokens,
        OptionalDouble.of(referenceChosen),
        OptionalDouble.of(referenceRejected));
  }

  /**
   * A pair from the token scores of a {@link org.consistency4j.lm.LanguageModel#score} call, without
   * reference log-probabilities.
   *
   * @param chosen the policy's token log-probabilities of the chosen response
   * @param rejected the policy's token log-probabilities of the rejected response
   */
  public static PairLogProbs of(ContinuationScore chosen, ContinuationScore rejected) {
    Check.notNull(chosen, "chosen");
    Check.notNull(rejected, "rejected");
    return of(chosen.sum(), rejected.sum(), chosen.tokenCount(), rejected.tokenCount());
  }

  /**
   * A pair from the token scores of the policy and of the reference model.
   *
   * @throws IllegalArgumentException if a reference score has a different token count than the
   *     policy's (both models must share the tokenizer)
   */
  public static PairLogProbs withReference(
      ContinuationScore chosen,
      ContinuationScore rejected,
      ContinuationScore referenceChosen,
      ContinuationScore referenceRejected) {
    Check.notNull(chosen, "chosen");
    Check.notNull(rejected, "rejected");
    Check.notNull(referenceChosen, "referenceChosen");
    Check.notNull(referenceRejected, "referenceRejected");
    Check.argument(
        referenceChosen.tokenCount() == chosen.tokenCount(),
        "referenceChosen has "
            + referenceChosen.tokenCount()
            + " tokens, chosen has "
            + chosen.tokenCount()
            + " (policy and reference must share the tokenizer)");
    Check.argument(
        referenceRejected.tokenCount() == rejected.tokenCount(),
        "referenceRejected has "
            + referenceRejected.tokenCount()
            + " tokens, rejected has "
            + rejected.tokenCount()
            + " (policy and reference must share the tokenizer)");
    return withReference(
        chosen.sum(),
        rejected.sum(),
        chosen.tokenCount(),
        rejected.tokenCount(),
        referenceChosen.sum(),
        referenceRejected.sum());
  }

  /** Whether reference log-probabilities are present. */
  public boolean hasReference() {
    return referenceChosen.isPresent();
  }

  /** The length-normalized policy log-probability of the chosen response, {@code sum / tokens}. */
  public double policyChosenMean() {
    return policyChosen / chosenTokens;
  }

  /** The length-normalized policy log-probability of the rejected response, {@code sum / tokens}. */
  public double policyRejectedMean() {
    return policyRejected / rejectedTokens;
  }

  private static void logProb(double value, String name) {
    Check.finite(value, name);
    Check.argument(value <= 0, name + " must be <= 0 (a log-probability), found " + value);
  }
}
