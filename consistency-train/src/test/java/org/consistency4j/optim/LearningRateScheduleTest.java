package org.consistency4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {
  @Test
  void linear_schedule_warms_up_then_decays_to_zero_like_hugging_face() {
    LearningRateSchedule s = LearningRateSchedule.linear(1.0, 4, 12);
    assertEquals(0.0, s.at(1), 1e-15);
    assertEquals(0.5, s.at(3), 1e-15);
    assertEquals(1.0, s.at(5), 1e-15);
    assertEquals(0.5, s.at(9), 1e-15);
    assertEquals(0.125, s.at(12), 1e-15);
    assertEquals(0.0, s.at(13), 1e-15);
    assertEquals(0.0, s.at(100), 1e-15);
  }

  @Test
  void cosine_schedule_reaches_the_floor_at_the_last_step() {
    LearningRateSchedule s = LearningRateSchedule.cosine(2.0, 0, 10, 0.1);
    assertEquals(2.0, s.at(1), 1e-15);
    assertEquals(0.2 + 1.8 * 0.5, s.at(6), 1e-12);
    assertEquals(0.2, s.at(11), 1e-12);
    assertEquals(0.2, s.at(50), 1e-12);
  }

  @Test
  void constant_schedule_is_constant() {
    assertEquals(3e-4, LearningRateSchedule.constant(3e-4).at(1000), 0);
  }

  @Test
  void invalid_schedules_are_rejected_with_the_parameter_name() {
    assertEquals(
        "peak must be > 0, found 0.0",
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.linear(0, 1, 2))
            .getMessage());
    assertEquals(
        "warmupSteps must be >= 0, found -1",
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.linear(1, -1, 2))
            .getMessage());
    assertEquals(
        "totalSteps must be > 0, found 0",
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.cosine(1, 0, 0, 0))
            .getMessage());
    assertEquals(
        "totalSteps (2) must be >= warmupSteps (3)",
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.linear(1, 3, 2))
            .getMessage());
    assertEquals(
        "minRatio must be in [0.0, 1.0], found 2.0",
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.cosine(1, 0, 5, 2))
            .getMessage());
    assertEquals(
        "lr must be > 0, found -1.0",
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.constant(-1))
            .getMessage());
  }
}
