package org.consistency4j.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import org.junit.jupiter.api.Test;

class StableMathTest {

  @Test
  void softplus_neither_overflows_nor_underflows_at_extremes() {
    assertEquals(1000, StableMath.softplus(1000), 0);
    assertEquals(Math.exp(-700), StableMath.softplus(-700), 1e-310);
    assertEquals(Math.log(2), StableMath.softplus(0), 0);
    assertEquals(-1000, StableMath.logSigmoid(-1000), 0);
  }

  @Test
  void sigmoid_is_exact_in_both_tails() {
    assertEquals(0, StableMath.sigmoid(-1000), 0);
    assertEquals(1, StableMath.sigmoid(1000), 0);
    assertEquals(Math.exp(-30) / (1 + Math.exp(-30)), StableMath.sigmoid(-30), 1e-28);
    assertEquals(0.5, StableMath.sigmoid(0), 0);
  }

  @Test
  void log1mExp_keeps_precision_near_zero_and_far_from_it() {
    assertEquals(Math.log(1e-20), StableMath.log1mExp(-1e-20), 1e-12);
    assertEquals(-Math.exp(-50), StableMath.log1mExp(-50), 1e-35);
    assertEquals(Double.NEGATIVE_INFINITY, StableMath.log1mExp(0), 0);
  }

  @Test
  void log1mExp_rejects_positive_arguments_naming_the_value() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> StableMath.log1mExp(0.5));
    assertEquals("a must be <= 0, found 0.5", e.getMessage());
  }

  @Property(tries = 200)
  void softplus_minus_softplus_of_the_negation_is_the_identity(
      @ForAll @DoubleRange(min = -700, max = 700) double x) {
    assertEquals(x, StableMath.softplus(x) - StableMath.softplus(-x), 1e-12 * Math.max(1, Math.abs(x)));
    assertEquals(1, StableMath.sigmoid(x) + StableMath.sigmoid(-x), 1e-15);
  }

  @Property(tries = 200)
  void log1mExp_agrees_with_the_naive_formula_where_that_is_accurate(
      @ForAll @DoubleRange(min = -30, max = -0.01) double a) {
    assertEquals(Math.log(1 - Math.exp(a)), StableMath.log1mExp(a), 1e-12);
  }
}
