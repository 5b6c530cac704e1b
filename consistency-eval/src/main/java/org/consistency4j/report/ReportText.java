package org.consistency4j.report;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** What the Markdown and HTML reports share: which metrics and tasks to show, and number formats. */
final class ReportText {
  private ReportText() {}

  static List<String> metricsIn(EvaluationReport report) {
    Set<String> present = new LinkedHashSet<>();
    for (ModelResult m : report.models()) {
      present.addAll(m.overall().metrics().keySet());
      m.tasks().forEach(t -> present.addAll(t.metrics().keySet()));
    }
    List<String> ordered = new ArrayList<>();
    for (String k : MetricNames.ALL) {
      if (present.remove(k)) {
        ordered.add(k);
      }
    }
    ordered.addAll(present);
    return ordered;
  }

  static List<String> tasksIn(EvaluationReport report) {
    Set<String> tasks = new LinkedHashSet<>();
    report.models().forEach(m -> m.tasks().forEach(t -> tasks.add(t.task())));
    tasks.add(TaskResult.OVERALL);
    return new ArrayList<>(tasks);
  }

  static String fmt(double v) {
    return String.format(Locale.ROOT, "%.3f", v);
  }

  static String fmtOrDash(Double v) {
    return v == null ? "-" : fmt(v);
  }

  static String fmtP(double p) {
    return p < 0.001 ? "<0.001" : String.format(Locale.ROOT, "%.3f", p);
  }

  static String withInterval(Estimate e) {
    return fmt(e.value()) + " [" + fmt(e.ciLow()) + ", " + fmt(e.ciHigh()) + "]";
  }

  static String withSignedInterval(Estimate e) {
    return String.format(Locale.ROOT, "%+.3f [%+.3f, %+.3f]", e.value(), e.ciLow(), e.ciHigh());
  }
}
