package org.consistency4j.loss;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** Generators of pair log-probabilities shared by the loss properties. */
final class LossArbitraries {
  private LossArbitraries() {}

  /** A log-probability sum away from 0 (ORPO's odds are ill-conditioned at probability 1). */
  static Arbitrary<Double> logProbSum() {
    return Arbitraries.doubles().between(-60, -0.5).ofScale(8);
  }

  static Arbitrary<Integer> tokens() {
    return Arbitraries.integers().between(1, 40);
  }

  /** Pairs with reference log-probabilities (losses that do not need them ignore them). */
  static Arbitrary<PairLogProbs> pairsWithReference() {
    return Combinators.combine(
            logProbSum(), logProbSum(), tokens(), tokens(), logProbSum(), logProbSum())
        .as(PairLogProbs::withReference);
  }
}
