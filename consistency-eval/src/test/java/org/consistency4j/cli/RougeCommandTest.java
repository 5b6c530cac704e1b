package org.consistency4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RougeCommandTest {
  @TempDir Path dir;

  private Path write(String name, String content) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, content, StandardCharsets.UTF_8);
    return p;
  }

  @Test
  void scores_reproduce_rouge_score_exactly_with_per_line_stemming() throws IOException {
    Path input = dir.resolve("vectors.jsonl");
    try (InputStream in = getClass().getResourceAsStream("/cli/rouge_cli_vectors.jsonl")) {
      Files.copy(in, input);
    }
    CliRun run = CliRun.of("rouge", "--input", input.toString());
    assertEquals(0, run.exitCode(), run.err());
    List<JsonNode> expected = CliRun.jsonLines(Files.readString(input));
    List<JsonNode> actual = CliRun.jsonLines(run.out());
    assertEquals(expected.size(), actual.size());
    for (int i = 0; i < expected.size(); i++) {
      JsonNode want = expected.get(i).get("scores");
      JsonNode got = actual.get(i);
      assertEquals(List.of("rouge1", "rouge2", "rougeL", "rougeLsum"), fieldNames(got));
      for (String metric : fieldNames(want)) {
        for (String value : List.of("precision", "recall", "fmeasure")) {
          assertEquals(
              want.get(metric).get(value).doubleValue(),
              got.get(metric).get(value).doubleValue(),
              expected.get(i).get("id").textValue() + " " + metric + " " + value);
        }
      }
    }
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      names.add(it.next());
    }
    return names;
  }

  @Test
  void references_take_the_best_f_measure_and_metrics_can_be_chosen() throws IOException {
    Path input =
        write(
            "refs.jsonl",
            "{\"references\": [\"a dog\", \"the cat sat\"], \"prediction\": \"the cat sat down\"}\n");
    CliRun run = CliRun.of("rouge", "--input", input.toString(), "--metrics", "rouge1,rougeL");
    assertEquals(0, run.exitCode(), run.err());
    JsonNode got = CliRun.jsonLines(run.out()).get(0);
    assertEquals(List.of("rouge1", "rougeL"), fieldNames(got));
    // Against "the cat sat": 3 of 4 prediction tokens match, all 3 reference tokens are covered.
    assertEquals(0.75, got.get("rouge1").get("precision").doubleValue());
    assertEquals(1.0, got.get("rouge1").get("recall").doubleValue());
    assertEquals(2 * 0.75 * 1.0 / 1.75, got.get("rouge1").get("fmeasure").doubleValue());
    assertEquals(2 * 0.75 * 1.0 / 1.75, got.get("rougeL").get("fmeasure").doubleValue());
  }

  @Test
  void the_stemmer_flag_applies_unless_a_line_overrides_it() throws IOException {
    Path input =
        write(
            "stem.jsonl",
            "{\"target\": \"running dogs\", \"prediction\": \"run dog\"}\n"
                + "{\"target\": \"running dogs\", \"prediction\": \"run dog\", \"use_stemmer\": false}\n");
    CliRun run = CliRun.of("rouge", "--input", input.toString(), "--stemmer", "--metrics", "rouge1");
    assertEquals(0, run.exitCode(), run.err());
    List<JsonNode> got = CliRun.jsonLines(run.out());
    assertEquals(1.0, got.get(0).get("rouge1").get("fmeasure").doubleValue());
    assertEquals(0.0, got.get(1).get("rouge1").get("fmeasure").doubleValue());
  }

  @Test
  void an_output_file_receives_the_same_lines_as_standard_output() throws IOException {
    Path input =
        write("pairs.jsonl", "{\"target\": \"the cat sat on the mat\", \"prediction\": \"the cat lay on the mat\"}\n\n");
    Path output = dir.resolve("scores.jsonl");
    CliRun toFile = CliRun.of("rouge", "--input", input.toString(), "--output", output.toString());
    assertEquals(0, toFile.exitCode(), toFile.err());
    assertEquals("", toFile.out());
    CliRun toStdout = CliRun.of("rouge", "--input", input.toString());
    assertEquals(toStdout.out(), Files.readString(output));
    JsonNode got = CliRun.jsonLines(toStdout.out()).get(0);
    // 5 of 6 unigrams and 3 of 5 bigrams match; the LCS has 5 tokens.
    assertEquals(5.0 / 6, got.get("rouge1").get("fmeasure").doubleValue(), 1e-15);
    assertEquals(0.6, got.get("rouge2").get("fmeasure").doubleValue(), 1e-15);
    assertEquals(5.0 / 6, got.get("rougeL").get("fmeasure").doubleValue(), 1e-15);
  }

  @Test
  void a_malformed_line_fails_with_file_and_line_and_leaves_no_output() throws IOException {
    Path input =
        write(
            "bad.jsonl",
            "{\"target\": \"a\", \"prediction\": \"a\"}\n{\"target\": \"a\", \"prediction\": }\n");
    Path output = dir.resolve("out.jsonl");
    CliRun run = CliRun.of("rouge", "--input", input.toString(), "--output", output.toString());
    assertEquals(2, run.exitCode());
    assertTrue(
        run.err().startsWith("consistency rouge: " + input + ":2: not valid JSON: "), run.err());
    assertFalse(Files.exists(output));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(input), files.toList(), "no temporary file is left behind");
    }
  }

  @Test
  void a_failure_keeps_an_existing_output_file_unchanged() throws IOException {
    Path input = write("bad.jsonl", "{\"target\": 3, \"prediction\": \"a\"}\n");
    Path output = write("out.jsonl", "previous results\n");
    CliRun run = CliRun.of("rouge", "--input", input.toString(), "--output", output.toString());
    assertEquals(2, run.exitCode());
    assertEquals(
        "consistency rouge: " + input + ":1: field \"target\" must be a string, found number 3\n",
        run.err());
    assertEquals("previous results\n", Files.readString(output));
  }

  @Test
  void missing_fields_and_conflicting_fields_are_named() throws IOException {
    Path missing = write("missing.jsonl", "{\"target\": \"a\"}\n");
    CliRun run = CliRun.of("rouge", "--input", missing.toString());
    assertEquals(2, run.exitCode());
    assertEquals(
        "consistency rouge: " + missing + ":1: missing field \"prediction\"\n", run.err());
    Path both =
        write("both.jsonl", "{\"target\": \"a\", \"references\": [\"b\"], \"prediction\": \"a\"}\n");
    CliRun conflict = CliRun.of("rouge", "--input", both.toString());
    assertEquals(2, conflict.exitCode());
    assertEquals(
        "consistency rouge: " + both + ":1: give either \"target\" or \"references\", not both\n",
        conflict.err());
    Path empty = write("norefs.jsonl", "{\"references\": [], \"prediction\": \"a\"}\n");
    CliRun none = CliRun.of("rouge", "--input", empty.toString());
    assertEquals(
        "consistency rouge: " + empty + ":1: field \"references\" must not be empty\n", none.err());
    Path flag = write("flag.jsonl", "{\"target\": \"a\", \"prediction\": \"a\", \"use_stemmer\": \"yes\"}\n");
    CliRun badFlag = CliRun.of("rouge", "--input", flag.toString());
    assertEquals(
        "consistency rouge: " + flag + ":1: field \"use_stemmer\" must be true or false, found string\n",
        badFlag.err());
  }

  @Test
  void an_empty_input_says_so() throws IOException {
    Path input = write("empty.jsonl", "\n  \n");
    CliRun run = CliRun.of("rouge", "--input", input.toString());
    assertEquals(2, run.exitCode());
    assertEquals(
        "consistency rouge: " + input + ": is empty: expected one JSON object per line, found none\n",
        run.err());
  }

  @Test
  void a_missing_input_file_is_bad_input() {
    Path input = dir.resolve("nope.jsonl");
    CliRun run = CliRun.of("rouge", "--input", input.toString());
    assertEquals(2, run.exitCode());
    assertEquals("consistency rouge: " + input + ": file not found\n", run.err());
  }

  @Test
  void an_unknown_metric_is_bad_usage() throws IOException {
    Path input = write("pairs.jsonl", "{\"target\": \"a\", \"prediction\": \"a\"}\n");
    CliRun run = CliRun.of("rouge", "--input", input.toString(), "--metrics", "rougeX");
    assertEquals(2, run.exitCode());
    assertTrue(run.err().contains("unknown metric 'rougeX'"), run.err());
  }

  @Test
  void help_documents_the_input_format() {
    CliRun run = CliRun.of("rouge", "--help");
    assertEquals(0, run.exitCode());
    assertTrue(run.out().contains("--stemmer"), run.out());
    assertTrue(run.out().contains("\"prediction\""), run.out());
    assertTrue(run.out().contains("use_stemmer"), run.out());
  }
}
