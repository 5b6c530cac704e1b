package org.consistency4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
    return writeSftData(dir);
  }

  /** Two SFT examples (prompt/completion and messages) in {@code dir/train.jsonl}. */
  static Path writeSftData(Path dir) throws java.io.IOException {
    Path f = dir.resolve("train.jsonl");
    Files.writeString(f, String.join("\n",
        "{\"prompt\": \"user: What is two plus two?\\nassistant: \", \"completion\": \"Four.\"}",
        "{\"messages\": [{\"role\": \"user\", \"content\": \"Say hi.\"},"
            + " {\"role\": \"assistant\", \"content\": \"Hi!\"}]}"));
    return f;
  }

  /** Runs the command line {@code base} followed by {@code extra}. */
  private static CliRun run(List<String> base, String... extra) {
    List<String> args = new java.util.ArrayList<>(base);
    args.addAll(List.of(extra));
    return CliRun.of(args.toArray(String[]::new));
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
  void lora_sft_on_an_int8_base_records_the_quantization_and_refuses_full_fine_tuning()
      throws Exception {
    Path out = dir.resolve("out");
    List<String> common = List.of("train", "sft", "--model", model().toString(), "--data",
        data().toString(), "--out", out.toString(), "--lora-rank", "2", "--lr", "1e-3",
        "--batch-size", "2", "--seed", "5", "--threads", "1");
    CliRun run = run(common, "--quantize", "int8", "--steps", "2");
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().startsWith("trained 2 steps on 2 examples"), run.out());
    assertTrue(Files.isRegularFile(out.resolve("adapter/adapter_model.safetensors")));
    JsonNode cfg = new ObjectMapper().readTree(out.resolve("adapter/adapter_config.json").toFile());
    assertEquals(model().toAbsolutePath().toString(), cfg.get("base_model_name_or_path").asText(),
        "the adapter applies to the float model");
    for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
      double loss = new ObjectMapper().readTree(line).get("loss").asDouble();
      assertTrue(Double.isFinite(loss) && loss > 0, line);
    }
    // The quantization is part of the run's configuration: resuming without it is a change.
    CliRun refused = run(common, "--steps", "3", "--resume", out.toString());
    assertEquals(2, refused.exitCode(), refused.err());
    assertTrue(refused.err().contains("quantization: checkpoint int8"), refused.err());
    CliRun continued =
        run(common, "--steps", "3", "--resume", out.toString(), "--quantize", "int8");
    assertEquals(0, continued.exitCode(), continued.err());

    CliRun full = CliRun.of("train", "sft", "--model", model().toString(), "--data",
        data().toString(), "--out", dir.resolve("full").toString(), "--full", "--quantize", "int8");
    assertEquals(2, full.exitCode());
    assertTrue(full.err().contains("--quantize int8 trains LoRA adapters on a frozen quantized"
        + " base; --full fine-tunes every weight"), full.err());
    CliRun bad = CliRun.of("train", "cat", "--model", model().toString(), "--pairs",
        data().toString(), "--out", dir.resolve("bad").toString(), "--lora-rank", "2",
        "--quantize", "int3");
    assertEquals(2, bad.exitCode());
    assertTrue(bad.err().contains("--quantize must be none, int8 or int4, found \"int3\""),
        bad.err());
  }

  @Test
  void bucket_window_reaches_the_recorded_configuration_and_must_be_positive() throws Exception {
    Path out = dir.resolve("out");
    List<String> common = List.of("train", "sft", "--model", model().toString(), "--data",
        data().toString(), "--out", out.toString(), "--lora-rank", "2", "--lr", "1e-3",
        "--batch-size", "1", "--seed", "5", "--threads", "1");
    CliRun run = run(common, "--bucket-window", "1", "--steps", "2");
    assertEquals(0, run.exitCode(), run.err());
    // The checkpoint recorded bucketWindow 1: resuming with the default 32 is a changed setting.
    CliRun refused = run(common, "--steps", "3", "--resume", out.toString());
    assertEquals(2, refused.exitCode(), refused.err());
    assertTrue(refused.err().contains("bucketWindow: checkpoint 1"), refused.err());

    List<String> zero = new java.util.ArrayList<>(common);
    zero.set(zero.indexOf(out.toString()), dir.resolve("out0").toString());
    zero.addAll(List.of("--bucket-window", "0", "--steps", "1"));
    CliRun bad = CliRun.of(zero.toArray(String[]::new));
    assertEquals(2, bad.exitCode(), bad.err());
    assertTrue(bad.err().contains("--bucket-window must be >= 1 (1 turns length bucketing off),"
        + " found 0"), bad.err());
    assertFalse(Files.exists(dir.resolve("out0").resolve("adapter")), "nothing trained");
  }

  @Test
  void choosing_both_lora_and_full_is_a_usage_error() throws Exception {
    CliRun run = CliRun.of("train", "sft", "--model", model().toString(), "--data", data().toString(),
        "--out", dir.resolve("o").toString(), "--lora-rank", "2", "--full");
    assertEquals(2, run.exitCode());
    assertTrue(run.err().contains("--lora-rank=R, --full are mutually exclusive"), run.err());
  }

  @Test
  void choosing_neither_lora_nor_full_is_a_usage_error() throws Exception {
    CliRun run = CliRun.of("train", "sft", "--model", model().toString(), "--data", data().toString(),
        "--out", dir.resolve("o").toString());
    assertEquals(2, run.exitCode());
    assertTrue(run.err().contains("give exactly one of --lora-rank R and --full"), run.err());
  }

  @Test
  void a_loss_parameter_the_loss_does_not_have_is_a_usage_error_naming_its_parameters()
      throws Exception {
    CliRun run = CliRun.of("train", "cat", "--model", model().toString(), "--pairs",
        pairs().toString(), "--out", dir.resolve("o").toString(), "--full", "--loss", "dpo",
        "--lambda", "0.5");
    assertEquals(2, run.exitCode());
    assertTrue(run.err().contains("loss dpo has no parameter lambda; its parameters: beta"),
        run.err());
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
    return writePairs(dir);
  }

  /** Two preference pairs with scores in {@code dir/pairs.jsonl}. */
  static Path writePairs(Path dir) throws java.io.IOException {
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
    // The stage-1 adapter is continued, not merged: the new adapter has its settings and applies to
    // --model itself.
    assertTrue(Files.notExists(out.resolve("stage1-merged")));
    assertTrue(Files.isRegularFile(out.resolve("adapter/adapter_model.safetensors")));
    JsonNode cfg = new ObjectMapper().readTree(out.resolve("adapter/adapter_config.json").toFile());
    assertEquals(2, cfg.get("r").asInt());
    assertEquals(4.0, cfg.get("lora_alpha").asDouble());
    assertEquals(model().toAbsolutePath().toString(), cfg.get("base_model_name_or_path").asText());
    assertTrue(Files.isRegularFile(out.resolve("reference_logps.json")));
    List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
    assertEquals(3, lines.size());
    JsonNode first = new ObjectMapper().readTree(lines.get(0));
    assertEquals(Math.log(2), first.get("loss").asDouble(), 1e-6, "policy == reference at step 1");
    for (String f : List.of("reward_accuracy", "margin", "lr", "grad_norm")) {
      assertTrue(first.has(f), f);
    }
    // The reference is the stage-1 model (base + adapter), not the base model: a run with fresh
    // adapters (policy = base at step 1) caches other reference log-probabilities.
    Path fresh = dir.resolve("cat-fresh");
    assertEquals(0, CliRun.of("train", "cat", "--model", model().toString(), "--pairs",
        pairs().toString(), "--loss", "dpo", "--beta", "0.5", "--out", fresh.toString(),
        "--lora-rank", "2", "--steps", "1", "--lr", "1e-2", "--batch-size", "2", "--seed", "5",
        "--threads", "1").exitCode());
    JsonNode withAdapter = new ObjectMapper().readTree(out.resolve("reference_logps.json").toFile());
    JsonNode base = new ObjectMapper().readTree(fresh.resolve("reference_logps.json").toFile());
    assertNotEquals(base.get("chosen").get(0).asDouble(), withAdapter.get("chosen").get(0).asDouble());
  }

  @Test
  void cat_validates_on_held_out_pairs_at_the_chosen_steps_and_at_the_end() throws Exception {
    Path out = dir.resolve("cat-val");
    CliRun run = CliRun.of("train", "cat", "--model", model().toString(), "--pairs",
        pairs().toString(), "--validation-data", pairs().toString(), "--validate-every", "2",
        "--loss", "dpo", "--beta", "0.5", "--out", out.toString(), "--lora-rank", "2", "--steps", "3",
        "--lr", "1e-2", "--batch-size", "2", "--seed", "5", "--threads", "1");
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().contains("; validation (2 pairs) loss "), run.out());
    List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
    assertEquals(3, lines.size());
    ObjectMapper json = new ObjectMapper();
    assertTrue(!json.readTree(lines.get(0)).has("val_loss"), lines.get(0));
    for (int i : new int[] {1, 2}) {
      JsonNode line = json.readTree(lines.get(i));
      for (String f : List.of("val_loss", "val_reward_accuracy", "val_margin")) {
        assertTrue(line.has(f), f + " in " + lines.get(i));
      }
    }
    // The validation pairs here are the training pairs: after two steps the DPO margin on them is
    // positive and the loss below log 2, like on the training pairs.
    JsonNode second = json.readTree(lines.get(1));
    assertTrue(second.get("val_loss").asDouble() < Math.log(2), lines.get(1));
    assertTrue(Files.isRegularFile(out.resolve("reference_logps_validation.json")));
    CliRun empty = CliRun.of("train", "cat", "--model", model().toString(), "--pairs",
        pairs().toString(), "--validation-data", dir.resolve("none.jsonl").toString(), "--loss",
        "rank", "--out", dir.resolve("cat-bad").toString(), "--lora-rank", "2", "--steps", "1");
    assertEquals(2, empty.exitCode(), empty.err());
    assertTrue(empty.err().contains(dir.resolve("none.jsonl") + ": file not found"), empty.err());
    Files.writeString(dir.resolve("blank.jsonl"), "\n");
    CliRun blank = CliRun.of("train", "cat", "--model", model().toString(), "--pairs",
        pairs().toString(), "--validation-data", dir.resolve("blank.jsonl").toString(), "--loss",
        "rank", "--out", dir.resolve("cat-bad").toString(), "--lora-rank", "2", "--steps", "1");
    assertEquals(2, blank.exitCode(), blank.err());
    assertTrue(blank.err().contains("holds no preference pairs"), blank.err());
  }

  @Test
  void a_validation_pair_without_room_for_a_response_is_named_as_a_validation_pair()
      throws Exception {
    // tiny-llama's context is 256 tokens: this prompt leaves no room for the response
    Path tooLong = dir.resolve("too-long.jsonl");
    Files.writeString(tooLong, "{\"prompt\": \"" + "word ".repeat(300)
        + "\", \"chosen\": \"a\", \"rejected\": \"b\"}\n");
    CliRun run = CliRun.of("train", "cat", "--model", model().toString(), "--pairs",
        pairs().toString(), "--validation-data", tooLong.toString(), "--out",
        dir.resolve("cat-long").toString(), "--lora-rank", "2", "--steps", "1");
    assertEquals(2, run.exitCode(), run.err());
    assertTrue(run.err().contains("validation pairs[0]: the prompt leaves no response token"),
        run.err());
    CliRun training = CliRun.of("train", "cat", "--model", model().toString(), "--pairs",
        tooLong.toString(), "--out", dir.resolve("cat-long").toString(), "--lora-rank", "2",
        "--steps", "1");
    assertEquals(2, training.exitCode(), training.err());
    assertTrue(training.err().contains(" pairs[0]: the prompt leaves no response token"),
        training.err());
    assertFalse(training.err().contains("validation"), training.err());
  }

  @Test
  void cat_refuses_lora_settings_that_contradict_the_continued_adapter() throws Exception {
    Path sft = dir.resolve("sft");
    assertEquals(0, CliRun.of("train", "sft", "--model", model().toString(), "--data",
        data().toString(), "--out", sft.toString(), "--lora-rank", "2", "--steps", "1", "--lr", "1e-3",
        "--seed", "5", "--threads", "1").exitCode());
    CliRun run = CliRun.of("train", "cat", "--model", model().toString(), "--adapter",
        sft.resolve("adapter").toString(), "--pairs", pairs().toString(), "--loss", "rank",
        "--out", dir.resolve("cat").toString(), "--lora-rank", "4", "--steps", "1");
    assertEquals(2, run.exitCode(), run.err());
    assertTrue(run.err().contains(sft.resolve("adapter/adapter_config.json") + ": a continued"
        + " adapter keeps its settings: the adapter has r=2"), run.err());
    // With --full the adapter is merged into the model and every weight trains.
    Path full = dir.resolve("cat-full");
    CliRun merged = CliRun.of("train", "cat", "--model", model().toString(), "--adapter",
        sft.resolve("adapter").toString(), "--pairs", pairs().toString(), "--loss", "rank",
        "--out", full.toString(), "--full", "--steps", "1", "--batch-size", "2", "--threads", "1");
    assertEquals(0, merged.exitCode(), merged.err());
    assertTrue(Files.isRegularFile(full.resolve("stage1-merged/model.safetensors")));
    assertTrue(Files.isRegularFile(full.resolve("model/model.safetensors")));
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

  private CliRun cat(Path out, String... extra) throws Exception {
    List<String> args = new java.util.ArrayList<>(List.of("train", "cat", "--model", model().toString(),
        "--pairs", pairs().toString(), "--out", out.toString(), "--lora-rank", "2", "--lr", "1e-2",
        "--seed", "5", "--threads", "1"));
    args.addAll(List.of(extra));
    return CliRun.of(args.toArray(String[]::new));
  }

  private static List<JsonNode> metrics(Path out) throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> lines = new java.util.ArrayList<>();
    for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
      lines.add(json.readTree(line));
    }
    return lines;
  }

  @Test
  void cat_resumed_from_another_directory_ends_bit_identical_to_an_uninterrupted_run()
      throws Exception {
    // constant learning rate: the first half of the run does not depend on the total step count
    String[] common = {"--loss", "dpo", "--beta", "0.5", "--batch-size", "1", "--schedule", "constant"};
    Path whole = dir.resolve("whole");
    CliRun full = cat(whole, concat(common, "--steps", "4"));
    assertEquals(0, full.exitCode(), full.err());
    Path first = dir.resolve("first");
    assertEquals(0, cat(first, concat(common, "--steps", "2")).exitCode());
    Path resumed = dir.resolve("resumed");
    CliRun run = cat(resumed, concat(common, "--steps", "4", "--resume", first.toString()));
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().startsWith("trained 4 steps on 2 pairs with dpo"), run.out());
    assertTrue(java.util.Arrays.equals(
        Files.readAllBytes(whole.resolve("adapter/adapter_model.safetensors")),
        Files.readAllBytes(resumed.resolve("adapter/adapter_model.safetensors"))),
        "the resumed adapter equals the uninterrupted one byte for byte");
    List<JsonNode> a = metrics(whole);
    List<JsonNode> b = metrics(resumed);
    assertEquals(4, b.size(), "metrics of the first half are carried over");
    for (int i = 0; i < 4; i++) {
      assertEquals(a.get(i).get("loss").asDouble(), b.get(i).get("loss").asDouble(), 0.0, "step " + i);
    }
    assertTrue(Files.isRegularFile(first.resolve("adapter/adapter_model.safetensors")),
        "the source directory is left as it was");
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void sft_resume_with_another_learning_rate_data_file_or_lora_alpha_is_refused_naming_each_field()
      throws Exception {
    Path out = dir.resolve("out");
    List<String> common = List.of("train", "sft", "--model", model().toString(), "--out",
        out.toString(), "--lora-rank", "2", "--batch-size", "2", "--seed", "5", "--threads", "1");
    List<String> first = new java.util.ArrayList<>(common);
    first.addAll(List.of("--data", data().toString(), "--steps", "1", "--lr", "1e-3"));
    assertEquals(0, CliRun.of(first.toArray(String[]::new)).exitCode());
    Path other = dir.resolve("other.jsonl");
    Files.writeString(other, Files.readString(data()).replace("Four.", "Five."));
    CliRun refused = run(common, "--data", other.toString(), "--steps", "2", "--lr", "2e-3",
        "--lora-alpha", "8", "--resume", out.toString());
    assertEquals(2, refused.exitCode(), refused.err());
    String err = refused.err();
    assertTrue(err.contains(out.resolve("checkpoint.safetensors") + ": the checkpoint belongs to a run"
        + " with other settings: learningRate: checkpoint 0.001, this run 0.002; lora.alpha:"
        + " checkpoint 4.0, this run 8.0; train_data: checkpoint sha256:"), err);
    assertTrue(err.contains("allow the change explicitly (--allow-config-change)"), err);
    assertTrue(!err.contains("\tat ") && !err.contains("Exception"), "no stack trace: " + err);
    CliRun allowed = run(common, "--data", other.toString(), "--steps", "2", "--lr", "2e-3",
        "--lora-alpha", "8", "--resume", out.toString(), "--allow-config-change");
    assertEquals(0, allowed.exitCode(), allowed.err());
    assertTrue(allowed.out().startsWith("trained 2 steps on 2 examples"), allowed.out());
  }

  @Test
  void cat_resume_with_other_pairs_of_the_same_size_is_refused_and_allowed_recomputes_the_reference()
      throws Exception {
    Path out = dir.resolve("cat");
    assertEquals(0, cat(out, "--loss", "dpo", "--steps", "1").exitCode());
    JsonNode cache = new ObjectMapper().readTree(out.resolve("reference_logps.json").toFile());
    Path other = dir.resolve("other-pairs.jsonl");
    Files.writeString(other, Files.readString(pairs()).replace("\"No.\"", "\"Maybe.\""));
    List<String> resume = List.of("train", "cat", "--model", model().toString(), "--pairs",
        other.toString(), "--out", out.toString(), "--lora-rank", "2", "--lr", "1e-2", "--seed", "5",
        "--threads", "1", "--loss", "dpo", "--steps", "2", "--resume", out.toString());
    List<String> withAlpha = new java.util.ArrayList<>(resume);
    withAlpha.addAll(List.of("--lora-alpha", "8"));
    CliRun refused = CliRun.of(withAlpha.toArray(String[]::new));
    assertEquals(2, refused.exitCode(), refused.err());
    assertTrue(refused.err().contains("lora.alpha: checkpoint 4.0, this run 8.0; train_data:"
        + " checkpoint sha256:"), refused.err());
    assertTrue(refused.err().contains("(2 pairs), this run sha256:"), refused.err());
    assertEquals(cache, new ObjectMapper().readTree(out.resolve("reference_logps.json").toFile()));
    List<String> allowing = new java.util.ArrayList<>(resume);
    allowing.add("--allow-config-change");
    CliRun allowed = CliRun.of(allowing.toArray(String[]::new));
    assertEquals(0, allowed.exitCode(), allowed.err());
    JsonNode recomputed = new ObjectMapper().readTree(out.resolve("reference_logps.json").toFile());
    assertNotEquals(cache.get("key").asText(), recomputed.get("key").asText());
    assertNotEquals(cache.get("rejected").get(0).asDouble(),
        recomputed.get("rejected").get(0).asDouble(), "the new pairs' reference, not the old one");
  }

  @Test
  void cat_resume_from_a_directory_without_a_checkpoint_is_a_usage_error() throws Exception {
    Path empty = Files.createDirectories(dir.resolve("empty"));
    CliRun run = cat(dir.resolve("o"), "--steps", "1", "--resume", empty.toString());
    assertEquals(2, run.exitCode());
    assertTrue(run.err().contains("--resume: the directory has no checkpoint, expected "
        + empty.resolve("checkpoint.safetensors")), run.err());
  }

  @Test
  void cat_epochs_count_passes_over_the_pairs() throws Exception {
    Path out = dir.resolve("epochs");
    CliRun run = cat(out, "--epochs", "2", "--batch-size", "1");
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().startsWith("trained 4 steps on 2 pairs with rank"), run.out());
    assertEquals(4, metrics(out).size());
  }

  @Test
  void cat_rank_loss_is_the_ranking_term_plus_lambda_times_the_sft_term() throws Exception {
    for (String lambda : List.of("0", "2.5")) {
      Path out = dir.resolve("rank-" + lambda);
      CliRun run = cat(out, "--loss", "rank", "--lambda", lambda, "--steps", "2");
      assertEquals(0, run.exitCode(), run.err());
      for (JsonNode line : metrics(out)) {
        assertEquals(line.get("ranking").asDouble() + Double.parseDouble(lambda)
            * line.get("sft").asDouble(), line.get("loss").asDouble(), 1e-6, line.toString());
      }
    }
    JsonNode lambda0 = metrics(dir.resolve("rank-0")).get(0);
    assertEquals(lambda0.get("ranking").asDouble(), lambda0.get("loss").asDouble(), 1e-9,
        "lambda 0: the SFT term does not count");
  }

  @Test
  void cat_trains_with_simpo_ipo_orpo_and_hinge() throws Exception {
    List<List<String>> losses = List.of(
        List.of("simpo", "--beta", "2", "--gamma", "0.5"),
        List.of("ipo", "--tau", "0.1"),
        List.of("orpo", "--lambda", "0.2"),
        List.of("hinge", "--margin", "1"));
    for (List<String> loss : losses) {
      Path out = dir.resolve(loss.get(0));
      List<String> args = new java.util.ArrayList<>(List.of("--loss"));
      args.addAll(loss);
      args.addAll(List.of("--steps", "2"));
      CliRun run = cat(out, args.toArray(String[]::new));
      assertEquals(0, run.exitCode(), loss + ": " + run.err());
      assertTrue(run.out().startsWith("trained 2 steps on 2 pairs with " + loss.get(0)), run.out());
      List<JsonNode> m = metrics(out);
      assertEquals(2, m.size());
      for (JsonNode line : m) {
        assertTrue(Double.isFinite(line.get("loss").asDouble()), line.toString());
      }
      assertTrue(Files.isRegularFile(out.resolve("adapter/adapter_model.safetensors")));
    }
    for (JsonNode line : metrics(dir.resolve("hinge"))) {
      assertTrue(line.get("loss").asDouble() >= 0, "a hinge is never negative: " + line);
    }
  }
}
