package org.consistency4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.consistency4j.data.InstructionGroup;
import org.consistency4j.data.InstructionGroups;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AugmentCommandTest {
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
    List<InstructionGroup> heldOut = InstructionGroups.read(out.resolve("heldout.groups.jsonl"));
    assertEquals(2, heldOut.size());
    for (InstructionGroup g : heldOut) {
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
}
