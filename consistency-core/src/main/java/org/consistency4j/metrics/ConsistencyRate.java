package org.consistency4j.metrics;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.consistency4j.ConsistencyException;
import org.consistency4j.internal.Check;

/**
 * The consistency rate (CR) of a model over instruction groups (method section 1):
 *
 * <pre>CR = 1/|Q| * sum_k [ sum_{i&lt;j} sim(y_i, y_j) / C(|Y_k|, 2) ]</pre>
 *
 * with the macro (per-group mean, the paper's) and pooled (all pairs) variants in {@link
 * ConsistencyResult}. Groups with fewer than two responses are excluded and listed.
 *
 * <pre>{@code
 * ConsistencyResult cr = ConsistencyRate.of(Similarities.exactMatch())
 *     .compute(List.of(ResponseGroup.of("g1", List.of("Paris", "paris.", "Lyon"))));
 * cr.macro(); // 1/3
 * }</pre>
 *
 * <p>Immutable; thread-safe when its similarity is (the standard ones are).
 */
public final class ConsistencyRate {
  private final ResponseSimilarity similarity;

  private ConsistencyRate(ResponseSimilarity similarity) {
    this.similarity = Check.notNull(similarity, "similarity");
  }

  /** A consistency rate that compares responses with {@code similarity}. */
  public static ConsistencyRate of(ResponseSimilarity similarity) {
    return new ConsistencyRate(similarity);
  }

  /** The similarity used. */
  public ResponseSimilarity similarity() {
    return similarity;
  }

  /**
   * The consistency of every group.
   *
   * @param groups the groups, not empty, with distinct ids
   * @throws IllegalArgumentException if {@code groups} is empty, has duplicate ids or no group has
   *     two responses
   * @throws ConsistencyException if the similarity returns a value outside [0, 1]
   */
  public ConsistencyResult compute(List<ResponseGroup> groups) {
    List<String> excluded = new ArrayList<>();
    List<GroupConsistency> scored = scoreGroups(groups, this::score, excluded);
    return new ConsistencyResult(similarity.name(), scored, excluded);
  }

  /**
   * Checks {@code groups} and scores every group with at least two responses; the ids of the others
   * are added to {@code excluded}.
   *
   * @throws IllegalArgumentException if {@code groups} is empty, has duplicate ids or no group has
   *     two responses
   */
  static <T> List<T> scoreGroups(
      List<ResponseGroup> groups, Function<ResponseGroup, T> score, List<String> excluded) {
    checkGroups(groups);
    List<T> scored = new ArrayList<>();
    for (ResponseGroup g : groups) {
      if (g.responses().size() < 2) {
        excluded.add(g.id());
      } else {
        scored.add(score.apply(g));
      }
    }
    if (scored.isEmpty()) {
      throw new IllegalArgumentException(
          "no group has at least 2 responses (" + excluded.size() + " groups excluded)");
    }
    return scored;
  }

  /**
   * The consistency of one group.
   *
   * @throws IllegalArgumentException if the group has fewer than two responses
   */
  public GroupConsistency score(ResponseGroup group) {
    double[] sims = checkedPairwise(similarity, group);
    double sum = 0;
    for (double s : sims) {
      sum += s;
    }
    return new GroupConsistency(group.id(), group.responses().size(), sum);
  }

  /**
   * The mean pairwise similarity of {@code responses} (one group's CR), without a group.
   *
   * @param responses at least two responses
   */
  public static double rate(List<String> responses, ResponseSimilarity similarity) {
    return of(similarity).score(ResponseGroup.of("responses", responses)).rate();
  }

  /**
   * Pair similarities of a group of at least two responses, checked to be in [0, 1].
   *
   * @throws IllegalArgumentException if the group is null or has fewer than two responses
   */
  static double[] checkedPairwise(ResponseSimilarity similarity, ResponseGroup group) {
    Check.notNull(group, "group");
    int n = group.responses().size();
    Check.argument(
        n >= 2, "group \"" + group.id() + "\" must have >= 2 responses, found " + n);
    return pairwise(similarity, group);
  }

  /** Pair similarities of a group, checked to be in [0, 1]. */
  private static double[] pairwise(ResponseSimilarity similarity, ResponseGroup group) {
    List<String> responses = group.responses();
    double[] sims = similarity.pairwise(responses);
    int n = responses.size();
    if (sims == null || sims.length != ResponseSimilarity.pairCount(n)) {
      throw new ConsistencyException(
          "similarity \""
              + similarity.name()
              + "\" returned "
              + (sims == null ? "null" : sims.length + " values")
              + " for the "
              + ResponseSimilarity.pairCount(n)
              + " pairs of group \""
              + group.id()
              + "\"");
    }
    int k = 0;
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++, k++) {
        if (!(sims[k] >= 0 && sims[k] <= 1)) {
          throw new ConsistencyException(
              "similarity \""
                  + similarity.name()
                  + "\" returned "
                  + sims[k]
                  + " for responses "
                  + i
                  + " and "
                  + j
                  + " of group \""
                  + group.id()
                  + "\"; values must be in [0, 1]");
        }
      }
    }
    return sims;
  }

  private static void checkGroups(List<ResponseGroup> groups) {
    Check.notEmpty(groups, "groups");
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < groups.size(); i++) {
      ResponseGroup g = Check.notNull(groups.get(i), "groups[" + i + "]");
      Check.argument(
          ids.add(g.id()), "group id \"" + g.id() + "\" appears more than once (index " + i + ")");
    }
  }
}
