package org.consistency4j.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.consistency4j.ConsistencyException;
import org.consistency4j.InvalidInputException;
import org.consistency4j.internal.AtomicFiles;
import org.consistency4j.internal.Check;

/**
 * Writes {@link EvaluationReport}s as JSON, Markdown and self-contained HTML, and reads the JSON back.
 *
 * <ul>
 *   <li>JSON ({@code report.json}): everything in the report, keys in snake_case, estimates as
 *       {@code {"value", "ci_low", "ci_high"}}, with {@code "format": "}{@value #FORMAT}{@code "}.
 *   <li>Markdown ({@code report.md}): configuration, an overall table per model, one table per
 *       headline metric (tasks by models), per-verbalization means and the paired comparisons.
 *   <li>HTML ({@code report.html}): the same tables plus two inline SVG charts (consistency rate per
 *       task per model with interval whiskers; consistency rate against ROUGE-L). No scripts, fonts,
 *       images or style sheets are loaded from anywhere: the file works offline and is well-formed
 *       XML.
 * </ul>
 *
 * <p>Every file is written atomically (temporary file, then rename). Stateless and thread-safe.
 */
public final class Reports {
  /** The value of the JSON report's {@code format} field. */
  public static final String FORMAT = "consistency4j-evaluation/1";

  /** The JSON report's file name in {@link #writeAll}. */
  public static final String JSON_FILE = "report.json";

  /** The Markdown report's file name in {@link #writeAll}. */
  public static final String MARKDOWN_FILE = "report.md";

  /** The HTML report's file name in {@link #writeAll}. */
  public static final String HTML_FILE = "report.html";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final long MAX_REPORT_BYTES = 512L << 20;

  private Reports() {}

  /** The consistency4j version, from the build ("unknown" if the build did not record it). */
  public static String libraryVersion() {
    try (InputStream in = Reports.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty("version", "unknown");
      return v.startsWith("${") ? "unknown" : v;
    } catch (IOException e) {
      return "unknown";
    }
  }

  /**
   * Writes {@code report.json}, {@code report.md} and {@code report.html} into {@code dir} (created
   * if needed).
   *
   * @return the three files, in that order
   */
  public static List<Path> writeAll(EvaluationReport report, Path dir) {
    Check.notNull(report, "report");
    Check.notNull(dir, "dir");
    Path json = dir.resolve(JSON_FILE);
    Path md = dir.resolve(MARKDOWN_FILE);
    Path html = dir.resolve(HTML_FILE);
    writeJson(report, json);
    write(md, toMarkdown(report));
    write(html, toHtml(report));
    return List.of(json, md, html);
  }

  /** Writes the JSON report to {@code file}, atomically. */
  public static void writeJson(EvaluationReport report, Path file) {
    write(Check.notNull(file, "file"), toJson(report));
  }

  /** Writes the Markdown report to {@code file}, atomically. */
  public static void writeMarkdown(EvaluationReport report, Path file) {
    write(Check.notNull(file, "file"), toMarkdown(report));
  }

  /** Writes the HTML report to {@code file}, atomically. */
  public static void writeHtml(EvaluationReport report, Path file) {
    write(Check.notNull(file, "file"), toHtml(report));
  }

  private static void write(Path file, String content) {
    try {
      AtomicFiles.writeString(file, content);
    } catch (IOException e) {
      throw new ConsistencyException("cannot write " + file, e);
    }
  }

  // ------------------------------------------------------------------ JSON

  /** The JSON report as text. */
  public static String toJson(EvaluationReport report) {
    Check.notNull(report, "report");
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("title", report.title());
    root.put("library_version", report.libraryVersion());
    root.put("seed", report.seed());
    ObjectNode config = root.putObject("config");
    report.config().forEach(config::put);
    ArrayNode models = root.putArray("models");
    for (ModelResult m : report.models()) {
      ObjectNode mn = models.addObject();
      mn.put("model", m.model());
      mn.set("overall", taskJson(m.overall()));
      ArrayNode tasks = mn.putArray("tasks");
      m.tasks().forEach(t -> tasks.add(taskJson(t)));
      ArrayNode groups = mn.putArray("groups");
      for (GroupScore g : m.groups()) {
        ObjectNode gn = groups.addObject();
        gn.put("task", g.task());
        gn.put("group", g.group());
        ObjectNode values = gn.putObject("values");
        g.values().forEach(values::put);
      }
    }
    ArrayNode comparisons = root.putArray("comparisons");
    for (Comparison c : report.comparisons()) {
      ObjectNode cn = comparisons.addObject();
      cn.put("task", c.task());
      cn.put("metric", c.metric());
      cn.put("model_a", c.modelA());
      cn.put("model_b", c.modelB());
      cn.put("groups", c.groups());
      cn.put("mean_a", c.meanA());
      cn.put("mean_b", c.meanB());
      cn.set("difference", estimateJson(c.difference()));
      cn.put("p_value", c.pValue());
    }
    try {
      return JSON.writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new ConsistencyException("cannot serialize the report", e);
    }
  }

