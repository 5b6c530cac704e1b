package org.consistency4j.lm;

import org.consistency4j.internal.Check;

/**
 * A request to score {@code continuation} as the text that follows {@code prompt}.
 *
 * @param prompt the conditioning text
 * @param continuation the text whose tokens are scored, not empty
 */
public record Continuation(String prompt, String continuation) {
  /** Validates. */
  public Continuation {
    Check.notNull(prompt, "prompt");
    Check.notNull(continuation, "continuation");
    Check.argument(!continuation.isEmpty(), "continuation must not be empty");
  }
}
