package org.consistency4j.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.consistency4j.lm.ContinuationScore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every validation rule of the loss package, with its exception type and message. */
class LossValidationTest {

  private static void fails(String message, Executable e) {
    IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
    assertEquals(message, ex.getMessage());
  }

  @Test
  void pair_log_probs_must_be_finite_non_positive_with_positive_token_counts() {
    fails("policyChosen must be <= 0 (a log-probability), found 0.5", () -> PairLogProbs.of(0.5, -1, 1, 1));
    fails("policyRejected must be finite, found NaN", () -> PairLogProbs.of(-1, Double.NaN, 1, 1));
    fails("chosenTokens must be > 0, found 0", () -> PairLogProbs.of(-1, -1, 0, 1));
    fails("rejectedTokens must be > 0, found -2", () -> PairLogProbs.of(-1, -1, 1, -2));
    fails(
        "referenceChosen must be finite, found -Infinity",
        () -> PairLogProbs.withReference(-1, -1, 1, 1, Double.NEGATIVE_INFINITY, -1));
    fails(
        "referenceRejected must be <= 0 (a log-probability), found 1.0",
        () -> PairLogProbs.withReference(-1, -1, 1, 1, -1, 1));
    fails(
        "referenceChosen and referenceRejected must both be present or both be absent",
        () -> new PairLogProbs(-1, -1, 1, 1, OptionalDouble.of(-1), OptionalDouble.empty()));
    NullPointerException npe =
        assertThrows(
            NullPointerException.class,
            () -> new PairLogProbs(-1, -1, 1, 1, null, OptionalDouble.empty()));
    assertEquals("referenceChosen must not be null", npe.getMessage());
  }

  @Test
  void pairs_from_continuation_scores_use_sums_and_token_counts() {
    ContinuationScore c = new ContinuationScore(List.of(-1.0, -2.0));
    ContinuationScore r = new ContinuationScore(List.of(-0.5, -0.5, -3.0));
    assertEquals(PairLogProbs.of(-3, -4, 2, 3), PairLogProbs.of(c, r));
    ContinuationScore rc = new ContinuationScore(List.of(-1.5, -1.0));
    ContinuationScore rr = new ContinuationScore(List.of(-1.0, -1.0, -1.0));
    assertEquals(PairLogProbs.withReference(-3, -4, 2, 3, -2.5, -3), PairLogProbs.withReference(c, r, rc, rr));
    fails(
        "referenceRejected has 2 tokens, rejected has 3 (policy and reference must share the tokenizer)",
        () -> PairLogProbs.withReference(c, r, rc, rc));
    fails(
        "referenceChosen has 3 tokens, chosen has 2 (policy and reference must share the tokenizer)",
        () -> PairLogProbs.withReference(c, r, rr, rr));
    fails(
        "rejectedTokens must be > 0, found 0",
        () -> PairLogProbs.of(c, new ContinuationScore(List.of())));
  }

  @Test
  void batches_must_be_non_empty_and_consistent_about_reference_values() {
    fails("pairs must not be empty", () -> new PreferenceBatch(List.of()));
    fails(
        "pairs must all have reference log-probabilities or none: pair 0 has, pair 1 has not",
        () ->
            PreferenceBatch.of(
                PairLogProbs.withReference(-1, -1, 1, 1, -1, -1), PairLogProbs.of(-1, -1, 1, 1)));
    fails(
        "pairs must all have reference log-probabilities or none: pair 0 has not, pair 2 has",
        () ->
            PreferenceBatch.of(
                PairLogProbs.of(-1, -1, 1, 1),
                PairLogProbs.of(-1, -1, 1, 1),
                PairLogProbs.withReference(-1, -1, 1, 1, -1, -1)));
    fails(
        "policyChosen size (2) != rejectedTokens size (1)",
        () ->
            PreferenceBatch.of(
                new double[] {-1, -1}, new double[] {-1, -1}, new int[] {1, 1}, new int[] {1}));
    fails(
        "policyChosen size (1) != referenceRejected size (0)",
        () ->
            PreferenceBatch.withReference(
                new double[] {-1},
                new double[] {-1},
                new int[] {1},
                new int[] {1},
                new double[] {-1},
                new double[] {}));
  }

  @Test
  void batch_from_arrays_equals_batch_from_pairs() {
    PreferenceBatch a =
        PreferenceBatch.withReference(
            new double[] {-1, -2},
            new double[] {-3, -4},
            new int[] {1, 2},
            new int[] {3, 4},
            new double[] {-5, -6},
            new double[] {-7, -8});
    PreferenceBatch b =
        PreferenceBatch.of(
            PairLogProbs.withReference(-1, -3, 1, 3, -5, -7),
            PairLogProbs.withReference(-2, -4, 2, 4, -6, -8));
    assertEquals(b, a);
    assertTrue(a.hasReference());
    assertFalse(PreferenceBatch.of(PairLogProbs.of(-1, -1, 1, 1)).hasReference());
  }

  @Test
  void loss_values_must_be_finite_with_matching_sizes() {
    fails(
        "value must be finite, found NaN",
        () -> new LossValue(Double.NaN, List.of(0.0), List.of(0.0), List.of(0.0), Map.of()));
    fails(
        "chosenGradients size (1) != rejectedGradients size (2)",
        () -> new LossValue(0, List.of(0.0), List.of(0.0, 0.0), List.of(0.0), Map.of()));
    fails(
        "chosenGradients size (1) != pairMargins size (0)",
        () -> new LossValue(0, List.of(0.0), List.of(0.0), List.of(), Map.of()));
    fails(
        "chosenGradients must not be empty",
        () -> new LossValue(0, List.of(), List.of(), List.of(), Map.of()));
    fails(
        "rejectedGradients[0] must be finite, found Infinity",
        () ->
            new LossValue(
                0, List.of(0.0), List.of(Double.POSITIVE_INFINITY), List.of(0.0), Map.of()));
    fails(
        "terms[sft] must be finite, found NaN",
        () -> new LossValue(0, List.of(0.0), List.of(0.0), List.of(0.0), Map.of("sft", Double.NaN)));
  }

