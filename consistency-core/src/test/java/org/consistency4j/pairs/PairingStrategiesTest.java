package org.consistency4j.pairs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class PairingStrategiesTest {

  private static ScoredResponse r(String prompt, String text, double reward) {
    return new ScoredResponse(prompt, text, reward);
  }

  private static PreferencePair p(String prompt, String chosen, String rejected, double sc, double sr) {
    return new PreferencePair(prompt, chosen, rejected, sc, sr);
  }

  @Test
  void best_vs_rest_pairs_the_best_with_every_response_lower_by_the_margin_under_the_rejected_prompt() {
    List<ScoredResponse> group =
        List.of(
            r("v1", "Paris", 0.9),
            r("v2", "Lyon", 0.2),
            r("v3", "Paris, France", 0.85),
            r("v1", "Marseille", 0.8));
    assertEquals(
        List.of(p("v1", "Paris", "Marseille", 0.9, 0.8), p("v2", "Paris", "Lyon", 0.9, 0.2)),
        PairingStrategies.bestVsRest().pairs(group));
  }

  @Test
  void a_reward_gap_equal_to_the_margin_meets_it_despite_rounding() {
    // 0.8 - 0.7 == 0.09999999999999998 in binary floating point
    List<ScoredResponse> group = List.of(r("q", "a", 0.8), r("q", "b", 0.7));
    assertEquals(1, PairingStrategies.bestVsRest(0.1).pairs(group).size());
    assertEquals(0, PairingStrategies.bestVsRest(0.1000001).pairs(group).size());
  }

  @Test
  void equal_rewards_never_pair_even_with_margin_zero() {
    List<ScoredResponse> group = List.of(r("q", "a", 0.5), r("q", "b", 0.5));
    assertEquals(List.of(), PairingStrategies.allPairs(0).pairs(group));
    assertEquals(List.of(), PairingStrategies.bestVsWorst(0).pairs(group));
  }

  @Test
  void identical_texts_never_form_a_pair_even_with_different_whitespace() {
    List<ScoredResponse> group =
        List.of(r("v1", "Yes.", 0.9), r("v2", "  Yes.\n", 0.1), r("v3", "No.", 0.4));
    assertEquals(
        List.of(p("v3", "Yes.", "No.", 0.9, 0.4)), PairingStrategies.bestVsRest(0.1).pairs(group));
    assertEquals(
        List.of(p("v3", "Yes.", "No.", 0.9, 0.4), p("v2", "No.", "  Yes.\n", 0.4, 0.1)),
        PairingStrategies.allPairs(0.1).pairs(group));
  }

  @Test
  void an_empty_response_never_forms_a_pair_with_any_strategy() {
    List<ScoredResponse> group =
        List.of(r("p1", "", 0.0), r("p2", "yes", 1.0), r("p3", "no", 0.2), r("p4", "", 1.5));
    for (String name : PairingStrategies.names()) {
      List<PreferencePair> pairs = PairingStrategies.byName(name, 0.1).pairs(group);
      assertEquals(List.of(p("p3", "yes", "no", 1.0, 0.2)), pairs, name);
    }
  }

  @Test
  void ties_are_broken_by_text_then_by_input_position() {
    List<ScoredResponse> group =
        List.of(r("v1", "b", 0.9), r("v2", "a", 0.9), r("v3", "a", 0.9), r("v4", "c", 0.1));
    assertEquals(
        List.of(r("v2", "a", 0.9), r("v3", "a", 0.9), r("v1", "b", 0.9), r("v4", "c", 0.1)),
        PairingStrategies.rank(group));
    assertEquals(
        List.of(p("v4", "a", "c", 0.9, 0.1)), PairingStrategies.bestVsRest().pairs(group));
  }

  @Test
  void best_vs_worst_skips_worst_responses_with_the_best_text() {
    List<ScoredResponse> group =
        List.of(r("v1", "x", 0.9), r("v2", "y", 0.5), r("v3", " x", 0.1));
    assertEquals(
        List.of(p("v2", "x", "y", 0.9, 0.5)), PairingStrategies.bestVsWorst(0.1).pairs(group));
    assertEquals(List.of(), PairingStrategies.bestVsWorst(0.5).pairs(group));
  }

  @Test
  void a_repeated_prompt_chosen_rejected_triple_is_kept_once() {
    List<ScoredResponse> group =
        List.of(r("v1", "x", 0.9), r("v2", "y", 0.2), r("v2", "y", 0.2), r("v3", "y", 0.2));
    assertEquals(
        List.of(p("v2", "x", "y", 0.9, 0.2), p("v3", "x", "y", 0.9, 0.2)),
        PairingStrategies.bestVsRest().pairs(group));
  }

  @Test
  void groups_with_fewer_than_two_responses_have_no_pairs() {
    assertEquals(List.of(), PairingStrategies.bestVsRest().pairs(List.of()));
    assertEquals(List.of(), PairingStrategies.allPairs(0).pairs(List.of(r("q", "a", 1))));
  }

  @Test
  void pairs_of_groups_concatenates_group_after_group() {
    List<List<ScoredResponse>> groups =
        List.of(
            List.of(r("a", "1", 1), r("a", "2", 0)), List.of(r("b", "3", 1), r("b", "4", 0)));
    assertEquals(
        List.of(p("a", "1", "2", 1, 0), p("b", "3", "4", 1, 0)),
        PairingStrategies.bestVsRest().pairsOfGroups(groups));
  }

  @Test
  void by_name_maps_every_name_and_rejects_others() {
    assertEquals(List.of("best-vs-rest", "best-vs-worst", "all"), PairingStrategies.names());
    assertEquals("best-vs-rest(margin=0.1)", PairingStrategies.bestVsRest().name());
    assertEquals("best-vs-worst(margin=0.2)", PairingStrategies.byName("best-vs-worst", 0.2).name());
    assertEquals("all(margin=0.0)", PairingStrategies.byName("all", 0).name());
    assertEquals("best-vs-rest(margin=0.3)", PairingStrategies.byName("best-vs-rest", 0.3).name());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> PairingStrategies.byName("worst", 0.1));
    assertEquals(
        "strategy must be one of best-vs-rest, best-vs-worst, all, found worst", e.getMessage());
  }

  @Test
  void margins_must_be_finite_and_non_negative() {
    assertEquals(
        "margin must be >= 0, found -0.1",
        assertThrows(IllegalArgumentException.class, () -> PairingStrategies.bestVsRest(-0.1))
            .getMessage());
    assertEquals(
        "margin must be >= 0, found NaN",
        assertThrows(IllegalArgumentException.class, () -> PairingStrategies.allPairs(Double.NaN))
            .getMessage());
    assertEquals(
        "margin must be >= 0, found Infinity",
        assertThrows(
                IllegalArgumentException.class,
                () -> PairingStrategies.bestVsWorst(Double.POSITIVE_INFINITY))
            .getMessage());
  }

  @Test
  void scored_responses_validate_their_fields() {
    assertEquals(
        "reward must be finite, found NaN",
        assertThrows(IllegalArgumentException.class, () -> r("q", "a", Double.NaN)).getMessage());
    assertEquals(
        "prompt must not be null",
        assertThrows(NullPointerException.class, () -> r(null, "a", 0)).getMessage());
    assertEquals(
        "text must not be null",
        assertThrows(NullPointerException.class, () -> r("q", null, 0)).getMessage());
  }

  @Property(tries = 200)
  void every_pair_meets_the_margin_and_has_distinct_texts(
      @ForAll("groups") List<ScoredResponse> group, @ForAll("strategyNames") String name) {
    double margin = 0.1;
    for (PreferencePair pair : PairingStrategies.byName(name, margin).pairs(group)) {
      double gap = pair.scoreChosen().getAsDouble() - pair.scoreRejected().getAsDouble();
      assertTrue(gap > 0 && gap >= margin - 1e-12, "gap " + gap);
      assertTrue(!PreferencePair.sameText(pair.chosen(), pair.rejected()));
    }
  }

  @Property(tries = 200)
  void best_vs_worst_is_within_best_vs_rest_which_is_within_all_pairs(
      @ForAll("groups") List<ScoredResponse> group) {
    // compared by (prompt, chosen, rejected): the key under which duplicates are dropped
    var worst = triples(PairingStrategies.bestVsWorst(0.1).pairs(group));
    var rest = triples(PairingStrategies.bestVsRest(0.1).pairs(group));
    var all = triples(PairingStrategies.allPairs(0.1).pairs(group));
    assertTrue(rest.containsAll(worst));
    assertTrue(all.containsAll(rest));
  }

  private static HashSet<List<String>> triples(List<PreferencePair> pairs) {
    HashSet<List<String>> set = new HashSet<>();
    for (PreferencePair p : pairs) {
      set.add(List.of(p.prompt(), p.chosen(), p.rejected()));
    }
    return set;
  }

  @Property(tries = 200)
  void pairs_do_not_depend_on_the_order_of_the_group(
      @ForAll("groups") List<ScoredResponse> group, @ForAll long seed) {
    List<ScoredResponse> shuffled = new ArrayList<>(group);
    Collections.shuffle(shuffled, new Random(seed));
    for (PairingStrategy s :
        List.of(PairingStrategies.bestVsRest(0.1), PairingStrategies.allPairs(0.05))) {
      assertEquals(new HashSet<>(s.pairs(group)), new HashSet<>(s.pairs(shuffled)), s.name());
    }
  }

  @Provide
  Arbitrary<List<ScoredResponse>> groups() {
    Arbitrary<String> prompts = Arbitraries.of("v1", "v2", "v3");
    Arbitrary<String> texts = Arbitraries.of("a", "b", " a", "c", "d e");
    Arbitrary<Double> rewards = Arbitraries.of(0.0, 0.1, 0.2, 0.5, 0.55, 0.7, 0.8, 0.9, 1.0);
    return Combinators.combine(prompts, texts, rewards)
        .as(ScoredResponse::new)
        .list()
        .ofMaxSize(8);
  }

  @Provide
  Arbitrary<String> strategyNames() {
    return Arbitraries.of(PairingStrategies.names());
  }
}
