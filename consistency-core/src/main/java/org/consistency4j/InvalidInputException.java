package org.consistency4j;

import java.util.Optional;

/**
 * A data file (JSONL, JSON config, task file) broke a rule. The message has the form
 * {@code file:line: what is wrong}, so that a person can go straight to the bad line.
 */
public class InvalidInputException extends ConsistencyException {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final long line;

  /**
   * @param source the file (or other source name) that holds the bad input
   * @param line the 1-based line number, or 0 when the problem is not tied to a line
   * @param problem what is wrong: the field, the rule and the bad value
   */
  public InvalidInputException(String source, long line, String problem) {
    super(format(source, line, problem));
    this.source = source;
    this.line = line;
  }

  /** Same as {@link #InvalidInputException(String, long, String)}, keeping {@code cause}. */
  public InvalidInputException(String source, long line, String problem, Throwable cause) {
    super(format(source, line, problem), cause);
    this.source = source;
    this.line = line;
  }

  private static String format(String source, long line, String problem) {
    return line > 0 ? source + ":" + line + ": " + problem : source + ": " + problem;
  }

  /** The file or source name. */
  public String source() {
    return source;
  }

  /** The 1-based line number, if the problem is tied to one line. */
  public Optional<Long> line() {
    return line > 0 ? Optional.of(line) : Optional.empty();
  }
}
