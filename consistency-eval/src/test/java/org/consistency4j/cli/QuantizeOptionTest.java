package org.consistency4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.consistency4j.report.Reports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --quantize} on every command that runs a local model for inference. */
class QuantizeOptionTest {
  @TempDir Path dir;

  private static String model() throws Exception {
    return Path.of(QuantizeOptionTest.class.getResource("/fixtures/tiny-llama").toURI()).toString();
  }

  private Path sft() throws Exception {
    return Files.writeString(dir.resolve("sft.jsonl"),
        "{\"prompt\": \"user: Hi\\nassistant:\", \"completion\": \" Hello there\"}\n");
  }

  /** Each inference command with its required arguments, ready for a --quantize value. */
  private List<List<String>> commands() throws Exception {
    Path prompts = Files.writeString(dir.resolve("prompts.jsonl"), "{\"prompt\": \"user: Hi\"}\n");
    Path groups = Files.writeString(dir.resolve("groups.jsonl"), "{\"task\": \"t\", \"variants\":"
        + " [\"Say {input}\", \"Repeat {input}\"], \"instances\": [{\"input\": \"hi\"}]}\n");
    Path responses = Files.writeString(dir.resolve("responses.jsonl"),
        "{\"instruction\": \"Say hi\", \"input\": \"\", \"response\": \"hi\"}\n");
    String m = model();
    return List.of(
        List.of("generate", "--model", m, "--input", prompts.toString(), "--max-new-tokens", "2"),
        List.of("logprobs", "--model", m, "--input", sft().toString()),
        List.of("evaluate", "--model", m, "--data", groups.toString(), "--out",
            dir.resolve("eval").toString(), "--max-new-tokens", "2", "--no-progress"),
        List.of("pairs", "--model", m, "--groups", groups.toString(), "--out",
            dir.resolve("pairs.jsonl").toString(), "--m", "2", "--max-new-tokens", "2"),
        List.of("reward", "--model", m, "--input", responses.toString()));
  }

  private static CliRun run(List<String> command, String quantize) {
    List<String> args = new ArrayList<>(command);
    args.add("--quantize");
    args.add(quantize);
    return CliRun.of(args.toArray(String[]::new));
  }

  @Test
  void a_value_other_than_none_int8_int4_is_bad_usage_on_every_command() throws Exception {
    for (List<String> command : commands()) {
      for (String bad : List.of("int3", "fp16", "")) {
        CliRun r = run(command, bad);
        assertEquals(2, r.exitCode(), command.get(0) + " " + bad + ": " + r.err());
        assertTrue(r.err().contains("--quantize must be none, int8 or int4, found \"" + bad + "\""),
            r.err());
        assertFalse(r.err().contains("\tat "), r.err());
      }
    }
  }

  @Test
  void int4_runs_every_command_and_evaluate_records_it() throws Exception {
    for (List<String> command : commands()) {
      CliRun r = run(command, "int4");
      assertEquals(0, r.exitCode(), command + ": " + r.err());
    }
    assertEquals("int4",
        Reports.readJson(dir.resolve("eval").resolve("report.json")).config().get("quantization"));
  }

  @Test
  void int8_changes_log_probabilities_slightly() throws Exception {
    List<String> logprobs = List.of("logprobs", "--model", model(), "--input", sft().toString());
    CliRun f32 = run(logprobs, "none");
    CliRun int8 = run(logprobs, "int8");
    assertEquals(0, f32.exitCode(), f32.err());
    assertEquals(0, int8.exitCode(), int8.err());
    ObjectMapper json = new ObjectMapper();
    JsonNode a = json.readTree(f32.out().strip()).get("token_logprobs");
    JsonNode b = json.readTree(int8.out().strip()).get("token_logprobs");
    assertEquals(a.size(), b.size());
    assertNotEquals(a, b, "int8 must run the quantized graph");
    for (int i = 0; i < a.size(); i++) {
      assertTrue(Math.abs(a.get(i).asDouble() - b.get(i).asDouble()) < 0.1,
          "token " + i + ": " + a + " vs " + b);
    }
  }

  @Test
  void training_has_no_quantize_option() throws Exception {
    CliRun r = CliRun.of("train", "sft", "--model", model(), "--data", sft().toString(), "--out",
        dir.resolve("sft").toString(), "--steps", "1", "--quantize", "int4");
    assertEquals(2, r.exitCode(), r.err());
    assertTrue(r.err().contains("--quantize"), r.err());
  }
}
