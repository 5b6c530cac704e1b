package org.consistency4j.paraphrase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.consistency4j.lm.Generation;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.lm.LanguageModel;
import org.junit.jupiter.api.Test;

class LmParaphraserTest {

  /** Returns scripted answers in turn and records prompts and seeds. */
  static final class ScriptedModel implements LanguageModel {
    final List<String> answers;
    final List<String> prompts = new ArrayList<>();
    final List<Long> seeds = new ArrayList<>();

    ScriptedModel(String... answers) {
      this.answers = List.of(answers);
    }

    @Override
    public List<Generation> generate(List<String> ps, GenerationConfig config) {
      List<Generation> out = new ArrayList<>();
      for (String p : ps) {
        prompts.add(p);
        seeds.add(config.seed());
        String a = answers.get(Math.min(prompts.size() - 1, answers.size() - 1));
        out.add(new Generation(a, List.of(), Generation.FinishReason.EOS));
      }
      return out;
    }

    @Override
    public String name() {
      return "scripted";
    }
  }

  private static final String INSTRUCTION = "Classify the review as \"POS\" or \"NEG\".";

  @Test
  void numbered_answers_are_parsed_and_filtered() {
    ScriptedModel model = new ScriptedModel(
        "1. Label the review as \"POS\" or \"NEG\".\n"
            + "2. Classify the review as \"POS\" or \"NEG\".\n"           // the original
            + "3. Decide whether the review is positive or negative.\n"  // lost the labels
            + "4) Label the review as \"POS\" or \"NEG\".\n"             // duplicate
            + "5. Is the review \"POS\" or \"NEG\"? Classify it.\n"
            + "6. Ok\n");                                                 // too short
    Paraphraser p = Paraphrasers.languageModel(model, LmParaphraserConfig.defaults(),
        ProtectionRules.defaults());
    List<Paraphrase> ps = p.paraphrase(INSTRUCTION, 5, 9);
    assertEquals(List.of("Label the review as \"POS\" or \"NEG\".",
        "Is the review \"POS\" or \"NEG\"? Classify it."), ps.stream().map(Paraphrase::text).toList());
    assertEquals("lm", ps.get(0).method());
    assertEquals(List.of("lm:scripted"), ps.get(0).edits());
    assertEquals(3, model.prompts.size(), "three sampling rounds when too few are found");
    assertEquals(3, model.seeds.stream().distinct().count());
    assertTrue(model.prompts.get(0).contains("in 5 different ways"));
    assertTrue(model.prompts.get(0).contains("\"\"POS\"\", \"\"NEG\"\""), model.prompts.get(0));
    assertTrue(model.prompts.get(0).contains("Instruction: " + INSTRUCTION));
  }

  @Test
  void greedy_decoding_asks_once_and_the_template_is_configurable() {
    ScriptedModel model = new ScriptedModel("- Sort the review into \"POS\" or \"NEG\".");
    LmParaphraserConfig config = LmParaphraserConfig.defaults()
        .withGeneration(GenerationConfig.greedy(100))
        .withTemplate("Paraphrase {n}x: {instruction}");
    List<Paraphrase> ps = Paraphrasers.languageModel(model, config, ProtectionRules.defaults())
        .paraphrase(INSTRUCTION, 3, 1);
    assertEquals(1, ps.size());
    assertEquals(List.of("Paraphrase 3x: " + INSTRUCTION), model.prompts);
  }

  @Test
  void default_factory_filters_near_duplicates() {
    ScriptedModel model = new ScriptedModel(
        "1. Classify the review as \"POS\" or \"NEG\" .\n2. Put the review in class \"POS\" or \"NEG\".");
    List<Paraphrase> ps = Paraphrasers.languageModel(model).paraphrase(INSTRUCTION, 2, 1);
    assertEquals(List.of("Put the review in class \"POS\" or \"NEG\"."),
        ps.stream().map(Paraphrase::text).toList());
  }

  @Test
  void list_parser_handles_numbers_bullets_continuations_and_plain_lines() {
    assertEquals(List.of("a b", "c\nd", "e"), ListParser.parse("Here:\n1. a b\n2) c\nd\n(3) e"));
    assertEquals(List.of("x", "y"), ListParser.parse("* x\n\u2022 \"y\""));
    assertEquals(List.of("first", "second"), ListParser.parse("first\n\nsecond\n"));
  }

  @Test
  void config_rules_are_enforced_with_messages() {
    LmParaphraserConfig d = LmParaphraserConfig.defaults();
    assertEquals("template must contain {instruction}, found \"x\"",
        assertThrows(IllegalArgumentException.class, () -> d.withTemplate("x")).getMessage());
    assertEquals("rounds must be > 0, found 0", assertThrows(IllegalArgumentException.class,
        () -> new LmParaphraserConfig(d.template(), d.generation(), 0, 0.3, 3)).getMessage());
    assertEquals("maxLengthRatio must be >= minLengthRatio (0.5), found 0.4",
        assertThrows(IllegalArgumentException.class,
            () -> new LmParaphraserConfig(d.template(), d.generation(), 1, 0.5, 0.4)).getMessage());
    assertEquals("minLengthRatio must be > 0, found 0.0", assertThrows(IllegalArgumentException.class,
        () -> new LmParaphraserConfig(d.template(), d.generation(), 1, 0, 3)).getMessage());
  }
}
