package org.consistency4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.consistency4j.http.FakeOpenAiServer;
import org.consistency4j.report.EvaluationReport;
import org.consistency4j.report.MetricNames;
import org.consistency4j.report.Reports;
import org.consistency4j.report.TaskResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluateCommandTest {
  @TempDir Path dir;
  private FakeOpenAiServer server;
  private Path data;

  static CliRun run(String... args) {
    return CliRun.of(args);
  }

  /** Right under the first two wordings; "positive" under the third. */
  static String halfRight(String prompt) {
    String label = prompt.contains("good") || prompt.contains("great") ? "positive" : "negative";
    return prompt.startsWith("Review:") ? "Positive." : label;
  }

  static String alwaysRight(String prompt) {
    return prompt.contains("good") || prompt.contains("great") ? "positive" : "negative";
  }

  @BeforeEach
  void setUp() throws Exception {
    server = FakeOpenAiServer.start();
    data = dir.resolve("tasks.jsonl");
    Files.writeString(data,
        "{\"task\": \"sentiment\", \"variants\": [\"Sentiment of: {input}\", \"Positive or negative? {input}\","
            + " \"Review:\"], \"instances\": [{\"input\": \"good film\", \"references\": [\"positive\"]},"
            + " {\"input\": \"bad film\", \"references\": [\"negative\"]},"
            + " {\"input\": \"great plot\", \"references\": [\"positive\"]},"
            + " {\"input\": \"awful acting\", \"references\": [\"negative\"]}]}\n");
  }

  @AfterEach
  void tearDown() {
    server.close();
  }

  private CliRun evaluate(Path out, String... extra) {
    List<String> args = new java.util.ArrayList<>(List.of("evaluate", "--model", server.baseUrl(),
        "--model-name", "fake", "--data", data.toString(), "--similarity", "exact", "--out", out.toString(),
        "--no-progress", "--resamples", "200", "--seed", "5"));
    args.addAll(List.of(extra));
    return run(args.toArray(String[]::new));
  }

  @Test
  void without_a_terminal_no_progress_bars_are_drawn_even_when_not_turned_off() throws Exception {
    // Under the test runner the process has no console, as when output goes to a file or a CI log.
    org.junit.jupiter.api.Assumptions.assumeTrue(System.console() == null, "a terminal is attached");
    server.answers(EvaluateCommandTest::halfRight);
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    java.io.PrintStream original = System.err;
    CliRun r;
    try {
      System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
      r = run("evaluate", "--model", server.baseUrl(), "--model-name", "fake", "--data",
          data.toString(), "--similarity", "exact", "--out", dir.resolve("bars").toString(),
          "--resamples", "50", "--seed", "5");
    } finally {
      System.setErr(original);
    }
    assertEquals(0, r.exitCode(), r.err());
    String err = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
    // A drawn bar shows its task name and a percentage ("generate fake 100% ...").
    assertFalse(err.contains("generate fake") || err.contains("score fake") || err.contains("%"), err);
  }

  @Test
  void evaluate_over_http_writes_responses_and_reports_with_exact_metrics() throws Exception {
    server.answers(EvaluateCommandTest::halfRight);
    Path out = dir.resolve("out");
    CliRun r = evaluate(out);
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("CR (macro)"), r.out());
    assertTrue(r.out().contains("fake@" + server.baseUrl() + "  0.667 ["), r.out());
    assertEquals(12, server.requests().size());
    assertEquals(12, Files.readAllLines(out.resolve("responses.jsonl")).size());
    EvaluationReport report = Reports.readJson(out.resolve("report.json"));
    TaskResult s = report.models().get(0).task("sentiment").orElseThrow();
    assertEquals(2.0 / 3, s.metric(MetricNames.CONSISTENCY_RATE).orElseThrow().value(), 1e-12);
    assertEquals(5.0 / 6, s.metric(MetricNames.ACCURACY).orElseThrow().value(), 1e-12);
    assertEquals(5L, report.seed());
    assertEquals(data.toString(), report.config().get("data"));
    assertTrue(Files.exists(out.resolve("report.md")));
    assertTrue(Files.exists(out.resolve("report.html")));

    // A second run finds every response stored and asks the server nothing.
    CliRun again = evaluate(out);
    assertEquals(0, again.exitCode(), again.err());
    assertEquals(12, server.requests().size());

    // Metrics under another similarity are recomputed from the stored responses, without generating.
    CliRun rescored = run("evaluate", "--model", server.baseUrl(), "--model-name", "fake", "--data",
        data.toString(), "--similarity", "rougeL", "--out", out.toString(), "--no-progress", "--resamples", "200",
        "--seed", "5");
    assertEquals(0, rescored.exitCode(), rescored.err());
    assertEquals(12, server.requests().size());
    assertEquals("rougeL", Reports.readJson(out.resolve("report.json")).config().get("similarity"));
  }

  @Test
  void a_key_in_the_model_url_is_written_into_no_output_and_no_message() throws Exception {
    server.answers(EvaluateCommandTest::halfRight);
    String key = "sk-live-0123456789abcdef";
    String url = server.baseUrl().replace("http://", "http://user:" + key + "@");
    Path out = dir.resolve("out-key");
    CliRun r = run("evaluate", "--model", url, "--model-name", "fake", "--data", data.toString(),
        "--similarity", "exact", "--out", out.toString(), "--no-progress", "--resamples", "50",
        "--seed", "5");
    assertEquals(0, r.exitCode(), r.err());
    assertEquals(12, server.requests().size());
    for (String file : List.of("responses.jsonl", "report.json", "report.md", "report.html")) {
      String text = Files.readString(out.resolve(file));
      assertFalse(text.contains(key), file + " holds the key");
      assertTrue(text.contains("[redacted]@"), file + " does not name the redacted server");
    }
    assertFalse(r.out().contains(key), r.out());
    assertFalse(r.err().contains(key), r.err());
    CliRun bad = run("evaluate", "--model", url, "--model-name", "fake", "--adapter", dir.toString(),
        "--data", data.toString(), "--similarity", "exact", "--out", out.toString(), "--no-progress");
    assertEquals(2, bad.exitCode(), bad.err());
    assertFalse(bad.err().contains(key), bad.err());
  }

  @Test
  void evaluate_with_the_embedding_similarity_scores_groups_by_minilm_cosine() throws Exception {
    server.answers(EvaluateCommandTest::halfRight);
    Path out = dir.resolve("out-embedding");
    CliRun r = run("evaluate", "--model", server.baseUrl(), "--model-name", "fake", "--data",
        data.toString(), "--similarity", "embedding", "--out", out.toString(), "--no-progress",
        "--resamples", "200", "--seed", "5");
    assertEquals(0, r.exitCode(), r.err());
    double positive;
    double negative;
    try (org.consistency4j.embedding.EmbeddingSimilarity miniLm =
        org.consistency4j.embedding.EmbeddingSimilarity.miniLm()) {
      positive = org.consistency4j.metrics.ConsistencyRate.rate(
          List.of("positive", "positive", "Positive."), miniLm);
      negative = org.consistency4j.metrics.ConsistencyRate.rate(
          List.of("negative", "negative", "Positive."), miniLm);
    }
    EvaluationReport report = Reports.readJson(out.resolve("report.json"));
    assertEquals("embedding:all-MiniLM-L6-v2-q", report.config().get("similarity"));
    TaskResult s = report.models().get(0).task("sentiment").orElseThrow();
    // Two instances answer positive/positive/Positive., two negative/negative/Positive.
    assertEquals((positive + negative) / 2,
        s.metric(MetricNames.CONSISTENCY_RATE).orElseThrow().value(), 1e-9);
    assertTrue(negative < positive, negative + " >= " + positive);
  }

  @Test
  void compare_gives_the_paired_difference_of_two_stored_evaluations() throws Exception {
    server.answers(EvaluateCommandTest::halfRight);
    Path a = dir.resolve("a");
    assertEquals(0, evaluate(a).exitCode());
    server.answers(EvaluateCommandTest::alwaysRight);
    Path b = dir.resolve("b");
    assertEquals(0, evaluate(b).exitCode());
    Path out = dir.resolve("cmp");
    CliRun r = run("compare", a.toString(), b.resolve("report.json").toString(), "--out", out.toString(),
        "--resamples", "200");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("sentiment     CR (macro)          4       0.667    1.000    +0.333 ["), r.out());
    EvaluationReport report = Reports.readJson(out.resolve("report.json"));
    assertEquals("fake@" + server.baseUrl() + " (A)", report.comparisons().get(0).modelA());
    assertTrue(Files.exists(out.resolve("report.html")));
  }

  @Test
  void compare_of_reports_without_common_groups_is_bad_input() throws Exception {
    server.answers(EvaluateCommandTest::halfRight);
    Path a = dir.resolve("a");
    assertEquals(0, evaluate(a).exitCode());
    Files.writeString(data, Files.readString(data).replace("\"sentiment\"", "\"other\""));
    Path b = dir.resolve("b");
    assertEquals(0, evaluate(b).exitCode());
    CliRun r = run("compare", a.toString(), b.toString());
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("shares no group with " + a), r.err());
  }

  @Test
  void usage_errors_exit_with_2_and_a_clear_message() throws Exception {
    Path out = dir.resolve("out");
    CliRun r = run("evaluate", "--model", server.baseUrl(), "--data", data.toString(), "--out", out.toString());
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("--model-name is required with an HTTP model URL"), r.err());

    Path tiny = Path.of(getClass().getResource("/fixtures/tiny-llama").toURI());
    r = run("evaluate", "--model", tiny.toString(), "--adapter", dir.toString(), "--data", data.toString(),
        "--out", out.toString());
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains(dir.resolve("adapter_config.json") + ": must be a regular file"), r.err());

    r = run("evaluate", "--model", "ftp://x", "--data", data.toString(), "--out", out.toString());
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("--model must be an http(s) URL or an existing model directory, found \"ftp://x\""),
        r.err());

    r = evaluate(out, "--adapter", dir.toString());
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("--adapter applies to local model directories only"), r.err());

    r = run("evaluate", "--model", server.baseUrl(), "--model-name", "m", "--data", dir.toString(),
        "--out", out.toString());
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains(dir + ": no task*.json file in the directory"), r.err());

    r = evaluate(out, "--limit", "0");
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("--limit must be > 0, found 0"), r.err());

    r = run("evaluate", "--model", server.baseUrl(), "--model-name", "m", "--data", data.toString(),
        "--out", out.toString(), "--similarity", "cosine");
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("cosine"), r.err());
    assertTrue(server.requests().isEmpty());
  }

  @Test
  void an_unset_api_key_variable_is_a_usage_error_naming_the_option_and_the_variable() {
    // The README's evaluate command names --api-key-env OPENAI_API_KEY; unset, it exited with 1.
    String variable = "CONSISTENCY4J_TEST_UNSET_KEY_VARIABLE";
    CliRun r = evaluate(dir.resolve("out"), "--api-key-env", variable);
    assertEquals(2, r.exitCode(), r.err());
    assertTrue(r.err().contains("--api-key-env: environment variable " + variable
        + " is not set or empty; set it to the API key of " + server.baseUrl()), r.err());
    assertTrue(server.requests().isEmpty());
  }

  @Test
  void a_failing_server_exits_with_1_naming_the_url_and_status() {
    server.failNext(10, 503, null);
    CliRun r = evaluate(dir.resolve("out"), "--max-retries", "0");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("POST " + server.baseUrl() + "/v1/chat/completions failed after 1 attempt, last"
        + " with HTTP 503"), r.err());
  }

  @Test
  void an_sni_directory_is_evaluated_with_paraphrased_definitions() throws Exception {
    Path sni = Path.of(getClass().getResource("/sni").toURI());
    server.answers(p -> "POS");
    Path out = dir.resolve("sni-out");
    CliRun r = run("evaluate", "--model", server.baseUrl(), "--model-name", "fake", "--data", sni.toString(),
        "--limit", "3", "--paraphrases", "2", "--paraphraser", "structural", "--similarity", "exact",
        "--out", out.toString(), "--no-progress", "--resamples", "100");
    assertEquals(0, r.exitCode(), r.err());
    EvaluationReport report = Reports.readJson(out.resolve("report.json"));
    TaskResult sst2 = report.models().get(0).task("task363_sst2_polarity_classification").orElseThrow();
    TaskResult giga = report.models().get(0).task("task288_gigaword_summarization").orElseThrow();
    assertEquals(3, sst2.groups());
    assertTrue(sst2.variants().size() >= 2, "no paraphrase was made");
    assertEquals(1.0, sst2.metric(MetricNames.CONSISTENCY_RATE).orElseThrow().value(), 1e-12);
    assertTrue(sst2.metric(MetricNames.ACCURACY).isPresent());
    assertTrue(giga.metric(MetricNames.ACCURACY).isEmpty());
    assertTrue(giga.metric(MetricNames.ROUGE_L).isPresent());
    String prompt = server.requests().get(0).body().get("messages").get(0).get("content").asText();
    assertTrue(prompt.endsWith("\nOutput:"), prompt);
    assertEquals("structural", report.config().get("paraphraser"));
  }

  @Test
  void a_local_model_directory_is_evaluated_on_onnx_runtime() throws Exception {
    Path tiny = Path.of(getClass().getResource("/fixtures/tiny-llama").toURI());
    Path out = dir.resolve("local");
    CliRun r = run("evaluate", "--model", tiny.toString(), "--data", data.toString(), "--similarity", "exact",
        "--out", out.toString(), "--no-progress", "--resamples", "100", "--max-new-tokens", "4", "--limit", "2");
    assertEquals(0, r.exitCode(), r.err());
    assertEquals(6, Files.readAllLines(out.resolve("responses.jsonl")).size());
    EvaluationReport report = Reports.readJson(out.resolve("report.json"));
    assertTrue(report.models().get(0).task("sentiment").orElseThrow().metric(MetricNames.CONSISTENCY_RATE)
        .isPresent());
    assertTrue(server.requests().isEmpty());
  }

  @Test
  void model_name_labels_a_local_model_in_responses_and_reports() throws Exception {
    Path tiny = Path.of(getClass().getResource("/fixtures/tiny-llama").toURI());
    Path out = dir.resolve("named");
    CliRun r = run("evaluate", "--model", tiny.toString(), "--model-name", "tiny-test", "--data",
        data.toString(), "--similarity", "exact", "--out", out.toString(), "--no-progress",
        "--resamples", "50", "--max-new-tokens", "2", "--limit", "1");
    assertEquals(0, r.exitCode(), r.err());
    assertEquals("tiny-test", Reports.readJson(out.resolve("report.json")).models().get(0).model());
    assertTrue(Files.readString(out.resolve("responses.jsonl")).contains("\"tiny-test\""));
    CliRun two = run("evaluate", "--model", tiny.toString(), "--model", tiny.toString(), "--model-name",
        "x", "--data", data.toString(), "--out", dir.resolve("two").toString(), "--no-progress");
    assertEquals(2, two.exitCode(), two.err());
    assertTrue(two.err().contains("--model-name names a local model directory only when it is the only"
        + " --model (found 2 --model values)"), two.err());
  }

  @Test
  void help_texts_render_their_percent_signs() {
    CliRun e = run("evaluate", "--help");
    assertEquals(0, e.exitCode());
    assertTrue(e.out().contains("95% bootstrap"), e.out());
    CliRun c = run("compare", "--help");
    assertEquals(0, c.exitCode());
    assertTrue(c.out().contains("bootstrap 95% interval"), c.out());
  }

  @Test
  void limit_evaluates_only_the_first_instances() throws Exception {
    Path out = dir.resolve("out");
    CliRun r = evaluate(out, "--limit", "2", "--endpoint", "completions", "--stop", "###");
    assertEquals(0, r.exitCode(), r.err());
    assertEquals(6, server.requests().size());
    assertEquals("/v1/completions", server.requests().get(0).path());
    assertEquals("###", server.requests().get(0).body().get("stop").get(0).asText());
    CliRun bad = evaluate(dir.resolve("out2"), "--endpoint", "embeddings");
    assertEquals(2, bad.exitCode());
    assertTrue(bad.err().contains("endpoint must be one of [chat, completions], found \"embeddings\""), bad.err());
  }

  @Test
  void an_adapter_is_evaluated_exactly_like_the_model_it_merges_into() throws Exception {
    Path tiny = Path.of(getClass().getResource("/fixtures/tiny-llama").toURI());
    Path sftData = dir.resolve("sft.jsonl");
    Files.writeString(sftData, "{\"prompt\": \"Review: great\\nOutput:\", \"completion\": \" positive\"}\n");
    Path sft = dir.resolve("sft");
    CliRun t = run("train", "sft", "--model", tiny.toString(), "--data", sftData.toString(), "--out",
        sft.toString(), "--lora-rank", "2", "--steps", "3", "--lr", "5e-2", "--seed", "1");
    assertEquals(0, t.exitCode(), t.err());
    Path merged = org.consistency4j.train.FineTuning.mergeAdapter(tiny, sft.resolve("adapter"),
        dir.resolve("merged"));
    Path a = dir.resolve("with-adapter");
    Path b = dir.resolve("merged-model");
    String[] common = {"--data", data.toString(), "--similarity", "exact", "--no-progress", "--resamples",
        "50", "--max-new-tokens", "4", "--limit", "2"};
    CliRun ra = run(concat(new String[] {"evaluate", "--model", tiny.toString(), "--adapter",
        sft.resolve("adapter").toString(), "--out", a.toString()}, common));
    assertEquals(0, ra.exitCode(), ra.err());
    CliRun rb = run(concat(new String[] {"evaluate", "--model", merged.toString(), "--out", b.toString()},
        common));
    assertEquals(0, rb.exitCode(), rb.err());
    Path plain = dir.resolve("plain");
    assertEquals(0, run(concat(new String[] {"evaluate", "--model", tiny.toString(), "--out",
        plain.toString()}, common)).exitCode());
    List<String> withAdapter = responses(a);
    assertEquals(responses(b), withAdapter);
    assertNotEquals(responses(plain), withAdapter, "the adapter changes the model's answers");
    // Reports name the model by what was given, not by the temporary merged directory.
    String md = Files.readString(a.resolve("report.md"));
    assertTrue(md.contains(tiny + "+" + sft.resolve("adapter")), md);
    assertFalse(md.contains("consistency4j-merged-"), md);
  }

  private static List<String> responses(Path out) throws Exception {
    List<String> texts = new java.util.ArrayList<>();
    for (String line : Files.readAllLines(out.resolve("responses.jsonl"))) {
      texts.add(new com.fasterxml.jackson.databind.ObjectMapper().readTree(line).get("response").asText());
    }
    return texts;
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void sni_tasks_run_on_the_tiny_local_model_when_long_prompts_may_be_truncated() throws Exception {
    Path sni = Path.of(getClass().getResource("/sni-long").toURI());
    Path tiny = Path.of(getClass().getResource("/fixtures/tiny-llama").toURI());
    String[] common = {"evaluate", "--model", tiny.toString(), "--data", sni.toString(), "--limit", "1",
        "--paraphrases", "1", "--paraphraser", "structural", "--max-new-tokens", "3", "--no-progress",
        "--resamples", "20"};
    CliRun refused = run(concat(common, new String[] {"--out", dir.resolve("a").toString()}));
    assertEquals(2, refused.exitCode());
    assertTrue(refused.err().contains("the model's context (max_position_embeddings) is 256"),
        refused.err());
    Path out = dir.resolve("b");
    CliRun r = run(concat(common, new String[] {"--out", out.toString(), "--truncate-prompts"}));
    assertEquals(0, r.exitCode(), r.err());
    EvaluationReport report = Reports.readJson(out.resolve("report.json"));
    assertEquals("true", report.config().get("truncate_prompts"));
    assertTrue(report.models().get(0).task("task1409_dart_text_generation").isPresent());
  }
}
