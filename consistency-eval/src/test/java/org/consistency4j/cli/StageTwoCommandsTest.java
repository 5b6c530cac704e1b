package org.consistency4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.consistency4j.pairs.PreferencePair;
import org.consistency4j.pairs.PreferencePairsJsonl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StageTwoCommandsTest {
  @TempDir Path dir;

  private Path model() throws Exception {
    return Path.of(getClass().getResource("/fixtures/tiny-llama").toURI());
  }

  @Test
  void reward_adds_a_quality_probability_to_every_line_in_order() throws Exception {
    Path in = dir.resolve("in.jsonl");
    Files.writeString(in, "{\"instruction\": \"Add the numbers.\", \"input\": \"2 2\", \"response\": \"4\","
        + " \"id\": \"a\"}\n{\"instruction\": \"Say hi.\", \"response\": \"Hello\", \"id\": \"b\"}\n");
    Path out = dir.resolve("out.jsonl");
    // The fixture's byte-level BPE has no single "Yes" token; its single-byte tokens stand in.
    CliRun run = CliRun.of("reward", "--model", model().toString(), "--input", in.toString(), "--output",
        out.toString(), "--yes", "y", "--no", "n");
    assertEquals(0, run.exitCode(), run.err());
    List<String> lines = Files.readAllLines(out);
    assertEquals(2, lines.size());
    ObjectMapper json = new ObjectMapper();
    for (int i = 0; i < 2; i++) {
      JsonNode n = json.readTree(lines.get(i));
      assertEquals(i == 0 ? "a" : "b", n.get("id").asText());
      double q = n.get("quality").asDouble();
      assertTrue(q > 0 && q < 1, "P(yes) of an untrained model is strictly inside (0, 1): " + q);
    }
  }

  @Test
  void reward_reports_a_line_without_a_response_with_file_and_line() throws Exception {
    Path in = dir.resolve("in.jsonl");
    Files.writeString(in, "{\"instruction\": \"a\", \"response\": \"b\"}\n{\"instruction\": \"a\"}\n");
    CliRun run = CliRun.of("reward", "--model", model().toString(), "--input", in.toString());
    assertEquals(2, run.exitCode());
    assertTrue(run.err().contains(in + ":2:"), run.err());
  }

  @Test
  void pairs_samples_scores_and_writes_trl_pairs_deterministically() throws Exception {
    Path groups = dir.resolve("groups.jsonl");
    Files.writeString(groups, "{\"task\": \"greet\", \"variants\": [\"user: Say hi.\\nassistant:\","
        + " \"user: Greet me.\\nassistant:\", \"user: Hello?\\nassistant:\"],"
        + " \"instances\": [{\"input\": \"\", \"references\": [\"Hi!\"]},"
        + " {\"input\": \"now\", \"references\": [\"Hi!\"]}]}\n");
    Path a = dir.resolve("a.jsonl");
    CliRun run = CliRun.of("pairs", "--model", model().toString(), "--groups", groups.toString(), "--out",
        a.toString(), "--m", "3", "--seed", "4", "--max-new-tokens", "2", "--similarity", "exact");
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().startsWith("2 groups, 18 responses, "), run.out());
    List<PreferencePair> pairs = PreferencePairsJsonl.read(a);
    for (PreferencePair p : pairs) {
      assertTrue(p.scoreChosen().getAsDouble() - p.scoreRejected().getAsDouble() >= 0.1 - 1e-12);
      assertTrue(p.prompt().startsWith("user: "), p.prompt());
    }
    Path b = dir.resolve("b.jsonl");
    assertEquals(0, CliRun.of("pairs", "--model", model().toString(), "--groups", groups.toString(),
        "--out", b.toString(), "--m", "3", "--seed", "4", "--max-new-tokens", "2").exitCode());
    assertEquals(Files.readString(a), Files.readString(b));
  }

  @Test
  void pairs_rejects_an_unknown_reward_kind() throws Exception {
    CliRun run = CliRun.of("pairs", "--model", model().toString(), "--groups", "x.jsonl", "--out",
        dir.resolve("o.jsonl").toString(), "--reward", "vibes");
    assertEquals(2, run.exitCode());
    assertTrue(run.err().contains("--reward must be frequency, quality, agreement or judges, found vibes"),
        run.err());
  }
}
