package org.consistency4j;

/** A model, tokenizer, checkpoint or weight file could not be loaded; the message names the file. */
public class ModelLoadException extends ConsistencyException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception naming the file, field or tensor and the rule it broke. */
  public ModelLoadException(String message) {
    super(message);
  }

  /** Creates an exception that wraps {@code cause}. */
  public ModelLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
