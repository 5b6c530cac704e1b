package org.consistency4j.report;

import static org.consistency4j.report.ReportText.fmt;
import static org.consistency4j.report.ReportText.fmtP;
import static org.consistency4j.report.ReportText.metricsIn;
import static org.consistency4j.report.ReportText.tasksIn;
import static org.consistency4j.report.ReportText.withInterval;
import static org.consistency4j.report.ReportText.withSignedInterval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.consistency4j.internal.Check;

/**
 * The HTML form of an {@link EvaluationReport} ({@code report.html}): the tables of the Markdown
 * report plus two inline SVG charts (consistency rate per task per model with interval whiskers;
 * consistency rate against ROUGE-L with labeled points). No scripts, fonts, images or style sheets
 * are loaded from anywhere: the file works offline and is well-formed XML.
 */
final class ReportHtml {
  private static final String[] PALETTE = {
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"
  };

  private ReportHtml() {}

  /**
   * The HTML report as text: a self-contained page (inline CSS and SVG, no scripts, no external
   * resources) that is also well-formed XML.
   */
  static String toHtml(EvaluationReport report) {
    Check.notNull(report, "report");
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
    h.append("<title>").append(esc(report.title())).append("</title>\n");
    h.append("<style>\n")
        .append("body{font-family:sans-serif;margin:24px;color:#222;max-width:1150px}\n")
        .append("table{border-collapse:collapse;margin:8px 0 20px}\n")
        .append("th,td{border:1px solid #ccc;padding:3px 8px;font-size:13px}\n")
        .append("td.n{text-align:right;font-variant-numeric:tabular-nums}\n")
        .append("th{background:#f0f0f0}\nh2{margin-top:28px}\n")
        .append("svg{max-width:100%;height:auto}\nsvg text{font-family:sans-serif}\n.legend span{margin-right:14px;font-size:13px}\n")
        .append(".sw{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}\n")
        .append("</style>\n</head>\n<body>\n");
    h.append("<h1>").append(esc(report.title())).append("</h1>\n");
    h.append("<p>consistency4j ").append(esc(report.libraryVersion())).append(", seed ").append(report.seed())
        .append(". Intervals are 95% bootstrap intervals over groups.</p>\n");
    h.append("<div class=\"legend\">");
    for (int i = 0; i < report.models().size(); i++) {
      h.append("<span><i class=\"sw\" style=\"background:").append(color(i)).append("\"></i>")
          .append(esc(report.models().get(i).model())).append("</span>");
    }
    h.append("</div>\n");
    h.append("<h2>Consistency rate per task</h2>\n").append(barChart(report)).append('\n');
    h.append("<h2>Consistency rate against ROUGE-L</h2>\n").append(scatter(report)).append('\n');

    List<String> metrics = metricsIn(report);
    h.append("<h2>Overall</h2>\n<table>\n<tr><th>model</th><th>groups</th><th>responses</th>");
    metrics.forEach(m -> h.append("<th>").append(esc(MetricNames.label(m))).append("</th>"));
    h.append("</tr>\n");
    for (ModelResult m : report.models()) {
      TaskResult o = m.overall();
      h.append("<tr><td>").append(esc(m.model())).append("</td><td class=\"n\">").append(o.groups())
          .append("</td><td class=\"n\">").append(o.responses()).append("</td>");
      metrics.forEach(k -> h.append("<td class=\"n\">").append(o.metric(k).map(ReportText::withInterval).orElse("-")).append("</td>"));
      h.append("</tr>\n");
    }
    h.append("</table>\n");
    for (String metric : metrics) {
      h.append("<h2>").append(esc(MetricNames.label(metric))).append(" per task</h2>\n<table>\n<tr><th>task</th>");
      report.models().forEach(m -> h.append("<th>").append(esc(m.model())).append("</th>"));
      h.append("</tr>\n");
      for (String task : tasksIn(report)) {
        h.append("<tr><td>").append(esc(task)).append("</td>");
        for (ModelResult m : report.models()) {
          h.append("<td class=\"n\">")
              .append(m.task(task).flatMap(t -> t.metric(metric)).map(ReportText::withInterval).orElse("-"))
              .append("</td>");
        }
        h.append("</tr>\n");
      }
      h.append("</table>\n");
    }
    if (!report.comparisons().isEmpty()) {
      h.append("<h2>Paired comparisons (B - A on the same groups)</h2>\n<table>\n<tr><th>task</th><th>metric</th>")
          .append("<th>A</th><th>B</th><th>groups</th><th>mean A</th><th>mean B</th><th>B - A [95% CI]</th><th>p</th></tr>\n");
      for (Comparison c : report.comparisons()) {
        h.append("<tr><td>").append(esc(c.task())).append("</td><td>").append(esc(MetricNames.label(c.metric())))
            .append("</td><td>").append(esc(c.modelA())).append("</td><td>").append(esc(c.modelB()))
            .append("</td><td class=\"n\">").append(c.groups()).append("</td><td class=\"n\">").append(fmt(c.meanA()))
            .append("</td><td class=\"n\">").append(fmt(c.meanB())).append("</td><td class=\"n\">")
            .append(withSignedInterval(c.difference())).append("</td><td class=\"n\">").append(esc(fmtP(c.pValue())))
            .append("</td></tr>\n");
      }
      h.append("</table>\n");
    }
    h.append("<h2>Configuration</h2>\n<table>\n");
    report.config().forEach((k, v) -> h.append("<tr><th>").append(esc(k)).append("</th><td>").append(esc(v)).append("</td></tr>\n"));
    h.append("</table>\n</body>\n</html>\n");
    return h.toString();
  }

