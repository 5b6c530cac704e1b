package org.consistency4j;

/** A training run failed (for example a non-finite loss); the message names the step. */
public class TrainingException extends ConsistencyException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception naming the step and what went wrong. */
  public TrainingException(String message) {
    super(message);
  }

  /** Creates an exception that wraps {@code cause}. */
  public TrainingException(String message, Throwable cause) {
    super(message, cause);
  }
}
