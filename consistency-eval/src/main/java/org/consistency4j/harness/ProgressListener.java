package org.consistency4j.harness;

/**
 * Hears how an evaluation advances, for progress bars and logs. Called on the evaluating thread;
 * every method has an empty default. A listener that throws stops the evaluation (responses already
 * stored stay stored, so a later run resumes).
 */
public interface ProgressListener {
  /** A listener that does nothing. */
  ProgressListener NONE = new ProgressListener() {};

  /**
   * Generation for {@code model} starts.
   *
   * @param total the number of responses the model must give (variants x instances over all tasks)
   * @param alreadyStored how many of them are already stored (a resumed run)
   */
  default void generationStarted(String model, int total, int alreadyStored) {}

  /** {@code count} more responses of {@code model} were generated and stored. */
  default void responsesStored(String model, int count) {}

  /** Generation for {@code model} is complete. */
  default void generationFinished(String model) {}

  /** Metrics are being computed for {@code model}, {@code tasks} tasks. */
  default void scoringStarted(String model, int tasks) {}

  /** Metrics of one more task of {@code model} are computed. */
  default void taskScored(String model, String task) {}
}