  /** Grouped bars: one group per task (and overall), one bar per model, whiskers for intervals. */
  private static String barChart(EvaluationReport report) {
    List<String> tasks = new ArrayList<>(tasksIn(report));
    int models = Math.max(1, report.models().size());
    int barW = 16;
    int groupW = Math.max(56, models * barW + 24);
    // The first label is rotated to the lower left of its group: leave room for it.
    int firstLabel = tasks.isEmpty() ? 0 : shorten(tasks.get(0), 28).length();
    int left = Math.max(48, (int) (firstLabel * 5.6 * 0.82) - groupW / 2 + 12);
    int top = 16;
    int plotH = 240;
    int bottom = 110;
    int width = left + groupW * Math.max(1, tasks.size()) + 16;
    int height = top + plotH + bottom;
    StringBuilder s = new StringBuilder();
    s.append("<svg width=\"").append(width).append("\" height=\"").append(height)
        .append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
        .append("\" role=\"img\" aria-label=\"Consistency rate per task and model\">\n");
    axisY(s, left, top, plotH, width - 16, "consistency rate");
    for (int t = 0; t < tasks.size(); t++) {
      String task = tasks.get(t);
      int gx = left + t * groupW + (groupW - models * barW) / 2;
      for (int m = 0; m < report.models().size(); m++) {
        ModelResult mr = report.models().get(m);
        Estimate e = mr.task(task).flatMap(r -> r.metric(MetricNames.CONSISTENCY_RATE)).orElse(null);
        if (e == null) {
          continue;
        }
        double x = gx + m * barW;
        double y = top + plotH * (1 - clamp(e.value()));
        s.append("<rect x=\"").append(x + 1).append("\" y=\"").append(num(y)).append("\" width=\"").append(barW - 2)
            .append("\" height=\"").append(num(top + plotH - y)).append("\" fill=\"").append(color(m)).append("\">")
            .append("<title>").append(esc(mr.model() + " / " + task + ": CR " + withInterval(e))).append("</title></rect>\n");
        double cx = x + barW / 2.0;
        double yl = top + plotH * (1 - clamp(e.ciLow()));
        double yh = top + plotH * (1 - clamp(e.ciHigh()));
        s.append("<path d=\"M").append(num(cx)).append(' ').append(num(yl)).append("V").append(num(yh))
            .append("M").append(num(cx - 4)).append(' ').append(num(yl)).append("H").append(num(cx + 4))
            .append("M").append(num(cx - 4)).append(' ').append(num(yh)).append("H").append(num(cx + 4))
            .append("\" stroke=\"#222\" stroke-width=\"1.2\" fill=\"none\"/>\n");
      }
      double lx = left + t * groupW + groupW / 2.0;
      double ly = top + plotH + 12;
      s.append("<text x=\"").append(num(lx)).append("\" y=\"").append(num(ly))
          .append("\" font-size=\"11\" text-anchor=\"end\" transform=\"rotate(-35 ").append(num(lx)).append(' ')
          .append(num(ly)).append(")\">").append(esc(shorten(task, 28))).append("</text>\n");
    }
    s.append("</svg>");
    return s.toString();
  }

