package org.consistency4j.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.consistency4j.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

class ReportsTest {

  /** A report with two models, three tasks (one with awkward characters) and a comparison. */
  static EvaluationReport sample() {
    List<ModelResult> models = new ArrayList<>();
    String[] tasks = {"sentiment", "capital <lookup> & \"quotes\"", "summarize | pipes"};
    double[][] cr = {{0.62, 0.41, 0.30}, {0.81, 0.66, 0.45}};
    double[][] rl = {{0.70, 0.55, 0.32}, {0.78, 0.61, 0.36}};
    String[] names = {"baseline@http://127.0.0.1:8000", "sft-ia"};
    for (int m = 0; m < 2; m++) {
      List<TaskResult> results = new ArrayList<>();
      List<GroupScore> groups = new ArrayList<>();
      for (int t = 0; t < tasks.length; t++) {
        Map<String, Estimate> metrics = new LinkedHashMap<>();
        metrics.put(MetricNames.CONSISTENCY_RATE, new Estimate(cr[m][t], cr[m][t] - 0.08, cr[m][t] + 0.07));
        metrics.put(MetricNames.ROUGE_L, new Estimate(rl[m][t], rl[m][t] - 0.05, rl[m][t] + 0.05));
        if (t == 0) {
          metrics.put(MetricNames.ACCURACY, new Estimate(0.5 + 0.2 * m, 0.4 + 0.2 * m, 0.6 + 0.2 * m));
        }
        results.add(new TaskResult(tasks[t], 10, 40, metrics,
            List.of(Map.of(MetricNames.ROUGE_L, rl[m][t] - 0.1), Map.of(MetricNames.ROUGE_L, rl[m][t] + 0.1))));
        for (int g = 0; g < 3; g++) {
          groups.add(new GroupScore(tasks[t], "g" + g, Map.of(MetricNames.CONSISTENCY_RATE, g / 3.0)));
        }
      }
      Map<String, Estimate> overall = new LinkedHashMap<>();
      overall.put(MetricNames.CONSISTENCY_RATE, new Estimate(0.44 + 0.2 * m, 0.4 + 0.2 * m, 0.5 + 0.2 * m));
      overall.put(MetricNames.CONSISTENCY_RATE_POOLED, new Estimate(0.45 + 0.2 * m, 0.4 + 0.2 * m, 0.5 + 0.2 * m));
      overall.put(MetricNames.ROUGE_L, new Estimate(0.52 + 0.05 * m, 0.5, 0.6));
      models.add(new ModelResult(names[m], new TaskResult(TaskResult.OVERALL, 30, 120, overall, List.of()),
          results, groups));
    }
    Map<String, String> config = new LinkedHashMap<>();
    config.put("data", "tasks.jsonl");
    config.put("similarity", "rougeL>=0.5");
    Comparison c = new Comparison(TaskResult.OVERALL, MetricNames.CONSISTENCY_RATE, names[0], names[1], 30,
        0.44, 0.64, new Estimate(0.2, 0.11, 0.29), 0.0004);
    return new EvaluationReport("Consistency evaluation", "0.1.0-test", 17, config, models, List.of(c));
  }

  @Test
  void json_round_trips_every_field() {
    EvaluationReport r = sample();
    assertEquals(r, readBack(r));
  }

  private static EvaluationReport readBack(EvaluationReport r) {
    try {
      Path f = Files.createTempFile("report", ".json");
      try {
        Reports.writeJson(r, f);
        return Reports.readJson(f);
      } finally {
        Files.deleteIfExists(f);
      }
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void json_holds_estimates_as_value_and_interval(@TempDir Path dir) throws Exception {
    String json = Reports.toJson(sample());
    assertTrue(json.contains("\"format\" : \"consistency4j-evaluation/1\""), json);
    assertTrue(json.contains("\"consistency_rate\" : {\n          \"value\" : 0.44,\n          \"ci_low\" : 0.4,"), json);
    assertTrue(json.contains("\"seed\" : 17"));
    assertTrue(json.contains("\"library_version\" : \"0.1.0-test\""));
  }

  @Test
  void reading_a_file_with_a_wrong_format_names_the_file_and_field(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("r.json");
    Files.writeString(f, "{\"format\": \"other/2\"}");
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> Reports.readJson(f));
    assertEquals(f + ": field format: must be \"consistency4j-evaluation/1\", found \"other/2\"", e.getMessage());
  }

  @Test
  void reading_a_report_with_a_missing_field_names_its_path(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("r.json");
    Files.writeString(f, Reports.toJson(sample()).replaceFirst(",\\s*\"ci_high\" : [0-9.]+", ""));
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> Reports.readJson(f));
    assertEquals(f + ": field models[0].overall.metrics.consistency_rate.ci_high: is missing", e.getMessage());
  }

