package org.consistency4j.harness;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.consistency4j.internal.Check;
import org.consistency4j.metrics.Bootstrap;
import org.consistency4j.metrics.PairedComparison;
import org.consistency4j.report.Comparison;
import org.consistency4j.report.Estimate;
import org.consistency4j.report.GroupScore;
import org.consistency4j.report.MetricNames;
import org.consistency4j.report.ModelResult;
import org.consistency4j.report.TaskResult;

/**
 * Paired comparisons of two models from their per-group values: for every task (and overall) and
 * every group-level metric both have, the difference {@code B - A} of the means over the groups both
 * were evaluated on, with a paired bootstrap interval and a sign-flip permutation p-value ({@link
 * Bootstrap#compareMeans}). Groups are matched by task and group id, so two evaluations run at
 * different times (and stored in two reports) compare correctly. Stateless.
 */
public final class Comparisons {
  /** The group-level metrics that are compared, in report order. */
  public static final List<String> METRICS =
      List.of(
          MetricNames.CONSISTENCY_RATE,
          MetricNames.MAJORITY_AGREEMENT,
          MetricNames.ROUGE_1,
          MetricNames.ROUGE_L,
          MetricNames.ACCURACY);

  private Comparisons() {}

  /**
   * Compares {@code b} against {@code a} (differences are {@code B - A}).
   *
   * @return one comparison per task (in {@code a}'s order, then overall) and metric with at least
   *     one common group; empty when the models share no group
   */
  public static List<Comparison> paired(ModelResult a, ModelResult b, Bootstrap bootstrap) {
    Check.notNull(a, "a");
    Check.notNull(b, "b");
    Check.notNull(bootstrap, "bootstrap");
    Map<String, GroupScore> byKeyB = new LinkedHashMap<>();
    for (GroupScore g : b.groups()) {
      byKeyB.put(key(g), g);
    }
    Set<String> tasks = new LinkedHashSet<>();
    a.groups().forEach(g -> tasks.add(g.task()));
    List<String> order = new ArrayList<>(tasks);
    order.add(TaskResult.OVERALL);
    List<Comparison> out = new ArrayList<>();
    for (String task : order) {
      for (String metric : METRICS) {
        List<Double> va = new ArrayList<>();
        List<Double> vb = new ArrayList<>();
        for (GroupScore ga : a.groups()) {
          if (!TaskResult.OVERALL.equals(task) && !ga.task().equals(task)) {
            continue;
          }
          GroupScore gb = byKeyB.get(key(ga));
          if (gb == null || !ga.values().containsKey(metric) || !gb.values().containsKey(metric)) {
            continue;
          }
          va.add(ga.values().get(metric));
          vb.add(gb.values().get(metric));
        }
        if (va.isEmpty()) {
          continue;
        }
        double[] xa = va.stream().mapToDouble(Double::doubleValue).toArray();
        double[] xb = vb.stream().mapToDouble(Double::doubleValue).toArray();
        PairedComparison pc = bootstrap.compareMeans(xb, xa);
        out.add(
            new Comparison(
                task,
                metric,
                a.model(),
                b.model(),
                xa.length,
                mean(xa),
                mean(xb),
                new Estimate(
                    pc.difference().estimate(), pc.difference().ciLow(), pc.difference().ciHigh()),
                pc.pValue()));
      }
    }
    return out;
  }

  private static String key(GroupScore g) {
    return g.task() + "\u0000" + g.group();
  }

  private static double mean(double[] x) {
    double s = 0;
    for (double v : x) {
      s += v;
    }
    return s / x.length;
  }
}