  /** Scatter: one point per (model, task), x = ROUGE-L, y = consistency rate; overall as a diamond. */
  private static String scatter(EvaluationReport report) {
    int left = 56;
    int top = 16;
    int plot = 360;
    int width = left + plot + 24;
    int height = top + plot + 48;
    StringBuilder s = new StringBuilder();
    s.append("<svg width=\"").append(width).append("\" height=\"").append(height)
        .append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
        .append("\" role=\"img\" aria-label=\"Consistency rate against ROUGE-L\">\n");
    axisY(s, left, top, plot, left + plot, "consistency rate");
    for (int i = 0; i <= 4; i++) {
      double v = i / 4.0;
      double x = left + plot * v;
      s.append("<line x1=\"").append(num(x)).append("\" y1=\"").append(top).append("\" x2=\"").append(num(x))
          .append("\" y2=\"").append(top + plot).append("\" stroke=\"#e4e4e4\"/>\n");
      s.append("<text x=\"").append(num(x)).append("\" y=\"").append(top + plot + 16)
          .append("\" font-size=\"11\" text-anchor=\"middle\">").append(fmt2(v)).append("</text>\n");
    }
    s.append("<text x=\"").append(left + plot / 2).append("\" y=\"").append(top + plot + 38)
        .append("\" font-size=\"12\" text-anchor=\"middle\">ROUGE-L</text>\n");
    for (int m = 0; m < report.models().size(); m++) {
      ModelResult mr = report.models().get(m);
      List<TaskResult> points = new ArrayList<>(mr.tasks());
      points.add(mr.overall());
      for (TaskResult t : points) {
        Estimate cr = t.metric(MetricNames.CONSISTENCY_RATE).orElse(null);
        Estimate rl = t.metric(MetricNames.ROUGE_L).orElse(null);
        if (cr == null || rl == null) {
          continue;
        }
        double x = left + plot * clamp(rl.value());
        double y = top + plot * (1 - clamp(cr.value()));
        String tip = mr.model() + " / " + t.task() + ": ROUGE-L " + fmt(rl.value()) + ", CR " + fmt(cr.value());
        if (t == mr.overall()) {
          s.append("<path d=\"M").append(num(x)).append(' ').append(num(y - 7)).append("L").append(num(x + 7)).append(' ')
              .append(num(y)).append("L").append(num(x)).append(' ').append(num(y + 7)).append("L").append(num(x - 7))
              .append(' ').append(num(y)).append("Z\" fill=\"").append(color(m)).append("\" stroke=\"#000\">");
          s.append("<title>").append(esc(tip)).append("</title></path>\n");
        } else {
          s.append("<circle cx=\"").append(num(x)).append("\" cy=\"").append(num(y)).append("\" r=\"4.5\" fill=\"")
              .append(color(m)).append("\" fill-opacity=\"0.8\">");
          s.append("<title>").append(esc(tip)).append("</title></circle>\n");
        }
      }
    }
    s.append("</svg>\n<p style=\"font-size:12px\">Circles: tasks; diamonds: overall. Hover for values.</p>");
    return s.toString();
  }

  private static void axisY(StringBuilder s, int left, int top, int plotH, int right, String label) {
    for (int i = 0; i <= 4; i++) {
      double v = i / 4.0;
      double y = top + plotH * (1 - v);
      s.append("<line x1=\"").append(left).append("\" y1=\"").append(num(y)).append("\" x2=\"").append(right)
          .append("\" y2=\"").append(num(y)).append("\" stroke=\"").append(i == 0 ? "#888" : "#e4e4e4").append("\"/>\n");
      s.append("<text x=\"").append(left - 6).append("\" y=\"").append(num(y + 4))
          .append("\" font-size=\"11\" text-anchor=\"end\">").append(fmt2(v)).append("</text>\n");
    }
    s.append("<line x1=\"").append(left).append("\" y1=\"").append(top).append("\" x2=\"").append(left)
        .append("\" y2=\"").append(top + plotH).append("\" stroke=\"#888\"/>\n");
    double cy = top + plotH / 2.0;
    s.append("<text x=\"14\" y=\"").append(num(cy)).append("\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 14 ")
        .append(num(cy)).append(")\">").append(esc(label)).append("</text>\n");
  }

  private static String color(int i) {
    return PALETTE[i % PALETTE.length];
  }

  private static double clamp(double v) {
    return Math.max(0, Math.min(1, v));
  }

  private static String shorten(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "\u2026";
  }

  private static String num(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  private static String fmt2(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }

  private static String esc(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&':
          out.append("&amp;");
          break;
        case '<':
          out.append("&lt;");
          break;
        case '>':
          out.append("&gt;");
          break;
        case '"':
          out.append("&quot;");
          break;
        case '\'':
          out.append("&#39;");
          break;
        default:
          // Control characters are not allowed in XML 1.0.
          out.append(c < 0x20 && c != '\n' && c != '\t' ? ' ' : c);
      }
    }
    return out.toString();
  }
}
