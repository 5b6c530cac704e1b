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
  void reward_with_the_default_yes_and_no_scores_their_token_sequences_on_a_tokenizer_that_splits_them()
      throws Exception {
    Path in = dir.resolve("in.jsonl");
    Files.writeString(in, "{\"instruction\": \"Say hi.\", \"response\": \"Hello\", \"id\": \"b\"}\n");
    CliRun run = CliRun.of("reward", "--model", model().toString(), "--input", in.toString());
    assertEquals(0, run.exitCode(), run.err());
    double q = new ObjectMapper().readTree(run.out().split("\n")[0]).get("quality").asDouble();
    assertTrue(q > 0 && q < 1, "P(yes) " + q);
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
    assertTrue(run.err().contains("--reward: a reward preset must be frequency, quality, agreement or judges, found \"vibes\""),
        run.err());
  }

  /** The groups line of {@code pairs --help}, verbatim: it is valid JSON as printed. */
  private Path groupsAsTheHelpShows() throws Exception {
    CliRun help = CliRun.of("pairs", "--help");
    assertEquals(0, help.exitCode());
    String line = help.out().lines().map(String::strip).filter(l -> l.startsWith("{\"task\""))
        .findFirst().orElseThrow(() -> new AssertionError("no groups example in:\n" + help.out()));
    Path f = dir.resolve("help-groups.jsonl");
    Files.writeString(f, line + "\n");
    return f;
  }

  @Test
  void pairs_with_prompts_beyond_the_context_fails_naming_them_unless_truncation_is_allowed()
      throws Exception {
    // The fixture's context is 256 tokens; the judges' prompts repeat this long wording.
    Path groups = dir.resolve("long.jsonl");
    String wording = "user: " + "Answer the question below in one short word please. ".repeat(12)
        + "{input}\\nassistant:";
    Files.writeString(groups, "{\"task\": \"long\", \"variants\": [\"" + wording + "\", \""
        + wording.replace("Answer", "Reply to") + "\"], \"instances\": [{\"input\": \"Hi\"}]}\n");
    CliRun refused = pairs(groups, dir.resolve("a.jsonl"), "--reward", "judges");
    assertEquals(2, refused.exitCode(), refused.err());
    assertTrue(refused.err().contains("the model's context (max_position_embeddings) is 256"),
        refused.err());
    assertTrue(refused.err().contains("--truncate-prompts"), refused.err());
    Path out = dir.resolve("b.jsonl");
    CliRun truncated = pairs(groups, out, "--reward", "judges", "--truncate-prompts");
    assertEquals(0, truncated.exitCode(), truncated.err());
    assertTrue(Files.isRegularFile(out));
  }

  private CliRun pairs(Path groups, Path out, String... extra) throws Exception {
    List<String> args = new java.util.ArrayList<>(List.of("pairs", "--model", model().toString(),
        "--groups", groups.toString(), "--out", out.toString(), "--m", "2", "--seed", "3",
        "--max-new-tokens", "2", "--yes", "y", "--no", "n"));
    args.addAll(List.of(extra));
    return CliRun.of(args.toArray(String[]::new));
  }

  private static JsonNode stats(Path out) throws Exception {
    return new ObjectMapper().readTree(out.resolveSibling(out.getFileName() + ".stats.json").toFile());
  }

  @Test
  void pairs_accepts_groups_exactly_as_the_help_shows_and_measures_the_quality_judge_on_references()
      throws Exception {
    Path groups = groupsAsTheHelpShows();
    assertTrue(Files.readString(groups).contains("{\"input\": \"hi\"}"), "an instance without references");
    Path out = dir.resolve("q.jsonl");
    CliRun run = pairs(groups, out, "--reward", "quality");
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().startsWith("2 groups, 8 responses, "), run.out());
    assertTrue(run.err().contains("quality judge accuracy "), run.err());
    JsonNode s = stats(out);
    assertEquals(2, s.get("groups").asInt());
    assertEquals(8, s.get("responses").asInt());
    assertEquals(PreferencePairsJsonl.read(out).size(), s.get("pairs").asInt());
    // only the second instance has references: its 2 wordings x 2 samples are labeled
    assertEquals(4, s.get("labeled_responses").asInt());
    JsonNode a = s.get("judge_accuracy");
    int tp = a.get("true_positives").asInt();
    int tn = a.get("true_negatives").asInt();
    assertEquals(4, tp + tn + a.get("false_positives").asInt() + a.get("false_negatives").asInt());
    assertEquals(4, a.get("examples").asInt());
    assertEquals((tp + tn) / 4.0, a.get("accuracy").asDouble(), 1e-12);
    assertEquals(3, s.get("seed").asLong());
    assertEquals(1.0, s.get("config").get("weights").get("quality").asDouble());
    assertEquals("best-vs-rest", s.get("config").get("strategy").asText().replaceAll("\\(.*", ""));
  }

  @Test
  void pairs_without_the_quality_judge_writes_stats_without_judge_accuracy() throws Exception {
    Path out = dir.resolve("f.jsonl");
    CliRun run = pairs(groupsAsTheHelpShows(), out);
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(stats(out).get("judge_accuracy").isNull());
    assertEquals(1.0, stats(out).get("config").get("weights").get("frequency").asDouble());
    assertTrue(!run.err().contains("judge accuracy"), run.err());
  }

  @Test
  void pairs_with_the_judges_reward_pairs_by_every_strategy_within_the_margin() throws Exception {
    Path groups = groupsAsTheHelpShows();
    int[] counts = new int[3];
    List<String> strategies = List.of("best-vs-worst", "best-vs-rest", "all");
    for (int k = 0; k < 3; k++) {
      Path out = dir.resolve(strategies.get(k) + ".jsonl");
      CliRun run = pairs(groups, out, "--reward", "judges", "--strategy", strategies.get(k),
          "--margin", "0.0001");
      assertEquals(0, run.exitCode(), run.err());
      List<PreferencePair> pairs = PreferencePairsJsonl.read(out);
      for (PreferencePair p : pairs) {
        assertTrue(p.scoreChosen().getAsDouble() - p.scoreRejected().getAsDouble() >= 0.0001 - 1e-12);
        assertTrue(!p.chosen().equals(p.rejected()), "identical texts never form a pair");
      }
      counts[k] = pairs.size();
      JsonNode w = stats(out).get("config").get("weights");
      assertEquals(1.0, w.get("quality").asDouble());
      assertEquals(1.0, w.get("agreement").asDouble());
    }
    // same seed and reward, so the same scores: best-vs-worst <= 1 per group <= best-vs-rest <= all
    assertTrue(counts[0] <= 2, "best-vs-worst: at most one pair per group, found " + counts[0]);
    assertTrue(counts[0] <= counts[1] && counts[1] <= counts[2], java.util.Arrays.toString(counts));
  }

  @Test
  void pairs_with_the_agreement_judge_uses_the_given_template_and_weights() throws Exception {
    Path out = dir.resolve("a.jsonl");
    String template = "A: {response}\nB: {other}\nSame answer? ";
    CliRun run = pairs(groupsAsTheHelpShows(), out, "--reward", "agreement", "--agreement-template",
        template, "--frequency-weight", "0.5");
    assertEquals(0, run.exitCode(), run.err());
    JsonNode c = stats(out).get("config");
    assertEquals(template, c.get("agreement_template").asText());
    assertEquals(0.0, c.get("weights").get("quality").asDouble());
    assertEquals(1.0, c.get("weights").get("agreement").asDouble());
    assertEquals(0.5, c.get("weights").get("frequency").asDouble());
  }

  @Test
  void reward_options_are_validated_with_messages_naming_the_option_and_value() throws Exception {
    String[][] cases = {
      {"--quality-weight", "-1", "--quality-weight must be a finite number >= 0, found -1.0"},
      {"--agreement-weight", "NaN", "--agreement-weight must be a finite number >= 0, found NaN"},
      {"--frequency-weight", "0", "the reward weights must not all be 0, found quality 0.0,"
          + " agreement 0.0, frequency 0.0 (--reward frequency with the explicit weights)"},
      {"--agreement-template", "{response}", "--agreement-template is unused: the agreement weight is 0"},
      {"--template", "{response}", "--template is unused: the quality weight is 0"},
    };
    for (String[] c : cases) {
      CliRun run = CliRun.of("pairs", "--model", model().toString(), "--groups", "x.jsonl", "--out",
          dir.resolve("o.jsonl").toString(), c[0], c[1]);
      assertEquals(2, run.exitCode(), c[0]);
      assertTrue(run.err().contains(c[2]), run.err());
    }
    CliRun noOther = CliRun.of("reward", "--model", model().toString(), "--input", "x.jsonl",
        "--reward", "judges", "--agreement-template", "Is {response} right?");
    assertEquals(2, noOther.exitCode());
    assertTrue(noOther.err().contains("--agreement-template must contain the placeholder {other} (the"
        + " response compared with), found \"Is {response} right?\""), noOther.err());
    CliRun noResponse = CliRun.of("reward", "--model", model().toString(), "--input", "x.jsonl",
        "--template", "Is it right?");
    assertEquals(2, noResponse.exitCode());
    assertTrue(noResponse.err().contains("--template: template custom-quality must contain the"
        + " placeholder {response}, found \"Is it right?\""), noResponse.err());
  }

  @Test
  void reward_groups_lines_by_instruction_and_input_for_agreement_and_frequency() throws Exception {
    Path in = dir.resolve("in.jsonl");
    Files.writeString(in, String.join("\n",
        "{\"instruction\": \"Add.\", \"input\": \"2 2\", \"response\": \"4\"}",
        "{\"instruction\": \"Say hi.\", \"response\": \"Hi\"}",
        "{\"instruction\": \"Add.\", \"input\": \"2 2\", \"response\": \"4\"}",
        "{\"instruction\": \"Say hi.\", \"response\": \"Bye\"}",
        "{\"instruction\": \"Add.\", \"input\": \"2 2\", \"response\": \"5\"}") + "\n");
    Path out = dir.resolve("out.jsonl");
    CliRun run = CliRun.of("reward", "--model", model().toString(), "--input", in.toString(),
        "--output", out.toString(), "--yes", "y", "--no", "n", "--reward", "judges",
        "--frequency-weight", "2");
    assertEquals(0, run.exitCode(), run.err());
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> lines = new java.util.ArrayList<>();
    for (String l : Files.readAllLines(out)) {
      lines.add(json.readTree(l));
    }
    assertEquals(5, lines.size());
    double[] expectedFrequency = {0.5, 0, 0.5, 0, 0};
    for (int i = 0; i < 5; i++) {
      JsonNode n = lines.get(i);
      double q = n.get("quality").asDouble();
      double a = n.get("agreement").asDouble();
      double f = n.get("frequency").asDouble();
      assertEquals(expectedFrequency[i], f, 1e-12, "line " + (i + 1));
      assertEquals((q + a + 2 * f) / 4, n.get("reward").asDouble(), 1e-12);
    }
    assertEquals(lines.get(0).get("quality").asDouble(), lines.get(2).get("quality").asDouble(), 0.0,
        "the same instruction, input and response get the same quality");
  }

  @Test
  void reward_needs_two_responses_per_instruction_and_input_for_frequency() throws Exception {
    Path in = dir.resolve("in.jsonl");
    Files.writeString(in, "{\"instruction\": \"a\", \"response\": \"b\"}\n"
        + "{\"instruction\": \"c\", \"response\": \"d\"}\n{\"instruction\": \"a\", \"response\": \"e\"}\n");
    CliRun run = CliRun.of("reward", "--model", model().toString(), "--input", in.toString(),
        "--reward", "frequency");
    assertEquals(2, run.exitCode());
    assertTrue(run.err().contains(in + ":2: the agreement judge and agreement frequency compare"),
        run.err());
  }

  @Test
  void reward_and_pairs_merge_an_sft_adapter_first() throws Exception {
    Path data = dir.resolve("sft.jsonl");
    Files.writeString(data, "{\"prompt\": \"user: Say hi.\\nassistant: \", \"completion\": \"y\"}\n");
    Path sft = dir.resolve("sft");
    assertEquals(0, CliRun.of("train", "sft", "--model", model().toString(), "--data", data.toString(),
        "--out", sft.toString(), "--lora-rank", "2", "--steps", "3", "--lr", "5e-2", "--seed", "5",
        "--threads", "1").exitCode());
    Path adapter = sft.resolve("adapter");
    Path in = dir.resolve("in.jsonl");
    Files.writeString(in, "{\"instruction\": \"Say hi.\", \"response\": \"Hello\"}\n");
    double[] q = new double[2];
    for (int k = 0; k < 2; k++) {
      Path out = dir.resolve("r" + k + ".jsonl");
      List<String> args = new java.util.ArrayList<>(List.of("reward", "--model", model().toString(),
          "--input", in.toString(), "--output", out.toString(), "--yes", "y", "--no", "n"));
      if (k == 1) {
        args.addAll(List.of("--adapter", adapter.toString()));
      }
      CliRun run = CliRun.of(args.toArray(String[]::new));
      assertEquals(0, run.exitCode(), run.err());
      q[k] = new ObjectMapper().readTree(Files.readString(out)).get("quality").asDouble();
    }
    assertTrue(q[0] != q[1], "the adapter changes the judge: " + q[0] + " vs " + q[1]);
    Path out = dir.resolve("p.jsonl");
    CliRun run = pairs(groupsAsTheHelpShows(), out, "--adapter", adapter.toString());
    assertEquals(0, run.exitCode(), run.err());
    assertEquals(adapter.toString(), stats(out).get("config").get("adapter").asText());
    CliRun missing = pairs(groupsAsTheHelpShows(), dir.resolve("m.jsonl"), "--adapter",
        dir.resolve("nope").toString());
    assertEquals(2, missing.exitCode());
    assertTrue(missing.err().contains("--adapter must be an adapter directory, found "
        + dir.resolve("nope")), missing.err());
  }

  @Test
  void reward_and_pairs_use_the_chat_template_by_default_and_raw_prompts_with_the_flag() throws Exception {
    Path in = dir.resolve("in.jsonl");
    Files.writeString(in, "{\"instruction\": \"Say hi.\", \"response\": \"Hello\"}\n");
    // A copy of the model without a chat template sees every prompt raw: the oracle for the flag.
    Path plain = new ChatTemplatePromptsTest().withTemplate(dir, null);
    ObjectMapper json = new ObjectMapper();
    double[] q = new double[3];
    List<List<String>> runs = List.of(List.of(model().toString()),
        List.of(model().toString(), "--no-chat-template"), List.of(plain.toString()));
    for (int i = 0; i < 3; i++) {
      List<String> args = new java.util.ArrayList<>(List.of("reward", "--input", in.toString(), "--yes", "y",
          "--no", "n", "--model"));
      args.addAll(runs.get(i));
      CliRun run = CliRun.of(args.toArray(String[]::new));
      assertEquals(0, run.exitCode(), run.err());
      q[i] = json.readTree(run.out().split("\n")[0]).get("quality").asDouble();
    }
    assertEquals(q[2], q[1], 1e-12, "--no-chat-template sends the raw judge prompt");
    assertTrue(Math.abs(q[0] - q[1]) > 1e-9, "the default renders the judge prompt with the template");

    Path groups = dir.resolve("groups.jsonl");
    Files.writeString(groups, "{\"task\": \"greet\", \"variants\": [\"Say hi.\", \"Greet me.\"],"
        + " \"instances\": [{\"input\": \"\", \"references\": [\"Hi!\"]}]}\n");
    for (boolean off : List.of(false, true)) {
      Path out = dir.resolve("pairs-" + off + ".jsonl");
      List<String> args = new java.util.ArrayList<>(List.of("pairs", "--model", model().toString(),
          "--groups", groups.toString(), "--out", out.toString(), "--m", "2", "--seed", "1",
          "--max-new-tokens", "2", "--similarity", "exact"));
      if (off) {
        args.add("--no-chat-template");
      }
      CliRun run = CliRun.of(args.toArray(String[]::new));
      assertEquals(0, run.exitCode(), run.err());
      JsonNode stats = json.readTree(StageTwoCommands.Pairs.statsFile(out).toFile());
      assertEquals(!off, stats.get("config").get("chat_template").asBoolean());
    }
  }
}
