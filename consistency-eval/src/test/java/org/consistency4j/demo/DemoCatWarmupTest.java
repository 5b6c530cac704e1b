package org.consistency4j.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.consistency4j.optim.LearningRateSchedule;
import org.consistency4j.train.SftConfig;
import org.junit.jupiter.api.Test;

/** The per-epoch CAT training settings of {@link Demo#catEpochTraining} and {@link DemoConfig#catWarmupFraction()}. */
class DemoCatWarmupTest {
  private static final SftConfig STAGE_ONE = SftConfig.builder()
      .epochs(3)
      .batchSize(32)
      .learningRate(2e-3)
      .schedule(SftConfig.Schedule.LINEAR)
      .warmupSteps(20)
      .seed(5)
      .build();

  @Test
  void the_defaults_train_each_epoch_at_the_constant_rate_from_the_first_step() {
    DemoConfig d = DemoConfig.defaults();
    assertEquals(0.0, d.catWarmupFraction());
    SftConfig epoch = Demo.catEpochTraining(STAGE_ONE, d, 1000, 42);
    assertEquals(1, epoch.epochs());
    assertEquals(0, epoch.warmupSteps());
    assertEquals(SftConfig.Schedule.CONSTANT, epoch.schedule());
    assertEquals(42, epoch.seed());
    assertEquals(32, epoch.totalSteps(1000)); // ceil(1000 / 32)
    LearningRateSchedule lr = epoch.learningRateSchedule(epoch.totalSteps(1000));
    assertEquals(d.catLearningRate(), lr.at(1));
    assertEquals(d.catLearningRate(), lr.at(32));
  }

  @Test
  void a_warmup_fraction_rises_linearly_over_that_share_of_the_epochs_steps_rounded_up() {
    DemoConfig d = DemoConfig.defaults().withCatWarmupFraction(0.15);
    SftConfig epoch = Demo.catEpochTraining(STAGE_ONE, d, 1000, 42);
    // 32 steps: 0.15 x 32 = 4.8, so 5 warm-up steps at 0, 1/5, ..., 4/5 of the rate.
    assertEquals(5, epoch.warmupSteps());
    LearningRateSchedule lr = epoch.learningRateSchedule(epoch.totalSteps(1000));
    double peak = d.catLearningRate();
    assertEquals(0.0, lr.at(1));
    assertEquals(peak * 2 / 5, lr.at(3), 1e-18);
    assertEquals(peak * 4 / 5, lr.at(5), 1e-18);
    assertEquals(peak, lr.at(6));
    assertEquals(peak, lr.at(32));
    // Fewer pairs, fewer steps: 100 pairs are 4 steps, 0.15 x 4 = 0.6, one warm-up step.
    assertEquals(1, Demo.catEpochTraining(STAGE_ONE, d, 100, 42).warmupSteps());
    assertEquals(0.15, d.toMap().get("cat_warmup_fraction"));
  }

  @Test
  void a_warmup_fraction_outside_zero_to_one_is_refused_naming_the_field_and_the_value() {
    for (double bad : new double[] {-0.1, 1.0, Double.NaN}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> DemoConfig.defaults().withCatWarmupFraction(bad));
      assertTrue(e.getMessage().contains("catWarmupFraction")
          && e.getMessage().contains(Double.toString(bad)), e.getMessage());
    }
  }
}