  private static ObjectNode taskJson(TaskResult t) {
    ObjectNode n = JSON.createObjectNode();
    n.put("task", t.task());
    n.put("groups", t.groups());
    n.put("responses", t.responses());
    ObjectNode metrics = n.putObject("metrics");
    t.metrics().forEach((k, v) -> metrics.set(k, estimateJson(v)));
    ArrayNode variants = n.putArray("variants");
    for (Map<String, Double> v : t.variants()) {
      ObjectNode vn = variants.addObject();
      v.forEach(vn::put);
    }
    return n;
  }

  private static ObjectNode estimateJson(Estimate e) {
    ObjectNode n = JSON.createObjectNode();
    n.put("value", e.value());
    n.put("ci_low", e.ciLow());
    n.put("ci_high", e.ciHigh());
    return n;
  }

  /**
   * Reads a JSON report written by {@link #writeJson}.
   *
   * @throws InvalidInputException if the file is not a valid report; the message names the file and
   *     the field
   */
  public static EvaluationReport readJson(Path file) {
    Check.notNull(file, "file");
    String source = file.toString();
    JsonNode root;
    try {
      long size = Files.size(file);
      if (size > MAX_REPORT_BYTES) {
        throw new InvalidInputException(
            source, 0, "file is " + size + " bytes, more than the limit of " + MAX_REPORT_BYTES);
      }
      root = JSON.readTree(file.toFile());
    } catch (JsonProcessingException e) {
      throw new InvalidInputException(
          source,
          e.getLocation() == null ? 0 : e.getLocation().getLineNr(),
          "not valid JSON: " + e.getOriginalMessage(),
          e);
    } catch (IOException e) {
      throw new ConsistencyException("cannot read " + source + ": " + e.getMessage(), e);
    }
    Reader r = new Reader(source);
    if (root == null || !root.isObject()) {
      throw r.bad("$", "must be a JSON object");
    }
    String format = r.text(root, "format", "$");
    if (!FORMAT.equals(format)) {
      throw r.bad("format", "must be \"" + FORMAT + "\", found \"" + format + "\"");
    }
    Map<String, String> config = new LinkedHashMap<>();
    JsonNode cfg = r.object(root, "config", "$");
    for (Iterator<Map.Entry<String, JsonNode>> it = cfg.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      config.put(e.getKey(), r.text(cfg, e.getKey(), "config"));
    }
    List<ModelResult> models = new ArrayList<>();
    JsonNode ms = r.array(root, "models", "$");
    for (int i = 0; i < ms.size(); i++) {
      String at = "models[" + i + "]";
      JsonNode m = ms.get(i);
      List<TaskResult> tasks = new ArrayList<>();
      JsonNode ts = r.array(m, "tasks", at);
      for (int j = 0; j < ts.size(); j++) {
        tasks.add(r.task(ts.get(j), at + ".tasks[" + j + "]"));
      }
      List<GroupScore> groups = new ArrayList<>();
      JsonNode gs = r.array(m, "groups", at);
      for (int j = 0; j < gs.size(); j++) {
        String gat = at + ".groups[" + j + "]";
        JsonNode g = gs.get(j);
        groups.add(
            new GroupScore(
                r.text(g, "task", gat), r.text(g, "group", gat), r.numbers(r.object(g, "values", gat), gat + ".values")));
      }
      models.add(
          new ModelResult(r.text(m, "model", at), r.task(r.object(m, "overall", at), at + ".overall"), tasks, groups));
    }
    List<Comparison> comparisons = new ArrayList<>();
    JsonNode cs = r.array(root, "comparisons", "$");
    for (int i = 0; i < cs.size(); i++) {
      String at = "comparisons[" + i + "]";
      JsonNode c = cs.get(i);
      comparisons.add(
          r.build(
              at,
              () ->
                  new Comparison(
                      r.text(c, "task", at),
                      r.text(c, "metric", at),
                      r.text(c, "model_a", at),
                      r.text(c, "model_b", at),
                      (int) r.integer(c, "groups", at, 0, Integer.MAX_VALUE),
                      r.number(c, "mean_a", at),
                      r.number(c, "mean_b", at),
                      r.estimate(r.object(c, "difference", at), at + ".difference"),
                      r.number(c, "p_value", at))));
    }
    return r.build(
        "$",
        () ->
            new EvaluationReport(
                r.text(root, "title", "$"),
                r.text(root, "library_version", "$"),
                r.integer(root, "seed", "$", Long.MIN_VALUE, Long.MAX_VALUE),
                config,
                models,
                comparisons));
  }

  /** Field access with messages naming the file and the JSON path. */
  private static final class Reader {
    private final String source;

    Reader(String source) {
      this.source = source;
    }

    InvalidInputException bad(String path, String problem) {
      return new InvalidInputException(source, 0, "field " + path + ": " + problem);
    }

    <T> T build(String path, java.util.function.Supplier<T> make) {
      try {
        return make.get();
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new InvalidInputException(source, 0, "field " + path + ": " + e.getMessage(), e);
      }
    }

