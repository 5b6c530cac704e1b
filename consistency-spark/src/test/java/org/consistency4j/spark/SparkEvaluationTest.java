package org.consistency4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.consistency4j.InvalidInputException;
import org.consistency4j.cli.ConsistencyCli;
import org.consistency4j.harness.Evaluator;
import org.consistency4j.harness.ProgressListener;
import org.consistency4j.harness.ResponseRecord;
import org.consistency4j.harness.ResponseStore;
import org.consistency4j.data.InstructionTasks;
import org.consistency4j.lm.LanguageModel;
import org.consistency4j.report.EvaluationReport;
import org.consistency4j.report.Reports;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark evaluation against the single-machine {@code consistency evaluate} on the same data,
 * model and seed: identical reports (every number to 1e-12) and identical responses, with sampling
 * (temperature 0.8), also when a task fails mid-partition and is retried, and when a run resumes.
 */
class SparkEvaluationTest {
  private static final double TOL = 1e-12;
  /** 12 + 6 prompts in batches of 4: 5 batches. */
  private static final int PROMPTS = 18;

  @TempDir static Path dir;
  private static EvaluationReport single;
  private static List<ResponseRecord> singleResponses;

  static String[] settings() {
    return new String[] {"--seed", "7", "--temperature", "0.8", "--max-new-tokens", "6", "--batch-size", "4",
        "--similarity", "tokenF1", "--resamples", "300"};
  }

  static SparkEvaluation.Builder sparkSettings(Path out, ModelSource model) {
    return SparkEvaluation.builder(TestSpark.resource("tasks.jsonl").toString(), out.toString())
        .model(model).seed(7).temperature(0.8).maxNewTokens(6).batchSize(4).similarity("tokenF1").resamples(300);
  }

  @BeforeAll
  static void singleMachine() throws IOException {
    Path out = dir.resolve("single");
    List<String> args = new ArrayList<>(List.of("evaluate", "--model", TestSpark.tinyLlama(),
        "--data", TestSpark.resource("tasks.jsonl").toString(), "--out", out.toString(), "--no-progress"));
    args.addAll(List.of(settings()));
    assertEquals(0, ConsistencyCli.run(args.toArray(String[]::new)));
    single = Reports.readJson(out.resolve(Reports.JSON_FILE));
    singleResponses = ResponseStore.read(out.resolve("responses.jsonl"));
    assertEquals(PROMPTS, singleResponses.size());
  }

  @AfterAll
  static void closeModels() {
    ExecutorModels.closeAll();
  }

