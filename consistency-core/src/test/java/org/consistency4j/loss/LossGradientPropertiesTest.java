package org.consistency4j.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Every loss: its value equals a naive textbook formula written independently here, and its gradient
 * equals central finite differences of its value (float64).
 */
class LossGradientPropertiesTest {
  private static final double STEP = 1e-5;

  /** A loss under test with a naive per-pair formula of its value and where its kinks are. */
  private record Case(
      PairwiseLoss loss, Function<PairLogProbs, Double> naive, Function<PairLogProbs, Double> kink) {}

  private static final List<Case> CASES =
      List.of(
          new Case(
              Losses.rank(0.7),
              p -> Math.max(0, mean(p, false) - mean(p, true)) - 0.7 * mean(p, true),
              p -> mean(p, false) - mean(p, true)),
          new Case(
              Losses.rank(0),
              p -> Math.max(0, mean(p, false) - mean(p, true)),
              p -> mean(p, false) - mean(p, true)),
          new Case(Losses.dpo(0.1), p -> -Math.log(sigmoid(0.1 * ratio(p))), null),
          new Case(Losses.dpo(1.3), p -> -Math.log(sigmoid(1.3 * ratio(p))), null),
          new Case(Losses.ipo(0.1), p -> Math.pow(ratio(p) - 5, 2), null),
          new Case(Losses.ipo(0.7), p -> Math.pow(ratio(p) - 1 / 1.4, 2), null),
          new Case(
              Losses.simpo(2.0, 1.0),
              p -> -Math.log(sigmoid(2.0 * (mean(p, true) - mean(p, false)) - 1.0)),
              null),
          new Case(
              Losses.orpo(0.1),
              p -> -mean(p, true) - 0.1 * Math.log(sigmoid(logOdds(p, true) - logOdds(p, false))),
              null),
          new Case(
              Losses.orpo(1.5),
              p -> -mean(p, true) - 1.5 * Math.log(sigmoid(logOdds(p, true) - logOdds(p, false))),
              null),
          new Case(
              Losses.hinge(1.0),
              p -> Math.max(0, 1.0 - (p.policyChosen() - p.policyRejected())),
              p -> 1.0 - (p.policyChosen() - p.policyRejected())),
          new Case(
              Losses.hingeWithReference(0.5),
              p -> Math.max(0, 0.5 - ratio(p)),
              p -> 0.5 - ratio(p)));

  @Property(tries = 300)
  void value_equals_the_naive_formula_and_gradient_equals_central_differences(
      @ForAll("batches") PreferenceBatch batch, @ForAll("caseIndex") int caseIndex) {
    Case c = CASES.get(caseIndex);
    if (c.kink() != null) {
      for (PairLogProbs p : batch.pairs()) {
        Assume.that(Math.abs(c.kink().apply(p)) > 1e-3);
      }
    }
    LossValue v = c.loss().compute(batch);
    double naive = 0;
    for (PairLogProbs p : batch.pairs()) {
      naive += c.naive().apply(p);
    }
    naive /= batch.size();
    assertEquals(naive, v.value(), 1e-12 * Math.max(1, Math.abs(naive)), c.loss().name());

    for (int i = 0; i < batch.size(); i++) {
      for (boolean chosen : new boolean[] {true, false}) {
        double plus = c.loss().compute(perturb(batch, i, chosen, STEP)).value();
        double minus = c.loss().compute(perturb(batch, i, chosen, -STEP)).value();
        double numeric = (plus - minus) / (2 * STEP);
        double analytic = chosen ? v.chosenGradients().get(i) : v.rejectedGradients().get(i);
        assertEquals(
            numeric,
            analytic,
            1e-6 * Math.max(1, Math.abs(analytic)),
            c.loss().name() + " pair " + i + (chosen ? " chosen" : " rejected"));
      }
    }
  }

  @Provide
  Arbitrary<Integer> caseIndex() {
    return Arbitraries.integers().between(0, CASES.size() - 1);
  }

  @Provide
  Arbitrary<PreferenceBatch> batches() {
    return LossArbitraries.pairsWithReference().list().ofMinSize(1).ofMaxSize(4)
        .map(PreferenceBatch::new);
  }

  private static PreferenceBatch perturb(PreferenceBatch batch, int index, boolean chosen, double d) {
    List<PairLogProbs> pairs = new java.util.ArrayList<>(batch.pairs());
    PairLogProbs p = pairs.get(index);
    pairs.set(
        index,
        new PairLogProbs(
            p.policyChosen() + (chosen ? d : 0),
            p.policyRejected() + (chosen ? 0 : d),
            p.chosenTokens(),
            p.rejectedTokens(),
            p.referenceChosen(),
            p.referenceRejected()));
    return new PreferenceBatch(pairs);
  }

  static double mean(PairLogProbs p, boolean chosen) {
    return chosen
        ? p.policyChosen() / p.chosenTokens()
        : p.policyRejected() / p.rejectedTokens();
  }

  static double ratio(PairLogProbs p) {
    return (p.policyChosen() - p.referenceChosen().getAsDouble())
        - (p.policyRejected() - p.referenceRejected().getAsDouble());
  }

  static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }

  static double logOdds(PairLogProbs p, boolean chosen) {
    double prob = Math.exp(mean(p, chosen));
    return Math.log(prob / (1 - prob));
  }

  @Property(tries = 100)
  void gradients_never_push_the_chosen_response_down_or_the_rejected_response_up(
      @ForAll("batches") PreferenceBatch batch, @ForAll("caseIndex") int caseIndex) {
    Case c = CASES.get(caseIndex);
    // IPO regresses the log-ratio margin to 1/(2 tau): beyond it, it pushes the margin back down.
    Assume.that(!c.loss().name().startsWith("ipo"));
    LossValue v = c.loss().compute(batch);
    for (int i = 0; i < batch.size(); i++) {
      assertTrue(v.chosenGradients().get(i) <= 0, c.loss().name() + " chosen " + i);
      assertTrue(v.rejectedGradients().get(i) >= 0, c.loss().name() + " rejected " + i);
    }
  }
}
