package org.consistency4j.paraphrase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProtectedSpansTest {

  private static List<String> spans(String text, String... terms) {
    return ProtectedSpans.of(Instruction.of(text, List.of(terms))).spans().stream()
        .map(ProtectedSpans.Span::text).toList();
  }

  @Test
  void quoted_strings_placeholders_numbers_and_code_are_protected() {
    assertEquals(List.of("\"POS\"", "'0'"), spans("Answer \"POS\" or '0' please"));
    assertEquals(List.of("{input}", "[MASK]", "<sep>"), spans("Read {input} and [MASK] after <sep> now"));
    assertEquals(List.of("3", "2nd", "five"), spans("Use 3 words from the 2nd of five lines"));
    assertEquals(List.of("`x_y`", "a_b", "RDF"), spans("Call `x_y` with a_b on RDF data"));
    assertEquals(List.of("(_)"), spans("Fill the blank (_). Then stop."));
  }

  @Test
  void apostrophes_are_not_quotes() {
    assertEquals(List.of(), spans("You're given the student's essay and don't answer."));
  }

  @Test
  void label_terms_are_protected_as_whole_words_with_inflections() {
    assertEquals(List.of("cause", "effects"), spans("Is it the cause or effects, because?", "cause", "effect"));
  }

  @Test
  void overlapping_matches_merge_into_one_span() {
    assertEquals(List.of("\"Yes 2\""), spans("Say \"Yes 2\" now", "Yes"));
  }

  @Test
  void preservation_counts_every_occurrence() {
    ProtectedSpans s = ProtectedSpans.of(Instruction.of("Say \"A\" or \"A\" and 7."));
    assertTrue(s.preservedIn("\"A\", \"A\", 7"));
    assertFalse(s.preservedIn("\"A\" and 7"));
    assertFalse(s.preservedIn("\"a\", \"a\", 7"));
  }

  @Test
  void masking_and_restoring_round_trips_and_rejects_lost_masks() {
    ProtectedSpans s = ProtectedSpans.of(Instruction.of("Label it \"POS\" or \"NEG\"."));
    ProtectedSpans.Masked m = s.mask();
    assertEquals(2, m.text().chars().filter(c -> c >= 0xE000 && c <= 0xF8FF).count());
    assertEquals(s.text(), m.restore(m.text()).orElseThrow());
    assertTrue(m.restore(m.text().substring(0, m.text().indexOf("or"))).isEmpty());
  }

  @Test
  void rules_can_be_switched_off_and_extended() {
    ProtectedSpans none = ProtectedSpans.find("Use 3 \"x\" {y}", List.of(), ProtectionRules.none());
    assertEquals(List.of(), none.spans());
    ProtectedSpans extra = ProtectedSpans.find(
        "See table T1 now", List.of(), ProtectionRules.none().withPattern("T\\d"));
    assertEquals("T1", extra.spans().get(0).text());
  }

  @Test
  void invalid_rules_and_instructions_are_rejected_with_messages() {
    assertEquals("extraPatterns must be valid regular expressions, found \"(\": Unclosed group",
        assertThrows(IllegalArgumentException.class,
            () -> ProtectionRules.none().withPattern("(")).getMessage());
    assertEquals("extraPatterns must not match the empty string, found \"x*\"",
        assertThrows(IllegalArgumentException.class,
            () -> ProtectionRules.none().withPattern("x*")).getMessage());
    assertEquals("text must not be blank",
        assertThrows(IllegalArgumentException.class, () -> Instruction.of(" ")).getMessage());
    assertEquals("protectedTerms must not contain a blank term",
        assertThrows(IllegalArgumentException.class,
            () -> Instruction.of("Do it.", List.of(""))).getMessage());
  }
}
