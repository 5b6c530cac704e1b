package org.consistency4j;

/**
 * Root of every unchecked exception that consistency4j throws for failures other than bad arguments
 * (bad arguments throw {@link IllegalArgumentException}). Subtypes name the activity that failed.
 */
public class ConsistencyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message that says what was being done and what went wrong. */
  public ConsistencyException(String message) {
    super(message);
  }

  /** Creates an exception that wraps {@code cause}, keeping it. */
  public ConsistencyException(String message, Throwable cause) {
    super(message, cause);
  }
}
