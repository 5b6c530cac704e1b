package org.consistency4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import org.consistency4j.report.Reports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --linear-layout} on every command that runs a local model for inference. */
class LinearLayoutOptionTest {
  @TempDir Path dir;

  @Test
  void a_value_other_than_batched_or_single_sequence_is_bad_usage_on_every_command()
      throws Exception {
    InferenceCommands.assertBadUsageEverywhere(dir, "--linear-layout",
        List.of("single_sequence", "BATCHED", ""),
        bad -> "--linear-layout must be batched or single-sequence, found \"" + bad + "\"");
  }

  @Test
  void single_sequence_runs_every_command_and_evaluate_records_the_layout() throws Exception {
    for (List<String> command : InferenceCommands.of(dir)) {
      CliRun r = CliRun.withOption(command, "--linear-layout", "single-sequence");
      assertEquals(0, r.exitCode(), command + ": " + r.err());
    }
    assertEquals("single-sequence", Reports.readJson(dir.resolve("eval").resolve("report.json"))
        .config().get("linear_layout"));
  }

  @Test
  void both_layouts_give_the_same_log_probabilities_up_to_float_rounding() throws Exception {
    List<String> logprobs = List.of("logprobs", "--model", InferenceCommands.tinyLlama(), "--input",
        InferenceCommands.sft(dir).toString());
    CliRun batched = CliRun.of(logprobs.toArray(String[]::new));
    CliRun single = CliRun.withOption(logprobs, "--linear-layout", "single-sequence");
    assertEquals(0, batched.exitCode(), batched.err());
    assertEquals(0, single.exitCode(), single.err());
    ObjectMapper json = new ObjectMapper();
    JsonNode a = json.readTree(batched.out().strip()).get("token_logprobs");
    JsonNode b = json.readTree(single.out().strip()).get("token_logprobs");
    assertEquals(a.size(), b.size());
    assertTrue(a.size() > 1, a.toString());
    for (int i = 0; i < a.size(); i++) {
      assertEquals(a.get(i).asDouble(), b.get(i).asDouble(), 1e-5, "token " + i);
    }
  }
}
