package org.consistency4j.reward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.consistency4j.judge.FakeJudgeModel;
import org.consistency4j.lm.Capability;
import org.consistency4j.lm.Continuation;
import org.consistency4j.lm.ContinuationScore;
import org.consistency4j.lm.Generation;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.lm.LanguageModel;
import org.junit.jupiter.api.Test;

class LikelihoodJudgeTest {
  private static final PromptFormat FORMAT = PromptFormat.template("{instruction}\nin: {input}\nout:");

  /**
   * Scores a continuation with a fixed sequence probability per (prompt, continuation), split over
   * two tokens so that the judge has to sum them; records every batch.
   */
  private static final class TableModel implements LanguageModel {
    final Map<String, Double> probability;
    final List<List<Continuation>> calls = new ArrayList<>();

    TableModel(Map<String, Double> probability) {
      this.probability = probability;
    }

    @Override
    public List<Generation> generate(List<String> prompts, GenerationConfig config) {
      throw new UnsupportedOperationException("not used");
    }

    @Override
    public Set<Capability> capabilities() {
      return Set.of(Capability.SCORE);
    }

    @Override
    public List<ContinuationScore> score(List<Continuation> requests) {
      calls.add(List.copyOf(requests));
      List<ContinuationScore> out = new ArrayList<>();
      for (Continuation c : requests) {
        Double p = probability.get(c.prompt() + "|" + c.continuation());
        double lp = Math.log(p == null ? 1e-6 : p);
        out.add(new ContinuationScore(List.of(lp * 0.25, lp * 0.75)));
      }
      return out;
    }

    @Override
    public String name() {
      return "table";
    }
  }

  private static String key(String wording, String input, String answer) {
    return wording + "\nin: " + input + "\nout:| " + answer + "</s>";
  }

  @Test
  void the_probability_is_the_mean_over_wordings_of_the_whole_answer_with_its_end_token() {
    TableModel m = new TableModel(Map.of(
        key("add", "2 3", "5"), 0.9, key("sum", "2 3", "5"), 0.3,
        key("add", "2 3", "6"), 0.05, key("sum", "2 3", "6"), 0.6));
    LikelihoodJudge judge = LikelihoodJudge.of(m, FORMAT, " ", "</s>", 16);
    double[] p = judge.probabilities(List.of(
        new LikelihoodJudge.Query(List.of("add", "sum"), "2 3", " 5 "),
        new LikelihoodJudge.Query(List.of("add", "sum"), "2 3", "6"),
        new LikelihoodJudge.Query(List.of("add"), "2 3", "6"),
        new LikelihoodJudge.Query(List.of("add", "sum"), "2 3", "7")));
    assertArrayEquals(new double[] {0.6, 0.325, 0.05, 1e-6}, p, 1e-9);
    // "5" is the majority answer across the wordings although one wording prefers "6".
    assertTrue(LikelihoodJudge.judgedCorrect(p[0]));
    assertFalse(LikelihoodJudge.judgedCorrect(p[1]));
    assertTrue(LikelihoodJudge.judgedCorrect(0.5));
    assertFalse(LikelihoodJudge.judgedCorrect(0.4999));
  }

  @Test
  void a_nan_or_positive_log_probability_from_the_model_is_refused_with_the_value() {
    for (double bad : new double[] {Double.NaN, 2.0}) {
      TableModel m = new TableModel(Map.of(key("add", "2 3", "5"), bad));
      LikelihoodJudge judge = LikelihoodJudge.of(m, FORMAT, " ", "</s>", 16);
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> judge.probabilities(
          List.of(new LikelihoodJudge.Query(List.of("add"), "2 3", "5"))));
      assertTrue(e.getMessage().contains("log-probability " + Math.log(bad)), e.getMessage());
      assertTrue(e.getMessage().contains("' 5</s>'"), e.getMessage());
    }
  }

  @Test
  void every_distinct_prompt_and_answer_is_scored_once_in_batches() {
    TableModel m = new TableModel(Map.of());
    LikelihoodJudge judge = LikelihoodJudge.of(m, FORMAT, " ", "</s>", 2);
    judge.probabilities(List.of(
        new LikelihoodJudge.Query(List.of("a", "b"), "x", "y"),
        new LikelihoodJudge.Query(List.of("a", "b"), "x", "y "),
        new LikelihoodJudge.Query(List.of("b", "c"), "x", "y")));
    assertEquals(2, m.calls.size());
    assertEquals(List.of(2, 1), m.calls.stream().map(List::size).toList());
    List<String> sent = m.calls.stream().flatMap(List::stream)
        .map(c -> c.prompt() + "|" + c.continuation()).toList();
    assertEquals(List.of(key("a", "x", "y"), key("b", "x", "y"), key("c", "x", "y")), sent);
    assertEquals(0, judge.probabilities(List.of()).length);
  }

  @Test
  void a_model_that_cannot_score_and_bad_arguments_are_refused_by_name() {
    // A yes/no judge's model: next-token log-probabilities, but no continuation scores.
    LanguageModel judgeOnly = new FakeJudgeModel(prompt -> 0.5);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LikelihoodJudge.of(judgeOnly, FORMAT, " ", "</s>", 8));
    assertTrue(e.getMessage().contains("a likelihood judge"), e.getMessage());
    TableModel m = new TableModel(Map.of());
    assertThrows(IllegalArgumentException.class, () -> LikelihoodJudge.of(m, FORMAT, " ", "", 0));
    assertThrows(IllegalArgumentException.class,
        () -> new LikelihoodJudge.Query(List.of(), "x", "y"));
  }
}
