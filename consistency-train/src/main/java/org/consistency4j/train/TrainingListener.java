package org.consistency4j.train;

import java.nio.file.Path;

/**
 * Receives progress of a training run (for progress bars and logs). Called on the training thread; keep
 * the methods fast. All methods default to doing nothing.
 */
public interface TrainingListener {
  /** After each optimizer step. */
  default void onStep(StepMetrics metrics) {}

  /** After a validation pass. */
  default void onValidation(long step, double loss) {}

  /** After a checkpoint was written. */
  default void onCheckpoint(long step, Path file) {}

  /** A listener that ignores everything. */
  static TrainingListener none() {
    return new TrainingListener() {};
  }

  /**
   * What one step did.
   *
   * @param step 1-based step
   * @param totalSteps steps of the whole run
   * @param loss the loss of the step: mean cross-entropy over the target tokens for supervised
   *     fine-tuning, the pairwise loss (mean over pairs, before the update) for preference training
   * @param learningRate learning rate used
   * @param gradNorm gradient norm before clipping
   * @param tokensPerSecond input tokens (with padding) per second of wall time for the step
   */
  record StepMetrics(
      long step, long totalSteps, double loss, double learningRate, double gradNorm,
      double tokensPerSecond) {}
}
