package org.consistency4j.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Textbook properties of each loss. */
class LossPropertiesTest {

  @Property(tries = 200)
  void dpo_loss_is_log_2_when_policy_and_reference_agree(
      @ForAll @DoubleRange(min = -80, max = -0.1) double chosen,
      @ForAll @DoubleRange(min = -80, max = -0.1) double rejected,
      @ForAll @DoubleRange(min = 0.01, max = 5) double beta) {
    LossValue v =
        Losses.dpo(beta).compute(PairLogProbs.withReference(chosen, rejected, 3, 5, chosen, rejected));
    assertEquals(Math.log(2), v.value(), 1e-15);
    assertEquals(-beta / 2, v.chosenGradients().get(0), 1e-15);
    assertEquals(beta / 2, v.rejectedGradients().get(0), 1e-15);
    assertEquals(0, v.pairMargins().get(0), 0);
  }

  @Property(tries = 200)
  void hinge_is_zero_with_zero_gradient_when_the_margin_is_met(
      @ForAll @DoubleRange(min = -80, max = -0.1) double rejected,
      @ForAll @DoubleRange(min = 0, max = 10) double margin,
      @ForAll @DoubleRange(min = 0.01, max = 5) double excess) {
    double chosen = rejected + margin + excess;
    Assume.that(chosen <= 0);
    LossValue v = Losses.hinge(margin).compute(PairLogProbs.of(chosen, rejected, 4, 4));
    assertEquals(0, v.value(), 0);
    assertEquals(0, v.chosenGradients().get(0), 0);
    assertEquals(0, v.rejectedGradients().get(0), 0);
  }

  @Test
  void hinge_charges_the_missing_margin_with_unit_gradients() {
    LossValue v = Losses.hinge(2).compute(PairLogProbs.of(-10, -10.5, 4, 7));
    assertEquals(1.5, v.value(), 1e-15);
    assertEquals(-1, v.chosenGradients().get(0));
    assertEquals(1, v.rejectedGradients().get(0));
    assertEquals(0.5, v.pairMargins().get(0), 1e-15);
  }

  @Test
  void hinge_with_reference_measures_the_margin_on_log_ratios() {
    // policy prefers chosen by 1 nat, but the reference already did by 3: log-ratio margin -2
    LossValue v =
        Losses.hingeWithReference(1)
            .compute(PairLogProbs.withReference(-10, -11, 4, 4, -10, -13));
    assertEquals(-2, v.pairMargins().get(0), 1e-15);
    assertEquals(3, v.value(), 1e-15);
  }

  @Property(tries = 200)
  void ipo_is_minimal_with_zero_gradient_at_margin_one_over_two_tau(
      @ForAll @DoubleRange(min = 0.05, max = 5) double tau,
      @ForAll @DoubleRange(min = -40, max = -1) double refChosen,
      @ForAll @DoubleRange(min = -40, max = -1) double refRejected,
      @ForAll @DoubleRange(min = -3, max = 3) double offset) {
    PairwiseLoss ipo = Losses.ipo(tau);
    double target = 1 / (2 * tau);
    // pi_c - ref_c = target + offset, pi_r - ref_r = 0: h = target + offset
    double chosen = refChosen + target + offset;
    Assume.that(chosen <= 0);
    LossValue v = ipo.compute(PairLogProbs.withReference(chosen, refRejected, 5, 5, refChosen, refRejected));
    double h = (chosen - refChosen);
    assertEquals((h - target) * (h - target), v.value(), 1e-9);
    double atTarget = refChosen + target;
    Assume.that(atTarget <= 0);
    LossValue min =
        ipo.compute(PairLogProbs.withReference(atTarget, refRejected, 5, 5, refChosen, refRejected));
    assertTrue(min.value() <= v.value());
    assertEquals(0, min.value(), 1e-20);
    assertEquals(0, min.chosenGradients().get(0), 1e-9);
    assertEquals(0, min.rejectedGradients().get(0), 1e-9);
  }

