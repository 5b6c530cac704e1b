package org.consistency4j.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.consistency4j.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskDatasetTest {
  @TempDir Path dir;

  private Path write(String... lines) throws Exception {
    Path f = dir.resolve("tasks.jsonl");
    Files.writeString(f, String.join("\n", lines) + "\n");
    return f;
  }

  private void rejects(String message, String... lines) throws Exception {
    Path f = write(lines);
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> TaskDataset.readJsonl(f));
    assertEquals(f + ":" + message, e.getMessage());
  }

  @Test
  void tasks_are_read_with_inputs_fields_references_and_labels() throws Exception {
    Path f = write(
        "{\"task\": \"sentiment\", \"variants\": [\"Positive or negative? {input}\", \"Sentiment:\"],"
            + " \"instances\": [{\"input\": \"Great.\", \"references\": [\"positive\"]},"
            + " {\"input\": \"Dull.\", \"references\": \"negative\"}]}",
        "",
        "{\"task\": \"capital\", \"variants\": [\"Capital of {country}?\"], \"labels\": false,"
            + " \"instances\": [{\"fields\": {\"country\": \"France\"}}]}");
    List<InstructionTask> tasks = TaskDataset.readJsonl(f);
    assertEquals(2, tasks.size());
    InstructionTask s = tasks.get(0);
    assertEquals("Positive or negative? Great.", s.prompt(0, 0));
    assertEquals("Sentiment:\n\nDull.", s.prompt(1, 1));
    assertEquals(List.of("negative"), s.instances().get(1).references());
    assertTrue(s.isLabelTask());
    assertEquals(Optional.of(false), tasks.get(1).labels());
    assertFalse(tasks.get(1).hasReferences());
    assertEquals("Capital of France?", tasks.get(1).prompt(0, 0));
  }

  @Test
  void long_references_make_a_free_text_task() {
    InstructionTask t = InstructionTask.of("sum", List.of("Summarize:"),
        List.of(Instance.of("text", List.of("a summary of four words"))));
    assertFalse(t.isLabelTask());
    assertTrue(t.hasReferences());
  }

  @Test
  void errors_name_the_file_line_field_and_rule() throws Exception {
    String ok = "{\"task\": \"a\", \"variants\": [\"{input}\"], \"instances\": [{\"input\": \"x\"}]}";
    Path bad = write(ok, "{\"task\": ");
    InvalidInputException json = assertThrows(InvalidInputException.class, () -> TaskDataset.readJsonl(bad));
    assertTrue(json.getMessage().startsWith(bad + ":2: not valid JSON: Unexpected end-of-input"), json.getMessage());
    rejects("1: field task: is missing", "{\"variants\": [\"v\"], \"instances\": [{\"input\": \"x\"}]}");
    rejects("1: field variants: must be a non-empty array of strings",
        "{\"task\": \"a\", \"variants\": [], \"instances\": [{\"input\": \"x\"}]}");
    rejects("1: field variants[1]: must be a string, found NUMBER",
        "{\"task\": \"a\", \"variants\": [\"v\", 3], \"instances\": [{\"input\": \"x\"}]}");
    rejects("1: field instances: must be a non-empty array",
        "{\"task\": \"a\", \"variants\": [\"v\"], \"instances\": {}}");
    rejects("1: field instances[0]: needs input or fields",
        "{\"task\": \"a\", \"variants\": [\"v\"], \"instances\": [{\"references\": [\"r\"]}]}");
    rejects("1: field instances[0].references[0]: must be a string, found NUMBER",
        "{\"task\": \"a\", \"variants\": [\"v\"], \"instances\": [{\"input\": \"x\", \"references\": [1]}]}");
    rejects("1: field instances[0]: has both input and fields.input; give one",
        "{\"task\": \"a\", \"variants\": [\"v\"], \"instances\": [{\"input\": \"x\", \"fields\": {\"input\": \"y\"}}]}");
    rejects("1: field instances[0].fields: name must match [A-Za-z_][A-Za-z0-9_]*, found \"my field\"",
        "{\"task\": \"a\", \"variants\": [\"v\"], \"instances\": [{\"fields\": {\"my field\": \"y\"}}]}");
    rejects("1: field labels: must be true or false, found \"yes\"",
        "{\"task\": \"a\", \"variants\": [\"v\"], \"labels\": \"yes\", \"instances\": [{\"input\": \"x\"}]}");
    rejects("1: task \"a\": variants[1] with instances[0]: the variant uses {topic} but the instance has no field"
            + " topic (fields: [input])",
        "{\"task\": \"a\", \"variants\": [\"{input}\", \"About {topic}\"], \"instances\": [{\"input\": \"x\"}]}");
    rejects("1: task \"a\": variants[1] repeats an earlier variant",
        "{\"task\": \"a\", \"variants\": [\"v\", \"v\"], \"instances\": [{\"input\": \"x\"}]}");
    rejects("2: field task: \"a\" appears on an earlier line too", ok, ok);
    rejects("1: expected a JSON object, found array", "[1, 2]");
  }

  @Test
  void an_empty_file_is_rejected() throws Exception {
    Path f = dir.resolve("empty.jsonl");
    Files.writeString(f, "\n\n");
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> TaskDataset.readJsonl(f));
    assertEquals(f + ": no task found (expected one JSON object per line)", e.getMessage());
  }

  @Test
  void limit_keeps_the_first_instances() {
    InstructionTask t = InstructionTask.of("t", List.of("{input}"),
        List.of(Instance.of("a", List.of()), Instance.of("b", List.of()), Instance.of("c", List.of())));
    assertEquals(2, t.limit(2).instances().size());
    assertEquals(t, t.limit(5));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.limit(0));
    assertEquals("maxInstances must be > 0, found 0", e.getMessage());
  }
}
