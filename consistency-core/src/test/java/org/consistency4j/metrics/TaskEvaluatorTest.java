package org.consistency4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaskEvaluatorTest {

  private static final TaskResponses TASK =
      TaskResponses.of(
          "sentiment",
          List.of("original", "paraphrase-1"),
          List.of(
              List.of("positive", "negative", "positive"),
              List.of("Positive", "neutral", "negative")),
          List.of(List.of("positive"), List.of("negative"), List.of("positive", "pos")));

  @Test
  void accuracy_rouge_and_spread_are_reported_per_verbalization() {
    TaskEvaluation e = TaskEvaluator.of(Similarities.exactMatch()).evaluate(TASK);
    VerbalizationScores original = e.verbalizations().get(0);
    VerbalizationScores paraphrase = e.verbalizations().get(1);
    assertEquals("original", original.verbalization());
    assertEquals(1.0, original.accuracy());
    assertEquals(1.0 / 3, paraphrase.accuracy(), 1e-15);
    assertEquals(2.0 / 3, e.spread().getAsDouble(), 1e-15);
    assertEquals((1.0 + 1.0 / 3) / 2, e.accuracy().getAsDouble(), 1e-15);
    assertEquals(List.of("rouge1", "rouge2", "rougeL", "rougeLsum"), List.copyOf(original.rouge().keySet()));
    assertEquals(1.0, original.rouge().get("rougeL"));
    // One-token answers have no bigram: rouge2 is 0 everywhere.
    assertEquals(0.0, original.rouge().get("rouge2"));
    assertEquals(1.0 / 3, paraphrase.rouge().get("rougeL"), 1e-15);
  }

  @Test
  void consistency_is_measured_over_instance_groups() {
    TaskEvaluation e = TaskEvaluator.of(Similarities.exactMatch()).evaluate(TASK);
    // Instance groups: [positive, Positive] agree; the other two disagree.
    assertEquals(1.0 / 3, e.consistency().macro(), 1e-15);
    assertEquals(List.of("sentiment/0", "sentiment/1", "sentiment/2"),
        e.consistency().groups().stream().map(GroupConsistency::id).toList());
    assertEquals((1.0 + 0.5 + 0.5) / 3, e.agreement().macro(), 1e-15);
  }

  @Test
  void a_task_without_references_has_no_spread() {
    TaskResponses t =
        TaskResponses.of("t", List.of("a", "b"), List.of(List.of("x y"), List.of("x z")));
    TaskEvaluation e =
        TaskEvaluator.of(Similarities.rougeL(), 0.5, RougeScorer.of(List.of("rougeL"), false))
            .evaluate(t);
    assertTrue(e.spread().isEmpty());
    assertTrue(e.verbalizations().isEmpty());
    assertEquals(0.5, e.consistency().macro(), 1e-15);
  }

  @Test
  void a_single_verbalization_is_rejected() {
    TaskResponses t = TaskResponses.of("t", List.of("a"), List.of(List.of("x")));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TaskEvaluator.of(Similarities.exactMatch()).evaluate(t));
    assertEquals(
        "task \"t\" needs >= 2 verbalizations for a consistency rate, found 1", e.getMessage());
  }

  @Test
  void verbalization_scores_validate_their_values() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new VerbalizationScores("v", 1, 0.5, Map.of("rougeL", 1.5)));
    assertEquals("rouge rougeL must be in [0.0, 1.0], found 1.5", e.getMessage());
    IllegalArgumentException n =
        assertThrows(
            IllegalArgumentException.class,
            () -> new VerbalizationScores("v", 0, 0.5, Map.of()));
    assertEquals("instances must be > 0, found 0", n.getMessage());
  }
}
