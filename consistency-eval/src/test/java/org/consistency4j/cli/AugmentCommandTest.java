package org.consistency4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.consistency4j.data.InstructionTask;
import org.consistency4j.data.InstructionTasks;
import org.consistency4j.embedding.EmbeddingSimilarity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AugmentCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  private Path tasks() throws IOException {
    Path t = Files.createDirectories(dir.resolve("tasks"));
    StringBuilder inst = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      inst.append(i == 0 ? "" : ",").append("{\"input\": \"review ").append(i)
          .append("\", \"output\": [\"").append(i % 2 == 0 ? "POS" : "NEG").append("\"]}");
    }
    Files.writeString(t.resolve("task1_sentiment.json"),
        "{\"definition\": \"In this task, you are given a movie review. Classify the review as"
            + " \\\"POS\\\" if it is positive or as \\\"NEG\\\" if it is negative.\","
            + " \"positive_examples\": [], \"instances\": [" + inst + "]}");
    Files.writeString(t.resolve("task2_title.json"),
        "{\"definition\": \"You are given a short story. Your job is to generate a title for the"
            + " story that uses simple language.\", \"instances\": [" + inst.toString()
            .replace("POS", "A title").replace("NEG", "Another title") + "]}");
    return t;
  }

  @Test
  void writes_training_data_and_held_out_groups_without_leakage() throws IOException {
    Path out = dir.resolve("out");
    CliRun run = CliRun.of("augment", "--tasks", tasks().toString(), "--n", "6", "--held-out", "2",
        "--out", out.toString(), "--seed", "5");
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().startsWith("2 tasks, 12 paraphrases"), run.out());
    for (String f : List.of("train.prompt_completion.jsonl", "train.messages.jsonl",
        "train.groups.jsonl", "heldout.groups.jsonl", "paraphrases.jsonl", "manifest.json")) {
      assertTrue(Files.isRegularFile(out.resolve(f)), f);
    }
    String train = Files.readString(out.resolve("train.prompt_completion.jsonl"));
    List<InstructionTask> heldOut = InstructionTasks.read(out.resolve("heldout.groups.jsonl"));
    assertEquals(2, heldOut.size());
    for (InstructionTask g : heldOut) {
      assertEquals(3, g.variants().size());
      for (String v : g.variants().subList(1, 3)) {
        String paraphrase = v.substring(0, v.indexOf("\n\nInput: {input}"));
        assertFalse(train.contains(
            new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(paraphrase)
                .replace("\"", "")), "leaked: " + paraphrase);
      }
    }
  }

  @Test
  void bad_settings_and_missing_tasks_exit_with_2() throws IOException {
    CliRun heldOut = CliRun.of("augment", "--tasks", tasks().toString(), "--n", "2",
        "--held-out", "2", "--out", dir.resolve("o").toString());
    assertEquals(2, heldOut.exitCode());
    assertTrue(heldOut.err().contains("heldOutParaphrases must be < paraphrases (2), found 2"),
        heldOut.err());
    Path empty = Files.createDirectories(dir.resolve("empty"));
    CliRun none = CliRun.of("augment", "--tasks", empty.toString(), "--out",
        dir.resolve("o").toString());
    assertEquals(2, none.exitCode());
    assertTrue(none.err().contains("no task*.json file in the directory"), none.err());
  }
  private static boolean containsWord(String text, String word) {
    return java.util.regex.Pattern.compile("(?i)(?<![a-z])" + word + "(?![a-z])").matcher(text)
        .find();
  }

  private static int count(String text, String word) {
    return (int) java.util.regex.Pattern.compile("(?i)(?<![a-z])" + word + "(?![a-z])")
        .matcher(text).results().count();
  }

  private static List<String> paraphrasesOf(Path out, String task) throws IOException {
    List<String> texts = new java.util.ArrayList<>();
    for (String line : Files.readAllLines(out.resolve("paraphrases.jsonl"))) {
      JsonNode o = JSON.readTree(line);
      if (o.get("task").asText().equals(task)) {
        for (String split : List.of("train", "heldout")) {
          o.get(split).forEach(p -> texts.add(p.get("text").asText()));
        }
      }
    }
    return texts;
  }

  @Test
  void protect_keeps_the_given_terms_in_every_paraphrase() throws IOException {
    Path t = tasks();
    Path free = dir.resolve("free");
    CliRun unprotected = CliRun.of("augment", "--tasks", t.toString(), "--n", "6", "--held-out",
        "2", "--out", free.toString(), "--seed", "5", "--method", "wordnet");
    assertEquals(0, unprotected.exitCode(), unprotected.err());
    List<String> freeTexts = paraphrasesOf(free, "task2_title");
    // The definition says "story" twice; unprotected, synonym substitution replaces one of them.
    assertTrue(freeTexts.stream().anyMatch(p -> count(p, "story") < 2), freeTexts.toString());

    Path out = dir.resolve("protected");
    CliRun run = CliRun.of("augment", "--tasks", t.toString(), "--n", "6", "--held-out", "2",
        "--out", out.toString(), "--seed", "5", "--method", "wordnet", "--protect", "story,title",
        "--protect", "simple");
    assertEquals(0, run.exitCode(), run.err());
    List<String> texts = paraphrasesOf(out, "task2_title");
    assertFalse(texts.isEmpty());
    for (String p : texts) {
      assertEquals(2, count(p, "story"), p);
      assertEquals(1, count(p, "title"), p);
      assertEquals(1, count(p, "simple"), p);
    }
    JsonNode config = JSON.readTree(Files.readString(out.resolve("manifest.json"))).get("config");
    assertEquals("[\"story\",\"title\",\"simple\"]", config.get("protected_terms").toString());
    assertTrue(config.get("detect_label_words").booleanValue());
  }

  @Test
  void no_detect_labels_is_recorded_and_a_blank_protect_term_is_bad_usage() throws IOException {
    Path out = dir.resolve("nolabels");
    CliRun run = CliRun.of("augment", "--tasks", tasks().toString(), "--n", "3", "--held-out", "1",
        "--out", out.toString(), "--no-detect-labels", "--protect", "review");
    assertEquals(0, run.exitCode(), run.err());
    JsonNode config = JSON.readTree(Files.readString(out.resolve("manifest.json"))).get("config");
    assertFalse(config.get("detect_label_words").booleanValue());
    assertEquals("review", config.at("/protected_terms/0").asText());
    for (String p : paraphrasesOf(out, "task1_sentiment")) {
      assertTrue(containsWord(p, "review"), p);
    }

    CliRun blank = CliRun.of("augment", "--tasks", tasks().toString(), "--out",
        dir.resolve("o").toString(), "--protect", "POS,,NEG");
    assertEquals(2, blank.exitCode());
    assertTrue(blank.err().contains("--protect terms must not be blank, found \"POS,,NEG\""),
        blank.err());
  }

  @Test
  void min_cosine_drops_drifted_definition_paraphrases() throws IOException {
    Path t = tasks();
    double threshold = 0.95;
    Path free = dir.resolve("free");
    CliRun unfiltered = CliRun.of("augment", "--tasks", t.toString(), "--n", "6", "--held-out",
        "2", "--out", free.toString(), "--seed", "5", "--method", "wordnet");
    assertEquals(0, unfiltered.exitCode(), unfiltered.err());
    Path out = dir.resolve("filtered");
    CliRun run = CliRun.of("augment", "--tasks", t.toString(), "--n", "6", "--held-out", "2",
        "--out", out.toString(), "--seed", "5", "--method", "wordnet", "--min-cosine",
        Double.toString(threshold));
    assertEquals(0, run.exitCode(), run.err());
    int drifted = 0;
    int kept = 0;
    try (EmbeddingSimilarity miniLm = EmbeddingSimilarity.miniLm()) {
      for (String line : Files.readAllLines(free.resolve("paraphrases.jsonl"))) {
        JsonNode o = JSON.readTree(line);
        for (String p : paraphrasesOf(free, o.get("task").asText())) {
          drifted += miniLm.similarity(o.get("original").asText(), p) < threshold ? 1 : 0;
        }
      }
      for (String line : Files.readAllLines(out.resolve("paraphrases.jsonl"))) {
        JsonNode o = JSON.readTree(line);
        for (String p : paraphrasesOf(out, o.get("task").asText())) {
          kept++;
          double cos = miniLm.similarity(o.get("original").asText(), p);
          assertTrue(cos >= threshold, cos + " < " + threshold + ": " + p);
        }
      }
    }
    assertTrue(drifted > 0, "no paraphrase below " + threshold + " without the filter");
    assertTrue(kept > 0);
  }
}
