package org.consistency4j.lm;

import java.util.List;
import org.consistency4j.internal.Check;

/**
 * One generated completion.
 *
 * @param text the new text only (the prompt is not repeated), with any stop string removed
 * @param tokenIds the new token ids, or an empty list when the model does not expose ids
 * @param finishReason why generation stopped
 */
public record Generation(String text, List<Integer> tokenIds, FinishReason finishReason) {
  /** Validates and copies. */
  public Generation {
    Check.notNull(text, "text");
    tokenIds = List.copyOf(Check.notNull(tokenIds, "tokenIds"));
    Check.notNull(finishReason, "finishReason");
  }

  /** Why generation stopped. */
  public enum FinishReason {
    /** The model produced its end-of-sequence token. */
    EOS,
    /** A configured stop string appeared. */
    STOP_STRING,
    /** The maximum number of new tokens was reached. */
    LENGTH
  }
}
