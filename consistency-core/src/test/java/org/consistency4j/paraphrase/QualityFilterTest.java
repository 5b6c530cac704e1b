package org.consistency4j.paraphrase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class QualityFilterTest {
  private static Paraphrase p(String text) {
    return new Paraphrase(text, "test", List.of());
  }

  private static final String ORIGINAL =
      "In this task, you are given a movie review. Classify it as positive or negative.";

  @Test
  void exact_and_near_duplicates_of_the_original_and_of_each_other_are_dropped() {
    List<Paraphrase> in = List.of(
        p("in this task,  you are given a movie review. classify it as positive or negative."),
        p("In this task, you are given a movie review! Classify it as positive or negative"),
        p("Can you classify the movie review you are given as positive or negative?"),
        p("Can you classify the movie review you are given as positive or negative ?!"),
        p("Read the film review and say whether it is positive or negative."));
    List<Paraphrase> kept = QualityFilter.defaults().apply(ORIGINAL, in, 10);
    assertEquals(List.of(in.get(2), in.get(4)), kept);
    assertEquals(List.of(in.get(2)), QualityFilter.defaults().apply(ORIGINAL, in, 1));
  }

  @Test
  void meaning_check_drops_paraphrases_below_the_threshold() {
    QualityFilter f = QualityFilter.defaults()
        .withMeaningCheck((a, b) -> b.contains("film") ? 0.5 : 0.9, 0.8);
    List<Paraphrase> in = List.of(
        p("Can you classify the movie review you are given as positive or negative?"),
        p("Read the film review and say whether it is positive or negative."));
    assertEquals(List.of(in.get(0)), f.apply(ORIGINAL, in, 10));
    assertEquals(java.util.Optional.of(0.8), f.minMeaningSimilarity());
  }

  @Test
  void diversity_floor_drops_paraphrases_too_close_to_the_original() {
    List<Paraphrase> in = List.of(
        p("In this task, you are given a film review. Classify it as positive or negative."),
        p("Can you classify the movie review you are given as positive or negative?"));
    assertEquals(in, QualityFilter.defaults().apply(ORIGINAL, in, 10));
    QualityFilter floor = QualityFilter.defaults().withDiversityFloor(0.9);
    assertEquals(List.of(in.get(1)), floor.apply(ORIGINAL, in, 10));
    assertEquals(0.9, floor.maxRougeToOriginal());
    assertEquals(0.9, Paraphrasers.pipelineFilter().maxRougeToOriginal());
    assertEquals("maxRougeToOriginal must be in (0, 1], found 1.2",
        assertThrows(IllegalArgumentException.class,
            () -> QualityFilter.defaults().withDiversityFloor(1.2)).getMessage());
  }

  @Test
  void settings_are_validated_with_messages() {
    assertEquals("nearDuplicateThreshold must be in (0, 1], found 0.0",
        assertThrows(IllegalArgumentException.class, () -> QualityFilter.nearDuplicates(0))
            .getMessage());
    assertEquals("minSimilarity must be in [0.0, 1.0], found 1.5",
        assertThrows(IllegalArgumentException.class,
            () -> QualityFilter.defaults().withMeaningCheck((a, b) -> 1, 1.5)).getMessage());
    assertEquals("n must be > 0, found 0", assertThrows(IllegalArgumentException.class,
        () -> QualityFilter.defaults().apply("x", List.of(), 0)).getMessage());
  }

  @Test
  void paraphrase_record_rules_are_enforced_with_messages() {
    assertEquals("text must not be blank",
        assertThrows(IllegalArgumentException.class, () -> p(" ")).getMessage());
    assertEquals("method must not be blank", assertThrows(IllegalArgumentException.class,
        () -> new Paraphrase("x", "", List.of())).getMessage());
  }
}
