package org.consistency4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.consistency4j.report.Reports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line: bad usage and bad input are one-line errors with exit code 2 (checked before a
 * Spark context starts), and a local-mode run writes the report. The run test starts its own context,
 * so it stops the shared test context first (one Spark context per JVM); the next test needing the
 * shared one starts it again.
 */
class SparkCliTest {
  @TempDir Path dir;

  private static int run(ByteArrayOutputStream err, String... args) {
    PrintStream old = System.err;
    try (PrintStream p = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      System.setErr(p);
      return SparkCli.run(args);
    } finally {
      System.setErr(old);
    }
  }

  @Test
  void an_http_model_without_a_model_name_is_bad_usage() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = run(err, "evaluate", "--model", "http://127.0.0.1:9", "--data", "x.jsonl", "--out",
        dir.toString());
    assertEquals(2, code);
    String text = err.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("--model-name is required with an HTTP model URL"), text);
    assertFalse(text.contains("\tat "), "no stack trace: " + text);
  }

  @Test
  void an_unknown_reward_and_a_bad_m_are_bad_usage_naming_the_value() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(2, run(err, "pairs", "--model", TestSpark.tinyLlama(), "--groups", "g.jsonl", "--out",
        dir.resolve("p.jsonl").toString(), "--reward", "loudness"));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("--reward: a reward preset must be frequency, quality, agreement or judges, found \"loudness\""), err.toString(StandardCharsets.UTF_8));
    ByteArrayOutputStream err2 = new ByteArrayOutputStream();
    assertEquals(2, run(err2, "pairs", "--model", TestSpark.tinyLlama(), "--groups", "g.jsonl", "--out",
        dir.resolve("p.jsonl").toString(), "--m", "0"));
    assertTrue(err2.toString(StandardCharsets.UTF_8).contains("m must be in [1, 1024], found 0"),
        err2.toString(StandardCharsets.UTF_8));
  }

  @Test
  void max_new_tokens_beyond_the_local_model_context_is_bad_usage_before_spark_starts() {
    for (String command : new String[] {"evaluate", "pairs"}) {
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      String input = command.equals("pairs") ? "--groups" : "--data";
      assertEquals(2, run(err, command, "--model", TestSpark.tinyLlama(), input, "x.jsonl", "--out",
          dir.resolve(command + ".out").toString(), "--max-new-tokens", "2147483647"), command);
      String text = err.toString(StandardCharsets.UTF_8);
      assertTrue(text.contains("--max-new-tokens must be <= the model's context length")
          && text.contains("found 2147483647"), text);
      assertFalse(text.contains("\tat "), text);
    }
  }

  @Test
  void evaluate_runs_in_local_mode_with_one_command() throws Exception {
    // the shared test context must be stopped first: one Spark context per JVM
    TestSpark.stop();
    Path out = dir.resolve("out");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = run(err, "evaluate", "--master", "local[2]", "--model", TestSpark.tinyLlama(), "--data",
        TestSpark.resource("tasks.jsonl").toString(), "--out", out.toString(), "--max-new-tokens", "4",
        "--resamples", "50");
    assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
    // 4 + 3 instruction groups
    assertEquals(7, Reports.readJson(out.resolve(Reports.JSON_FILE)).models().get(0).groups().size());
    assertTrue(Files.exists(out.resolve("responses/model-0")));
  }
}
