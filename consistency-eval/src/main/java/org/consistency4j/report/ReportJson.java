package org.consistency4j.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.consistency4j.ConsistencyException;
import org.consistency4j.InvalidInputException;
import org.consistency4j.internal.Check;

/**
 * The JSON form of an {@link EvaluationReport} ({@code report.json}): everything in the report, keys
 * in snake_case, estimates as {@code {"value", "ci_low", "ci_high"}}, with {@code "format"}; and
 * the reader that turns it back into a report with messages naming the file and the JSON path.
 */
final class ReportJson {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final long MAX_REPORT_BYTES = 512L << 20;

  private ReportJson() {}

  /** The JSON report as text. */
  static String toJson(EvaluationReport report) {
    Check.notNull(report, "report");
    ObjectNode root = JSON.createObjectNode();
    root.put("format", Reports.FORMAT);
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

  /** Reads a JSON report; see {@link Reports#readJson(Path)}. */
  static EvaluationReport readJson(Path file) {
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
    if (!Reports.FORMAT.equals(format)) {
      throw r.bad("format", "must be \"" + Reports.FORMAT + "\", found \"" + format + "\"");
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
}
