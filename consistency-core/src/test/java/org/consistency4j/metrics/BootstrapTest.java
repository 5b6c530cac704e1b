package org.consistency4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.consistency4j.ConsistencyException;
import org.junit.jupiter.api.Test;

class BootstrapTest {

  private static double[] halfOnes(int n) {
    double[] v = new double[n];
    for (int i = 0; i < n; i += 2) {
      v[i] = 1;
    }
    return v;
  }

  @Test
  void the_interval_of_a_mean_matches_the_normal_approximation() {
    // 100 Bernoulli(0.5) values: standard error 0.05, so the 95% interval is about 0.5 +- 0.098.
    ConfidenceInterval ci = Bootstrap.of(4000, 0.95, 7).mean(halfOnes(100));
    assertEquals(0.5, ci.estimate());
    assertEquals(0.402, ci.ciLow(), 0.02);
    assertEquals(0.598, ci.ciHigh(), 0.02);
    assertEquals(0.95, ci.level());
    assertEquals(4000, ci.resamples());
    assertEquals(7, ci.seed());
  }

  @Test
  void the_same_seed_gives_the_same_interval_and_another_seed_a_different_one() {
    double[] v = halfOnes(50);
    assertEquals(Bootstrap.of(500, 0.9, 1).mean(v), Bootstrap.of(500, 0.9, 1).mean(v));
    assertNotEquals(Bootstrap.of(500, 0.9, 1).mean(v), Bootstrap.of(500, 0.9, 2).mean(v));
  }

  @Test
  void a_single_unit_has_a_degenerate_interval() {
    ConfidenceInterval ci = Bootstrap.of(100, 0.95, 0).mean(new double[] {0.3});
    assertEquals(0.3, ci.ciLow());
    assertEquals(0.3, ci.ciHigh());
  }

  @Test
  void ratio_of_sums_weights_units_by_their_denominators() {
    // Pooled: (1 + 3) / (3 + 6) = 4/9 while the mean of ratios would be 5/12.
    ConfidenceInterval ci =
        Bootstrap.of(200, 0.95, 3).ratioOfSums(new double[] {1, 3}, new double[] {3, 6});
    assertEquals(4.0 / 9, ci.estimate(), 1e-15);
    assertTrue(ci.ciLow() >= 1.0 / 3 && ci.ciHigh() <= 0.5);
  }

  @Test
  void the_sign_flip_test_is_exact_for_few_groups() {
    // Differences (1, 1, 1): only the two all-same-sign assignments of 8 reach |mean| = 1.
    PairedComparison c =
        Bootstrap.of(1000, 0.95, 0).compareMeans(new double[] {1, 1, 1}, new double[] {0, 0, 0});
    assertTrue(c.exact());
    assertEquals(8, c.permutations());
    assertEquals(0.25, c.pValue());
    assertEquals(1.0, c.difference().estimate());
    // Differences (1, 1, 1, -1): |sum| >= 2 in 10 of 16 assignments.
    PairedComparison d =
        Bootstrap.of(1000, 0.95, 0)
            .compareMeans(new double[] {1, 1, 1, 0}, new double[] {0, 0, 0, 1});
    assertEquals(10.0 / 16, d.pValue());
  }

  @Test
  void the_sampled_permutation_test_never_reports_zero() {
    double[] a = new double[30];
    java.util.Arrays.fill(a, 1);
    PairedComparison c = Bootstrap.of(999, 0.95, 5).compareMeans(a, new double[30]);
    assertFalse(c.exact());
    assertEquals(1000, c.permutations());
    // With 30 equal differences practically no random assignment reaches |mean| = 1.
    assertEquals(1.0 / 1000, c.pValue());
    assertEquals(1.0, c.difference().ciLow());
  }

  @Test
  void identical_systems_have_p_value_one_and_zero_difference() {
    double[] v = {0.2, 0.9, 0.4, 0.4, 0.7};
    PairedComparison c = Bootstrap.of(1000, 0.95, 1).compareMeans(v, v);
    assertEquals(1.0, c.pValue());
    assertEquals(0.0, c.difference().estimate());
  }

  @Test
  void comparing_ratios_uses_the_difference_of_pooled_rates() {
    PairedComparison c =
        Bootstrap.of(300, 0.9, 4)
            .compareRatios(
                new double[] {3, 6}, new double[] {3, 6}, new double[] {1, 3}, new double[] {3, 6});
    assertEquals(1 - 4.0 / 9, c.difference().estimate(), 1e-15);
    assertTrue(c.pValue() > 0 && c.pValue() <= 1);
  }

