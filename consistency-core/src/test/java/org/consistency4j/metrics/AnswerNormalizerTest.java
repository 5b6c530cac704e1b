package org.consistency4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class AnswerNormalizerTest {

  @Test
  void normalization_lowercases_strips_punctuation_and_removes_articles() {
    assertEquals("eiffeltower", AnswerNormalizer.normalize("The Eiffel-Tower!"));
    assertEquals("apple day", AnswerNormalizer.normalize("An apple a day."));
    assertEquals("paris", AnswerNormalizer.normalize("  the   PARIS  "));
  }

  @Test
  void articles_are_removed_only_as_whole_words() {
    assertEquals("theory anthem", AnswerNormalizer.normalize("theory anthem"));
    assertEquals("b", AnswerNormalizer.normalize("a b"));
    // Punctuation goes first, so "a.b." is one word "ab" and "a_b" is "ab" (underscore is ASCII
    // punctuation in SQuAD's list).
    assertEquals("ab ab", AnswerNormalizer.normalize("a.b. a_b"));
  }

  @Test
  void non_ascii_punctuation_is_kept_and_bounds_words_like_pythons_regex() {
    // re.sub(r'\b(a|an|the)\b', ' ', "the’s") == " ’s" in Python.
    assertEquals(List.of("’s"), AnswerNormalizer.tokens("The’s"));
  }

  @Test
  void unicode_whitespace_separates_tokens() {
    assertEquals(
        List.of("paris", "france", "x"), AnswerNormalizer.tokens("Paris\u00a0France\u2003x\n"));
  }

  @Test
  void text_without_content_normalizes_to_empty() {
    assertEquals("", AnswerNormalizer.normalize(""));
    assertEquals("", AnswerNormalizer.normalize("The... a!"));
    assertEquals(List.of(), AnswerNormalizer.tokens(" ?! "));
  }

  @Test
  void null_text_is_rejected_with_its_name() {
    NullPointerException e =
        assertThrows(NullPointerException.class, () -> AnswerNormalizer.normalize(null));
    assertEquals("text must not be null", e.getMessage());
  }
}
