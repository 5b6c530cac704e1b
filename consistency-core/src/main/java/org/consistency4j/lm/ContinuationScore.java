package org.consistency4j.lm;

import java.util.List;
import org.consistency4j.internal.Check;

/**
 * Log-probabilities (natural log) of the tokens of a continuation.
 *
 * @param tokenLogProbs {@code log p(y_t | prompt, y_<t)} for every continuation token, in order
 */
public record ContinuationScore(List<Double> tokenLogProbs) {
  /** Validates and copies. */
  public ContinuationScore {
    tokenLogProbs = List.copyOf(Check.notNull(tokenLogProbs, "tokenLogProbs"));
  }

  /** The sum of the token log-probabilities: the log-probability of the whole continuation. */
  public double sum() {
    double s = 0;
    for (double v : tokenLogProbs) {
      s += v;
    }
    return s;
  }

  /** The mean token log-probability (length-normalized), or 0 for an empty continuation. */
  public double mean() {
    return tokenLogProbs.isEmpty() ? 0 : sum() / tokenLogProbs.size();
  }

  /** The number of scored tokens. */
  public int tokenCount() {
    return tokenLogProbs.size();
  }
}
