package org.consistency4j.loss;

/**
 * A preference loss over the log-probabilities of (chosen, rejected) pairs, with its exact gradient.
 * Standard implementations come from {@link Losses}; they are immutable and thread-safe.
 *
 * <p>Reduction: every standard loss is the <em>mean over pairs</em> of a per-pair loss, so its scale
 * does not depend on the batch size. (The paper's ranking loss sums over the pairs of a group; the
 * mean differs from it by the constant factor 1 / number of pairs, which only rescales the learning
 * rate.)
 */
@FunctionalInterface
public interface PairwiseLoss {

  /**
   * The loss on {@code batch} and its gradient with respect to the policy log-probability sums.
   *
   * @param batch the pairs, not null
   * @return the value, gradients and per-pair margins
   * @throws IllegalArgumentException if the loss needs reference log-probabilities and the batch has
   *     none, or a value is outside the loss's domain
   */
  LossValue compute(PreferenceBatch batch);

  /**
   * The loss of a single pair.
   *
   * @param pair the pair, not null
   */
  default LossValue compute(PairLogProbs pair) {
    return compute(PreferenceBatch.of(pair));
  }

  /**
   * A stable name for logs and reports, for example {@code "dpo(beta=0.1)"}. The default, meant for
   * ad-hoc lambdas, is {@code "custom"}.
   */
  default String name() {
    return "custom";
  }

  /** Whether {@link #compute} needs reference log-probabilities. The default is {@code false}. */
  default boolean requiresReference() {
    return false;
  }

  /**
   * Whether the loss compares responses by their length-normalized (per-token mean) log-probability
   * rather than by the sum; it decides how {@link #rewardAccuracy} compares. The default is {@code
   * false}.
   */
  default boolean lengthNormalized() {
    return false;
  }

  /**
   * Reward accuracy: the share of pairs whose chosen response the policy finds more likely than the
   * rejected one, {@code p(chosen) > p(rejected)}, comparing per-token means when the loss is {@link
   * #lengthNormalized()} and sums otherwise. Unlike the sign of a loss's margin it does not depend on
   * the reference model or on offsets such as SimPO's gamma.
   *
   * @param batch the pairs, not null
   * @return a value in [0, 1]
   */
  default double rewardAccuracy(PreferenceBatch batch) {
    return lengthNormalized() ? batch.lengthNormalizedAccuracy() : batch.accuracy();
  }
}
