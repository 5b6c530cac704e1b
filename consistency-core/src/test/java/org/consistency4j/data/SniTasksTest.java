package org.consistency4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.consistency4j.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SniTasksTest {

  private static SniTask read(String json) {
    return SniTasks.read(
        new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "t.json", "fallback");
  }

  @Test
  void loads_all_twenty_tasks_with_definitions_and_instances() {
    List<SniTask> tasks = SniFixtures.tasks();
    assertEquals(20, tasks.size());
    for (SniTask t : tasks) {
      assertTrue(t.name().startsWith("task"), t.name());
      assertTrue(t.definition().length() > 50, t.name());
      assertTrue(t.instances().size() >= 20, t.name());
      assertTrue(t.positiveExamples().size() >= 1, t.name());
    }
    SniTask sst2 = tasks.stream()
        .filter(t -> t.name().equals("task363_sst2_polarity_classification")).findFirst().get();
    assertEquals(54, sst2.instances().size());
    assertEquals(List.of("POS"), sst2.instances().get(0).references());
  }

  @Test
  void label_words_are_detected_for_classification_tasks_only() {
    for (SniTask t : SniFixtures.tasks()) {
      switch (t.name()) {
        case "task363_sst2_polarity_classification" ->
            assertEquals(List.of("POS", "NEG"), t.labelWords());
        case "task879_schema_guided_dstc8_classification" ->
            assertTrue(t.labelWords().containsAll(List.of("Yes", "No")), t.labelWords().toString());
        case "task288_gigaword_summarization", "task1557_jfleg_answer_generation" ->
            assertEquals(List.of(), t.labelWords());
        default -> { }
      }
    }
  }

  @Test
  void missing_definition_is_reported_with_the_file() {
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> read("{\"instances\": []}"));
    assertEquals("t.json: field definition is missing", e.getMessage());
  }

  @Test
  void non_string_definition_is_reported_with_file_line_and_value() {
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> read("{\n\"definition\": 42,\n\"instances\": []}"));
    assertEquals("t.json:2: field definition must be a non-empty string, found 42", e.getMessage());
  }

  @Test
  void instance_without_output_is_reported_with_its_line_and_index() {
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> read("{\"definition\": \"Do it.\",\n\"instances\": [\n{\"input\": \"a\", \"output\": [\"b\"]},\n"
            + "{\"input\": \"c\", \"output\": []}]}"));
    assertEquals(
        "t.json:4: instances[1].output must be a string or a non-empty array of strings, found []",
        e.getMessage());
  }

  @Test
  void instance_with_non_string_input_is_reported() {
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> read("{\"definition\": \"Do it.\", \"instances\": [{\"input\": 1, \"output\": \"x\"}]}"));
    assertEquals("t.json:1: instances[0].input must be a string, found 1", e.getMessage());
  }

  @Test
  void instances_that_are_not_an_array_are_reported() {
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> read("{\"definition\": \"Do it.\", \"instances\": {}}"));
    assertEquals("t.json:1: field instances must be an array, found START_OBJECT", e.getMessage());
  }

  @Test
  void missing_instances_are_reported() {
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> read("{\"definition\": \"Do it.\"}"));
    assertEquals("t.json: field instances is missing", e.getMessage());
  }

  @Test
  void truncated_json_is_reported_as_invalid_json_with_a_line() {
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> read("{\"definition\": \"Do it.\",\n\"instances\": [{\"input\": \"a\""));
    assertTrue(e.getMessage().startsWith("t.json:2: invalid JSON"), e.getMessage());
  }

  @Test
  void a_one_element_definition_array_and_a_missing_task_field_are_accepted() {
    SniTask t = read("{\"definition\": [\"Do it.\"], \"instances\": [{\"input\": \"a\", \"output\": \"b\"}]}");
    assertEquals("fallback", t.name());
    assertEquals("Do it.", t.definition());
    assertEquals(List.of("b"), t.instances().get(0).references());
  }

  @Test
  void an_empty_directory_is_rejected(@TempDir Path dir) {
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> SniTasks.loadDirectory(dir));
    assertEquals(dir + ": no task*.json file in the directory", e.getMessage());
  }

  @Test
  void a_task_file_is_loaded_from_disk_with_its_name(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("task1_x.json");
    Files.writeString(f, "{\"definition\": \"Do it.\", \"instances\": [{\"input\": \"a\", \"output\": [\"b\"]}]}");
    assertEquals("task1_x", SniTasks.load(f).name());
  }

  @Test
  void blank_definition_is_rejected_by_the_record() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new SniTask("t", " ", List.of(), List.of()));
    assertEquals("definition must not be blank", e.getMessage());
  }

  @Test
  void an_sni_task_needs_plain_inputs_with_outputs() {
    Instance noOutput = Instance.of("a", List.of());
    Instance noInput = new Instance(java.util.Map.of("text", "a"), List.of("b"));
    assertEquals("instances[0] must have at least one reference (output)",
        assertThrows(IllegalArgumentException.class,
            () -> new SniTask("t", "Do it.", List.of(), List.of(noOutput))).getMessage());
    assertEquals("positiveExamples[0] must have a plain input (field input), found fields [text]",
        assertThrows(IllegalArgumentException.class,
            () -> new SniTask("t", "Do it.", List.of(noInput), List.of())).getMessage());
  }
}
