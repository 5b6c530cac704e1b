package org.consistency4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class TaskResponsesTest {

  private static final TaskResponses TASK =
      TaskResponses.of(
          "sentiment",
          List.of("original", "paraphrase-1"),
          List.of(List.of("positive", "negative", "positive"), List.of("Positive", "neutral", "negative")),
          List.of(List.of("positive"), List.of("negative"), List.of("positive", "pos")));

  @Test
  void groups_collect_each_instances_responses_across_verbalizations() {
    assertEquals(2, TASK.verbalizationCount());
    assertEquals(3, TASK.instanceCount());
    ResponseGroup g = TASK.group(1);
    assertEquals("sentiment/1", g.id());
    assertEquals(List.of("negative", "neutral"), g.responses());
    assertEquals(List.of("negative"), g.references());
    assertEquals(3, TASK.groups().size());
    assertEquals("neutral", TASK.response(1, 1));
  }

  @Test
  void responses_must_have_one_row_per_verbalization() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TaskResponses.of("t", List.of("a", "b"), List.of(List.of("x"))));
    assertEquals("responses size (1) != verbalizations size (2)", e.getMessage());
  }

  @Test
  void every_row_must_cover_the_same_instances() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                TaskResponses.of(
                    "t", List.of("a", "b"), List.of(List.of("x", "y"), List.of("x"))));
    assertEquals("responses[1] size (1) != responses[0] size (2)", e.getMessage());
  }

  @Test
  void references_must_cover_every_instance_with_at_least_one_answer() {
    IllegalArgumentException size =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                TaskResponses.of(
                    "t", List.of("a"), List.of(List.of("x", "y")), List.of(List.of("x"))));
    assertEquals("references size (1) != responses[0] size (2)", size.getMessage());
    IllegalArgumentException empty =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                TaskResponses.of(
                    "t", List.of("a"), List.of(List.of("x")), List.of(List.of())));
    assertEquals("references[0] must not be empty", empty.getMessage());
  }

  @Test
  void verbalization_labels_must_be_distinct_and_instances_present() {
    IllegalArgumentException dup =
        assertThrows(
            IllegalArgumentException.class,
            () -> TaskResponses.of("t", List.of("a", "a"), List.of(List.of("x"), List.of("y"))));
    assertEquals("verbalization \"a\" appears more than once", dup.getMessage());
    IllegalArgumentException none =
        assertThrows(
            IllegalArgumentException.class,
            () -> TaskResponses.of("t", List.of("a"), List.of(List.of())));
    assertEquals("responses[0] must not be empty", none.getMessage());
  }

  @Test
  void indices_are_checked() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TASK.response(2, 0));
    assertEquals("v must be in [0, 1], found 2", e.getMessage());
  }
}
