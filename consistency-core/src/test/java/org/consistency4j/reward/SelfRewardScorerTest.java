package org.consistency4j.reward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.consistency4j.ConsistencyException;
import org.consistency4j.judge.FakeJudgeModel;
import org.consistency4j.judge.JudgeTemplate;
import org.consistency4j.judge.JudgeTemplates;
import org.consistency4j.judge.YesNoJudge;
import org.consistency4j.lm.Generation;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.lm.LanguageModel;
import org.consistency4j.lm.YesNoTokens;
import org.consistency4j.metrics.ResponseSimilarity;
import org.consistency4j.metrics.Similarities;
import org.consistency4j.pairs.PairingStrategies;
import org.consistency4j.pairs.PreferencePair;
import org.consistency4j.pairs.ScoredResponse;
import org.junit.jupiter.api.Test;

class SelfRewardScorerTest {
  private static final JudgeTemplate QUALITY = new JudgeTemplate("q", "Q|{instruction}|{input}|{response}");
  private static final JudgeTemplate AGREEMENT = new JudgeTemplate("a", "A|{response}|{other}");
  private static final Map<String, Double> P =
      Map.ofEntries(
          Map.entry("Q|capital?|France|Paris", 0.9),
          Map.entry("Q|capital?|France|Lyon", 0.3),
          Map.entry("Q|capital?|France|Paris.", 0.6),
          Map.entry("A|Paris|Lyon", 0.2),
          Map.entry("A|Paris|Paris.", 0.8),
          Map.entry("A|Lyon|Paris", 0.1),
          Map.entry("A|Lyon|Paris.", 0.3),
          Map.entry("A|Paris.|Paris", 1.0),
          Map.entry("A|Paris.|Lyon", 0.4));

  private final FakeJudgeModel model = new FakeJudgeModel(P::get);

  private static SampledGroup group(String id, String... texts) {
    List<SampledResponse> rs = new java.util.ArrayList<>();
    for (int i = 0; i < texts.length; i++) {
      rs.add(new SampledResponse(i, 0, "prompt" + i, texts[i]));
    }
    return new SampledGroup(id, "capital?", "France", rs);
  }

  private SelfRewardScorer.Builder builder(int batchSize) {
    return SelfRewardScorer.builder(YesNoJudge.of(model, YesNoTokens.defaults(), batchSize, 1000))
        .qualityTemplate(QUALITY)
        .agreementTemplate(AGREEMENT);
  }

  @Test
  void quality_and_agreement_rewards_have_exact_values_and_combine_by_weights() {
    SelfRewardScorer scorer = builder(100).weights(new RewardWeights(1, 3, 0)).build();
    ScoredGroup scored = scorer.score(group("g", "Paris", "Lyon", "Paris."));
    double[] quality = {0.9, 0.3, 0.6};
    double[] agreement = {(0.2 + 0.8) / 2, (0.1 + 0.3) / 2, (1.0 + 0.4) / 2};
    for (int i = 0; i < 3; i++) {
      RewardBreakdown r = scored.rewards().get(i);
      assertEquals(quality[i], r.quality().getAsDouble(), 0);
      assertEquals(agreement[i], r.agreement().getAsDouble(), 1e-15);
      assertEquals(OptionalDouble.empty(), r.frequency());
      assertEquals((quality[i] + 3 * agreement[i]) / 4, r.reward(), 1e-15);
    }
    // 3 quality + 6 agreement prompts in one call
    assertEquals(1, model.judgeCalls.size());
    assertEquals(9, model.judgeCalls.get(0).size());
  }

  @Test
  void a_component_with_weight_zero_sends_no_prompts() {
    SelfRewardScorer scorer = builder(100).weights(new RewardWeights(1, 0, 0)).build();
    ScoredGroup scored = scorer.score(group("g", "Paris", "Lyon"));
    assertEquals(OptionalDouble.empty(), scored.rewards().get(0).agreement());
    assertEquals(0.9, scored.rewards().get(0).reward(), 0);
    assertEquals(List.of(List.of("Q|capital?|France|Paris", "Q|capital?|France|Lyon")), model.judgeCalls);
  }

