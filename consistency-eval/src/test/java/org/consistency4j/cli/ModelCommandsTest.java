package org.consistency4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.model.OnnxLanguageModel;
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
  void generate_decodes_lines_in_batches_with_each_lines_own_stream() throws Exception {
    Path in = dir.resolve("many.jsonl");
    java.util.SplittableRandom rng = new java.util.SplittableRandom(8);
    java.util.List<int[]> prompts = new java.util.ArrayList<>();
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < OnnxLanguageModel.GENERATION_BATCH + 4; i++) {
      int[] ids = rng.ints(1 + rng.nextInt(12), 3, 384).toArray();
      prompts.add(ids);
      sb.append("{\"input_ids\": ").append(java.util.Arrays.toString(ids)).append("}\n");
    }
    Files.writeString(in, sb.toString());
    CliRun r = CliRun.of("generate", "--model", model(), "--input", in.toString(),
        "--max-new-tokens", "6", "--temperature", "1", "--seed", "5");
    assertEquals(0, r.exitCode(), r.err());
    String[] lines = r.out().split("\n");
    assertEquals(prompts.size(), lines.length);
    GenerationConfig config =
        GenerationConfig.builder().maxNewTokens(6).temperature(1.0).seed(5).build();
    try (OnnxLanguageModel lm = OnnxLanguageModel.load(Path.of(model()))) {
      for (int i = 0; i < prompts.size(); i++) {
        java.util.List<Integer> expected = lm.generateIds(prompts.get(i), config, i).tokenIds();
        java.util.List<Integer> actual = new java.util.ArrayList<>();
        new ObjectMapper().readTree(lines[i]).get("output_ids").forEach(n -> actual.add(n.asInt()));
        assertEquals(expected, actual, "line " + (i + 1));
      }
    }
  }

  @Test
  void generate_names_the_line_of_an_out_of_range_id_and_writes_nothing() throws Exception {
    Path in = dir.resolve("bad.jsonl");
    Files.writeString(in, "{\"input_ids\": [1, 2]}\n{\"input_ids\": [1, 999]}\n");
    Path out = dir.resolve("out.jsonl");
    CliRun r = CliRun.of("generate", "--model", model(), "--input", in.toString(),
        "--output", out.toString());
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains(in + ":2: input_ids[1] must be in [0, 384), found 999"), r.err());
    assertTrue(Files.notExists(out));
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
  void logprobs_scores_lines_in_batches_exactly_like_one_by_one() throws Exception {
    Path in = dir.resolve("mixed.jsonl");
    java.util.SplittableRandom rng = new java.util.SplittableRandom(9);
    java.util.List<int[]> ids = new java.util.ArrayList<>();
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < OnnxLanguageModel.FORWARD_BATCH + 5; i++) {
      if (i % 3 == 2) {
        ids.add(null);
        sb.append("{\"prompt\": \"How do I\", \"completion\": \" reach line ").append(i)
            .append("\"}\n");
      } else {
        int[] seq = rng.ints(2 + rng.nextInt(20), 3, 384).toArray();
        ids.add(seq);
        sb.append("{\"input_ids\": ").append(java.util.Arrays.toString(seq)).append("}\n");
      }
    }
    Files.writeString(in, sb.toString());
    CliRun r = CliRun.of("logprobs", "--model", model(), "--input", in.toString());
    assertEquals(0, r.exitCode(), r.err());
    String[] lines = r.out().split("\n");
    assertEquals(ids.size(), lines.length);
    try (OnnxLanguageModel lm = OnnxLanguageModel.load(Path.of(model()))) {
      for (int i = 0; i < ids.size(); i++) {
        double[] expected = ids.get(i) != null ? lm.logprobs(ids.get(i))
            : lm.score("How do I", " reach line " + i).tokenLogProbs().stream()
                .mapToDouble(Double::doubleValue).toArray();
        JsonNode actual = new ObjectMapper().readTree(lines[i]).get("token_logprobs");
        assertEquals(expected.length, actual.size(), "line " + (i + 1));
        for (int t = 0; t < expected.length; t++) {
          assertEquals(expected[t], actual.get(t).asDouble(), 1e-4, "line " + (i + 1));
        }
      }
    }
    // A bad line after a full batch is still named, and nothing is written.
    Files.writeString(in, sb + "{\"input_ids\": [1, 999]}\n");
    Path out = dir.resolve("lp.jsonl");
    CliRun bad = CliRun.of("logprobs", "--model", model(), "--input", in.toString(), "--output",
        out.toString());
    assertEquals(2, bad.exitCode());
    assertTrue(bad.err().contains(in + ":" + (ids.size() + 1) + ": input_ids[1] must be in [0, 384),"
        + " found 999"), bad.err());
    assertTrue(Files.notExists(out));
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
