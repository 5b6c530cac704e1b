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

  /** Extra width right of the scatter plot, so that labels of points near ROUGE-L 1 fit. */
  static final int LABEL_ROOM = 150;

  /** Font size of the point labels, in px. */
  static final int LABEL_FONT = 10;

  /** Estimated width of one label character at {@link #LABEL_FONT} (sans-serif average), in px. */
  static final double LABEL_CHAR_WIDTH = 5.6;

  /** Half the size of the area a point's marker covers, in px (the diamond reaches 7). */
  static final double MARK_RADIUS = 7;

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
        .append("svg{max-width:100%;height:auto}\nsvg text{font-family:sans-serif}\n")
        // Point labels: dark text with a white halo, legible over grid lines and markers.
        .append("svg text.pt{fill:#222;stroke:#fff;stroke-width:3px;stroke-linejoin:round;paint-order:stroke}\n")
        .append(".legend span{margin-right:14px;font-size:13px}\n")
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

  /**
   * Scatter: one point per (model, task), x = ROUGE-L, y = consistency rate; overall as a diamond.
   * Every point is labeled with its task (and model, when there are several) next to it, placed so
   * that labels overlap neither each other nor other points ({@link #placeLabels}).
   */
  private static String scatter(EvaluationReport report) {
    int left = 56;
    int top = 16;
    int plot = 360;
    int width = left + plot + 24 + LABEL_ROOM;
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
    boolean severalModels = report.models().size() > 1;
    List<Mark> overall = new ArrayList<>();
    List<Mark> tasks = new ArrayList<>();
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
        String label = severalModels
            ? shorten(mr.model(), 16) + ": " + shorten(t.task(), 20)
            : shorten(t.task(), 28);
        (t == mr.overall() ? overall : tasks).add(new Mark(x, y, label));
      }
    }
    // Overall diamonds are labeled first, so that they keep the closest spots.
    List<Mark> marks = new ArrayList<>(overall);
    marks.addAll(tasks);
    List<Placement> placed = placeLabels(marks, left, 0, width - 2, top + plot);
    for (Placement p : placed) {
      Mark mk = marks.get(p.mark());
      if (p.leader()) {
        s.append("<line x1=\"").append(num(mk.x())).append("\" y1=\"").append(num(mk.y())).append("\" x2=\"")
            .append(num(p.leaderX())).append("\" y2=\"").append(num(p.leaderY()))
            .append("\" stroke=\"#999\" stroke-width=\"0.7\"/>\n");
      }
      s.append("<text class=\"pt\" x=\"").append(num(p.x())).append("\" y=\"").append(num(p.y()))
          .append("\" font-size=\"").append(LABEL_FONT).append("\" text-anchor=\"").append(p.anchor())
          .append("\">").append(esc(mk.label())).append("</text>\n");
    }
    int omitted = marks.size() - placed.size();
    s.append("</svg>\n<p style=\"font-size:12px\">Circles: tasks; diamonds: overall. Hover for values.");
    if (omitted > 0) {
      s.append(' ').append(omitted).append(omitted == 1 ? " label was" : " labels were")
          .append(" left out where no free spot was near the point.");
    }
    s.append("</p>");
    return s.toString();
  }

  /** A point of the scatter chart and the label to put next to it. */
  record Mark(double x, double y, String label) {}

  /** An axis-aligned rectangle. */
  record Box(double x0, double y0, double x1, double y1) {
    boolean overlaps(Box o) {
      return x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1;
    }

    boolean inside(double minX, double minY, double maxX, double maxY) {
      return x0 >= minX && y0 >= minY && x1 <= maxX && y1 <= maxY;
    }
  }

  /**
   * A placed label: the text position ({@code x}, {@code y} = baseline) and anchor, the box it
   * covers, and for a label set off from its point the end of the leader line drawn to it.
   */
  record Placement(int mark, double x, double y, String anchor, Box box, boolean leader,
      double leaderX, double leaderY) {}

  /**
   * Places each mark's label at the first free spot among eight directions (right, left, above,
   * below, then the diagonals) at five distances from the point (beyond the first, a leader line
   * joins label and point); a spot is free when its box stays
   * within the bounds and overlaps no marker and no label placed before. Marks are served in order;
   * a mark without a free spot gets no label (its tooltip still has the values). Deterministic.
   *
   * @return the placements, in mark order, without the marks left unlabeled
   */
  static List<Placement> placeLabels(
      List<Mark> marks, double minX, double minY, double maxX, double maxY) {
    List<Box> taken = new ArrayList<>();
    for (Mark m : marks) {
      taken.add(new Box(m.x() - MARK_RADIUS, m.y() - MARK_RADIUS, m.x() + MARK_RADIUS, m.y() + MARK_RADIUS));
    }
    double h = LABEL_FONT + 1;
    List<Placement> out = new ArrayList<>();
    for (int i = 0; i < marks.size(); i++) {
      Mark m = marks.get(i);
      double w = m.label().length() * LABEL_CHAR_WIDTH;
      Placement chosen = null;
      for (double d : new double[] {MARK_RADIUS + 2, MARK_RADIUS + 14, MARK_RADIUS + 28,
          MARK_RADIUS + 44, MARK_RADIUS + 64}) {
        // {dx, dy, anchor: -1 end, 0 middle, 1 start}: the label's anchor point relative to the mark.
        double[][] spots = {
          {d, 0, 1}, {-d, 0, -1}, {0, -d, 0}, {0, d, 0},
          {d * 0.7, -d * 0.7, 1}, {d * 0.7, d * 0.7, 1}, {-d * 0.7, -d * 0.7, -1}, {-d * 0.7, d * 0.7, -1}
        };
        for (double[] spot : spots) {
          double ax = m.x() + spot[0];
          double ay = m.y() + spot[1];
          double x0 = spot[2] > 0 ? ax : spot[2] < 0 ? ax - w : ax - w / 2;
          // Vertically the box is centred on the anchor point, except straight above or below,
          // where it sits on the far side of it.
          double y0 = spot[2] == 0 ? (spot[1] < 0 ? ay - h : ay) : ay - h / 2;
          Box box = new Box(x0, y0, x0 + w, y0 + h);
          if (!box.inside(minX, minY, maxX, maxY) || taken.stream().anyMatch(box::overlaps)) {
            continue;
          }
          String anchor = spot[2] > 0 ? "start" : spot[2] < 0 ? "end" : "middle";
          double baseline = y0 + h - 2.5;
          boolean leader = d > MARK_RADIUS + 2;
          double lx = Math.max(box.x0(), Math.min(m.x(), box.x1()));
          double ly = Math.max(box.y0(), Math.min(m.y(), box.y1()));
          chosen = new Placement(i, spot[2] > 0 ? x0 : spot[2] < 0 ? x0 + w : x0 + w / 2, baseline, anchor,
              box, leader, lx, ly);
          break;
        }
        if (chosen != null) {
          break;
        }
      }
      if (chosen != null) {
        taken.add(chosen.box());
        out.add(chosen);
      }
    }
    return out;
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