  @Test
  void several_groups_share_batches_of_the_judges_batch_size() {
    SelfRewardScorer scorer = builder(4).build();
    List<ScoredGroup> scored =
        scorer.score(List.of(group("g1", "Paris", "Lyon", "Paris."), group("g2", "Lyon", "Paris")));
    assertEquals(2, scored.size());
    // unique prompts: g1 has 9; g2's 2 quality and 2 agreement prompts all occur in g1
    assertEquals(9, model.judgedPrompts());
    assertEquals(List.of(4, 4, 1), model.judgeCalls.stream().map(List::size).toList());
    assertEquals(0.1, scored.get(1).rewards().get(0).agreement().getAsDouble(), 0);
  }

  @Test
  void scores_are_cached_by_judge_prompt_across_calls() {
    SelfRewardScorer scorer = builder(100).build();
    ScoredGroup first = scorer.score(group("g", "Paris", "Lyon", "Paris."));
    ScoredGroup again = scorer.score(group("g", "Paris", "Lyon", "Paris."));
    assertEquals(first.rewards(), again.rewards());
    assertEquals(1, model.judgeCalls.size());
    assertEquals(9, scorer.judge().cacheHits());
  }

  @Test
  void agreement_frequency_needs_no_judge() {
    ResponseSimilarity exact = Similarities.exactMatch();
    SelfRewardScorer scorer =
        builder(100).weights(RewardWeights.frequencyOnly()).similarity(exact).build();
    ScoredGroup scored = scorer.score(group("g", "A", "A", "B", "A"));
    double[] expected = {2.0 / 3, 2.0 / 3, 0, 2.0 / 3};
    for (int i = 0; i < 4; i++) {
      assertEquals(expected[i], scored.rewards().get(i).frequency().getAsDouble(), 1e-15);
      assertEquals(expected[i], scored.rewards().get(i).reward(), 1e-15);
    }
    assertEquals(0, model.judgeCalls.size());
    assertArrayEquals(expected, scorer.frequency(List.of("A", "A", "B", "A")), 1e-15);
  }

  /** A model that generates but exposes no log-probabilities. */
  private static final LanguageModel GENERATE_ONLY = new LanguageModel() {
    @Override
    public List<Generation> generate(List<String> prompts, GenerationConfig config) {
      throw new AssertionError("not called");
    }

    @Override
    public String name() {
      return "gen-only";
    }
  };

