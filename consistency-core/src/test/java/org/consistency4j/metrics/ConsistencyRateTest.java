package org.consistency4j.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.consistency4j.ConsistencyException;
import org.junit.jupiter.api.Test;

class ConsistencyRateTest {

  private static final List<ResponseGroup> GROUPS =
      List.of(
          ResponseGroup.of("g1", List.of("Paris", "paris.", "Lyon")),
          ResponseGroup.of("g2", List.of("yes", "Yes", "yes!", "no")),
          ResponseGroup.of("g3", List.of("alone")));

  @Test
  void macro_and_pooled_rates_follow_their_definitions() {
    ConsistencyResult r = ConsistencyRate.of(Similarities.exactMatch()).compute(GROUPS);
    // g1: 1 of 3 pairs agree; g2: 3 of 6 pairs agree; g3 has one response.
    assertEquals(2, r.groups().size());
    assertEquals(1.0 / 3, r.groups().get(0).rate(), 1e-15);
    assertEquals(0.5, r.groups().get(1).rate(), 1e-15);
    assertEquals((1.0 / 3 + 0.5) / 2, r.macro(), 1e-15);
    assertEquals(4.0 / 9, r.pooled(), 1e-15);
    assertEquals(9, r.pairs());
    assertEquals("exact", r.similarity());
  }

  @Test
  void groups_with_fewer_than_two_responses_are_excluded_and_counted() {
    List<ResponseGroup> groups =
        List.of(
            ResponseGroup.of("empty", List.of()),
            ResponseGroup.of("g", List.of("a", "a")),
            ResponseGroup.of("one", List.of("x")));
    ConsistencyResult r = ConsistencyRate.of(Similarities.exactMatch()).compute(groups);
    assertEquals(List.of("empty", "one"), r.excludedIds());
    assertEquals(2, r.excluded());
    assertEquals(1.0, r.macro());
  }

  @Test
  void rate_of_a_response_list_is_its_mean_pair_similarity() {
    assertEquals(
        1.0 / 3, ConsistencyRate.rate(List.of("Paris", "paris.", "Lyon"), Similarities.exactMatch()), 1e-15);
  }

  @Test
  void per_group_rates_are_in_input_order() {
    ConsistencyResult r = ConsistencyRate.of(Similarities.exactMatch()).compute(GROUPS);
    assertArrayEquals(new double[] {1.0 / 3, 0.5}, r.rates(), 1e-15);
    assertEquals("g1", r.groups().get(0).id());
    assertEquals(3, r.groups().get(0).pairs());
  }

  @Test
  void computing_without_any_scorable_group_fails_with_the_excluded_count() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ConsistencyRate.of(Similarities.exactMatch())
                    .compute(List.of(ResponseGroup.of("a", List.of("x")), ResponseGroup.of("b", List.of()))));
    assertEquals("no group has at least 2 responses (2 groups excluded)", e.getMessage());
  }

  @Test
  void an_empty_group_list_is_rejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ConsistencyRate.of(Similarities.exactMatch()).compute(List.of()));
    assertEquals("groups must not be empty", e.getMessage());
  }

  @Test
  void duplicate_group_ids_are_rejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ConsistencyRate.of(Similarities.exactMatch())
                    .compute(
                        List.of(
                            ResponseGroup.of("g", List.of("a", "b")),
                            ResponseGroup.of("g", List.of("c", "d")))));
    assertEquals("group id \"g\" appears more than once (index 1)", e.getMessage());
  }

  @Test
  void scoring_a_single_response_group_is_rejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ConsistencyRate.of(Similarities.exactMatch())
                    .score(ResponseGroup.of("g", List.of("a"))));
    assertEquals("group \"g\" must have >= 2 responses, found 1", e.getMessage());
  }

  @Test
  void a_similarity_outside_the_unit_interval_fails_naming_it_and_the_pair() {
    ResponseSimilarity broken = Similarities.named("broken", (a, b) -> 1.5);
    ConsistencyException e =
        assertThrows(
            ConsistencyException.class,
            () -> ConsistencyRate.of(broken).compute(List.of(ResponseGroup.of("g", List.of("a", "b")))));
    assertEquals(
        "similarity \"broken\" returned 1.5 for responses 0 and 1 of group \"g\"; values must be in"
            + " [0, 1]",
        e.getMessage());
  }

  @Test
  void a_nan_similarity_is_rejected() {
    ResponseSimilarity nan = Similarities.named("nan", (a, b) -> Double.NaN);
    ConsistencyException e =
        assertThrows(
            ConsistencyException.class,
            () -> ConsistencyRate.of(nan).compute(List.of(ResponseGroup.of("g", List.of("a", "b")))));
    assertEquals(
        "similarity \"nan\" returned NaN for responses 0 and 1 of group \"g\"; values must be in"
            + " [0, 1]",
        e.getMessage());
  }

  @Test
  void a_pairwise_result_of_the_wrong_length_is_rejected() {
    ResponseSimilarity shortPairs =
        new ResponseSimilarity() {
          @Override
          public double similarity(String a, String b) {
            return 1;
          }

          @Override
          public double[] pairwise(List<String> responses) {
            return new double[1];
          }

          @Override
          public String name() {
            return "short";
          }
        };
    ConsistencyException e =
        assertThrows(
            ConsistencyException.class,
            () ->
                ConsistencyRate.of(shortPairs)
                    .compute(List.of(ResponseGroup.of("g", List.of("a", "b", "c")))));
    assertEquals(
        "similarity \"short\" returned 1 values for the 3 pairs of group \"g\"", e.getMessage());
  }

  @Test
  void a_null_similarity_is_rejected() {
    NullPointerException e =
        assertThrows(NullPointerException.class, () -> ConsistencyRate.of(null));
    assertEquals("similarity must not be null", e.getMessage());
  }

  @Test
  void result_validation_rejects_duplicate_ids_and_empty_groups() {
    GroupConsistency g = new GroupConsistency("g", 2, 1);
    IllegalArgumentException dup =
        assertThrows(
            IllegalArgumentException.class,
            () -> new ConsistencyResult("exact", List.of(g), List.of("g")));
    assertEquals("group id \"g\" appears more than once", dup.getMessage());
    IllegalArgumentException empty =
        assertThrows(
            IllegalArgumentException.class,
            () -> new ConsistencyResult("exact", List.of(), List.of()));
    assertEquals("groups must not be empty", empty.getMessage());
  }

  @Test
  void group_consistency_validation_pins_its_rules() {
    IllegalArgumentException few =
        assertThrows(IllegalArgumentException.class, () -> new GroupConsistency("g", 1, 0));
    assertEquals("responses must be >= 2, found 1", few.getMessage());
    IllegalArgumentException sum =
        assertThrows(IllegalArgumentException.class, () -> new GroupConsistency("g", 3, 3.5));
    assertEquals("similaritySum must be in [0.0, 3.0], found 3.5", sum.getMessage());
  }

  @Test
  void response_group_validation_names_the_null_element() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ResponseGroup.of("g", java.util.Arrays.asList("a", null)));
    assertEquals("responses[1] of group \"g\" must not be null", e.getMessage());
    IllegalArgumentException blank =
        assertThrows(IllegalArgumentException.class, () -> ResponseGroup.of(" ", List.of()));
    assertEquals("id must not be blank", blank.getMessage());
  }
}
