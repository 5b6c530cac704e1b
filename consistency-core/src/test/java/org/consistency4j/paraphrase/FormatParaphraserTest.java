package org.consistency4j.paraphrase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class FormatParaphraserTest {
  private final Paraphraser format = Paraphrasers.format();

  @Test
  void casing_whitespace_separators_and_punctuation_all_occur_and_keep_the_words() {
    String text = "Task: classify the review. Answer \"POS\" or \"NEG\".\nBe brief.";
    Set<String> kinds = new HashSet<>();
    for (long seed = 0; seed < 5; seed++) {
      for (Paraphrase p : format.paraphrase(text, 10, seed)) {
        p.edits().forEach(e -> kinds.add(e.substring(0, e.indexOf(':'))));
        assertTrue(p.text().contains("\"POS\"") && p.text().contains("\"NEG\""), p.text());
        String words = p.text().toLowerCase().replaceAll("[^a-z\" ]", " ").replaceAll("\\s+", " ");
        assertTrue(words.contains("classify the review"), p.text());
      }
    }
    assertEquals(Set.of("casing", "whitespace", "separator", "punctuation"), kinds);
  }

  @Test
  void provenance_lists_only_edits_that_changed_the_text() {
    // One line, one sentence, already lower case: blank lines, a line per sentence, double spaces
    // between sentences and lower-casing all leave it as it is, so none may be claimed.
    String text = "classify the sentiment of the review";
    int seen = 0;
    for (long seed = 0; seed < 40; seed++) {
      for (Paraphrase p : format.paraphrase(text, 10, seed)) {
        seen++;
        assertTrue(!p.edits().isEmpty(), p.toString());
        for (String noOp : List.of("whitespace:blank-lines", "whitespace:sentence-per-line",
            "whitespace:double-space", "casing:lower")) {
          assertFalse(p.edits().contains(noOp), noOp + " recorded for " + p);
        }
      }
    }
    assertTrue(seen >= 40, "paraphrases produced: " + seen);
  }

  @Test
  void each_recorded_whitespace_edit_is_visible_in_the_paraphrase() {
    String text = "Classify the review. Answer yes or no.\nBe brief.";
    for (long seed = 0; seed < 20; seed++) {
      for (Paraphrase p : format.paraphrase(text, 10, seed)) {
        String t = p.text();
        if (p.edits().contains("whitespace:blank-lines")) {
          assertTrue(t.contains("\n\n"), p.toString());
        }
        if (p.edits().contains("whitespace:indent")) {
          assertTrue(t.startsWith("  "), p.toString());
        }
        if (p.edits().contains("whitespace:double-space")) {
          assertTrue(t.contains("  "), p.toString());
        }
        if (p.edits().contains("whitespace:sentence-per-line")) {
          assertTrue(t.split("\n").length >= 3, p.toString());
        }
      }
    }
  }

  @Property(tries = 100)
  void protected_spans_survive_random_texts(
      @ForAll @AlphaChars @StringLength(min = 1, max = 12) String word,
      @ForAll @AlphaChars @StringLength(min = 1, max = 12) String label,
      @ForAll @IntRange(min = 0, max = 999) int number,
      @ForAll long seed) {
    String text = "Read the " + word + " and answer \"" + label + "\" with " + number
        + " items: use {input}. Then stop.";
    Instruction ins = Instruction.of(text);
    ProtectedSpans spans = ProtectedSpans.of(ins);
    for (Paraphraser p : List.of(format, Paraphrasers.structural())) {
      for (Paraphrase x : p.paraphrase(ins, 5, seed)) {
        assertTrue(spans.preservedIn(x.text()), x.text());
        assertTrue(x.text().contains("{input}") && x.text().contains("\"" + label + "\""), x.text());
      }
    }
  }
}
