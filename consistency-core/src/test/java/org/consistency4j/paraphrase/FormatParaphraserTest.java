package org.consistency4j.paraphrase;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
