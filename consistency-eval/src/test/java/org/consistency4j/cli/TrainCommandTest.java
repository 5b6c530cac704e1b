package org.consistency4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainCommandTest {
  @TempDir Path dir;

  private Path model() throws Exception {
    return Path.of(getClass().getResource("/fixtures/tiny-llama").toURI());
  }

  private Path data() throws Exception {
    Path f = dir.resolve("train.jsonl");
    Files.writeString(f, String.join("\n",
        "{\"prompt\": \"user: What is two plus two?\\nassistant: \", \"completion\": \"Four.\"}",
        "{\"messages\": [{\"role\": \"user\", \"content\": \"Say hi.\"},"
            + " {\"role\": \"assistant\", \"content\": \"Hi!\"}]}"));
    return f;
  }

  @Test
  void lora_sft_writes_adapter_checkpoint_and_one_metrics_line_per_step() throws Exception {
    Path out = dir.resolve("out");
    CliRun run = CliRun.of("train", "sft", "--model", model().toString(), "--data", data().toString(),
        "--out", out.toString(), "--lora-rank", "2", "--lora-targets", "q_proj,v_proj", "--steps", "3",
        "--lr", "1e-3", "--batch-size", "2", "--seed", "5", "--threads", "1");
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().startsWith("trained 3 steps on 2 examples"), run.out());
    assertTrue(Files.isRegularFile(out.resolve("adapter/adapter_config.json")));
    assertTrue(Files.isRegularFile(out.resolve("adapter/adapter_model.safetensors")));
    assertTrue(Files.isRegularFile(out.resolve("checkpoint.safetensors")));
    List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
    assertEquals(3, lines.size());
    JsonNode first = new ObjectMapper().readTree(lines.get(0));
    for (String f : List.of("step", "loss", "lr", "grad_norm", "tokens_per_s")) {
      assertTrue(first.has(f), f);
    }
  }

  @Test
  void choosing_both_lora_and_full_is_a_usage_error() throws Exception {
    CliRun run = CliRun.of("train", "sft", "--model", model().toString(), "--data", data().toString(),
        "--out", dir.resolve("o").toString(), "--lora-rank", "2", "--full");
    assertEquals(2, run.exitCode());
    assertTrue(run.err().contains("give exactly one of --lora-rank R and --full"), run.err());
  }

  @Test
  void a_bad_data_line_is_reported_with_file_and_line() throws Exception {
    Path bad = dir.resolve("bad.jsonl");
    Files.writeString(bad, "{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"prompt\": 1}\n");
    CliRun run = CliRun.of("train", "sft", "--model", model().toString(), "--data", bad.toString(),
        "--out", dir.resolve("o").toString(), "--full", "--steps", "1");
    assertEquals(2, run.exitCode());
    assertTrue(run.err().contains(bad + ":2: prompt must be a string, found number"), run.err());
  }
}
