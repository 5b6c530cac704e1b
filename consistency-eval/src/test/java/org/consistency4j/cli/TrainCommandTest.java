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

  private Path pairs() throws Exception {
    Path f = dir.resolve("pairs.jsonl");
    Files.writeString(f, String.join("\n",
        "{\"prompt\": \"user: Is the sky blue?\\nassistant: \", \"chosen\": \"Yes.\","
            + " \"rejected\": \"No.\", \"score_chosen\": 0.9, \"score_rejected\": 0.1}",
        "{\"prompt\": \"user: Two plus two?\\nassistant: \", \"chosen\": \"Four.\","
            + " \"rejected\": \"Five.\", \"score_chosen\": 0.8, \"score_rejected\": 0.3}"));
    return f;
  }

  @Test
  void cat_with_dpo_continues_a_stage_1_adapter_and_logs_reward_accuracy() throws Exception {
    Path sft = dir.resolve("sft");
    assertEquals(0, CliRun.of("train", "sft", "--model", model().toString(), "--data",
        data().toString(), "--out", sft.toString(), "--lora-rank", "2", "--steps", "2", "--lr", "1e-3",
        "--seed", "5", "--threads", "1").exitCode());
    Path out = dir.resolve("cat");
    CliRun run = CliRun.of("train", "cat", "--model", model().toString(), "--adapter",
        sft.resolve("adapter").toString(), "--pairs", pairs().toString(), "--loss", "dpo", "--beta",
        "0.5", "--out", out.toString(), "--lora-rank", "2", "--steps", "3", "--lr", "1e-2",
        "--batch-size", "2", "--seed", "5", "--threads", "1");
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().startsWith("trained 3 steps on 2 pairs with dpo: reward accuracy"), run.out());
    assertTrue(Files.isRegularFile(out.resolve("stage1-merged/model.safetensors")));
    assertTrue(Files.isRegularFile(out.resolve("adapter/adapter_model.safetensors")));
    assertTrue(Files.isRegularFile(out.resolve("reference_logps.json")));
    List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
    assertEquals(3, lines.size());
    JsonNode first = new ObjectMapper().readTree(lines.get(0));
    assertEquals(Math.log(2), first.get("loss").asDouble(), 1e-6, "policy == reference at step 1");
    for (String f : List.of("reward_accuracy", "margin", "lr", "grad_norm")) {
      assertTrue(first.has(f), f);
    }
  }

  @Test
  void cat_reports_a_bad_pairs_line_with_file_and_line() throws Exception {
    Path bad = dir.resolve("bad-pairs.jsonl");
    Files.writeString(bad, "{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\"}\n"
        + "{\"prompt\": \"a\", \"chosen\": \"same\", \"rejected\": \"same\"}\n");
    CliRun run = CliRun.of("train", "cat", "--model", model().toString(), "--pairs", bad.toString(),
        "--out", dir.resolve("o").toString(), "--full", "--steps", "1");
    assertEquals(2, run.exitCode());
    assertTrue(run.err().contains(bad + ":2:"), run.err());
  }

  @Test
  void cat_rejects_an_unknown_loss_naming_the_choices() throws Exception {
    CliRun run = CliRun.of("train", "cat", "--model", model().toString(), "--pairs",
        pairs().toString(), "--out", dir.resolve("o").toString(), "--full", "--loss", "kto");
    assertEquals(2, run.exitCode());
    assertTrue(run.err().contains("loss must be one of"), run.err());
    assertTrue(run.err().contains("found kto"), run.err());
  }

  @Test
  void lora_dropout_is_trained_and_written_to_the_peft_config() throws Exception {
    Path out = dir.resolve("drop");
    CliRun run = CliRun.of("train", "sft", "--model", model().toString(), "--data", data().toString(),
        "--out", out.toString(), "--lora-rank", "2", "--lora-dropout", "0.1", "--steps", "2",
        "--seed", "5");
    assertEquals(0, run.exitCode(), run.err());
    JsonNode cfg = new ObjectMapper().readTree(out.resolve("adapter/adapter_config.json").toFile());
    assertEquals(0.1, cfg.get("lora_dropout").asDouble());
    CliRun bad = CliRun.of("train", "sft", "--model", model().toString(), "--data", data().toString(),
        "--out", dir.resolve("bad").toString(), "--lora-rank", "2", "--lora-dropout", "1.5");
    assertEquals(2, bad.exitCode());
    assertTrue(bad.err().contains("dropout must be in [0, 1), found 1.5"), bad.err());
  }
}
