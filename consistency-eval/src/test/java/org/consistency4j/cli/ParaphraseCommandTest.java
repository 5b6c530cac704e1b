package org.consistency4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.consistency4j.embedding.EmbeddingSimilarity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParaphraseCommandTest {
  @TempDir Path dir;

  private Path write(String name, String content) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, content, StandardCharsets.UTF_8);
    return p;
  }

  private Path instructions() throws IOException {
    return write("in.jsonl",
        "{\"id\": \"a\", \"instruction\": \"In this task, you are given a movie review. Classify it"
            + " as \\\"POS\\\" or \\\"NEG\\\".\"}\n"
            + "{\"id\": 7, \"instruction\": \"Judge whether the second sentence is the cause or"
            + " effect of the first one. Use {input}.\", \"protected\": [\"cause\", \"effect\"]}\n");
  }

  @Test
  void every_method_writes_one_line_per_instruction_with_provenance() throws IOException {
    for (String method : List.of("pipeline", "wordnet", "structural", "format")) {
      CliRun run = CliRun.of("paraphrase", "--input", instructions().toString(), "--n", "4",
          "--method", method, "--seed", "3");
      assertEquals(0, run.exitCode(), run.err());
      List<JsonNode> out = CliRun.jsonLines(run.out());
      assertEquals(2, out.size());
      assertEquals("a", out.get(0).get("id").asText());
      assertEquals("7", out.get(1).get("id").asText());
      JsonNode ps = out.get(1).get("paraphrases");
      assertTrue(ps.size() >= 1 && ps.size() <= 4, method + ": " + ps);
      for (JsonNode p : ps) {
        String text = p.get("text").asText();
        assertTrue(text.contains("{input}") && text.contains("cause") && text.contains("effect"),
            text);
        assertTrue(p.get("method").asText().contains(method.equals("pipeline") ? "+" : method));
        assertTrue(p.get("edits").isArray());
      }
    }
  }

  @Test
  void min_cosine_drops_paraphrases_that_drift_from_the_original() throws IOException {
    double threshold = 0.95;
    String[] base = {"paraphrase", "--input", instructions().toString(), "--n", "6", "--method",
        "wordnet", "--seed", "3"};
    CliRun free = CliRun.of(base);
    assertEquals(0, free.exitCode(), free.err());
    List<String> args = new ArrayList<>(List.of(base));
    args.addAll(List.of("--min-cosine", Double.toString(threshold)));
    CliRun filtered = CliRun.of(args.toArray(String[]::new));
    assertEquals(0, filtered.exitCode(), filtered.err());
    int drifted = 0;
    int kept = 0;
    try (EmbeddingSimilarity miniLm = EmbeddingSimilarity.miniLm()) {
      for (JsonNode line : CliRun.jsonLines(free.out())) {
        String original = line.get("instruction").asText();
        for (JsonNode p : line.get("paraphrases")) {
          drifted += miniLm.similarity(original, p.get("text").asText()) < threshold ? 1 : 0;
        }
      }
      for (JsonNode line : CliRun.jsonLines(filtered.out())) {
        String original = line.get("instruction").asText();
        for (JsonNode p : line.get("paraphrases")) {
          kept++;
          double cos = miniLm.similarity(original, p.get("text").asText());
          assertTrue(cos >= threshold, cos + " < " + threshold + ": " + p);
        }
      }
    }
    // Without the filter some synonym substitutions drift below the threshold; with it none is
    // left, and the filter still returns paraphrases.
    assertTrue(drifted > 0, "no paraphrase below " + threshold + " without the filter");
    assertTrue(kept > 0, filtered.out());
    assertTrue(!free.out().equals(filtered.out()));
  }

  @Test
  void min_cosine_outside_the_unit_interval_is_bad_usage() throws IOException {
    CliRun run = CliRun.of("paraphrase", "--input", instructions().toString(), "--min-cosine", "1.5");
    assertEquals(2, run.exitCode());
    assertTrue(run.err().contains("--min-cosine must be in [0, 1], found 1.5"), run.err());
  }

  @Test
  void output_is_deterministic_and_written_to_a_file() throws IOException {
    Path out1 = dir.resolve("o1.jsonl");
    Path out2 = dir.resolve("o2.jsonl");
    assertEquals(0, CliRun.of("paraphrase", "--input", instructions().toString(), "--n", "5",
        "--seed", "9", "--output", out1.toString()).exitCode());
    assertEquals(0, CliRun.of("paraphrase", "--input", instructions().toString(), "--n", "5",
        "--seed", "9", "--output", out2.toString()).exitCode());
    assertEquals(Files.readString(out1), Files.readString(out2));
    assertEquals(5, CliRun.jsonLines(Files.readString(out1)).get(0).get("paraphrases").size());
  }

  @Test
  void lm_without_a_model_fails_with_exit_code_2_and_says_what_is_needed() throws IOException {
    CliRun run = CliRun.of("paraphrase", "--input", instructions().toString(), "--method", "lm");
    assertEquals(2, run.exitCode());
    assertTrue(run.err().contains("--method lm needs a language model: give --model DIR (local) or"
        + " --endpoint URL --endpoint-model NAME"), run.err());
    CliRun withDir = CliRun.of("paraphrase", "--input", instructions().toString(), "--method", "lm",
        "--model", dir.toString());
    assertEquals(2, withDir.exitCode());
    assertTrue(withDir.err().contains(dir.resolve("config.json").toString()), withDir.err());
    CliRun unsetKey = CliRun.of("paraphrase", "--input", instructions().toString(), "--method",
        "lm", "--endpoint", "http://127.0.0.1:9", "--endpoint-model", "m", "--api-key-env",
        "CONSISTENCY4J_TEST_UNSET_KEY_VARIABLE");
    assertEquals(2, unsetKey.exitCode(), unsetKey.err());
    assertTrue(unsetKey.err().contains("--api-key-env: environment variable"
        + " CONSISTENCY4J_TEST_UNSET_KEY_VARIABLE is not set or empty"), unsetKey.err());
  }

  @Test
  void lm_with_a_local_model_directory_prompts_it_and_filters_its_answers() throws Exception {
    Path tiny = Path.of(getClass().getResource("/fixtures/tiny-llama").toURI());
    Path in = write("short.jsonl", "{\"id\": \"s\", \"instruction\": \"Say hi.\"}\n");
    Path out = dir.resolve("lm.jsonl");
    CliRun run = CliRun.of("paraphrase", "--input", in.toString(), "--method", "lm", "--model",
        tiny.toString(), "--n", "3", "--seed", "1", "--output", out.toString());
    assertEquals(0, run.exitCode(), run.err());
    List<JsonNode> lines = CliRun.jsonLines(Files.readString(out));
    assertEquals(1, lines.size());
    assertEquals("s", lines.get(0).get("id").asText());
    // The random fixture model writes gibberish; whatever survives the filters is a distinct rewrite.
    for (JsonNode p : lines.get(0).get("paraphrases")) {
      assertEquals("lm", p.get("method").asText());
      assertTrue(!p.get("text").asText().isBlank() && !p.get("text").asText().equals("Say hi."));
    }
  }

  @Test
  void bad_lines_and_options_are_reported_with_exit_code_2() throws IOException {
    Path bad = write("bad.jsonl", "{\"id\": \"a\", \"instruction\": \"Do it.\"}\n{\"id\": \"b\"}\n");
    CliRun run = CliRun.of("paraphrase", "--input", bad.toString());
    assertEquals(2, run.exitCode());
    assertTrue(run.err().contains(bad + ":2: missing field \"instruction\""), run.err());
    CliRun method = CliRun.of("paraphrase", "--input", bad.toString(), "--method", "magic");
    assertEquals(2, method.exitCode());
    assertTrue(method.err().contains(
        "method must be one of [wordnet, structural, lm, format, pipeline], found \"magic\""),
        method.err());
    CliRun n = CliRun.of("paraphrase", "--input", bad.toString(), "--n", "0");
    assertEquals(2, n.exitCode());
    assertTrue(n.err().contains("--n must be in [1, 1000], found 0"), n.err());
  }
}
