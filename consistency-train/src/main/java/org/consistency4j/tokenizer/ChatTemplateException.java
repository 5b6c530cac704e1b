package org.consistency4j.tokenizer;

import org.consistency4j.ConsistencyException;

/**
 * A chat template could not be parsed or rendered: a syntax error, a construct the engine does not
 * support, an error the template raised itself ({@code raise_exception}), a Python type error, or a
 * render limit (time, output size, loop iterations, nesting depth) that was exceeded. The message
 * names the template line and column and the construct.
 */
public final class ChatTemplateException extends ConsistencyException {
  private static final long serialVersionUID = 1L;

  private final int line;
  private final int column;

  /**
   * Creates the exception.
   *
   * @param line the 1-based template line, or 0 if not tied to a place in the template
   * @param column the 1-based column, or 0
   * @param message what went wrong (without the position, which is prepended)
   */
  public ChatTemplateException(int line, int column, String message) {
    super(line > 0 ? "chat template line " + line + ", column " + column + ": " + message : message);
    this.line = line;
    this.column = column;
  }

  /** The 1-based template line of the failing construct, or 0 if none. */
  public int line() {
    return line;
  }

  /** The 1-based column of the failing construct, or 0 if none. */
  public int column() {
    return column;
  }
}
