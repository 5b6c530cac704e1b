package org.consistency4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class AnswerMatchTest {

  @Test
  void exact_match_compares_normalized_answers() {
    assertTrue(AnswerMatch.exact("Paris", "paris."));
    assertTrue(AnswerMatch.exact("The answer is: yes", "answer is yes"));
    assertFalse(AnswerMatch.exact("Paris", "Lyon"));
    assertTrue(AnswerMatch.exact("", "the"));
  }

  @Test
  void exact_any_accepts_any_matching_reference() {
    assertTrue(AnswerMatch.exactAny("Positive!", List.of("negative", "positive")));
    assertFalse(AnswerMatch.exactAny("neutral", List.of("negative", "positive")));
  }

  @Test
  void exact_any_needs_references() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> AnswerMatch.exactAny("x", List.of()));
    assertEquals("references must not be empty", e.getMessage());
  }

  @Test
  void token_f1_matches_the_squad_formula() {
    // "the cat sat on mat" -> [cat, sat, on, mat]; "a cat on a hat" -> [cat, on, hat]
    // common 2: P = 2/4, R = 2/3, F1 = 2 * 0.5 * 0.6667 / 1.1667 = 4/7.
    assertEquals(4.0 / 7.0, AnswerMatch.tokenF1("the cat sat on mat", "a cat on a hat"), 1e-15);
    // Multiset intersection: [x, x, y] vs [x, y, y] share x once and y once.
    assertEquals(2.0 / 3.0, AnswerMatch.tokenF1("x x y", "x y y"), 1e-15);
    assertEquals(0.0, AnswerMatch.tokenF1("cat", "dog"));
  }

  @Test
  void token_f1_of_empty_answers_follows_squad_2() {
    assertEquals(1.0, AnswerMatch.tokenF1("", "The."));
    assertEquals(0.0, AnswerMatch.tokenF1("", "cat"));
    assertEquals(0.0, AnswerMatch.tokenF1("cat", "a"));
  }

  @Test
  void token_f1_max_takes_the_best_reference() {
    assertEquals(1.0, AnswerMatch.tokenF1Max("big cat", List.of("dog", "the big cat")));
    // P = 1/2, R = 1: F1 = 2/3.
    assertEquals(2.0 / 3.0, AnswerMatch.tokenF1Max("big cat", List.of("dog", "cat")), 1e-15);
  }
}
