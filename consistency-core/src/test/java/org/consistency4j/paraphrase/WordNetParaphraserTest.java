package org.consistency4j.paraphrase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.consistency4j.paraphrase.WordNetLexicon.Pos;
import org.junit.jupiter.api.Test;

class WordNetParaphraserTest {
  private final WordNetParaphraser wn = new WordNetParaphraser(
      WordNetLexicon.shared(), WordNetOptions.defaults(), ProtectionRules.defaults());

  @Test
  void list_never_drifts_to_heel_or_lean() {
    for (long seed = 0; seed < 20; seed++) {
      for (Paraphrase p : wn.paraphrase("Make a list of the words in the sentence.", 5, seed)) {
        String t = p.text().toLowerCase();
        assertFalse(t.contains("heel") || t.contains("lean"), t);
      }
    }
    List<String> nounForms = wn.replacements("list", Pos.NOUN, false);
    assertFalse(nounForms.contains("heel"), nounForms.toString());
  }

  @Test
  void first_sense_synonyms_replace_common_instruction_words() {
    assertTrue(wn.replacements("answer", Pos.VERB, false).contains("reply"));
    assertTrue(wn.replacements("determine", Pos.VERB, false).contains("find out"));
    assertTrue(wn.replacements("movie", Pos.NOUN, false).contains("film"));
  }

  @Test
  void replacements_keep_the_inflection_of_the_original() {
    assertTrue(wn.replacements("movies", Pos.NOUN, false).contains("films"));
    assertTrue(wn.replacements("determines", Pos.VERB, false).contains("finds out"));
    assertTrue(wn.replacements("answering", Pos.VERB, false).contains("replying"));
  }

  @Test
  void context_tagging_picks_verbs_after_to_and_nouns_after_determiners() {
    assertEquals(Optional.of(Pos.VERB), wn.tag("answer", "to", "the", false));
    assertEquals(Optional.of(Pos.NOUN), wn.tag("answer", "your", "must", false));
    assertEquals(Optional.of(Pos.VERB), wn.tag("answer", null, "the", true));
  }

  @Test
  void capitalization_and_articles_follow_the_replacement() {
    boolean sawCapital = false;
    for (long seed = 0; seed < 30; seed++) {
      for (Paraphrase p : wn.paraphrase("Answer the question about an incorrect sentence.", 4, seed)) {
        assertFalse(p.text().contains("an wrong"), p.text());
        assertTrue(Character.isUpperCase(p.text().charAt(0)), p.text());
        sawCapital |= p.text().startsWith("Reply") || p.text().startsWith("Respond");
      }
    }
    assertTrue(sawCapital);
  }

  @Test
  void edits_name_each_substitution() {
    List<Paraphrase> ps = wn.paraphrase("Determine the answer.", 3, 1);
    assertFalse(ps.isEmpty());
    for (Paraphrase p : ps) {
      assertEquals("wordnet", p.method());
      assertTrue(p.edits().stream().allMatch(e -> e.startsWith("synonym:")), p.edits().toString());
    }
  }

  @Test
  void options_are_validated_with_messages() {
    assertEquals("substitutionRate must be in (0, 1], found 0.0",
        assertThrows(IllegalArgumentException.class,
            () -> new WordNetOptions(1, 0.5, 3, 0, 2)).getMessage());
    assertEquals("minSenseShare must be in [0.0, 1.0], found 2.0",
        assertThrows(IllegalArgumentException.class,
            () -> new WordNetOptions(1, 2, 3, 0.5, 2)).getMessage());
    assertEquals("maxSynonymSenseRank must be > 0, found 0",
        assertThrows(IllegalArgumentException.class,
            () -> new WordNetOptions(1, 0.5, 0, 0.5, 2)).getMessage());
    assertEquals("minSynonymCount must be >= 0, found -1",
        assertThrows(IllegalArgumentException.class,
            () -> new WordNetOptions(-1, 0.5, 3, 0.5, 2)).getMessage());
    assertEquals("maxSynonymWords must be > 0, found 0",
        assertThrows(IllegalArgumentException.class,
            () -> new WordNetOptions(1, 0.5, 3, 0.5, 0)).getMessage());
  }
}
