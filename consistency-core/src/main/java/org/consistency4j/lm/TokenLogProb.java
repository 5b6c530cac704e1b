package org.consistency4j.lm;

import org.consistency4j.internal.Check;

/**
 * A token and its log-probability.
 *
 * @param tokenId the token id, or -1 when the model does not expose ids
 * @param text the token's text
 * @param logProb natural-log probability, {@code <= 0}
 */
public record TokenLogProb(int tokenId, String text, double logProb) {
  /** Validates. */
  public TokenLogProb {
    Check.notNull(text, "text");
    Check.argument(tokenId >= -1, "tokenId must be >= -1, found " + tokenId);
    Check.argument(!(logProb > 0) && !Double.isNaN(logProb), "logProb must be <= 0, found " + logProb);
  }
}
