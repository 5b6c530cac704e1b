package org.consistency4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.consistency4j.cli.ConsistencyCli;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Every sample file in {@code examples/data} works with the command the README and
 * {@code examples/data/README.md} show for it (and a sample is refused by the command whose format
 * it does not follow).
 */
class SampleDataTest {
  private static final Path DATA = Path.of("data");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path model;
  @TempDir Path out;

  @BeforeAll
  static void copyTheTinyModel() throws Exception {
    for (String f : List.of("config.json", "model.safetensors", "tokenizer.json",
        "tokenizer_config.json")) {
      try (var in = SampleDataTest.class.getResourceAsStream("/fixtures/tiny-llama/" + f)) {
        Files.copy(in, model.resolve(f));
      }
    }
  }

  private record Run(int exitCode, String out, String err) {}

  private static Run cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CommandLine cli = ConsistencyCli.commandLine();
    cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
    cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
    int code = cli.execute(args);
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void the_rouge_sample_is_scored() {
    Run run = cli("rouge", "--input", DATA.resolve("rouge-sample.jsonl").toString(), "--stemmer");
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().contains("rougeL"), run.out());
  }

  @Test
  void the_response_group_sample_gives_a_consistency_rate_and_is_not_an_evaluation_task_file() {
    Path groups = DATA.resolve("groups-sample.jsonl");
    Run run = cli("consistency", "--input", groups.toString(), "--similarity", "rougeL>=0.5",
        "--seed", "1");
    assertEquals(0, run.exitCode(), run.err());
    // Response groups hold answers, not instructions: evaluate must refuse them, naming the file.
    Run wrong = cli("evaluate", "--model", model.toString(), "--data", groups.toString(), "--out",
        out.resolve("wrong").toString());
    assertNotEquals(0, wrong.exitCode());
    assertTrue(wrong.err().contains("groups-sample.jsonl"), wrong.err());
  }

  @Test
  void the_task_sample_is_evaluated_with_a_local_model() throws Exception {
    Path dir = out.resolve("eval");
    Run run = cli("evaluate", "--model", model.toString(), "--data",
        DATA.resolve("tasks-sample.jsonl").toString(), "--out", dir.toString(), "--max-new-tokens", "3",
        "--seed", "0", "--no-progress");
    assertEquals(0, run.exitCode(), run.err());
    JsonNode report = JSON.readTree(dir.resolve("report.json").toFile());
    // 3 tasks x 7 instances x 3 wordings.
    assertEquals(7 * 3, Files.readAllLines(dir.resolve("responses.jsonl")).size());
    assertTrue(report.toString().contains("\"capital\""), report.toString());
  }

  @Test
  void the_task_sample_is_also_the_groups_file_of_pairs() throws Exception {
    Path pairs = out.resolve("pairs.jsonl");
    Run run = cli("pairs", "--model", model.toString(), "--groups",
        DATA.resolve("tasks-sample.jsonl").toString(), "--out", pairs.toString(), "--m", "2",
        "--max-new-tokens", "2", "--seed", "0");
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().startsWith("7 groups, "), run.out());
    assertTrue(Files.exists(pairs));
  }

  @Test
  void the_sni_sample_folder_is_augmented_into_stage_one_data() throws Exception {
    Path dir = out.resolve("ia");
    Run run = cli("augment", "--tasks", DATA.resolve("sni").toString(), "--n", "3", "--held-out", "1",
        "--out", dir.toString(), "--seed", "0");
    assertEquals(0, run.exitCode(), run.err());
    for (String f : List.of("train.prompt_completion.jsonl", "train.messages.jsonl",
        "train.groups.jsonl", "heldout.groups.jsonl", "paraphrases.jsonl", "manifest.json")) {
      assertTrue(Files.size(dir.resolve(f)) > 0, f);
    }
    assertEquals(2, Files.readAllLines(dir.resolve("train.groups.jsonl")).size());
  }
}
