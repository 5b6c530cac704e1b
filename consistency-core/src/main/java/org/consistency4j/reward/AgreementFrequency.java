package org.consistency4j.reward;

import java.util.List;
import org.consistency4j.ConsistencyException;
import org.consistency4j.internal.Check;
import org.consistency4j.metrics.ResponseSimilarity;

/**
 * Agreement frequency, the self-reward that needs no judge prompt (self-consistency): for each
 * response, the mean similarity to every other response of its group. With a binary similarity (1 =
 * same answer) it is the share of the group's other responses that give the same answer. Stateless.
 */
public final class AgreementFrequency {
  private AgreementFrequency() {}

  /**
   * The agreement frequency of each response.
   *
   * @param responses the group's responses, at least two
   * @param similarity the similarity, called once per unordered pair through {@link
   *     ResponseSimilarity#pairwise(List)}
   * @return one value in [0, 1] per response, in order
   * @throws ConsistencyException if the similarity returns a value outside [0, 1] or the wrong number
   *     of values
   */
  public static double[] of(List<String> responses, ResponseSimilarity similarity) {
    Check.notNull(responses, "responses");
    Check.notNull(similarity, "similarity");
    int n = responses.size();
    Check.argument(n >= 2, "responses must hold at least 2 responses, found " + n);
    double[] pairs = similarity.pairwise(responses);
    int expected = ResponseSimilarity.pairCount(n);
    if (pairs == null || pairs.length != expected) {
      throw new ConsistencyException(
          "similarity "
              + similarity.name()
              + " returned "
              + (pairs == null ? "no" : pairs.length)
              + " values for "
              + expected
              + " pairs");
    }
    double[] sums = new double[n];
    int k = 0;
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        double s = pairs[k++];
        if (!(s >= 0 && s <= 1)) {
          throw new ConsistencyException(
              "similarity "
                  + similarity.name()
                  + " returned "
                  + s
                  + " for responses "
                  + i
                  + " and "
                  + j
                  + " (must be in [0, 1])");
        }
        sums[i] += s;
        sums[j] += s;
      }
    }
    for (int i = 0; i < n; i++) {
      sums[i] /= n - 1;
    }
    return sums;
  }
}