  @Property(tries = 200)
  void simpo_with_equal_means_costs_softplus_gamma_and_grows_with_gamma(
      @ForAll @DoubleRange(min = -5, max = -0.1) double mean,
      @ForAll @IntRange(min = 1, max = 30) int chosenTokens,
      @ForAll @IntRange(min = 1, max = 30) int rejectedTokens,
      @ForAll @DoubleRange(min = 0, max = 5) double gamma,
      @ForAll @DoubleRange(min = 0.01, max = 3) double moreGamma) {
    PairLogProbs p = PairLogProbs.of(mean * chosenTokens, mean * rejectedTokens, chosenTokens, rejectedTokens);
    LossValue v = Losses.simpo(2.0, gamma).compute(p);
    assertEquals(Math.log1p(Math.exp(gamma)), v.value(), 1e-12);
    assertEquals(-gamma, v.pairMargins().get(0), 1e-12);
    assertTrue(Losses.simpo(2.0, gamma + moreGamma).compute(p).value() > v.value());
  }

  @Test
  void simpo_is_length_normalized_so_repeating_a_response_changes_nothing() {
    PairLogProbs shortPair = PairLogProbs.of(-4, -9, 4, 3);
    PairLogProbs longPair = PairLogProbs.of(-8, -27, 8, 9);
    assertEquals(
        Losses.simpo(2, 0.5).compute(shortPair).value(),
        Losses.simpo(2, 0.5).compute(longPair).value(),
        1e-15);
  }

  @Test
  void rank_loss_is_the_hinge_on_means_plus_lambda_times_the_sft_term() {
    // means: chosen -2, rejected -1.5 (ranked wrong by 0.5)
    LossValue v = Losses.rank(1).compute(PairLogProbs.of(-8, -3, 4, 2));
    assertEquals(0.5 + 2, v.value(), 1e-15);
    assertEquals(Map.of("ranking", 0.5, "sft", 2.0), v.terms());
    assertEquals(List.of("ranking", "sft"), List.copyOf(v.terms().keySet()));
    assertEquals((-1 - 1) / 4.0, v.chosenGradients().get(0), 1e-15);
    assertEquals(1 / 2.0, v.rejectedGradients().get(0), 1e-15);
    assertEquals(-0.5, v.pairMargins().get(0), 1e-15);
    assertEquals(Losses.rankingTerm(-2, -1.5), 0.5, 0);
    assertEquals(Losses.sftTerm(-2), 2, 0);
  }

  @Test
  void rank_loss_with_lambda_zero_is_zero_when_chosen_is_ranked_first() {
    LossValue v = Losses.rank(0).compute(PairLogProbs.of(-2, -9, 2, 3));
    assertEquals(0, v.value(), 0);
    assertEquals(0, v.chosenGradients().get(0), 0);
    assertEquals(0, v.rejectedGradients().get(0), 0);
  }

  @Property(tries = 100)
  void large_lambda_makes_the_rank_loss_dominated_by_the_sft_term(
      @ForAll("pairs") PairLogProbs p) {
    double lambda = 1e6;
    LossValue v = Losses.rank(lambda).compute(p);
    // the ranking hinge is at most 60 nats here, so it vanishes next to lambda times the SFT term
    assertEquals(-p.policyChosenMean(), v.value() / lambda, 60 / lambda);
    assertEquals(-lambda / p.chosenTokens(), v.chosenGradients().get(0), 1.0);
  }

  @Property(tries = 100)
  void orpo_with_lambda_zero_is_the_mean_negative_log_likelihood_of_the_chosen_response(
      @ForAll("pairs") PairLogProbs p) {
    LossValue v = Losses.orpo(0).compute(p);
    assertEquals(-p.policyChosenMean(), v.value(), 1e-15);
    assertEquals(-1.0 / p.chosenTokens(), v.chosenGradients().get(0), 1e-15);
    assertEquals(0, v.rejectedGradients().get(0), 0);
  }

  @Test
  void orpo_matches_hand_computed_odds_ratio() {
    // means -0.5 and -1: log odds = m - log(1 - e^m)
    double lc = -0.5 - Math.log(1 - Math.exp(-0.5));
    double lr = -1 - Math.log(1 - Math.exp(-1));
    double r = lc - lr;
    double expected = 0.5 + 0.1 * Math.log1p(Math.exp(-r));
    LossValue v = Losses.orpo(0.1).compute(PairLogProbs.of(-2, -3, 4, 3));
    assertEquals(expected, v.value(), 1e-14);
    assertEquals(r, v.pairMargins().get(0), 1e-14);
    assertEquals(0.5, v.terms().get("nll"), 1e-15);
  }