  static List<ResponseRecord> partitionFiles(String responsesDir) throws IOException {
    List<ResponseRecord> all = new ArrayList<>();
    try (Stream<Path> files = Files.walk(Path.of(responsesDir))) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        assertTrue(f.getFileName().toString().matches("part-\\d{6}-\\d{6}\\.jsonl"), "unexpected file " + f);
        all.addAll(ResponseStore.read(f));
      }
    }
    return all;
  }

  static void assertSameResponses(List<ResponseRecord> expected, List<ResponseRecord> actual) {
    assertEquals(expected.size(), actual.size());
    Set<ResponseRecord.Key> keys = new HashSet<>();
    for (ResponseRecord r : actual) {
      assertTrue(keys.add(r.key()), "duplicate response " + r.key());
    }
    assertEquals(new HashSet<>(expected), new HashSet<>(actual));
  }

  @Test
  void spark_report_and_responses_equal_the_single_machine_evaluate() throws IOException {
    Path out = dir.resolve("spark");
    SparkEvaluation eval = sparkSettings(out, LocalModelSource.of(TestSpark.tinyLlama())).partitions(3).build();
    EvaluationReport report = eval.run(TestSpark.context());

    int numbers = ReportAssertions.assertSameNumbers(single, report, TOL);
    assertTrue(numbers >= 100, "compared only " + numbers + " numbers");
    // the written report is the same report
    ReportAssertions.assertSameNumbers(single, Reports.readJson(out.resolve(Reports.JSON_FILE)), 0);
    assertTrue(Files.exists(out.resolve(Reports.MARKDOWN_FILE)));
    assertTrue(Files.exists(out.resolve(Reports.HTML_FILE)));
    assertSameResponses(singleResponses, partitionFiles(eval.responsesDir()));
    // sampling at 0.8 made different responses across variants: the comparison is not of constants
    assertTrue(singleResponses.stream().map(ResponseRecord::response).distinct().count() > 5);
    // one model instance per concurrently running task (2 threads), reused by all partitions
    assertTrue(ExecutorModels.opened(LocalModelSource.of(TestSpark.tinyLlama())) <= 2);
  }

  @Test
  void a_task_killed_mid_partition_is_retried_without_duplicate_or_lost_responses() throws IOException {
    Path out = dir.resolve("retry");
    // 2 partitions: batches 0-1 and 2-4; the second batch of partition 1's first attempt fails
    CountingSource flaky = new CountingSource(LocalModelSource.of(TestSpark.tinyLlama()), "retry", 1, 2);
    SparkEvaluation eval = sparkSettings(out, flaky).partitions(2).build();
    EvaluationReport report = eval.run(TestSpark.context());

    assertEquals(1, CountingSource.failures("retry"), "the injected failure happened once");
    // 5 batches succeeded once each, plus the batch the failed attempt generated before failing
    assertEquals(6, CountingSource.calls("retry"));
    ReportAssertions.assertSameNumbers(single, report, TOL);
    assertSameResponses(singleResponses, partitionFiles(eval.responsesDir()));
  }

  @Test
  void a_rerun_skips_finished_partitions_and_regenerates_only_missing_ones() throws IOException {
    Path out = dir.resolve("resume");
    SparkEvaluation first = sparkSettings(out, CountingSource.counting("resume-1")).partitions(3).build();
    first.run(TestSpark.context());
    assertEquals(5, CountingSource.calls("resume-1"));
    Path model0 = Path.of(first.responsesDir(), "model-0");
    // partitions: batches 0-0, 1-2, 3-4; lose the middle one (an interrupted run never wrote it)
    Files.delete(model0.resolve("part-000001-000002.jsonl"));

    SparkEvaluation second = sparkSettings(out, CountingSource.counting("resume-2")).partitions(3).build();
    EvaluationReport report = second.run(TestSpark.context());
    assertEquals(2, CountingSource.calls("resume-2"), "only the two batches of the missing partition");
    ReportAssertions.assertSameNumbers(single, report, TOL);
    assertSameResponses(singleResponses, partitionFiles(second.responsesDir()));

    // other decoding settings into the same directory: refused, naming the partition file
    SparkEvaluation changed = sparkSettings(out, CountingSource.counting("resume-3")).seed(8).partitions(3).build();
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> changed.run(TestSpark.context()));
    String message = e.getMessage();
    assertTrue(message.contains("part-000000-000000.jsonl") || message.contains("part-000001-000002.jsonl")
        || message.contains("part-000003-000004.jsonl"), message);
    assertTrue(message.contains("other decoding settings or seed"), message);
  }

  @Test
  void two_models_give_the_same_report_and_paired_comparisons_as_the_library_evaluator() throws IOException {
    LocalModelSource chat = new LocalModelSource(TestSpark.tinyLlama(), null, true, false, 0, "chat");
    LocalModelSource plain = new LocalModelSource(TestSpark.tinyLlama(), null, false, false, 0, "plain");
    SparkEvaluation eval = sparkSettings(dir.resolve("two"), chat).model(plain).partitions(2).build();
    EvaluationReport report = eval.run(TestSpark.context());

    EvaluationReport expected;
    try (LanguageModel a = chat.open(); LanguageModel b = plain.open()) {
      expected = Evaluator.of(eval.evaluationConfig()).evaluate(
          InstructionTasks.read(TestSpark.resource("tasks.jsonl")), List.of(a, b),
          dir.resolve("two-single/responses.jsonl"), ProgressListener.NONE);
    }
    assertFalse(expected.comparisons().isEmpty());
    ReportAssertions.assertSameNumbers(expected, report, TOL);
  }

  @Test
  void bad_data_is_an_error_naming_the_file_and_line() throws IOException {
    Path bad = dir.resolve("bad.jsonl");
    Files.writeString(bad, "{\"task\": \"t\", \"variants\": [\"a {input}\"], \"instances\": []}\n");
    SparkEvaluation eval = SparkEvaluation.builder(bad.toString(), dir.resolve("bad-out").toString())
        .model(LocalModelSource.of(TestSpark.tinyLlama())).build();
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> eval.run(TestSpark.context()));
    assertEquals(bad + ":1: field instances: must be a non-empty array", e.getMessage());
  }
}
