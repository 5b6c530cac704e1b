package org.consistency4j.judge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LlmJudgeSimilarityTest {
  private static final JudgeTemplate T = new JudgeTemplate("t", "{response}|{other}");
  // ordered verdicts: the judge has a position bias between a and b
  private static final Map<String, Double> P =
      Map.of("a|b", 0.9, "b|a", 0.5, "a|c", 0.1, "c|a", 0.2, "b|c", 0.6, "c|b", 0.3);

  private final FakeJudgeModel model = new FakeJudgeModel(p -> P.getOrDefault(p, 0.5));
  private final YesNoJudge judge = YesNoJudge.of(model);

  @Test
  void graded_similarity_is_the_mean_p_yes_of_both_orders() {
    LlmJudgeSimilarity s = LlmJudgeSimilarity.graded(judge, T);
    assertEquals(0.7, s.similarity("a", "b"), 1e-15);
    assertEquals(0.7, s.similarity("b", "a"), 1e-15);
    assertEquals("llm-judge", s.name());
  }

  @Test
  void thresholded_similarity_says_same_or_contradicted() {
    LlmJudgeSimilarity s = LlmJudgeSimilarity.thresholded(judge, T, 0.5);
    assertArrayEquals(new double[] {1, 0, 0}, s.pairwise(List.of("a", "b", "c")));
    assertEquals("llm-judge>0.5", s.name());
  }

  @Test
  void pairwise_sends_every_pair_of_a_group_in_one_call_and_skips_identical_texts() {
    LlmJudgeSimilarity s = LlmJudgeSimilarity.graded(judge, T);
    assertArrayEquals(
        new double[] {0.7, 0.15, 0.5, 0.45, 1, 0.5},
        s.pairwise(List.of("a", "b", "c", " b ")),
        1e-15);
    assertEquals(1, model.judgeCalls.size());
    // every pair in both orders, except "b" and " b ", which are answered without the judge
    assertEquals(
        List.of("a|b", "b|a", "a|c", "c|a", "a| b ", " b |a", "b|c", "c|b", "c| b ", " b |c"),
        model.judgeCalls.get(0));
  }

  @Test
  void identical_texts_score_one_without_asking_the_judge() {
    assertEquals(1, LlmJudgeSimilarity.thresholded(judge, 0.5).similarity("same", "same\n"));
    assertEquals(0, model.judgeCalls.size());
  }

  @Test
  void templates_must_compare_two_responses_without_context() {
    assertEquals(
        "template quality must contain the placeholder {other}",
        assertThrows(
                IllegalArgumentException.class,
                () -> LlmJudgeSimilarity.graded(judge, JudgeTemplates.quality()))
            .getMessage());
    assertEquals(
        "template agreement uses {instruction}, which a similarity of two responses cannot fill",
        assertThrows(
                IllegalArgumentException.class,
                () -> LlmJudgeSimilarity.graded(judge, JudgeTemplates.agreement()))
            .getMessage());
    assertEquals(
        "threshold must be in [0.0, 1.0], found 1.5",
        assertThrows(
                IllegalArgumentException.class, () -> LlmJudgeSimilarity.thresholded(judge, 1.5))
            .getMessage());
  }
}
