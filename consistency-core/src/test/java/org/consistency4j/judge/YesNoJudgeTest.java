package org.consistency4j.judge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.consistency4j.ConsistencyException;
import org.consistency4j.lm.Generation;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.lm.LanguageModel;
import org.consistency4j.lm.YesNoTokens;
import org.junit.jupiter.api.Test;

class YesNoJudgeTest {
  private static final Map<String, Double> P =
      Map.of("a", 0.1, "b", 0.2, "c", 0.3, "d", 0.4, "e", 0.5, "f", 0.6, "g", 0.7);

  private final FakeJudgeModel model = new FakeJudgeModel(P::get);

  @Test
  void a_model_without_next_token_log_probabilities_is_refused_when_the_judge_is_built() {
    LanguageModel generateOnly = new LanguageModel() {
      @Override
      public List<Generation> generate(List<String> prompts, GenerationConfig config) {
        throw new AssertionError("not called");
      }

      @Override
      public String name() {
        return "gen-only";
      }
    };
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> YesNoJudge.of(generateOnly));
    assertEquals("a yes/no judge needs a model that can expose next-token log-probabilities"
        + " (capability NEXT_TOKEN_LOGPROBS), but model gen-only cannot (its capabilities: [])",
        e.getMessage());
  }

  @Test
  void missing_prompts_are_deduplicated_and_sent_in_batches_of_the_batch_size() {
    YesNoJudge judge = YesNoJudge.of(model, YesNoTokens.defaults(), 3, 100);
    double[] p = judge.probabilities(List.of("a", "b", "a", "c", "d", "e", "f", "g", "b"));
    assertArrayEquals(new double[] {0.1, 0.2, 0.1, 0.3, 0.4, 0.5, 0.6, 0.7, 0.2}, p);
    assertEquals(
        List.of(List.of("a", "b", "c"), List.of("d", "e", "f"), List.of("g")), model.judgeCalls);
    assertEquals(3, judge.modelCalls());
    assertEquals(7, judge.promptsSent());
  }

  @Test
  void cached_prompts_are_not_sent_again() {
    YesNoJudge judge = YesNoJudge.of(model, YesNoTokens.defaults(), 10, 100);
    judge.probabilities(List.of("a", "b"));
    assertEquals(0.3, judge.probability("c"));
    assertArrayEquals(new double[] {0.2, 0.3, 0.1}, judge.probabilities(List.of("b", "c", "a")));
    assertEquals(List.of(List.of("a", "b"), List.of("c")), model.judgeCalls);
    assertEquals(3, judge.cacheHits());
    assertEquals(3, judge.cacheSize());
    judge.clearCache();
    judge.probability("a");
    assertEquals(3, model.judgeCalls.size());
  }

  @Test
  void the_cache_keeps_only_the_most_recently_used_entries() {
    YesNoJudge judge = YesNoJudge.of(model, YesNoTokens.defaults(), 10, 2);
    judge.probabilities(List.of("a", "b", "c"));
    assertEquals(2, judge.cacheSize());
    judge.probability("c"); // cached
    judge.probability("a"); // evicted: asked again
    assertEquals(List.of(List.of("a", "b", "c"), List.of("a")), model.judgeCalls);
  }

  @Test
  void an_empty_request_calls_nothing() {
    YesNoJudge judge = YesNoJudge.of(model);
    assertEquals(0, judge.probabilities(List.of()).length);
    assertEquals(0, model.judgeCalls.size());
  }

  @Test
  void values_outside_the_unit_interval_are_model_errors() {
    YesNoJudge judge = YesNoJudge.of(new FakeJudgeModel(p -> p.equals("bad") ? 1.5 : 0.5));
    ConsistencyException e =
        assertThrows(ConsistencyException.class, () -> judge.probabilities(List.of("ok", "bad")));
    assertEquals(
        "fake returned P(Yes) = 1.5 for judge prompt 1 of this call (must be in [0, 1])",
        e.getMessage());
    YesNoJudge nan = YesNoJudge.of(new FakeJudgeModel(p -> Double.NaN));
    assertThrows(ConsistencyException.class, () -> nan.probability("x"));
  }

  @Test
  void a_wrong_number_of_values_is_a_model_error() {
    FakeJudgeModel shortModel =
        new FakeJudgeModel(p -> 0.5) {
          @Override
          public double[] probabilityOfYes(List<String> prompts, YesNoTokens tokens) {
            return new double[prompts.size() - 1];
          }
        };
    ConsistencyException e =
        assertThrows(
            ConsistencyException.class,
            () -> YesNoJudge.of(shortModel).probabilities(List.of("a", "b")));
    assertEquals("fake returned 1 P(Yes) values for 2 judge prompts", e.getMessage());
  }

  @Test
  void settings_are_validated_with_named_messages() {
    assertEquals(
        "batchSize must be > 0, found 0",
        assertThrows(
                IllegalArgumentException.class,
                () -> YesNoJudge.of(model, YesNoTokens.defaults(), 0, 10))
            .getMessage());
    assertEquals(
        "maxCacheEntries must be >= 0, found -1",
        assertThrows(
                IllegalArgumentException.class,
                () -> YesNoJudge.of(model, YesNoTokens.defaults(), 1, -1))
            .getMessage());
    assertEquals(
        "model must not be null",
        assertThrows(NullPointerException.class, () -> YesNoJudge.of(null)).getMessage());
    assertEquals(
        "prompts[1] must not be null",
        assertThrows(
                NullPointerException.class,
                () -> YesNoJudge.of(model).probabilities(java.util.Arrays.asList("a", null)))
            .getMessage());
  }
}
