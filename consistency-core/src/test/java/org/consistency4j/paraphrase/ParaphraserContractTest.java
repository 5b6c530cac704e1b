package org.consistency4j.paraphrase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.consistency4j.data.SniFixtures;
import org.consistency4j.data.SniTask;
import org.consistency4j.metrics.Rouge;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The Paraphraser contract for every standard method on the 20 SNI definitions. */
class ParaphraserContractTest {

  static Stream<Arguments> methods() {
    return Stream.of("wordnet", "structural", "format", "pipeline")
        .map(m -> Arguments.of(m, Paraphrasers.byName(m)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("methods")
  void results_are_distinct_new_protected_and_deterministic(String name, Paraphraser p) {
    for (SniTask task : SniFixtures.tasks()) {
      Instruction ins = Instruction.of(task.definition(), task.labelWords());
      ProtectedSpans spans = ProtectedSpans.of(ins);
      List<Paraphrase> ps = p.paraphrase(ins, 10, 42);
      assertTrue(ps.size() <= 10);
      assertEquals(ps.size(), ps.stream().map(Paraphrase::text).distinct().count(), task.name());
      for (Paraphrase x : ps) {
        assertNotEquals(task.definition(), x.text());
        assertTrue(spans.preservedIn(x.text()), name + " altered a protected span: " + x.text());
        assertTrue(x.method().contains(name.equals("pipeline") ? "" : name), x.method());
      }
      assertEquals(ps, p.paraphrase(ins, 10, 42), "not deterministic: " + task.name());
    }
  }

  @Test
  void pipeline_gives_ten_distinct_non_near_duplicate_paraphrases_for_every_sni_definition() {
    Paraphraser pipeline = Paraphrasers.pipeline();
    List<String> shortfalls = new ArrayList<>();
    for (SniTask task : SniFixtures.tasks()) {
      List<Paraphrase> ps = pipeline.paraphrase(
          Instruction.of(task.definition(), task.labelWords()), 10, 7);
      if (ps.size() < 10) {
        shortfalls.add(task.name() + ": " + ps.size());
      }
      for (int i = 0; i < ps.size(); i++) {
        assertTrue(Rouge.rougeL(task.definition(), ps.get(i).text(), false).fmeasure() < 0.95);
        for (int j = 0; j < i; j++) {
          assertTrue(Rouge.rougeL(ps.get(j).text(), ps.get(i).text(), false).fmeasure() < 0.95);
        }
      }
    }
    assertEquals(List.of(), shortfalls);
  }

  @Test
  void label_words_of_a_task_survive_every_method() {
    Instruction ins = Instruction.of(
        "Judge whether the second sentence is the cause or effect of the first one.",
        List.of("cause", "effect"));
    for (String m : List.of("wordnet", "structural", "format", "pipeline")) {
      for (long seed = 0; seed < 5; seed++) {
        for (Paraphrase p : Paraphrasers.byName(m).paraphrase(ins, 10, seed)) {
          assertTrue(p.text().contains("cause") && p.text().contains("effect"), m + ": " + p.text());
        }
      }
    }
  }

  @Test
  void different_seeds_give_different_paraphrases() {
    String def = SniFixtures.tasks().get(2).definition();
    assertNotEquals(
        Paraphrasers.pipeline().paraphrase(def, 5, 1), Paraphrasers.pipeline().paraphrase(def, 5, 2));
  }

  @Test
  void bad_arguments_are_rejected_with_messages() {
    Paraphraser p = Paraphrasers.structural();
    assertEquals("n must be > 0, found 0",
        assertThrows(IllegalArgumentException.class, () -> p.paraphrase("Do it.", 0, 1)).getMessage());
    assertEquals("instruction must not be null",
        assertThrows(NullPointerException.class,
            () -> p.paraphrase((Instruction) null, 1, 1)).getMessage());
    assertEquals("method must be one of [wordnet, structural, lm, format, pipeline], found \"x\"",
        assertThrows(IllegalArgumentException.class, () -> Paraphrasers.byName("x")).getMessage());
    assertEquals("method lm needs a language model: use Paraphrasers.languageModel(model)",
        assertThrows(IllegalArgumentException.class, () -> Paraphrasers.byName("lm")).getMessage());
    assertEquals("members must not be empty",
        assertThrows(IllegalArgumentException.class, () -> Paraphrasers.union(List.of())).getMessage());
    assertEquals("oversample must be > 0, found 0",
        assertThrows(IllegalArgumentException.class,
            () -> Paraphrasers.filtered(p, QualityFilter.defaults(), 0)).getMessage());
  }

  @Test
  void chain_accumulates_methods_and_edits() {
    Paraphraser chain = Paraphrasers.structural().then(Paraphrasers.wordNet());
    List<Paraphrase> ps = chain.paraphrase(
        "In this task, you are given a movie review. Determine the sentiment of the review.", 5, 3);
    assertTrue(ps.stream().anyMatch(p -> p.method().equals("structural+wordnet")
        && p.edits().stream().anyMatch(e -> e.startsWith("synonym:"))), ps.toString());
  }
}