  @Test
  void reading_a_fractional_group_count_is_refused(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("r.json");
    Files.writeString(f, Reports.toJson(sample()).replaceFirst("\"groups\" : 30", "\"groups\" : 30.5"));
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> Reports.readJson(f));
    assertEquals(f + ": field models[0].overall.groups: must be an integer in [0, 2147483647], found 30.5",
        e.getMessage());
  }

  @Test
  void reading_invalid_json_names_the_line(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("r.json");
    Files.writeString(f, "{\n\"format\": \n}");
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> Reports.readJson(f));
    assertTrue(e.getMessage().startsWith(f + ":3: not valid JSON: "), e.getMessage());
  }

  @Test
  void markdown_has_an_overall_table_and_per_task_tables_with_intervals() {
    String md = Reports.toMarkdown(sample());
    assertTrue(md.startsWith("# Consistency evaluation\n"), md);
    assertTrue(md.contains("| model | groups | responses | CR (macro) | CR (pooled) | ROUGE-L | Accuracy |"), md);
    assertTrue(md.contains("| sft-ia | 30 | 120 | 0.640 [0.600, 0.700] | 0.650 [0.600, 0.700] | 0.570 [0.500, 0.600] | - |"), md);
    assertTrue(md.contains("| summarize \\| pipes | 0.300 [0.220, 0.370] | 0.450 [0.370, 0.520] |"), md);
    assertTrue(md.contains("| overall | CR (macro) | baseline@http://127.0.0.1:8000 | sft-ia | 30 | 0.440 | 0.640 | +0.200 [+0.110, +0.290] | <0.001 |"), md);
  }

  @Test
  void html_is_well_formed_and_loads_nothing_from_outside() throws Exception {
    String html = Reports.toHtml(sample());
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", false);
    f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8)));
    assertEquals("html", doc.getDocumentElement().getTagName());
    assertEquals(2, doc.getElementsByTagName("svg").getLength());
    assertEquals(0, doc.getElementsByTagName("script").getLength());
    assertEquals(0, doc.getElementsByTagName("link").getLength());
    assertEquals(0, doc.getElementsByTagName("img").getLength());
    // 2 models x (3 tasks + overall) bars.
    assertEquals(8, doc.getElementsByTagName("rect").getLength());
    for (String forbidden : List.of("src=", "href=", "url(", "@import", "<script", "<link", "<iframe", "<object")) {
      assertFalse(html.contains(forbidden), forbidden);
    }
    // A URL may appear as text (a model name) but never inside a tag.
    Matcher tag = Pattern.compile("<[^>]*>").matcher(html);
    while (tag.find()) {
      assertFalse(tag.group().matches("(?s).*https?://.*"), tag.group());
    }
    assertTrue(html.contains("capital &lt;lookup&gt; &amp; &quot;quotes&quot;"));
  }

  @Test
  void write_all_writes_three_files_and_leaves_no_temporary_files(@TempDir Path dir) throws Exception {
    List<Path> files = Reports.writeAll(sample(), dir.resolve("out"));
    assertEquals(List.of("report.json", "report.md", "report.html"),
        files.stream().map(p -> p.getFileName().toString()).toList());
    try (Stream<Path> s = Files.list(dir.resolve("out"))) {
      assertEquals(3, s.count());
    }
    // Overwriting keeps it at three files.
    Reports.writeAll(sample(), dir.resolve("out"));
    try (Stream<Path> s = Files.list(dir.resolve("out"))) {
      assertEquals(3, s.count());
    }
    Path sampleDir = Path.of("target", "report-sample");
    Reports.writeAll(sample(), sampleDir);
  }

  @Test
  void a_report_within_a_run_carries_the_run_seed_and_keeps_its_own_as_evaluation_seed() {
    EvaluationReport r = sample();
    Map<String, String> withSeed = new LinkedHashMap<>(r.config());
    withSeed.put("seed", "17");
    withSeed.put("resamples", "200");
    EvaluationReport e = new EvaluationReport(r.title(), r.libraryVersion(), 17, withSeed, r.models(),
        r.comparisons()).withRunSeed(7);
    assertEquals(7, e.seed());
    assertEquals(List.of("data", "similarity", "evaluation_seed", "resamples"), List.copyOf(e.config().keySet()));
    assertEquals("17", e.config().get("evaluation_seed"));
    assertEquals(r.models(), e.models());
    // Without a seed entry, the evaluation's seed is appended.
    assertEquals("17", r.withRunSeed(3).config().get("evaluation_seed"));
    assertEquals(3, r.withRunSeed(3).seed());
  }

  @Test
  void the_library_version_comes_from_the_build() {
    assertTrue(Reports.libraryVersion().matches("\\d+\\.\\d+\\.\\d+.*"), Reports.libraryVersion());
  }

  @Test
  void value_types_reject_bad_values_with_messages_naming_the_field() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Estimate(0.5, 0.6, 0.4));
    assertEquals("ciLow must be <= ciHigh (0.4), found 0.6", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new Estimate(Double.NaN, 0, 1));
    assertEquals("value must be finite, found NaN", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new GroupScore("t", "g", Map.of("rougeL", Double.POSITIVE_INFINITY)));
    assertEquals("values[rougeL] must be finite, found Infinity", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new Comparison("t", "m", "a", "b", 3, 0, 0, Estimate.exact(0), 1.5));
    assertEquals("pValue must be in [0.0, 1.0], found 1.5", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new Comparison("t", "m", "a", "b", 0, 0, 0, Estimate.exact(0), 0.5));
    assertEquals("groups must be > 0, found 0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new TaskResult("t", -1, 0, Map.of(), List.of()));
    assertEquals("groups must be >= 0, found -1", e.getMessage());
  }
}
