package org.consistency4j.report;

import static org.consistency4j.report.ReportText.fmt;
import static org.consistency4j.report.ReportText.fmtOrDash;
import static org.consistency4j.report.ReportText.fmtP;
import static org.consistency4j.report.ReportText.metricsIn;
import static org.consistency4j.report.ReportText.tasksIn;
import static org.consistency4j.report.ReportText.withSignedInterval;

import java.util.List;
import java.util.Map;
import org.consistency4j.internal.Check;

/**
 * The Markdown form of an {@link EvaluationReport} ({@code report.md}): configuration, an overall
 * table per model, one table per headline metric (tasks by models), per-verbalization means and the
 * paired comparisons.
 */
final class ReportMarkdown {
  private ReportMarkdown() {}

  /** The Markdown report as text. */
  static String toMarkdown(EvaluationReport report) {
    Check.notNull(report, "report");
    StringBuilder md = new StringBuilder();
    md.append("# ").append(mdText(report.title())).append("\n\n");
    md.append("consistency4j ")
        .append(mdText(report.libraryVersion()))
        .append(", seed ")
        .append(report.seed())
        .append(". Intervals are 95% bootstrap intervals over groups.\n\n");
    md.append("## Configuration\n\n| setting | value |\n| --- | --- |\n");
    report.config().forEach((k, v) -> md.append("| ").append(mdText(k)).append(" | ").append(mdText(v)).append(" |\n"));
    md.append("\n## Overall\n\n");
    List<String> metrics = metricsIn(report);
    md.append("| model | groups | responses |");
    metrics.forEach(m -> md.append(' ').append(MetricNames.label(m)).append(" |"));
    md.append("\n| --- | ---: | ---: |");
    metrics.forEach(m -> md.append(" ---: |"));
    md.append('\n');
    for (ModelResult m : report.models()) {
      TaskResult o = m.overall();
      md.append("| ").append(mdText(m.model())).append(" | ").append(o.groups()).append(" | ").append(o.responses()).append(" |");
      metrics.forEach(k -> md.append(' ').append(o.metric(k).map(ReportText::withInterval).orElse("-")).append(" |"));
      md.append('\n');
    }
    for (String metric : metrics) {
      md.append("\n## ").append(MetricNames.label(metric)).append(" per task\n\n| task |");
      report.models().forEach(m -> md.append(' ').append(mdText(m.model())).append(" |"));
      md.append("\n| --- |");
      report.models().forEach(m -> md.append(" ---: |"));
      md.append('\n');
      for (String task : tasksIn(report)) {
        md.append("| ").append(mdText(task)).append(" |");
        for (ModelResult m : report.models()) {
          md.append(' ')
              .append(m.task(task).flatMap(t -> t.metric(metric)).map(ReportText::withInterval).orElse("-"))
              .append(" |");
        }
        md.append('\n');
      }
    }
    md.append("\n## Per verbalization (mean over the task's instances)\n\n");
    md.append("| model | task | variant | ROUGE-L | Accuracy |\n| --- | --- | ---: | ---: | ---: |\n");
    for (ModelResult m : report.models()) {
      for (TaskResult t : m.tasks()) {
        for (int i = 0; i < t.variants().size(); i++) {
          Map<String, Double> v = t.variants().get(i);
          md.append("| ").append(mdText(m.model())).append(" | ").append(mdText(t.task())).append(" | ").append(i)
              .append(" | ").append(fmtOrDash(v.get(MetricNames.ROUGE_L)))
              .append(" | ").append(fmtOrDash(v.get(MetricNames.ACCURACY))).append(" |\n");
        }
      }
    }
    if (!report.comparisons().isEmpty()) {
      md.append("\n## Paired comparisons (B - A on the same groups)\n\n");
      md.append("| task | metric | A | B | groups | mean A | mean B | B - A [95% CI] | p |\n");
      md.append("| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |\n");
      for (Comparison c : report.comparisons()) {
        md.append("| ").append(mdText(c.task())).append(" | ").append(MetricNames.label(c.metric()))
            .append(" | ").append(mdText(c.modelA())).append(" | ").append(mdText(c.modelB()))
            .append(" | ").append(c.groups()).append(" | ").append(fmt(c.meanA())).append(" | ").append(fmt(c.meanB()))
            .append(" | ").append(withSignedInterval(c.difference())).append(" | ").append(fmtP(c.pValue())).append(" |\n");
      }
    }
    return md.toString();
  }

  private static String mdText(String s) {
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ");
  }
}