  @Test
  void factories_reject_out_of_range_hyperparameters_naming_them() {
    fails("lambda must be >= 0, found -1.0", () -> Losses.rank(-1));
    fails("beta must be > 0, found -0.1", () -> Losses.dpo(-0.1));
    fails("beta must be > 0, found 0.0", () -> Losses.dpo(0));
    fails("tau must be > 0, found NaN", () -> Losses.ipo(Double.NaN));
    fails("beta must be > 0, found 0.0", () -> Losses.simpo(0, 1));
    fails("gamma must be >= 0, found -1.0", () -> Losses.simpo(2, -1));
    fails("lambda must be >= 0, found Infinity", () -> Losses.orpo(Double.POSITIVE_INFINITY));
    fails("margin must be >= 0, found -0.5", () -> Losses.hinge(-0.5));
    fails("margin must be >= 0, found -0.5", () -> Losses.hingeWithReference(-0.5));
  }

  @Test
  void reference_losses_reject_batches_without_reference_values() {
    PairLogProbs p = PairLogProbs.of(-1, -2, 1, 1);
    fails("dpo(beta=0.1) needs reference log-probabilities; the batch has none", () -> Losses.dpo(0.1).compute(p));
    fails("ipo(tau=0.1) needs reference log-probabilities; the batch has none", () -> Losses.ipo(0.1).compute(p));
    fails(
        "hinge(margin=1.0, reference) needs reference log-probabilities; the batch has none",
        () -> Losses.hingeWithReference(1).compute(p));
  }

  @Test
  void orpo_rejects_a_response_with_probability_one() {
    fails(
        "orpo(lambda=0.1) needs policy log-probabilities < 0 (probability 1 has infinite odds): pair 1 has policyRejected = 0.0",
        () ->
            Losses.orpo(0.1)
                .compute(PreferenceBatch.of(PairLogProbs.of(-1, -1, 1, 1), PairLogProbs.of(-1, 0, 1, 1))));
  }

  @Test
  void by_name_maps_every_cli_name_and_rejects_others() {
    assertEquals(List.of("rank", "dpo", "ipo", "simpo", "orpo", "hinge"), Losses.names());
    assertEquals("rank(lambda=1.0)", Losses.byName("rank").name());
    assertEquals("dpo(beta=0.1)", Losses.byName("dpo").name());
    assertEquals("ipo(tau=0.1)", Losses.byName("ipo").name());
    assertEquals("simpo(beta=2.0, gamma=1.0)", Losses.byName("simpo").name());
    assertEquals("orpo(lambda=0.1)", Losses.byName("orpo").name());
    assertEquals("hinge(margin=1.0)", Losses.byName("hinge").name());
    assertEquals(
        "hinge(margin=2.0, reference)",
        Losses.hingeWithReference(2).name());
    fails(
        "loss must be one of rank, dpo, ipo, simpo, orpo, hinge, found kto",
        () -> Losses.byName("kto"));
    NullPointerException npe = assertThrows(NullPointerException.class, () -> Losses.byName(null));
    assertEquals("loss must not be null", npe.getMessage());
  }

  @Test
  void standard_losses_validate_each_parameter_and_round_trip_through_their_names() {
    StandardLoss c = Losses.byName("dpo", Map.of("beta", 0.3));
    assertEquals(new StandardLoss.Dpo(0.3), c);
    assertEquals(c, Losses.byName(c.loss(), Map.of("beta", Double.valueOf(c.parameters().get("beta")))));
    assertTrue(c.requiresReference());
    assertFalse(Losses.byName("rank").requiresReference());
    assertTrue(new StandardLoss.Hinge(1, true).requiresReference());
    assertEquals("dpo(beta=0.3)", c.name());
    assertEquals(Map.of("margin", "1.0", "useReference", "false"), Losses.byName("hinge").parameters());
    assertEquals(List.of("beta", "gamma"), List.copyOf(Losses.byName("simpo").parameters().keySet()));
    fails("lambda must be >= 0, found -1.0", () -> Losses.byName("rank", Map.of("lambda", -1.0)));
    fails("beta must be > 0, found 0.0", () -> Losses.byName("dpo", Map.of("beta", 0.0)));
    fails("tau must be > 0, found -1.0", () -> Losses.byName("ipo", Map.of("tau", -1.0)));
    fails("gamma must be >= 0, found -1.0", () -> Losses.byName("simpo", Map.of("gamma", -1.0)));
    fails("margin must be >= 0, found -1.0", () -> Losses.byName("hinge", Map.of("margin", -1.0)));
    fails("lambda must be >= 0, found -1.0", () -> new StandardLoss.Orpo(-1));
    fails(
        "loss must be one of rank, dpo, ipo, simpo, orpo, hinge, found DPO",
        () -> Losses.byName("DPO", Map.of("beta", 0.3)));
    fails(
        "loss dpo has no parameter lambda; its parameters: beta",
        () -> Losses.byName("dpo", Map.of("lambda", 0.5)));
  }
}
