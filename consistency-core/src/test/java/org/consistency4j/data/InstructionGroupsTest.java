package org.consistency4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.NotBlank;
import net.jqwik.api.constraints.Size;
import org.consistency4j.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstructionGroupsTest {

  @Test
  void sni_task_becomes_a_group_whose_variants_render_to_prompts() {
    SniTask task = SniFixtures.tasks().get(0);
    InstructionGroup g = InstructionGroups.fromSni(task, PromptTemplate.DEFAULT);
    assertEquals(task.name(), g.task());
    assertEquals(1, g.variants().size());
    assertEquals(task.instances().size(), g.instances().size());
    String prompt = g.instances().get(0).render(g.variants().get(0));
    assertEquals(
        PromptTemplate.DEFAULT.render(task.definition(), task.instances().get(0).input()), prompt);
  }

  @Test
  void groups_round_trip_through_jsonl(@TempDir Path dir) {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("question", "Q?");
    fields.put("options", "A, B");
    List<InstructionGroup> groups = List.of(
        new InstructionGroup("t1", List.of("Do {input}", "Please do {input}"),
            List.of(GroupInstance.ofInput("x", List.of("y", "z")))),
        new InstructionGroup("t2", List.of("{question} Options: {options}"),
            List.of(new GroupInstance(fields, List.of("A")))));
    Path f = dir.resolve("g.jsonl");
    InstructionGroups.write(f, groups);
    assertEquals(groups, InstructionGroups.read(f));
    assertEquals("Q? Options: A, B", groups.get(1).instances().get(0).render(groups.get(1).variants().get(0)));
  }

  @Property(tries = 100)
  void any_valid_group_round_trips(
      @ForAll @NotBlank String task,
      @ForAll @Size(min = 1, max = 4) List<@NotBlank String> variants,
      @ForAll String input,
      @ForAll @NotBlank String reference) throws Exception {
    List<String> distinct = variants.stream().distinct().toList();
    InstructionGroup g = new InstructionGroup(
        task, distinct, List.of(GroupInstance.ofInput(input, List.of(reference))));
    Path f = Files.createTempFile("groups", ".jsonl");
    try {
      InstructionGroups.write(f, List.of(g));
      assertEquals(List.of(g), InstructionGroups.read(f));
    } finally {
      Files.deleteIfExists(f);
    }
  }

  private static InvalidInputException bad(Path dir, String line) throws Exception {
    Path f = dir.resolve("bad.jsonl");
    Files.writeString(f, "\n" + line + "\n");
    return assertThrows(InvalidInputException.class, () -> InstructionGroups.read(f));
  }

  @Test
  void each_rule_is_reported_with_file_line_and_field(@TempDir Path dir) throws Exception {
    String f = dir.resolve("bad.jsonl").toString();
    assertEquals(f + ":2: field task must be a non-empty string, found nothing",
        bad(dir, "{\"variants\": [\"a\"], \"instances\": []}").getMessage());
    assertEquals(f + ":2: field variants must be a non-empty array of strings, found []",
        bad(dir, "{\"task\": \"t\", \"variants\": [], \"instances\": []}").getMessage());
    assertEquals(f + ":2: variants[1] repeats an earlier variant",
        bad(dir, "{\"task\": \"t\", \"variants\": [\"a\", \"a\"], \"instances\": []}").getMessage());
    assertEquals(f + ":2: field instances must be a non-empty array, found []",
        bad(dir, "{\"task\": \"t\", \"variants\": [\"a\"], \"instances\": []}").getMessage());
    assertEquals(f + ":2: instances[0] must have exactly one of input and fields",
        bad(dir, "{\"task\": \"t\", \"variants\": [\"a\"], \"instances\": [{\"references\": [\"r\"]}]}")
            .getMessage());
    assertEquals(f + ":2: instances[0].references must be a non-empty array of strings, found nothing",
        bad(dir, "{\"task\": \"t\", \"variants\": [\"a\"], \"instances\": [{\"input\": \"x\"}]}")
            .getMessage());
    assertEquals(f + ":2: instances[0].fields.q must be a string, found 3",
        bad(dir, "{\"task\": \"t\", \"variants\": [\"a\"], \"instances\": [{\"fields\": {\"q\": 3}, \"references\": [\"r\"]}]}")
            .getMessage());
    assertEquals(f + ":2: expected a JSON object, found array", bad(dir, "[1]").getMessage());
    assertEquals(true, bad(dir, "{\"task\":").getMessage().startsWith(f + ":2: not valid JSON"));
  }

  @Test
  void prompt_template_rules_are_enforced_with_messages() {
    assertEquals("template must contain {instruction} exactly once, found \"{input}\"",
        assertThrows(IllegalArgumentException.class, () -> new PromptTemplate("{input}")).getMessage());
    assertEquals("template must contain {input} exactly once, found \"{instruction}\"",
        assertThrows(IllegalArgumentException.class, () -> new PromptTemplate("{instruction}"))
            .getMessage());
    assertEquals("template must place {instruction} before {input}, found \"{input} {instruction}\"",
        assertThrows(IllegalArgumentException.class,
            () -> new PromptTemplate("{input} {instruction}")).getMessage());
    assertEquals("Do it.\n\nInput: x\nOutput:", PromptTemplate.DEFAULT.render("Do it.", "x"));
  }

  @Test
  void group_record_rules_are_enforced_with_messages() {
    assertEquals("variants must not be empty", assertThrows(IllegalArgumentException.class,
        () -> new InstructionGroup("t", List.of(), List.of())).getMessage());
    assertEquals("variants must be distinct, found a repeated template in task t",
        assertThrows(IllegalArgumentException.class, () -> new InstructionGroup("t",
            List.of("a", "a"), List.of(GroupInstance.ofInput("x", List.of("y"))))).getMessage());
    assertEquals("references must not be empty", assertThrows(IllegalArgumentException.class,
        () -> GroupInstance.ofInput("x", List.of())).getMessage());
  }
}
