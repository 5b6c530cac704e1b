package org.consistency4j.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.consistency4j.internal.Check;

/**
 * The consistency rate of a set of instruction groups (method section 1).
 *
 * <ul>
 *   <li>{@link #macro()}: the paper's CR, the mean over scored groups of each group's mean pair
 *       similarity;
 *   <li>{@link #pooled()}: every pair of every scored group pooled (as NVIDIA's SCORE computes it),
 *       so larger groups weigh more.
 * </ul>
 *
 * Groups with fewer than two responses have no pair; they are listed in {@link #excludedIds()},
 * never silently dropped.
 *
 * @param similarity the {@link ResponseSimilarity#name() name} of the similarity used
 * @param groups the scored groups, in input order, not empty
 * @param excludedIds the identifiers of the excluded groups, in input order
 */
public record ConsistencyResult(
    String similarity, List<GroupConsistency> groups, List<String> excludedIds) {
  /** Validates and copies. */
  public ConsistencyResult {
    Check.notNull(similarity, "similarity");
    groups = List.copyOf(Check.notEmpty(groups, "groups"));
    excludedIds = List.copyOf(Check.notNull(excludedIds, "excludedIds"));
    Set<String> seen = new HashSet<>();
    for (GroupConsistency g : groups) {
      Check.argument(seen.add(g.id()), "group id \"" + g.id() + "\" appears more than once");
    }
    for (String id : excludedIds) {
      Check.argument(seen.add(id), "group id \"" + id + "\" appears more than once");
    }
  }

  /** The macro consistency rate: the mean of the groups' rates, in [0, 1]. */
  public double macro() {
    double sum = 0;
    for (GroupConsistency g : groups) {
      sum += g.rate();
    }
    return sum / groups.size();
  }

  /** The pooled consistency rate: all pair similarities summed over all pairs, in [0, 1]. */
  public double pooled() {
    double sum = 0;
    long pairs = 0;
    for (GroupConsistency g : groups) {
      sum += g.similaritySum();
      pairs += g.pairs();
    }
    return sum / pairs;
  }

  /** The number of pairs over all scored groups. */
  public long pairs() {
    long pairs = 0;
    for (GroupConsistency g : groups) {
      pairs += g.pairs();
    }
    return pairs;
  }

  /** The number of groups excluded for having fewer than two responses. */
  public int excluded() {
    return excludedIds.size();
  }

  /** The rate of each scored group, in the order of {@link #groups()}. */
  public double[] rates() {
    double[] rates = new double[groups.size()];
    for (int i = 0; i < rates.length; i++) {
      rates[i] = groups.get(i).rate();
    }
    return rates;
  }

  /** A bootstrap confidence interval of {@link #macro()}, resampling groups. */
  public ConfidenceInterval macroInterval(Bootstrap bootstrap) {
    return Check.notNull(bootstrap, "bootstrap").mean(rates());
  }

  /** A bootstrap confidence interval of {@link #pooled()}, resampling groups with their pairs. */
  public ConfidenceInterval pooledInterval(Bootstrap bootstrap) {
    Check.notNull(bootstrap, "bootstrap");
    double[] sums = new double[groups.size()];
    double[] pairs = new double[groups.size()];
    for (int i = 0; i < sums.length; i++) {
      sums[i] = groups.get(i).similaritySum();
      pairs[i] = groups.get(i).pairs();
    }
    return bootstrap.ratioOfSums(sums, pairs);
  }

  /**
   * Compares this system's macro CR with {@code baseline}'s on the same groups: the difference
   * this - baseline with a paired bootstrap interval and a sign-flip permutation p-value.
   *
   * @throws IllegalArgumentException if the two results did not score the same group ids
   */
  public PairedComparison compareMacro(ConsistencyResult baseline, Bootstrap bootstrap) {
    Check.notNull(bootstrap, "bootstrap");
    List<GroupConsistency> other = aligned(Check.notNull(baseline, "baseline"));
    double[] a = rates();
    double[] b = new double[a.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = other.get(i).rate();
    }
    return bootstrap.compareMeans(a, b);
  }

  /**
   * Compares this system's pooled CR with {@code baseline}'s on the same groups: the difference
   * this - baseline with a paired bootstrap interval and a permutation p-value.
   *
   * @throws IllegalArgumentException if the two results did not score the same group ids
   */
  public PairedComparison comparePooled(ConsistencyResult baseline, Bootstrap bootstrap) {
    Check.notNull(bootstrap, "bootstrap");
    List<GroupConsistency> other = aligned(Check.notNull(baseline, "baseline"));
    int n = groups.size();
    double[] sa = new double[n];
    double[] pa = new double[n];
    double[] sb = new double[n];
    double[] pb = new double[n];
    for (int i = 0; i < n; i++) {
      sa[i] = groups.get(i).similaritySum();
      pa[i] = groups.get(i).pairs();
      sb[i] = other.get(i).similaritySum();
      pb[i] = other.get(i).pairs();
    }
    return bootstrap.compareRatios(sa, pa, sb, pb);
  }

  /** The baseline's groups in this result's order; the scored id sets must be equal. */
  private List<GroupConsistency> aligned(ConsistencyResult baseline) {
    Map<String, GroupConsistency> byId = new HashMap<>();
    for (GroupConsistency g : baseline.groups()) {
      byId.put(g.id(), g);
    }
    List<String> onlyHere = new ArrayList<>();
    List<GroupConsistency> out = new ArrayList<>(groups.size());
    for (GroupConsistency g : groups) {
      GroupConsistency match = byId.remove(g.id());
      if (match == null) {
        onlyHere.add(g.id());
      }
      out.add(match);
    }
    if (!onlyHere.isEmpty() || !byId.isEmpty()) {
      List<String> onlyThere = new ArrayList<>();
      for (GroupConsistency g : baseline.groups()) {
        if (byId.containsKey(g.id())) {
          onlyThere.add(g.id());
        }
      }
      throw new IllegalArgumentException(
          "the results scored different groups: only in this result "
              + abbreviate(onlyHere)
              + ", only in the baseline "
              + abbreviate(onlyThere));
    }
    return out;
  }

  private static String abbreviate(List<String> ids) {
    return ids.size() <= 5
        ? ids.toString()
        : ids.subList(0, 5).toString().replace("]", ", ... (" + ids.size() + " in all)]");
  }
}
