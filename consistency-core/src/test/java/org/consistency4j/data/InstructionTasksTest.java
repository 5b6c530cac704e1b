package org.consistency4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.NotBlank;
import net.jqwik.api.constraints.Size;
import org.consistency4j.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

class InstructionTasksTest {
  @TempDir Path dir;

  private Path write(String... lines) throws Exception {
    Path f = dir.resolve("tasks.jsonl");
    Files.writeString(f, String.join("\n", lines) + "\n");
    return f;
  }

  private void rejects(String message, String... lines) throws Exception {
    Path f = write(lines);
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> InstructionTasks.read(f));
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
    List<InstructionTask> tasks = InstructionTasks.read(f);
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
    InvalidInputException json = assertThrows(InvalidInputException.class, () -> InstructionTasks.read(bad));
    assertTrue(json.getMessage().startsWith(bad + ":2: not valid JSON: Unexpected end-of-input"), json.getMessage());
    rejects("1: field task: is missing", "{\"variants\": [\"v\"], \"instances\": [{\"input\": \"x\"}]}");
    rejects("1: field variants: must be a non-empty array of strings",
        "{\"task\": \"a\", \"variants\": [], \"instances\": [{\"input\": \"x\"}]}");
    rejects("1: field variants[1]: must be a string, found NUMBER",
        "{\"task\": \"a\", \"variants\": [\"v\", 3], \"instances\": [{\"input\": \"x\"}]}");
    rejects("1: field instances: must be a non-empty array",
        "{\"task\": \"a\", \"variants\": [\"v\"], \"instances\": {}}");
    rejects("1: field instances: must be a non-empty array",
        "{\"task\": \"a\", \"variants\": [\"v\"], \"instances\": []}");
    rejects("1: field instances[0].fields.q: must be a string, found NUMBER",
        "{\"task\": \"a\", \"variants\": [\"v\"], \"instances\": [{\"fields\": {\"q\": 3}}]}");
    rejects("1: field instances[0]: must be an object",
        "{\"task\": \"a\", \"variants\": [\"v\"], \"instances\": [\"x\"]}");
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
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> InstructionTasks.read(f));
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

  @Test
  void sni_task_becomes_a_task_whose_variants_render_to_the_sni_prompts() {
    SniTask sni = SniFixtures.tasks().get(0);
    InstructionTask t = InstructionTasks.fromSni(sni, PromptTemplate.DEFAULT);
    assertEquals(sni.name(), t.name());
    assertEquals(1, t.variants().size());
    assertEquals(sni.instances().size(), t.instances().size());
    assertEquals(Optional.empty(), t.labels());
    assertEquals(
        PromptTemplate.DEFAULT.render(sni.definition(), sni.instances().get(0).input().orElseThrow()), t.prompt(0, 0));
    assertEquals(sni.instances().get(0).references(), t.instances().get(0).references());
  }

  @Test
  void tasks_round_trip_through_jsonl_with_fields_and_labels() {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("question", "Q?");
    fields.put("options", "A, B");
    List<InstructionTask> tasks = List.of(
        InstructionTask.of("t1", List.of("Do {input}", "Please do {input}"),
            List.of(Instance.of("x", List.of("y", "z")), Instance.of("w", List.of()))),
        new InstructionTask("t2", List.of("{question} Options: {options}"),
            List.of(new Instance(fields, List.of("A"))), Optional.of(true)));
    Path f = dir.resolve("g.jsonl");
    InstructionTasks.write(f, tasks);
    assertEquals(tasks, InstructionTasks.read(f));
    assertEquals("Q? Options: A, B", tasks.get(1).prompt(0, 0));
  }

  @Test
  void a_task_with_only_plain_inputs_is_written_with_input_and_without_labels() throws Exception {
    Path f = dir.resolve("plain.jsonl");
    InstructionTasks.write(f, List.of(InstructionTask.of("t", List.of("Do {input}"),
        List.of(Instance.of("x", List.of("y"))))));
    assertEquals("{\"task\":\"t\",\"variants\":[\"Do {input}\"],"
        + "\"instances\":[{\"input\":\"x\",\"references\":[\"y\"]}]}\n", Files.readString(f));
  }

  @Property(tries = 100)
  void any_valid_task_round_trips(
      @ForAll @NotBlank String task,
      @ForAll @Size(min = 1, max = 4) List<@NotBlank String> variants,
      @ForAll String input,
      @ForAll @NotBlank String reference) throws Exception {
    List<String> distinct = variants.stream().distinct().toList();
    Assume.that(distinct.stream().allMatch(
        v -> PromptTemplate.placeholders(v).stream().allMatch(Instance.INPUT::equals)));
    InstructionTask t = InstructionTask.of(task, distinct, List.of(Instance.of(input, List.of(reference))));
    Path f = Files.createTempFile("tasks", ".jsonl");
    try {
      InstructionTasks.write(f, List.of(t));
      assertEquals(List.of(t), InstructionTasks.read(f));
    } finally {
      Files.deleteIfExists(f);
    }
  }

  private static void invalid(String message, Executable e) {
    assertEquals(message, assertThrows(IllegalArgumentException.class, e).getMessage());
  }

  @Test
  void instance_and_task_record_rules_are_pinned() {
    invalid("fields key must match [A-Za-z_][A-Za-z0-9_]*, found \"a b\"",
        () -> new Instance(Map.of("a b", "x"), List.of()));
    invalid("name must not be blank",
        () -> InstructionTask.of(" ", List.of("{input}"), List.of(Instance.of("x", List.of()))));
    invalid("variants must not be empty",
        () -> InstructionTask.of("t", List.of(), List.of(Instance.of("x", List.of()))));
    invalid("instances must not be empty", () -> InstructionTask.of("t", List.of("{input}"), List.of()));
    invalid("variants[1] repeats an earlier variant",
        () -> InstructionTask.of("t", List.of("a", "a"), List.of(Instance.of("x", List.of()))));
    invalid("variants[0] with instances[0]: the variant uses {topic} but the instance has no field"
            + " topic (fields: [input])",
        () -> InstructionTask.of("t", List.of("About {topic}"), List.of(Instance.of("x", List.of()))));
  }
}