  @Test
  void consistency_results_compare_on_the_same_groups() {
    List<ResponseGroup> a =
        List.of(
            ResponseGroup.of("g1", List.of("x", "x", "x")),
            ResponseGroup.of("g2", List.of("y", "y")));
    List<ResponseGroup> b =
        List.of(
            ResponseGroup.of("g2", List.of("y", "z")),
            ResponseGroup.of("g1", List.of("x", "x", "z")));
    ConsistencyRate cr = ConsistencyRate.of(Similarities.exactMatch());
    PairedComparison c = cr.compute(a).compareMacro(cr.compute(b), Bootstrap.of(100, 0.95, 0));
    // A: (1, 1); B aligned by id: g1 = 1/3, g2 = 0.
    assertEquals((2.0 / 3 + 1) / 2, c.difference().estimate(), 1e-15);
    assertEquals(0.5, c.pValue());
    PairedComparison p = cr.compute(a).comparePooled(cr.compute(b), Bootstrap.of(100, 0.95, 0));
    assertEquals(1 - 1.0 / 4, p.difference().estimate(), 1e-15);
  }

  @Test
  void comparing_results_over_different_groups_is_rejected() {
    ConsistencyRate cr = ConsistencyRate.of(Similarities.exactMatch());
    ConsistencyResult a = cr.compute(List.of(ResponseGroup.of("g1", List.of("x", "x"))));
    ConsistencyResult b = cr.compute(List.of(ResponseGroup.of("g2", List.of("x", "x"))));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> a.compareMacro(b, Bootstrap.of(10, 0.95, 0)));
    assertEquals(
        "the results scored different groups: only in this result [g1], only in the baseline [g2]",
        e.getMessage());
  }

  @Test
  void configuration_rules_are_enforced() {
    IllegalArgumentException resamples =
        assertThrows(IllegalArgumentException.class, () -> Bootstrap.of(0, 0.95, 0));
    assertEquals("resamples must be in [1, 1000000], found 0", resamples.getMessage());
    IllegalArgumentException tooMany =
        assertThrows(
            IllegalArgumentException.class, () -> Bootstrap.of(Integer.MAX_VALUE, 0.95, 0));
    assertEquals("resamples must be in [1, 1000000], found 2147483647", tooMany.getMessage());
    IllegalArgumentException level =
        assertThrows(IllegalArgumentException.class, () -> Bootstrap.of(10, 1.0, 0));
    assertEquals("level must be in (0, 1), found 1.0", level.getMessage());
  }

  @Test
  void data_rules_are_enforced() {
    Bootstrap b = Bootstrap.of(10, 0.95, 0);
    IllegalArgumentException empty =
        assertThrows(IllegalArgumentException.class, () -> b.mean(new double[0]));
    assertEquals("values must not be empty", empty.getMessage());
    IllegalArgumentException nan =
        assertThrows(IllegalArgumentException.class, () -> b.mean(new double[] {1, Double.NaN}));
    assertEquals("values[1] must be finite, found NaN", nan.getMessage());
    IllegalArgumentException size =
        assertThrows(
            IllegalArgumentException.class,
            () -> b.compareMeans(new double[] {1, 2}, new double[] {1}));
    assertEquals("a size (2) != b size (1)", size.getMessage());
    IllegalArgumentException den =
        assertThrows(
            IllegalArgumentException.class,
            () -> b.ratioOfSums(new double[] {1}, new double[] {0}));
    assertEquals("denominators[0] must be > 0, found 0.0", den.getMessage());
  }

  @Test
  void a_non_finite_statistic_fails_naming_where() {
    ConsistencyException e =
        assertThrows(
            ConsistencyException.class,
            () -> Bootstrap.of(10, 0.95, 0).interval(3, w -> Double.POSITIVE_INFINITY));
    assertEquals("bootstrap statistic is Infinity on the original sample", e.getMessage());
  }

  @Test
  void result_records_validate_their_fields() {
    IllegalArgumentException order =
        assertThrows(
            IllegalArgumentException.class, () -> new ConfidenceInterval(0.5, 0.6, 0.4, 0.95, 10, 0));
    assertEquals("ciLow (0.6) must be <= ciHigh (0.4)", order.getMessage());
    ConfidenceInterval ci = new ConfidenceInterval(0.5, 0.4, 0.6, 0.95, 10, 0);
    IllegalArgumentException p =
        assertThrows(
            IllegalArgumentException.class, () -> new PairedComparison(ci, 0, 10, false, 3));
    assertEquals("pValue must be in (0, 1], found 0.0", p.getMessage());
  }
}