    JsonNode field(JsonNode parent, String name, String at) {
      JsonNode n = parent == null ? null : parent.get(name);
      if (n == null || n.isNull()) {
        throw bad(at + "." + name, "is missing");
      }
      return n;
    }

    String text(JsonNode parent, String name, String at) {
      JsonNode n = field(parent, name, at);
      if (!n.isTextual()) {
        throw bad(at + "." + name, "must be a string, found " + n.getNodeType());
      }
      return n.asText();
    }

    double number(JsonNode parent, String name, String at) {
      JsonNode n = field(parent, name, at);
      if (!n.isNumber() || !Double.isFinite(n.asDouble())) {
        throw bad(at + "." + name, "must be a finite number, found " + n);
      }
      return n.asDouble();
    }

    long integer(JsonNode parent, String name, String at, long min, long max) {
      JsonNode n = field(parent, name, at);
      if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < min || n.asLong() > max) {
        throw bad(at + "." + name, "must be an integer in [" + min + ", " + max + "], found " + n);
      }
      return n.asLong();
    }

    JsonNode object(JsonNode parent, String name, String at) {
      JsonNode n = field(parent, name, at);
      if (!n.isObject()) {
        throw bad(at + "." + name, "must be an object, found " + n.getNodeType());
      }
      return n;
    }

    JsonNode array(JsonNode parent, String name, String at) {
      JsonNode n = field(parent, name, at);
      if (!n.isArray()) {
        throw bad(at + "." + name, "must be an array, found " + n.getNodeType());
      }
      return n;
    }

    Map<String, Double> numbers(JsonNode obj, String at) {
      Map<String, Double> out = new LinkedHashMap<>();
      for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        out.put(k, number(obj, k, at));
      }
      return out;
    }

    Estimate estimate(JsonNode n, String at) {
      return build(
          at,
          () -> new Estimate(number(n, "value", at), number(n, "ci_low", at), number(n, "ci_high", at)));
    }

    TaskResult task(JsonNode n, String at) {
      Map<String, Estimate> metrics = new LinkedHashMap<>();
      JsonNode ms = object(n, "metrics", at);
      for (Iterator<String> it = ms.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        metrics.put(k, estimate(object(ms, k, at + ".metrics"), at + ".metrics." + k));
      }
      List<Map<String, Double>> variants = new ArrayList<>();
      JsonNode vs = array(n, "variants", at);
      for (int i = 0; i < vs.size(); i++) {
        variants.add(numbers(vs.get(i), at + ".variants[" + i + "]"));
      }
      return build(
          at,
          () ->
              new TaskResult(
                  text(n, "task", at),
                  (int) integer(n, "groups", at, 0, Integer.MAX_VALUE),
                  (int) integer(n, "responses", at, 0, Integer.MAX_VALUE),
                  metrics,
                  variants));
    }
  }

  // ------------------------------------------------------------------ Markdown

  /** The Markdown report as text. */
  public static String toMarkdown(EvaluationReport report) {
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
      metrics.forEach(k -> md.append(' ').append(o.metric(k).map(Reports::withInterval).orElse("-")).append(" |"));
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
              .append(m.task(task).flatMap(t -> t.metric(metric)).map(Reports::withInterval).orElse("-"))
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

  // ------------------------------------------------------------------ HTML

  private static final String[] PALETTE = {
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"
  };

  /**
   * The HTML report as text: a self-contained page (inline CSS and SVG, no scripts, no external
   * resources) that is also well-formed XML.
   */
  public static String toHtml(EvaluationReport report) {
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
      metrics.forEach(k -> h.append("<td class=\"n\">").append(o.metric(k).map(Reports::withInterval).orElse("-")).append("</td>"));
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
              .append(m.task(task).flatMap(t -> t.metric(metric)).map(Reports::withInterval).orElse("-"))
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

  // ------------------------------------------------------------------ helpers

  private static List<String> metricsIn(EvaluationReport report) {
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

  private static List<String> tasksIn(EvaluationReport report) {
    Set<String> tasks = new LinkedHashSet<>();
    report.models().forEach(m -> m.tasks().forEach(t -> tasks.add(t.task())));
    tasks.add(TaskResult.OVERALL);
    return new ArrayList<>(tasks);
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

  static String fmt(double v) {
    return String.format(Locale.ROOT, "%.3f", v);
  }

  private static String fmt2(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }

  private static String fmtOrDash(Double v) {
    return v == null ? "-" : fmt(v);
  }

  private static String fmtP(double p) {
    return p < 0.001 ? "<0.001" : String.format(Locale.ROOT, "%.3f", p);
  }

  static String withInterval(Estimate e) {
    return fmt(e.value()) + " [" + fmt(e.ciLow()) + ", " + fmt(e.ciHigh()) + "]";
  }

  private static String withSignedInterval(Estimate e) {
    return String.format(Locale.ROOT, "%+.3f [%+.3f, %+.3f]", e.value(), e.ciLow(), e.ciHigh());
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
