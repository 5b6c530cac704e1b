package org.consistency4j.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import org.consistency4j.report.Comparison;
import org.consistency4j.report.Estimate;
import org.consistency4j.report.EvaluationReport;
import org.consistency4j.report.MetricNames;
import org.consistency4j.report.ModelResult;
import org.consistency4j.report.TaskResult;

/** Prints the headline numbers of a report as plain-text tables. */
final class Summary {
  private static final List<String> HEADLINE =
      List.of(MetricNames.CONSISTENCY_RATE, MetricNames.ROUGE_L, MetricNames.ACCURACY);

  private Summary() {}

  static void print(EvaluationReport report, PrintWriter out) {
    int width = Math.max(10, report.models().stream().mapToInt(m -> m.model().length()).max().orElse(10));
    width = Math.min(width, 48);
    StringBuilder header = new StringBuilder(pad("model", width));
    for (String m : HEADLINE) {
      header.append("  ").append(pad(MetricNames.label(m), 23));
    }
    out.println(header.toString().stripTrailing());
    for (ModelResult m : report.models()) {
      StringBuilder row = new StringBuilder(pad(cut(m.model(), width), width));
      for (String metric : HEADLINE) {
        row.append("  ").append(pad(m.overall().metric(metric).map(Summary::est).orElse("-"), 23));
      }
      out.println(row.toString().stripTrailing());
    }
    for (Comparison c : report.comparisons()) {
      if (c.task().equals(TaskResult.OVERALL) && HEADLINE.contains(c.metric())) {
        out.println(
            String.format(
                Locale.ROOT,
                "%s: %s - %s = %+.3f [%+.3f, %+.3f], p = %.4f (%d groups)",
                MetricNames.label(c.metric()),
                c.modelB(),
                c.modelA(),
                c.difference().value(),
                c.difference().ciLow(),
                c.difference().ciHigh(),
                c.pValue(),
                c.groups()));
      }
    }
  }

  /** Prints every comparison of {@code report} as a table. */
  static void printComparisons(EvaluationReport report, PrintWriter out) {
    int width = 12;
    for (Comparison c : report.comparisons()) {
      width = Math.max(width, Math.min(40, c.task().length()));
    }
    out.println(
        pad("task", width) + "  " + pad("metric", 18) + "  " + pad("groups", 6) + "  "
            + pad("mean A", 7) + "  " + pad("mean B", 7) + "  " + pad("B - A [95% CI]", 26) + "  p");
    for (Comparison c : report.comparisons()) {
      out.println(
          pad(cut(c.task(), width), width) + "  " + pad(MetricNames.label(c.metric()), 18) + "  "
              + pad(Integer.toString(c.groups()), 6) + "  "
              + pad(String.format(Locale.ROOT, "%.3f", c.meanA()), 7) + "  "
              + pad(String.format(Locale.ROOT, "%.3f", c.meanB()), 7) + "  "
              + pad(String.format(Locale.ROOT, "%+.3f [%+.3f, %+.3f]", c.difference().value(),
                  c.difference().ciLow(), c.difference().ciHigh()), 26) + "  "
              + String.format(Locale.ROOT, "%.4f", c.pValue()));
    }
    out.println("A = " + report.comparisons().get(0).modelA() + ", B = " + report.comparisons().get(0).modelB());
  }

  private static String est(Estimate e) {
    return String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", e.value(), e.ciLow(), e.ciHigh());
  }

  private static String cut(String s, int width) {
    return s.length() <= width ? s : s.substring(0, width - 1) + "~";
  }

  private static String pad(String s, int width) {
    return s.length() >= width ? s : s + " ".repeat(width - s.length());
  }
}
