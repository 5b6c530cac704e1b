package org.consistency4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.consistency4j.paraphrase.Paraphrase;
import org.consistency4j.paraphrase.Paraphraser;
import org.consistency4j.paraphrase.Paraphrasers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstructionAugmentationTest {
  private static final List<SniTask> TASKS = SniFixtures.tasks().subList(0, 6);
  private static final Paraphraser PIPELINE = Paraphrasers.pipeline();

  @Test
  void held_out_paraphrases_and_instances_never_reach_training() {
    InstructionAugmentation.Dataset d = InstructionAugmentation.build(
        TASKS, PIPELINE, AugmentationConfig.of(10, 3, 5));
    assertEquals(TASKS.size(), d.splits().size());
    for (InstructionAugmentation.TaskSplit s : d.splits()) {
      assertEquals(3, s.heldOutParaphrases().size(), s.task());
      assertTrue(s.trainParaphrases().size() >= 5, s.task());
      Set<String> trainInputs = new HashSet<>();
      s.trainInstances().forEach(i -> trainInputs.add(i.input().orElseThrow()));
      for (InstructionAugmentation.Example e : d.train()) {
        if (!e.task().equals(s.task())) {
          continue;
        }
        for (Paraphrase h : s.heldOutParaphrases()) {
          assertFalse(e.prompt().contains(h.text()), "held-out paraphrase leaked: " + h.text());
        }
      }
      for (Instance held : s.heldOutInstances()) {
        assertFalse(trainInputs.contains(held.input().orElseThrow()), "held-out instance leaked");
        assertTrue(d.train().stream().noneMatch(e -> e.task().equals(s.task())
            && e.prompt().endsWith("Input: " + held.input().orElseThrow() + "\nOutput:")));
      }
    }
    for (InstructionTask g : d.heldOutGroups()) {
      InstructionAugmentation.TaskSplit s = d.splits().stream()
          .filter(x -> x.task().equals(g.name())).findFirst().orElseThrow();
      assertEquals(1 + s.heldOutParaphrases().size(), g.variants().size());
      assertEquals(s.heldOutInstances().size(), g.instances().size());
    }
  }

  @Test
  void every_training_instruction_is_paired_with_every_training_instance_unchanged() {
    AugmentationConfig c = AugmentationConfig.of(4, 1, 11);
    InstructionAugmentation.Dataset d = InstructionAugmentation.build(TASKS.subList(0, 2), PIPELINE, c);
    for (InstructionAugmentation.TaskSplit s : d.splits()) {
      long examples = d.train().stream().filter(e -> e.task().equals(s.task())).count();
      assertEquals((1L + s.trainParaphrases().size()) * s.trainInstances().size(), examples);
      Instance first = s.trainInstances().get(0);
      assertTrue(d.train().contains(new InstructionAugmentation.Example(
          s.task(), s.original(), PromptTemplate.DEFAULT.render(s.original(), first.input().orElseThrow()),
          " " + first.references().get(0))));
    }
  }

  @Test
  void the_dataset_is_deterministic_for_a_seed() {
    AugmentationConfig c = AugmentationConfig.of(5, 2, 3);
    assertEquals(InstructionAugmentation.build(TASKS, PIPELINE, c).train(),
        InstructionAugmentation.build(TASKS, PIPELINE, c).train());
    assertFalse(InstructionAugmentation.build(TASKS, PIPELINE, c).train().equals(
        InstructionAugmentation.build(TASKS, PIPELINE, AugmentationConfig.of(5, 2, 4)).train()));
  }

  @Test
  void files_are_written_in_both_sft_formats_with_groups_and_a_manifest(@TempDir Path dir)
      throws Exception {
    InstructionAugmentation.Dataset d = InstructionAugmentation.build(
        TASKS.subList(0, 2), PIPELINE, AugmentationConfig.of(3, 1, 1));
    InstructionAugmentation.write(d, dir);
    List<JsonLines.Line> pc = JsonLines.read(dir.resolve("train.prompt_completion.jsonl"));
    assertEquals(d.train().size(), pc.size());
    JsonNode first = pc.get(0).json();
    assertEquals(Set.of("prompt", "completion"), fieldNames(first));
    JsonNode msg = JsonLines.read(dir.resolve("train.messages.jsonl")).get(0).json();
    assertEquals("user", msg.get("messages").get(0).get("role").asText());
    assertEquals(first.get("prompt").asText(), msg.get("messages").get(0).get("content").asText());
    assertEquals(first.get("completion").asText().strip(),
        msg.get("messages").get(1).get("content").asText());
    assertEquals(d.heldOutGroups(), InstructionTasks.read(dir.resolve("heldout.groups.jsonl")));
    assertEquals(d.trainGroups(), InstructionTasks.read(dir.resolve("train.groups.jsonl")));
    JsonNode manifest = JsonLines.read(dir.resolve("manifest.json")).get(0).json();
    assertEquals(1, manifest.get("config").get("seed").asLong());
    assertEquals(2, JsonLines.read(dir.resolve("paraphrases.jsonl")).size());
    try (var files = Files.list(dir)) {
      assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")));
    }
  }

  private static Set<String> fieldNames(JsonNode n) {
    Set<String> out = new HashSet<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }

  @Test
  void config_rules_are_enforced_with_messages() {
    assertEquals("paraphrases must be > 0, found 0",
        assertThrows(IllegalArgumentException.class, () -> AugmentationConfig.of(0, 0, 1)).getMessage());
    assertEquals("heldOutParaphrases must be < paraphrases (3), found 3",
        assertThrows(IllegalArgumentException.class, () -> AugmentationConfig.of(3, 3, 1)).getMessage());
    assertEquals("heldOutParaphrases must be >= 0, found -1",
        assertThrows(IllegalArgumentException.class, () -> AugmentationConfig.of(3, -1, 1)).getMessage());
    assertEquals("heldOutInstanceFraction must be in [0, 1), found 1.0",
        assertThrows(IllegalArgumentException.class, () -> new AugmentationConfig(
            3, 1, 1.0, true, PromptTemplate.DEFAULT, " ", 1)).getMessage());
  }
  /** Records the protected terms each definition is paraphrased with. */
  private static final class Recording implements Paraphraser {
    final List<List<String>> terms = new java.util.ArrayList<>();

    @Override
    public List<Paraphrase> paraphrase(org.consistency4j.paraphrase.Instruction instruction, int n,
        long seed) {
      terms.add(instruction.protectedTerms());
      List<Paraphrase> out = new java.util.ArrayList<>();
      for (int i = 0; i < n; i++) {
        out.add(new Paraphrase(instruction.text() + " (variant " + i + ")", "recording", List.of()));
      }
      return out;
    }
  }

  @Test
  void definitions_are_protected_by_detected_label_words_and_configured_terms() {
    SniTask labelled = TASKS.stream().filter(t -> !t.labelWords().isEmpty()).findFirst()
        .orElseThrow();
    List<SniTask> one = List.of(labelled);
    AugmentationConfig base = AugmentationConfig.of(3, 1, 2);
    assertEquals(List.of(), base.protectedTerms());
    assertTrue(base.detectLabelWords());

    Recording detected = new Recording();
    InstructionAugmentation.build(one, detected, base);
    assertEquals(List.of(labelled.labelWords()), detected.terms);

    Recording added = new Recording();
    InstructionAugmentation.build(one, added, base.withProtection(List.of("premise", "Answer"), true));
    List<String> expected = new java.util.ArrayList<>(labelled.labelWords());
    expected.addAll(List.of("premise", "Answer"));
    assertEquals(List.of(expected), added.terms);

    Recording only = new Recording();
    InstructionAugmentation.build(one, only, base.withProtection(List.of("premise"), false));
    assertEquals(List.of(List.of("premise")), only.terms);

    Recording none = new Recording();
    InstructionAugmentation.build(one, none, base.withProtection(List.of(), false));
    assertEquals(List.of(List.of()), none.terms);
  }

  @Test
  void a_configured_term_survives_paraphrasing_that_otherwise_changes_it(@TempDir Path dir)
      throws Exception {
    // Find a definition word that the pipeline rewrites somewhere when it is not protected.
    for (SniTask task : TASKS) {
      List<Paraphrase> free = PIPELINE.paraphrase(task.definition(), 6, 9);
      for (String word : task.definition().split("[^A-Za-z]+")) {
        if (word.length() < 5 || free.stream().allMatch(p -> containsWord(p.text(), word))) {
          continue;
        }
        AugmentationConfig c = AugmentationConfig.of(6, 1, 9).withProtection(List.of(word), true);
        InstructionAugmentation.Dataset d = InstructionAugmentation.build(List.of(task), PIPELINE, c);
        InstructionAugmentation.TaskSplit s = d.splits().get(0);
        assertFalse(s.trainParaphrases().isEmpty());
        for (Paraphrase p : s.trainParaphrases()) {
          assertTrue(containsWord(p.text(), word), word + " lost in " + p.text());
        }
        for (Paraphrase p : s.heldOutParaphrases()) {
          assertTrue(containsWord(p.text(), word), word + " lost in " + p.text());
        }
        InstructionAugmentation.write(d, dir);
        JsonNode manifest = JsonLines.read(dir.resolve("manifest.json")).get(0).json();
        assertEquals(word, manifest.at("/config/protected_terms/0").textValue());
        assertTrue(manifest.at("/config/detect_label_words").booleanValue());
        return;
      }
    }
    throw new AssertionError("no definition word is ever rewritten by the pipeline");
  }

  private static boolean containsWord(String text, String word) {
    return java.util.regex.Pattern.compile(
        "(?i)(?<![A-Za-z])" + java.util.regex.Pattern.quote(word) + "(?![A-Za-z])")
        .matcher(text).find();
  }

  @Test
  void a_blank_protected_term_is_rejected_with_its_index() {
    assertEquals("protectedTerms[1] must not be blank, found \" \"",
        assertThrows(IllegalArgumentException.class,
            () -> AugmentationConfig.of(3, 1, 1).withProtection(List.of("POS", " "), true))
            .getMessage());
  }

  @Test
  void a_wording_with_an_unfilled_placeholder_keeps_its_sft_examples_but_forms_no_group() {
    SniTask braces = new SniTask("task_braces", "Reply with {answer} only, given the text.", List.of(),
        List.of(Instance.of("a b", List.of("yes")), Instance.of("c d", List.of("no")),
            Instance.of("e f", List.of("yes")), Instance.of("g h", List.of("no")),
            Instance.of("i j", List.of("yes"))));
    List<SniTask> tasks = List.of(TASKS.get(0), braces);
    InstructionAugmentation.Dataset d = InstructionAugmentation.build(tasks, PIPELINE, AugmentationConfig.of(2, 1, 3));
    assertTrue(d.train().stream().anyMatch(e -> e.task().equals("task_braces")
        && e.prompt().startsWith("Reply with {answer} only, given the text.\n\nInput: ")));
    assertEquals(List.of(TASKS.get(0).name()), d.heldOutGroups().stream().map(InstructionTask::name).toList());
    assertEquals(List.of(TASKS.get(0).name()), d.trainGroups().stream().map(InstructionTask::name).toList());
  }
}
