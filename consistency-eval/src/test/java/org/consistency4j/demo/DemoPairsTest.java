package org.consistency4j.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.stream.Collectors;
import org.consistency4j.pairs.PreferencePair;
import org.consistency4j.reward.RewardBreakdown;
import org.consistency4j.reward.SampledGroup;
import org.consistency4j.reward.SampledResponse;
import org.consistency4j.reward.ScoredGroup;
import org.junit.jupiter.api.Test;

/** The CAT pair rules of {@link DemoConfig.CatPairs} on hand-made groups (two wordings, four samples each). */
class DemoPairsTest {
  private static final DemoConfig.CatPairs DEFAULT = DemoConfig.CatPairs.JUDGE_IF_TRUSTED;

  /**
   * A scored group: {@code w1} and {@code w2} are the two wordings' answers; the frequency is the
   * share of the other seven samples with the same answer; the judge's P(yes) per answer.
   */
  private static ScoredGroup group(List<String> w1, List<String> w2, Map<String, Double> judge) {
    List<SampledResponse> responses = new ArrayList<>();
    for (int v = 0; v < 2; v++) {
      List<String> answers = v == 0 ? w1 : w2;
      for (int i = 0; i < answers.size(); i++) {
        responses.add(new SampledResponse(v, i, "w" + (v + 1), answers.get(i)));
      }
    }
    Map<String, Integer> counts = new HashMap<>();
    responses.forEach(r -> counts.merge(r.text(), 1, Integer::sum));
    List<RewardBreakdown> rewards = new ArrayList<>();
    for (SampledResponse r : responses) {
      double f = (counts.get(r.text()) - 1) / (double) (responses.size() - 1);
      rewards.add(new RewardBreakdown(OptionalDouble.of(judge.get(r.text())), OptionalDouble.empty(),
          OptionalDouble.of(f), f));
    }
    return new ScoredGroup(new SampledGroup("g", "instruction", "input", responses), rewards);
  }

  private static Set<String> triples(List<PreferencePair> pairs) {
    return pairs.stream().map(p -> p.prompt() + ":" + p.chosen() + ">" + p.rejected())
        .collect(Collectors.toSet());
  }

  /** Majority b (5 of 8) judged wrong; minority a judged right. */
  private static final ScoredGroup WRONG_MAJORITY = group(List.of("a", "a", "b", "b"),
      List.of("b", "b", "b", "c"), Map.of("a", 0.9, "b", 0.2, "c", 0.1));

  /** Majority b (6 of 8) judged right. */
  private static final ScoredGroup RIGHT_MAJORITY = group(List.of("b", "b", "b", "a"),
      List.of("b", "b", "c", "b"), Map.of("a", 0.3, "b", 0.9, "c", 0.1));

  @Test
  void the_default_ranks_by_frequency_untrusted_and_by_the_judge_first_when_trusted() {
    assertEquals(Set.of("w1:b>a", "w2:b>c"), triples(Demo.pairsOf(WRONG_MAJORITY, false, DEFAULT)));
    assertEquals(Set.of("w1:a>b", "w2:a>b", "w2:a>c"),
        triples(Demo.pairsOf(WRONG_MAJORITY, true, DEFAULT)));
    // A trusted group whose responses are all judged wrong forms no pairs.
    ScoredGroup allWrong = group(List.of("a", "a", "a", "b"), List.of("a", "a", "a", "a"),
        Map.of("a", 0.4, "b", 0.1));
    assertEquals(List.of(), Demo.pairsOf(allWrong, true, DEFAULT));
    assertEquals(Set.of("w1:a>b"), triples(Demo.pairsOf(allWrong, false, DEFAULT)));
  }

  @Test
  void trusted_only_needs_a_trusted_task_and_a_judged_correct_majority() {
    DemoConfig.CatPairs rule = DemoConfig.CatPairs.TRUSTED_ONLY;
    assertEquals(List.of(), Demo.pairsOf(RIGHT_MAJORITY, false, rule));
    assertEquals(List.of(), Demo.pairsOf(WRONG_MAJORITY, true, rule));
    assertEquals(Set.of("w1:b>a", "w2:b>c"), triples(Demo.pairsOf(RIGHT_MAJORITY, true, rule)));
  }

  @Test
  void judged_majority_uses_the_judge_on_every_task() {
    DemoConfig.CatPairs rule = DemoConfig.CatPairs.JUDGED_MAJORITY;
    assertEquals(List.of(), Demo.pairsOf(WRONG_MAJORITY, false, rule));
    assertEquals(Set.of("w1:b>a", "w2:b>c"), triples(Demo.pairsOf(RIGHT_MAJORITY, false, rule)));
  }

  @Test
  void wording_disagreement_keeps_only_pairs_whose_wording_prefers_another_answer() {
    DemoConfig.CatPairs rule = DemoConfig.CatPairs.WORDING_DISAGREEMENT;
    // Untrusted: chosen b is (one of) the top answers under both wordings, so nothing is left.
    assertEquals(List.of(), Demo.pairsOf(WRONG_MAJORITY, false, rule));
    // Trusted: chosen a; w1 already gives a as often as b, w2 gives b.
    assertEquals(Set.of("w2:a>b", "w2:a>c"), triples(Demo.pairsOf(WRONG_MAJORITY, true, rule)));
  }

  @Test
  void an_unknown_cat_loss_is_refused_naming_the_field_and_the_value() {
    DemoConfig q = DemoConfig.quick();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
        new DemoConfig(q.seed(), q.hidden(), q.layers(), q.heads(), q.intermediate(),
            q.trainExamplesPerTask(), q.judgeExamplesPerTask(), q.judgeReplayPerTask(),
            q.judgeEpochs(), q.judgeLearningRate(), q.sftEpochs(), q.sftLearningRate(),
            q.batchSize(), q.judgeAccuracyThreshold(), q.catGroupsPerTask(),
            q.samplesPerWording(), q.samplingTemperature(), "ranking", q.catLambda(),
            q.catEpochs(), q.catLearningRate(), q.catReplayPerTask(), q.catKeepAccuracy(),
            q.catPairs(), q.validationInstancesPerTask(), q.evalInstancesPerTask(),
            q.resamples(), q.threads()));
    assertTrue(e.getMessage().contains("catLoss") && e.getMessage().contains("ranking"),
        e.getMessage());
    assertEquals("rank", DemoConfig.defaults().catLoss());
    assertEquals("judge_if_trusted", DemoConfig.defaults().toMap().get("cat_pairs"));
  }
}
