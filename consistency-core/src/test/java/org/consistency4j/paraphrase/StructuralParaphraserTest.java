package org.consistency4j.paraphrase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StructuralParaphraserTest {
  private final Paraphraser structural = Paraphrasers.structural();

  private Set<String> all(String text, int seeds) {
    Set<String> out = new HashSet<>();
    for (long s = 0; s < seeds; s++) {
      structural.paraphrase(text, 10, s).forEach(p -> out.add(p.text()));
    }
    return out;
  }

  @Test
  void imperative_becomes_a_question_and_a_request() {
    Set<String> out = new HashSet<>();
    for (long seed = 0; seed < 40; seed++) {
      List<String> edits = new java.util.ArrayList<>();
      StructuralParaphraser.mood("Classify the sentence as positive or negative.",
          new java.util.SplittableRandom(seed), edits).ifPresent(out::add);
    }
    assertTrue(out.contains("Can you classify the sentence as positive or negative?"), out.toString());
    assertTrue(out.contains("Please classify the sentence as positive or negative."), out.toString());
    assertTrue(all("Classify the sentence as positive or negative.", 3).stream()
        .anyMatch(t -> t.matches(".*you (to )?classify the sentence.*")), "mood rewrites reach the paraphraser");
  }

  @Test
  void provenance_has_no_rewrite_that_a_later_one_undid() {
    String text = "Classify the review as \"POS\" or \"NEG\".";
    int phraseEdits = 0;
    for (long seed = 0; seed < 60; seed++) {
      for (Paraphrase p : structural.paraphrase(text, 10, seed)) {
        Set<String> edits = new HashSet<>(p.edits());
        assertEquals(p.edits().size(), edits.size(), p.toString());
        for (String e : p.edits()) {
          if (e.startsWith("phrase:")) {
            phraseEdits++;
            String[] fromTo = e.substring("phrase:".length()).split("->");
            assertTrue(!edits.contains("phrase:" + fromTo[1] + "->" + fromTo[0]),
                "undone rewrite recorded: " + p);
          }
        }
      }
    }
    assertTrue(phraseEdits > 0, "no phrase rewrite was made");
  }

  @Test
  void modal_requests_and_questions_reduce_to_the_imperative() {
    assertEquals(Optional.of("classify the text"),
        StructuralParaphraser.imperativeCore("Can you classify the text?"));
    assertEquals(Optional.of("generate a title"),
        StructuralParaphraser.imperativeCore("Your task is to generate a title."));
    assertEquals(Optional.empty(), StructuralParaphraser.imperativeCore("The title is short."));
  }

  @Test
  void conditional_and_fronted_clauses_move() {
    assertEquals(Optional.of("Answer '1' if the sentence is correct."),
        StructuralParaphraser.reorderClause("If the sentence is correct, answer '1'."));
    assertEquals(Optional.of("If the sentence is correct, answer '1'."),
        StructuralParaphraser.reorderClause("Answer '1' if the sentence is correct."));
    assertEquals(Optional.of("You are given a review in this task."),
        StructuralParaphraser.reorderClause("In this task, you are given a review."));
    // Two conditions stay grouped as written.
    assertEquals(Optional.empty(), StructuralParaphraser.reorderClause(
        "Classify it as \"POS\" if it is positive or as \"NEG\" if it is negative."));
    assertEquals(Optional.empty(), StructuralParaphraser.reorderClause(
        "If the sentence is correct then output '1', and '0' otherwise."));
    assertEquals(Optional.empty(), StructuralParaphraser.reorderClause(
        "Return 'entails' if the premise supports it else return 'neutral'."));
    // "if" meaning "whether" stays.
    assertEquals(Optional.empty(),
        StructuralParaphraser.reorderClause("Determine if the pronoun refers to the noun."));
  }

  @Test
  void sentences_swap_only_when_the_second_does_not_refer_back() {
    Set<String> out = all("You are given a claim. This claim is short. Answer with yes or no.", 10);
    assertTrue(!out.isEmpty());
    for (String t : out) {
      int intro = t.indexOf("a claim.");
      int back = t.indexOf("This claim is short");
      assertTrue(back < 0 || intro < back, t);
    }
    Set<String> free = all("Read the review. Answer with yes or no.", 10);
    assertTrue(free.stream().anyMatch(t -> t.contains("with yes or no. Read the review.")),
        free.toString());
  }

  @Test
  void every_result_names_its_edits_and_is_distinct() {
    List<Paraphrase> ps = structural.paraphrase(
        "In this task, you are given a sentence. Your task is to classify it as \"POS\" or \"NEG\".", 10, 3);
    assertEquals(10, ps.size());
    assertEquals(10, ps.stream().map(Paraphrase::text).distinct().count());
    for (Paraphrase p : ps) {
      assertEquals("structural", p.method());
      assertTrue(!p.edits().isEmpty());
      assertTrue(p.text().contains("\"POS\"") && p.text().contains("\"NEG\""), p.text());
    }
  }
}
