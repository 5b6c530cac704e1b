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
import java.util.SplittableRandom;
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
            q.catEpochs(), q.catLearningRate(), q.catWarmupFraction(), q.catReplayPerTask(), q.catKeepAccuracy(),
            q.catPairs(), q.likelihoodJudge(), q.catParaphrasesPerWording(), q.catAnchorPerTask(), q.catAnchorEvenAnswers(), q.catAnchorAllGroups(), q.catInterpolation(),
            q.validationInstancesPerTask(), q.evalInstancesPerTask(),
            q.resamples(), q.threads()));
    assertTrue(e.getMessage().contains("catLoss") && e.getMessage().contains("ranking"),
        e.getMessage());
    assertEquals("rank", DemoConfig.defaults().catLoss());
    assertEquals("judge_if_trusted", DemoConfig.defaults().toMap().get("cat_pairs"));
    assertEquals(0, DemoConfig.defaults().catAnchorPerTask());
    assertEquals(false, DemoConfig.defaults().toMap().get("cat_anchor_all_groups"));
  }

  @Test
  void a_task_uses_the_likelihood_judge_only_when_it_is_accurate_enough_and_not_worse() {
    String likelihood = "likelihood judge first, agreement frequency second";
    String yesNo = "quality judge first, agreement frequency second";
    String frequency = "agreement frequency";
    assertEquals(likelihood, Demo.reward(0.5, 0.875, 0.8));
    assertEquals(likelihood, Demo.reward(0.9, 0.9, 0.8));
    assertEquals(yesNo, Demo.reward(0.958, 0.917, 0.8));
    assertEquals(yesNo, Demo.reward(0.85, 0.79, 0.8));
    assertEquals(frequency, Demo.reward(0.6, 0.54, 0.8));
    // Not measured (NaN): the yes/no judge's rule alone.
    assertEquals(yesNo, Demo.reward(0.8, Double.NaN, 0.8));
    assertEquals(frequency, Demo.reward(0.79, Double.NaN, 0.8));
  }

  @Test
  void paraphrased_cat_wordings_use_only_training_words_and_are_recorded() {
    DemoSuite suite = DemoSuite.load();
    com.fasterxml.jackson.databind.node.ObjectNode record =
        new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
    Set<String> trainingWords = new java.util.HashSet<>(DemoSuite.splitWords(
        DemoSuite.PROMPT_TEMPLATE));
    suite.tasks().forEach(t -> t.training().forEach(w -> trainingWords.addAll(
        DemoSuite.splitWords(w))));
    int kept = 0;
    for (DemoSuite.Task task : suite.tasks()) {
      assertEquals(task.training(), Demo.catWordings(suite, task, 0, 1, record));
      List<String> wordings = Demo.catWordings(suite, task, 4, 1, record);
      assertEquals(task.training(), wordings.subList(0, task.training().size()));
      Set<List<String>> tokens = new java.util.HashSet<>();
      for (String w : wordings) {
        assertTrue(trainingWords.containsAll(DemoSuite.splitWords(w)), w);
        assertTrue(tokens.add(DemoSuite.splitWords(w)), "repeated tokens: " + w);
      }
      var r = record.get(task.name());
      assertEquals(wordings.size() - task.training().size(), r.get("kept").asInt());
      assertEquals(r.get("kept").asInt(), r.get("wordings").size());
      kept += r.get("kept").asInt();
      assertEquals(wordings, Demo.catWordings(suite, task, 4, 1, record));
    }
    // The closed vocabulary drops most paraphrases, but not all of them.
    assertTrue(kept > 0, record.toString());
    int dropped = 0;
    for (var r : record) {
      dropped += r.get("dropped_out_of_vocabulary").asInt();
    }
    assertTrue(dropped > kept, record.toString());
  }

  private static Set<String> anchors(List<Demo.Anchor> anchors) {
    return anchors.stream().map(a -> a.task() + ":" + a.prompt() + ":" + a.answer())
        .collect(Collectors.toSet());
  }

  @Test
  void the_anchor_is_a_consistent_groups_judged_correct_majority_under_each_wording() {
    ScoredGroup unanimous = group(List.of("b", "b", "b", "b"), List.of("b", "b", "b", "b"),
        Map.of("b", 0.9));
    assertEquals(Set.of("t:w1:b", "t:w2:b"), anchors(Demo.anchorsOf("t", unanimous, true, DEFAULT)));
    assertEquals(Set.of("t:w1:b", "t:w2:b"),
        anchors(Demo.anchorsOf("t", unanimous, false, DEFAULT)));
    // Judged wrong: no anchor where the judge is used, the majority where it is not.
    ScoredGroup judgedWrong = group(List.of("b", "b", "b", "b"), List.of("b", "b", "b", "b"),
        Map.of("b", 0.2));
    assertEquals(List.of(), Demo.anchorsOf("t", judgedWrong, true, DEFAULT));
    assertEquals(Set.of("t:w1:b", "t:w2:b"),
        anchors(Demo.anchorsOf("t", judgedWrong, false, DEFAULT)));
    assertEquals(List.of(), Demo.anchorsOf("t", judgedWrong, false,
        DemoConfig.CatPairs.JUDGED_MAJORITY));
    // The judged-correct best answer a is a minority (1 of 7 others): no anchor.
    assertEquals(List.of(), Demo.anchorsOf("t", WRONG_MAJORITY, true, DEFAULT));
    // Ranked by frequency, the best b (4 of 7 others) is given under both wordings.
    assertEquals(Set.of("t:w1:b", "t:w2:b"),
        anchors(Demo.anchorsOf("t", WRONG_MAJORITY, false, DEFAULT)));
    // A group that forms pairs (with catAnchorAllGroups) anchors its judged-correct majority.
    assertEquals(Set.of("t:w1:b", "t:w2:b"),
        anchors(Demo.anchorsOf("t", RIGHT_MAJORITY, true, DEFAULT)));
    // Two of eight each: no answer is a majority.
    ScoredGroup split = group(List.of("a", "a", "b", "b"), List.of("c", "c", "d", "d"),
        Map.of("a", 0.9, "b", 0.9, "c", 0.9, "d", 0.9));
    assertEquals(List.of(), Demo.anchorsOf("t", split, false, DEFAULT));
  }

  @Test
  void anchors_are_drawn_per_task_without_replacement_uniformly_or_evenly_over_answers() {
    List<Demo.Anchor> candidates = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      candidates.add(new Demo.Anchor("x", "p" + i, "p"));
    }
    candidates.add(new Demo.Anchor("y", "y0", "5"));
    candidates.add(new Demo.Anchor("x", "q0", "q"));
    candidates.add(new Demo.Anchor("x", "q1", "q"));
    candidates.add(new Demo.Anchor("x", "r0", "r"));
    candidates.add(new Demo.Anchor("y", "y1", "7"));

    List<Demo.Anchor> even = Demo.drawAnchors(candidates, 6, true, new SplittableRandom(3));
    Map<String, Long> xAnswers = even.stream().filter(a -> a.task().equals("x"))
        .collect(Collectors.groupingBy(Demo.Anchor::answer, Collectors.counting()));
    // Rounds of one per answer: p q r, p q, p.
    assertEquals(Map.of("p", 3L, "q", 2L, "r", 1L), xAnswers);
    assertEquals(Set.of("y:y0:5", "y:y1:7"), anchors(even.stream()
        .filter(a -> a.task().equals("y")).toList()));
    assertEquals(even, Demo.drawAnchors(candidates, 6, true, new SplittableRandom(3)));

    for (long seed = 0; seed < 20; seed++) {
      List<Demo.Anchor> uniform = Demo.drawAnchors(candidates, 6, false, new SplittableRandom(seed));
      List<Demo.Anchor> x = uniform.stream().filter(a -> a.task().equals("x")).toList();
      assertEquals(6, x.size());
      assertEquals(6, new java.util.HashSet<>(x).size(), x.toString());
      assertTrue(candidates.containsAll(uniform));
      assertEquals(2, uniform.size() - x.size());
      // Tasks keep their first-seen order.
      assertEquals("x", uniform.get(0).task());
      assertEquals("y", uniform.get(uniform.size() - 1).task());
    }
    // Uniformly, the rare answers are not favoured: over 200 draws of 3 of x's 9 candidates the
    // six p's are two thirds of the draws (expected 400 of 600), evenly a third (200 of 600).
    int uniformP = 0;
    int evenP = 0;
    for (long seed = 0; seed < 200; seed++) {
      uniformP += (int) Demo.drawAnchors(candidates, 3, false, new SplittableRandom(seed)).stream()
          .filter(a -> a.answer().equals("p")).count();
      evenP += (int) Demo.drawAnchors(candidates, 3, true, new SplittableRandom(seed)).stream()
          .filter(a -> a.answer().equals("p")).count();
    }
    assertTrue(uniformP > 340 && uniformP < 460, "uniform p draws " + uniformP);
    assertEquals(200, evenP);
    assertEquals(List.of(), Demo.drawAnchors(candidates, 0, true, new SplittableRandom(1)));
    assertThrows(IllegalArgumentException.class,
        () -> Demo.drawAnchors(candidates, -1, false, new SplittableRandom(1)));
  }
}
