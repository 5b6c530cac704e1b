package org.consistency4j.metrics;

import java.util.List;
import org.consistency4j.internal.Check;

/**
 * How similar two responses are, as a value in [0, 1] (1 = same answer). This is the {@code sim}
 * of the consistency rate (method section 1); {@link Similarities} gives the standard
 * implementations and maps the names used by the CLI and reports to objects. Embedding and LLM-judge
 * similarities implement the same interface.
 *
 * <p>Contract: {@link #similarity} returns a finite value in [0, 1] and should return 1 when both
 * responses are identical. Callers ({@link ConsistencyRate}, {@link MajorityAgreement}) check the
 * range and fail with a {@link org.consistency4j.ConsistencyException} naming the similarity when it
 * is broken. Implementations document their thread safety; the standard ones are immutable and
 * thread-safe.
 */
@FunctionalInterface
public interface ResponseSimilarity {

  /**
   * The similarity of two responses.
   *
   * @param a the first response, not null
   * @param b the second response, not null
   * @return a value in [0, 1]
   */
  double similarity(String a, String b);

  /**
   * A stable name for reports and the CLI (for example {@code "exact"} or {@code "rougeL>=0.5"}). The
   * standard implementations return the name that {@link Similarities#byName} parses; the default,
   * meant for ad-hoc lambdas, is {@code "custom"} (give one a name with {@link Similarities#named}).
   */
  default String name() {
    return "custom";
  }

  /**
   * The similarities of every unordered pair of {@code responses}, with {@code a} the earlier
   * response: the pairs (0,1), (0,2), ..., (0,n-1), (1,2), ..., (n-2,n-1) in that order, so the
   * result has n(n-1)/2 entries. Implementations override this to preprocess each response once (the
   * standard ones tokenize or normalize each response once instead of n-1 times); the values must
   * equal those of {@link #similarity}.
   *
   * @param responses the responses, not null, no null element
   */
  default double[] pairwise(List<String> responses) {
    Check.notNull(responses, "responses");
    int n = responses.size();
    double[] out = new double[pairCount(n)];
    int k = 0;
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        out[k++] = similarity(responses.get(i), responses.get(j));
      }
    }
    return out;
  }

  /**
   * The number of unordered pairs among {@code n} items, n(n-1)/2.
   *
   * @throws IllegalArgumentException if n is negative or the count exceeds {@code Integer.MAX_VALUE}
   */
  static int pairCount(int n) {
    Check.nonNegative(n, "n");
    long pairs = (long) n * (n - 1) / 2;
    Check.argument(
        pairs <= Integer.MAX_VALUE, "n must be <= 65536 (pair count fits an int), found " + n);
    return (int) pairs;
  }
}
