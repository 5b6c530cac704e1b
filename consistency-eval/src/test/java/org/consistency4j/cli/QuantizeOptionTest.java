package org.consistency4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import org.consistency4j.report.Reports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --quantize} on every command that runs a local model for inference. */
class QuantizeOptionTest {
  @TempDir Path dir;

  @Test
  void a_value_other_than_none_int8_int4_is_bad_usage_on_every_command() throws Exception {
    InferenceCommands.assertBadUsageEverywhere(dir, "--quantize", List.of("int3", "fp16", ""),
        bad -> "--quantize must be none, int8 or int4, found \"" + bad + "\"");
  }

  @Test
  void int4_runs_every_command_and_evaluate_records_it() throws Exception {
    for (List<String> command : InferenceCommands.of(dir)) {
      CliRun r = CliRun.withOption(command, "--quantize", "int4");
      assertEquals(0, r.exitCode(), command + ": " + r.err());
    }
    assertEquals("int4",
        Reports.readJson(dir.resolve("eval").resolve("report.json")).config().get("quantization"));
  }

  @Test
  void int8_changes_log_probabilities_slightly() throws Exception {
    List<String> logprobs = List.of("logprobs", "--model", InferenceCommands.tinyLlama(), "--input",
        InferenceCommands.sft(dir).toString());
    CliRun f32 = CliRun.withOption(logprobs, "--quantize", "none");
    CliRun int8 = CliRun.withOption(logprobs, "--quantize", "int8");
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
    CliRun r = CliRun.of("train", "sft", "--model", InferenceCommands.tinyLlama(), "--data",
        InferenceCommands.sft(dir).toString(), "--out", dir.resolve("sft").toString(), "--steps", "1",
        "--quantize", "int4");
    assertEquals(2, r.exitCode(), r.err());
    assertTrue(r.err().contains("--quantize"), r.err());
  }
}
