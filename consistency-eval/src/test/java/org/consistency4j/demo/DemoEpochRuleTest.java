package org.consistency4j.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.consistency4j.demo.Demo.Validation;
import org.junit.jupiter.api.Test;

/** Which CAT epoch the demo keeps from the validation scores ({@link Demo#keptEpoch}). */
class DemoEpochRuleTest {
  private static final Validation SFT_IA = new Validation(0.70, 0.60);

  @Test
  void keeping_accuracy_takes_the_most_consistent_epoch_that_is_at_least_as_accurate_as_sft_ia() {
    List<Validation> history = List.of(SFT_IA, new Validation(0.75, 0.60),
        new Validation(0.90, 0.55), new Validation(0.80, 0.62));
    assertEquals(3, Demo.keptEpoch(history, true));
    // The sum rule prefers epoch 2 (0.90 + 0.55), which lost accuracy.
    assertEquals(2, Demo.keptEpoch(history, false));
  }

  @Test
  void when_every_epoch_loses_accuracy_the_least_inaccurate_is_kept() {
    List<Validation> history = List.of(SFT_IA, new Validation(0.90, 0.50),
        new Validation(0.85, 0.58), new Validation(0.99, 0.45));
    assertEquals(2, Demo.keptEpoch(history, true));
    assertEquals(3, Demo.keptEpoch(history, false));
  }

  @Test
  void ties_keep_the_earlier_epoch() {
    List<Validation> history = List.of(SFT_IA, new Validation(0.80, 0.60),
        new Validation(0.80, 0.60));
    assertEquals(1, Demo.keptEpoch(history, true));
    assertEquals(1, Demo.keptEpoch(history, false));
  }

  @Test
  void a_history_without_a_cat_epoch_is_refused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Demo.keptEpoch(List.of(SFT_IA), true));
    assertEquals("history needs sft_ia and at least one CAT epoch, found 1 entries", e.getMessage());
  }
}
