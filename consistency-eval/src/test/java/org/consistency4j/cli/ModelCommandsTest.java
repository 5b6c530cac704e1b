package org.consistency4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCommandsTest {
  @TempDir Path dir;

  private String model() throws Exception {
    return Path.of(getClass().getResource("/fixtures/tiny-llama").toURI()).toString();
  }

  @Test
  void generate_returns_exactly_the_new_tokens_greedily_and_reproducibly() throws Exception {
    Path in = dir.resolve("in.jsonl");
    Files.writeString(in, "{\"input_ids\": [75, 340, 111]}\n{\"prompt\": \"How do I\"}\n");
    CliRun a = CliRun.of("generate", "--model", model(), "--input", in.toString(),
        "--max-new-tokens", "5", "--temperature", "0");
    assertEquals(0, a.exitCode(), a.err());
    String[] lines = a.out().split("\n");
    assertEquals(2, lines.length);
    JsonNode first = new ObjectMapper().readTree(lines[0]);
    assertTrue(first.get("output_ids").size() <= 5);
    assertTrue(first.has("text"));
    CliRun b = CliRun.of("generate", "--model", model(), "--input", in.toString(),
        "--max-new-tokens", "5", "--temperature", "0");
    assertEquals(a.out(), b.out());
  }

  @Test
  void logprobs_of_input_ids_score_every_token_after_the_first() throws Exception {
    Path in = dir.resolve("in.jsonl");
    Files.writeString(in, "{\"input_ids\": [75, 340, 111, 114]}\n"
        + "{\"prompt\": \"Hello\", \"completion\": \" world\"}\n");
    CliRun r = CliRun.of("logprobs", "--model", model(), "--input", in.toString());
    assertEquals(0, r.exitCode(), r.err());
    String[] lines = r.out().split("\n");
    JsonNode first = new ObjectMapper().readTree(lines[0]);
    assertEquals(3, first.get("token_logprobs").size());
    double sum = 0;
    for (JsonNode v : first.get("token_logprobs")) {
      assertTrue(v.asDouble() < 0);
      sum += v.asDouble();
    }
    assertEquals(sum, first.get("logprob_sum").asDouble(), 1e-9);
    JsonNode second = new ObjectMapper().readTree(lines[1]);
    assertTrue(second.get("token_logprobs").size() >= 1);
  }

  @Test
  void out_of_range_ids_are_bad_input_naming_file_and_line() throws Exception {
    Path in = dir.resolve("in.jsonl");
    Files.writeString(in, "{\"input_ids\": [1, 2]}\n{\"input_ids\": [1, 999]}\n");
    CliRun r = CliRun.of("logprobs", "--model", model(), "--input", in.toString());
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains(in + ":2: input_ids[1] must be in [0, 384), found 999"), r.err());
  }
}