  @Test
  void judge_weights_with_a_model_without_next_token_log_probabilities_are_refused_at_build() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SelfRewardScorer.builder(GENERATE_ONLY).build());
    assertEquals("a yes/no judge needs a model that can expose next-token log-probabilities"
        + " (capability NEXT_TOKEN_LOGPROBS), but model gen-only cannot (its capabilities: [])",
        e.getMessage());
  }

  @Test
  void agreement_frequency_alone_works_with_a_model_that_only_generates() {
    SelfRewardScorer scorer = SelfRewardScorer.builder(GENERATE_ONLY)
        .weights(RewardWeights.frequencyOnly()).similarity(Similarities.exactMatch()).build();
    ScoredGroup scored = scorer.score(group("g", "A", "A", "B"));
    assertEquals(0.5, scored.rewards().get(0).reward(), 1e-15);
    assertEquals(0.0, scored.rewards().get(2).reward(), 1e-15);
    assertEquals("this scorer has no judge: it was built for agreement frequency alone from a model"
        + " that cannot expose next-token log-probabilities",
        assertThrows(IllegalStateException.class, scorer::judge).getMessage());
    assertThrows(IllegalStateException.class, () -> scorer.quality(List.of()));
  }

  @Test
  void scored_groups_feed_the_pairing_strategies_with_their_prompts() {
    SelfRewardScorer scorer = builder(100).weights(new RewardWeights(1, 0, 0)).build();
    ScoredGroup scored = scorer.score(group("g", "Paris", "Lyon", "Paris."));
    assertEquals(
        List.of(
            new ScoredResponse("prompt0", "Paris", 0.9),
            new ScoredResponse("prompt1", "Lyon", 0.3),
            new ScoredResponse("prompt2", "Paris.", 0.6)),
        scored.scoredResponses());
    assertEquals(
        List.of(
            new PreferencePair("prompt2", "Paris", "Paris.", 0.9, 0.6),
            new PreferencePair("prompt1", "Paris", "Lyon", 0.9, 0.3)),
        PairingStrategies.bestVsRest().pairs(scored.scoredResponses()));
  }

  @Test
  void quality_and_same_answer_queries_are_batched_through_the_judge() {
    SelfRewardScorer scorer = builder(100).build();
    assertArrayEquals(
        new double[] {0.9, 0.3},
        scorer.quality(
            List.of(
                new InstructionResponse("capital?", "France", "Paris"),
                new InstructionResponse("capital?", "France", "Lyon"))));
    assertArrayEquals(
        new double[] {0.2},
        scorer.sameAnswer(List.of(new AgreementQuery("capital?", "France", "Paris", "Lyon"))));
    assertEquals(2, model.judgeCalls.size());
  }

  @Test
  void the_default_templates_are_the_standard_ones() {
    SelfRewardScorer scorer = SelfRewardScorer.builder(model).build();
    assertEquals(JudgeTemplates.quality(), scorer.qualityTemplate());
    assertEquals(JudgeTemplates.agreement(), scorer.agreementTemplate());
    assertEquals(RewardWeights.judges(), scorer.weights());
  }

  @Test
  void groups_of_one_response_cannot_get_agreement_rewards() {
    SelfRewardScorer scorer = builder(100).build();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> scorer.score(group("lonely", "Paris")));
    assertEquals(
        "group lonely has 1 response; agreement and frequency rewards need at least 2",
        e.getMessage());
    SelfRewardScorer qualityOnly = builder(100).weights(new RewardWeights(1, 0, 0)).build();
    assertEquals(0.9, qualityOnly.score(group("lonely", "Paris")).rewards().get(0).reward(), 0);
    assertTrue(qualityOnly.score(group("empty")).rewards().isEmpty());
  }

  @Test
  void configuration_errors_name_the_setting() {
    assertEquals(
        "similarity must be set when the frequency weight is > 0, found frequency 1.0",
        assertThrows(
                IllegalArgumentException.class,
                () -> builder(1).weights(RewardWeights.frequencyOnly()).build())
            .getMessage());
    assertEquals(
        "agreementTemplate q must contain the placeholder {other}",
        assertThrows(IllegalArgumentException.class, () -> builder(1).agreementTemplate(QUALITY).build())
            .getMessage());
    assertEquals(
        "no similarity is configured for agreement frequency",
        assertThrows(IllegalStateException.class, () -> builder(1).build().frequency(List.of("a", "b")))
            .getMessage());
  }

  @Test
  void a_similarity_outside_the_unit_interval_is_reported_by_name() {
    ResponseSimilarity broken = Similarities.named("broken", (a, b) -> 2.0);
    ConsistencyException e =
        assertThrows(
            ConsistencyException.class, () -> AgreementFrequency.of(List.of("a", "b"), broken));
    assertEquals(
        "similarity broken returned 2.0 for responses 0 and 1 (must be in [0, 1])", e.getMessage());
    assertEquals(
        "responses must hold at least 2 responses, found 1",
        assertThrows(
                IllegalArgumentException.class,
                () -> AgreementFrequency.of(List.of("a"), Similarities.exactMatch()))
            .getMessage());
  }
}
