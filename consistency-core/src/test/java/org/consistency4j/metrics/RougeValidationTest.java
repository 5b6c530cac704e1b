package org.consistency4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RougeValidationTest {

  @ParameterizedTest
  @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
  void rougeN_rejects_n_below_one_naming_n_and_the_value(int n) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Rouge.rougeN("a b", "a b", n, false));
    assertEquals("n must be > 0, found " + n, e.getMessage());
    IllegalArgumentException e2 =
        assertThrows(IllegalArgumentException.class, () -> Metrics.rougeN(n, true));
    assertEquals("n must be > 0, found " + n, e2.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"rouge0", "rouge01", "rougeX", "rouge", "rougel", "ROUGEL", "rouge-1", "bleu", ""})
  void scorer_rejects_an_unknown_metric_name_naming_it(String name) {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> RougeScorer.of(List.of("rouge1", name), false));
    assertEquals(
        "metricNames contains unknown metric '"
            + name
            + "'; expected rouge<n> (n >= 1), rougeL or rougeLsum",
        e.getMessage());
  }

  @Test
  void scorer_accepts_multi_digit_n() {
    assertEquals(List.of("rouge12"), RougeScorer.of(List.of("rouge12"), false).metricNames());
  }

  @Test
  void scorer_rejects_an_empty_name_list() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> RougeScorer.of(List.of(), false));
    assertEquals("metricNames must not be empty", e.getMessage());
  }

  @Test
  void scorer_rejects_a_metric_named_twice() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> RougeScorer.of(List.of("rougeL", "rouge1", "rougeL"), false));
    assertEquals("metricNames contains rougeL twice", e.getMessage());
  }

  @Test
  void scoreMulti_rejects_an_empty_reference_list() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> RougeScorer.of(List.of("rougeL"), false).scoreMulti(List.of(), "x"));
    assertEquals("targets must not be empty", e.getMessage());
  }

  @Test
  void null_texts_are_rejected_naming_the_parameter() {
    assertEquals(
        "target must not be null",
        assertThrows(NullPointerException.class, () -> Rouge.rougeL(null, "x", false)).getMessage());
    assertEquals(
        "prediction must not be null",
        assertThrows(NullPointerException.class, () -> Rouge.rougeN("x", null, 1, false))
            .getMessage());
    assertEquals(
        "predictionSentences[1] must not be null",
        assertThrows(
                NullPointerException.class,
                () -> Rouge.rougeLsum(List.of("a"), Arrays.asList("b", null), false))
            .getMessage());
  }

  @Test
  void metrics_by_name_rejects_unknown_names_and_round_trips_known_ones() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Metrics.byName("bleu"));
    assertEquals(
        "metric name 'bleu' is unknown; expected rouge<n> (n >= 1), rougeL or rougeLsum,"
            + " optionally followed by _stem",
        e.getMessage());
    for (RougeMetric m :
        List.of(
            Metrics.rouge1(), Metrics.rouge2(), Metrics.rougeN(3, true), Metrics.rougeL(),
            Metrics.rougeL(true), Metrics.rougeLsum(), Metrics.rougeLsum(true))) {
      assertEquals(m, Metrics.byName(m.name()));
    }
    assertEquals("rougeL_stem", Metrics.rougeL(true).name());
    assertEquals("rougeLsum", Metrics.rougeLsum().name());
  }

  @Test
  void rougeLsum_rejects_a_sentence_pair_too_long_for_the_table_limit() {
    String reference = "a ".repeat(12_800); // 200 words of 64 rows
    String candidate = "b a ".repeat(21_000); // 42,000 columns: 42,001 * 200 > 2^23
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Rouge.rougeLsum(reference, candidate, false));
    assertEquals(
        "ROUGE-Lsum sentence pair too long: 12800 x 42000 tokens needs 8400200 table words, more"
            + " than the limit 8388608",
        e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(doubles = {-0.1, 1.0000001, Double.NaN, Double.POSITIVE_INFINITY})
  void score_rejects_values_outside_the_unit_interval(double bad) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new RougeScore(0.5, bad, 0.5));
    assertEquals("recall must be in [0.0, 1.0], found " + bad, e.getMessage());
  }
}
