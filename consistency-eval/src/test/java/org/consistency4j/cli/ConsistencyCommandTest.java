package org.consistency4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.consistency4j.embedding.EmbeddingSimilarity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsistencyCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String GROUPS =
      "{\"group\": \"q1\", \"responses\": [\"Paris\", \"paris.\", \"Lyon\"], \"references\": [\"Paris\"]}\n"
          + "{\"group\": \"q2\", \"responses\": [\"yes\", \"Yes\", \"yes!\", \"no\"], \"references\": [\"yes\"]}\n"
          + "{\"group\": 3, \"responses\": [\"alone\"]}\n";

  @TempDir Path dir;

  private Path write(String name, String content) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, content, StandardCharsets.UTF_8);
    return p;
  }

  @Test
  void the_summary_reports_rates_agreement_accuracy_and_per_group_values() throws IOException {
    Path input = write("groups.jsonl", GROUPS);
    CliRun run = exact(input, "--bootstrap", "0");
    assertEquals(0, run.exitCode(), run.err());
    JsonNode s = JSON.readTree(run.out());
    // q1: 1 of 3 pairs agree; q2: 3 of 6; group 3 has one response and is excluded.
    assertEquals((1.0 / 3 + 0.5) / 2, s.at("/consistency_rate/macro/estimate").doubleValue(), 1e-15);
    assertEquals(4.0 / 9, s.at("/consistency_rate/pooled/estimate").doubleValue(), 1e-15);
    assertTrue(s.at("/consistency_rate/macro/ci_low").isMissingNode());
    assertEquals(3, s.at("/groups/total").intValue());
    assertEquals(2, s.at("/groups/scored").intValue());
    assertEquals(1, s.at("/groups/excluded").intValue());
    assertEquals("3", s.at("/groups/excluded_ids/0").textValue());
    assertEquals(9, s.at("/groups/pairs").intValue());
    // Majority: 2 of 3 say Paris, 3 of 4 say yes.
    assertEquals((2.0 / 3 + 0.75) / 2, s.at("/majority_agreement/macro/estimate").doubleValue(), 1e-15);
    // Accuracy: q1 2/3, q2 3/4; pooled 5 of 7 responses.
    assertEquals((2.0 / 3 + 0.75) / 2, s.at("/accuracy/macro/estimate").doubleValue(), 1e-15);
    assertEquals(5.0 / 7, s.at("/accuracy/pooled").doubleValue(), 1e-15);
    assertEquals(2, s.at("/accuracy/groups").intValue());
    assertEquals("exact", s.at("/config/similarity").textValue());
    assertEquals(0, s.at("/config/seed").longValue());
    JsonNode q1 = s.at("/per_group/0");
    assertEquals("q1", q1.get("group").textValue());
    assertEquals(1.0 / 3, q1.get("consistency_rate").doubleValue(), 1e-15);
    assertEquals("Paris", q1.get("majority").textValue());
    JsonNode excluded = s.at("/per_group/2");
    assertTrue(excluded.get("excluded").booleanValue());
    assertFalse(excluded.has("consistency_rate"));
  }

  @Test
  void bootstrap_intervals_are_seeded_and_contain_the_estimates() throws IOException {
    Path input = write("groups.jsonl", GROUPS);
    String[] args = {
      "consistency", "--input", input.toString(), "--similarity", "rougeL>=0.5",
      "--bootstrap", "200", "--seed", "7"
    };
    CliRun first = CliRun.of(args);
    assertEquals(0, first.exitCode(), first.err());
    assertEquals(first.out(), CliRun.of(args).out());
    JsonNode s = JSON.readTree(first.out());
    for (String path : new String[] {"/consistency_rate/macro", "/consistency_rate/pooled", "/majority_agreement/macro", "/accuracy/macro"}) {
      JsonNode ci = s.at(path);
      assertTrue(
          ci.get("ci_low").doubleValue() <= ci.get("estimate").doubleValue()
              && ci.get("estimate").doubleValue() <= ci.get("ci_high").doubleValue(),
          path + " " + ci);
    }
    assertEquals("rougeL>=0.5", s.at("/config/similarity").textValue());
    assertEquals(7, s.at("/config/seed").longValue());
    assertEquals(200, s.at("/config/bootstrap").intValue());
  }

  @Test
  void the_summary_can_be_written_to_a_file() throws IOException {
    Path input = write("groups.jsonl", GROUPS);
    Path output = dir.resolve("summary.json");
    int code =
        ConsistencyCli.run(
            "consistency", "--input", input.toString(), "--similarity", "tokenF1",
            "--output", output.toString());
    assertEquals(0, code);
    JsonNode s = JSON.readTree(Files.readString(output));
    assertEquals("tokenF1", s.at("/config/similarity").textValue());
    assertEquals(1000, s.at("/config/bootstrap").intValue());
  }

  @Test
  void an_unknown_similarity_is_bad_usage() throws IOException {
    Path input = write("groups.jsonl", GROUPS);
    CliRun run = CliRun.of("consistency", "--input", input.toString(), "--similarity", "cosine");
    assertEquals(2, run.exitCode());
    assertTrue(
        run.err().startsWith("consistency consistency: unknown similarity \"cosine\"; valid names:"),
        run.err());
    assertTrue(run.err().contains("; with ONNX Runtime also: embedding, embedding>=T"), run.err());
  }

  @Test
  void the_embedding_similarity_gives_minilm_cosine_rates_graded_and_thresholded()
      throws IOException {
    List<String> agree = List.of("The review is positive.", "It is a positive review.",
        "Positive: the reviewer liked the film.");
    List<String> mixed = List.of("The answer is Paris.", "Paris is the answer.",
        "Bake the bread for an hour.");
    Path input = write("groups.jsonl",
        "{\"group\": \"a\", \"responses\": " + JSON.writeValueAsString(agree) + "}\n"
            + "{\"group\": \"b\", \"responses\": " + JSON.writeValueAsString(mixed) + "}\n");
    double[] pa;
    double[] pb;
    try (EmbeddingSimilarity miniLm = EmbeddingSimilarity.miniLm()) {
      pa = miniLm.pairwise(agree);
      pb = miniLm.pairwise(mixed);
    }
    CliRun graded = CliRun.of("consistency", "--input", input.toString(), "--similarity",
        "embedding", "--bootstrap", "0");
    assertEquals(0, graded.exitCode(), graded.err());
    JsonNode g = JSON.readTree(graded.out());
    assertEquals("embedding:all-MiniLM-L6-v2-q", g.at("/config/similarity").textValue());
    double rateA = (pa[0] + pa[1] + pa[2]) / 3;
    double rateB = (pb[0] + pb[1] + pb[2]) / 3;
    assertEquals(rateA, g.at("/per_group/0/consistency_rate").doubleValue(), 1e-9);
    assertEquals(rateB, g.at("/per_group/1/consistency_rate").doubleValue(), 1e-9);
    assertEquals((rateA + rateB) / 2, g.at("/consistency_rate/macro/estimate").doubleValue(), 1e-9);
    assertTrue(rateA > rateB, rateA + " <= " + rateB);

    CliRun binary = CliRun.of("consistency", "--input", input.toString(), "--similarity",
        "embedding>=0.8", "--bootstrap", "0");
    assertEquals(0, binary.exitCode(), binary.err());
    JsonNode b = JSON.readTree(binary.out());
    assertEquals("embedding:all-MiniLM-L6-v2-q>=0.8", b.at("/config/similarity").textValue());
    double agreeing = 0;
    for (double[] pairs : List.of(pa, pb)) {
      for (double x : pairs) {
        agreeing += x >= 0.8 ? 1 : 0;
      }
    }
    assertEquals(agreeing / 6, b.at("/consistency_rate/pooled/estimate").doubleValue(), 1e-12);
  }

  @Test
  void a_bad_embedding_threshold_is_bad_usage_naming_the_value() throws IOException {
    Path input = write("groups.jsonl", GROUPS);
    CliRun run = CliRun.of("consistency", "--input", input.toString(), "--similarity",
        "embedding>=1.5");
    assertEquals(2, run.exitCode());
    assertTrue(run.err().startsWith("consistency consistency: unknown similarity \"embedding>=1.5\""
        + " (threshold must be in (0, 1], found 1.5); valid names: exact, tokenF1, rougeL,"), run.err());
    assertTrue(run.err().contains("embedding, embedding>=T"), run.err());
  }

  @Test
  void a_repeated_group_fails_with_both_lines() throws IOException {
    Path input =
        write(
            "dup.jsonl",
            "{\"group\": \"q1\", \"responses\": [\"a\", \"b\"]}\n\n{\"group\": \"q1\", \"responses\": [\"c\", \"d\"]}\n");
    Path output = dir.resolve("summary.json");
    assertBadInput(input + ":3: group \"q1\" already appeared on line 1",
        exact(input, "--output", output.toString()));
    assertFalse(Files.exists(output));
  }

  @Test
  void field_types_are_checked_with_file_and_line() throws IOException {
    Path input = write("bad.jsonl", "{\"group\": \"q1\", \"responses\": \"Paris\"}\n");
    assertBadInput(input + ":1: field \"responses\" must be an array of strings, found string",
        exact(input));
    Path element = write("element.jsonl", "{\"group\": \"q1\", \"responses\": [\"a\", null]}\n");
    assertBadInput(element + ":1: field \"responses\"[1] must be a string, found null",
        exact(element));
    Path id = write("id.jsonl", "{\"group\": [1], \"responses\": [\"a\", \"b\"]}\n");
    assertBadInput(id + ":1: field \"group\" must be a string or an integer, found array", exact(id));
  }

  @Test
  void an_input_without_pairs_is_bad_input() throws IOException {
    Path input = write("single.jsonl", "{\"group\": \"q1\", \"responses\": [\"a\"]}\n");
    assertBadInput(
        input
            + ": no group has at least 2 responses (1 groups); the consistency rate compares pairs"
            + " of responses",
        exact(input));
  }

  @Test
  void an_empty_input_says_so() throws IOException {
    Path input = write("empty.jsonl", "");
    assertBadInput(input + ": is empty: expected one JSON object per line, found none", exact(input));
  }

  @Test
  void option_ranges_are_checked() throws IOException {
    Path input = write("groups.jsonl", GROUPS);
    assertBadInput("--level must be in (0, 1), found 1.0", exact(input, "--level", "1"));
    assertBadInput("--bootstrap must be in [0, 1000000], found -1", exact(input, "--bootstrap", "-1"));
    assertBadInput("--majority-threshold must be in (0, 1], found 0.0",
        exact(input, "--majority-threshold", "0"));
  }

  /** {@code consistency --input INPUT --similarity exact} followed by {@code more}. */
  private static CliRun exact(Path input, String... more) {
    List<String> args = new ArrayList<>(
        List.of("consistency", "--input", input.toString(), "--similarity", "exact"));
    args.addAll(List.of(more));
    return CliRun.of(args.toArray(String[]::new));
  }

  /** Exit code 2 and exactly {@code message} on standard error, after the command's name. */
  private static void assertBadInput(String message, CliRun run) {
    assertEquals(2, run.exitCode(), run.err());
    assertEquals("consistency consistency: " + message + "\n", run.err());
  }

  @Test
  void help_documents_the_input_format() {
    CliRun run = CliRun.of("consistency", "--help");
    assertEquals(0, run.exitCode());
    assertTrue(run.out().contains("\"responses\""), run.out());
    assertTrue(run.out().contains("references"), run.out());
    assertTrue(run.out().contains("rougeL>=T"), run.out());
  }

  @Test
  void missing_required_options_are_usage_errors() {
    CliRun run = CliRun.of("consistency", "--similarity", "exact");
    assertEquals(2, run.exitCode());
    assertTrue(run.err().contains("Missing required option: '--input=FILE'"), run.err());
  }
}