  @Property(tries = 100)
  void the_batch_loss_is_the_mean_of_the_single_pair_losses(
      @ForAll("pairs") PairLogProbs a, @ForAll("pairs") PairLogProbs b, @ForAll("names") String name) {
    PairwiseLoss loss = Losses.byName(name);
    LossValue both = loss.compute(PreferenceBatch.of(a, b));
    LossValue la = loss.compute(a);
    LossValue lb = loss.compute(b);
    assertEquals((la.value() + lb.value()) / 2, both.value(), 1e-12 * (1 + Math.abs(both.value())));
    assertEquals(la.chosenGradients().get(0) / 2, both.chosenGradients().get(0), 1e-15);
    assertEquals(lb.rejectedGradients().get(0) / 2, both.rejectedGradients().get(1), 1e-15);
    assertEquals(la.pairMargins().get(0), both.pairMargins().get(0), 0);
  }

  @Property(tries = 100)
  void every_loss_is_finite_and_non_negative(
      @ForAll("pairs") PairLogProbs p, @ForAll("names") String name) {
    LossValue v = Losses.byName(name).compute(p);
    assertTrue(Double.isFinite(v.value()) && v.value() >= 0, name + " " + v.value());
  }

  @Test
  void extreme_dpo_logits_neither_overflow_nor_lose_the_gradient() {
    LossValue wrong =
        Losses.dpo(1).compute(PairLogProbs.withReference(-2000, -1, 1, 1, -1, -2000));
    assertEquals(3998, wrong.value(), 1e-9);
    assertEquals(-1, wrong.chosenGradients().get(0), 1e-15);
    LossValue right =
        Losses.dpo(1).compute(PairLogProbs.withReference(-1, -2000, 1, 1, -2000, -1));
    assertEquals(0, right.value(), 1e-300);
    assertTrue(right.value() >= 0);
  }

  @Test
  void reward_accuracy_counts_pairs_whose_chosen_mean_is_strictly_higher() {
    PreferenceBatch batch =
        PreferenceBatch.of(
            PairLogProbs.of(-1, -4, 1, 2), // -1 > -2
            PairLogProbs.of(-4, -2, 2, 1), // -2 < -2? tie: wrong
            PairLogProbs.of(-9, -1, 3, 1)); // -3 < -1
    assertEquals(1.0 / 3, batch.lengthNormalizedAccuracy(), 1e-15);
  }

  @Test
  void reward_accuracy_compares_means_for_length_normalized_losses_and_sums_otherwise() {
    // Chosen: sum -3 over 3 tokens (mean -1); rejected: sum -2 over 1 token (mean -2).
    PreferenceBatch batch = PreferenceBatch.of(PairLogProbs.withReference(-3, -2, 3, 1, -3, -2));
    assertEquals(0.0, batch.accuracy());
    assertEquals(1.0, batch.lengthNormalizedAccuracy());
    for (PairwiseLoss l : List.of(Losses.rank(1), Losses.simpo(2, 5), Losses.orpo(0.1))) {
      assertTrue(l.lengthNormalized(), l.name());
      assertEquals(1.0, l.rewardAccuracy(batch), l.name());
    }
    for (PairwiseLoss l : List.of(Losses.dpo(0.1), Losses.ipo(0.1), Losses.hinge(1))) {
      assertFalse(l.lengthNormalized(), l.name());
      assertEquals(0.0, l.rewardAccuracy(batch), l.name());
    }
    // SimPO's margin is negative here (beta * 1 - gamma = -3) although the pair is ranked right.
    assertTrue(Losses.simpo(2, 5).compute(batch).pairMargins().get(0) < 0);
  }

  @Provide
  Arbitrary<PairLogProbs> pairs() {
    return LossArbitraries.pairsWithReference();
  }

  @Provide
  Arbitrary<String> names() {
    return Arbitraries.of(Losses.names());
  }
}
