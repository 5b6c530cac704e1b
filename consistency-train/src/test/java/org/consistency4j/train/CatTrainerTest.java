package org.consistency4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.consistency4j.graph.ExportedModel;
import org.consistency4j.loss.Losses;
import org.consistency4j.loss.StandardLoss;
import org.consistency4j.model.ModelConfig;
import org.consistency4j.model.RuntimeOptions;
import org.consistency4j.optim.AdamWConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consistency alignment training on the tiny Llama fixture: the DPO loss and its gradient against
 * PyTorch, reward accuracy going up, the role of lambda in the ranking loss, reference caching and
 * bit-identical resume.
 */
class CatTrainerTest {
  private static final String DIR = "/fixtures/tiny-llama/";
  private static final String NORM = "model.norm.weight";

  private static Path fixture() throws Exception {
    return Path.of(CatTrainerTest.class.getResource(DIR).toURI());
  }

  private static JsonNode dpoCase() throws Exception {
    try (InputStream in = CatTrainerTest.class.getResourceAsStream(DIR + "reference_grads.json")) {
      return new ObjectMapper().readTree(in).get("dpo");
    }
  }

  /** The fixture's DPO pairs, tokenized as PyTorch saw them. */
  private static List<PreferenceExample> dpoPairs(JsonNode dpo) {
    List<PreferenceExample> pairs = new ArrayList<>();
    for (int i = 0; i < dpo.get("chosen_input_ids").size(); i++) {
      pairs.add(new PreferenceExample(
          new SftExample(ints(dpo.get("chosen_input_ids").get(i)), ints(dpo.get("chosen_labels").get(i))),
          new SftExample(ints(dpo.get("rejected_input_ids").get(i)),
              ints(dpo.get("rejected_labels").get(i)))));
    }
    return pairs;
  }

  private static int[] ints(JsonNode row) {
    int[] out = new int[row.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = row.get(i).asInt();
    }
    return out;
  }

  private static CatConfig config(String loss, double lambda, long steps, int batch) {
    // lambda is the ranking loss's; the other losses keep their defaults.
    StandardLoss lc = loss.equals("rank") ? Losses.rank(lambda) : Losses.byName(loss);
    SftConfig t = SftConfig.builder().maxSteps(steps).batchSize(batch).learningRate(1e-2)
        .schedule(SftConfig.Schedule.CONSTANT).optimizer(AdamWConfig.defaults().withWeightDecay(0)).seed(7).build();
    return new CatConfig(lc, t);
  }

  private static TrainingSession session(List<String> trainable) throws Exception {
    return session(trainable, null);
  }

  /** A session; with {@code pairwise} the loss is computed inside its gradient graph. */
  private static TrainingSession session(List<String> trainable, StandardLoss pairwise)
      throws Exception {
    ExportedModel forward = LlamaTrainingGraph.load(fixture());
    return TrainingSession.builder(forward).inputIds(LlamaTrainingGraph.INPUT_IDS)
        .logits(LlamaTrainingGraph.LOGITS).trainable(trainable).noDecay(Set.of())
        .optimizer(AdamWConfig.defaults().withWeightDecay(0)).runtime(RuntimeOptions.cpu())
        .auxiliary(TrainingSession.AuxiliaryInputs.none()).pairwiseLoss(pairwise).build();
  }

  private static List<String> allWeights() throws Exception {
    return LlamaTrainingGraph.weightNames(ModelConfig.parse(fixture().resolve("config.json")));
  }

  /** Random pairs over the fixture's vocabulary: a shared prompt, two different responses. */
  private static List<PreferenceExample> randomPairs(int n, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    List<PreferenceExample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int[] prompt = rng.ints(4, 3, 384).toArray();
      int[] c = rng.ints(5 + rng.nextInt(3), 3, 384).toArray();
      int[] r = rng.ints(5 + rng.nextInt(3), 3, 384).toArray();
      out.add(new PreferenceExample(SftExample.of(prompt, c), SftExample.of(prompt, r)));
    }
    return out;
  }

  @Test
  void dpo_loss_and_gradient_on_the_fixture_match_pytorch() throws Exception {
    JsonNode dpo = dpoCase();
    List<PreferenceExample> pairs = dpoPairs(dpo);
    StandardLoss lc = Losses.dpo(dpo.get("beta").asDouble());
    CatTrainer trainer = new CatTrainer(new CatConfig(lc, SftConfig.builder().batchSize(2).build()));
    try (TrainingSession s = session(List.of(NORM))) {
      float[] norm = s.parameter(NORM);
      // The reference model: the policy with the final norm weight scaled by 0.9.
      Map<String, float[]> state = new HashMap<>(s.state());
      float[] scaled = norm.clone();
      for (int i = 0; i < scaled.length; i++) {
        scaled[i] *= 0.9f;
      }
      state.put("p/" + NORM, scaled);
      s.restore(state, 0);
      CatTrainer.ReferenceLogProbs ref = trainer.logProbs(s, pairs, 0);
      state.put("p/" + NORM, norm);
      s.restore(state, 0);
      CatTrainer.ReferenceLogProbs policy = trainer.logProbs(s, pairs, 0);
      for (int i = 0; i < pairs.size(); i++) {
        assertEquals(dpo.get("reference_chosen_logps_f64").get(i).asDouble(), ref.chosen()[i], 1e-4);
        assertEquals(dpo.get("reference_rejected_logps_f64").get(i).asDouble(), ref.rejected()[i], 1e-4);
        assertEquals(dpo.get("policy_chosen_logps_f64").get(i).asDouble(), policy.chosen()[i], 1e-4);
        assertEquals(dpo.get("policy_rejected_logps_f64").get(i).asDouble(), policy.rejected()[i], 1e-4);
      }
      CatTrainer.Evaluation ev = trainer.evaluate(s, pairs, 0, ref);
      assertEquals(dpo.get("loss_f64").asDouble(), ev.loss(), 1e-5);

      // The gradient the trainer applies: row weights = -dL/dlogp through the weighted graph.
      var value = trainer.loss().compute(new org.consistency4j.loss.PreferenceBatch(List.of(
          org.consistency4j.loss.PairLogProbs.withReference(policy.chosen()[0], policy.rejected()[0],
              pairs.get(0).chosen().targetCount(), pairs.get(0).rejected().targetCount(),
              ref.chosen()[0], ref.rejected()[0]),
          org.consistency4j.loss.PairLogProbs.withReference(policy.chosen()[1], policy.rejected()[1],
              pairs.get(1).chosen().targetCount(), pairs.get(1).rejected().targetCount(),
              ref.chosen()[1], ref.rejected()[1]))));
      TrainingSession.Batch rows = PreferenceExample.collate(pairs, 0);
      float[] w = new float[4];
      for (int k = 0; k < 2; k++) {
        w[k] = (float) -value.chosenGradients().get(k);
        w[2 + k] = (float) -value.rejectedGradients().get(k);
      }
      float[] g = s.gradients(List.of(new TrainingSession.Batch(rows.inputIds(), rows.labels(),
          rows.batchSize(), rows.seqLen(), w)), 1.0).get(NORM);
      JsonNode expected = dpo.get("grads_f64").get(NORM);
      double sumAbs = 0;
      for (int i = 0; i < g.length; i++) {
        double e = expected.get("full").get(i).asDouble();
        assertEquals(e, g[i], Math.max(1e-6, 1e-3 * Math.abs(e)), "grad[" + i + "]");
        sumAbs += Math.abs(g[i]);
      }
      assertEquals(expected.get("sum_abs").asDouble(), sumAbs, 1e-3 * expected.get("sum_abs").asDouble());
    }
  }

  @Test
  void the_in_graph_dpo_gradient_on_the_fixture_matches_pytorch() throws Exception {
    JsonNode dpo = dpoCase();
    List<PreferenceExample> pairs = dpoPairs(dpo);
    StandardLoss lc = Losses.dpo(dpo.get("beta").asDouble());
    try (TrainingSession s = session(List.of(NORM), lc)) {
      float[] ref = new float[2 * pairs.size()];
      for (int i = 0; i < pairs.size(); i++) {
        ref[i] = (float) dpo.get("reference_chosen_logps_f64").get(i).asDouble();
        ref[pairs.size() + i] = (float) dpo.get("reference_rejected_logps_f64").get(i).asDouble();
      }
      TrainingSession.Batch rows = PreferenceExample.collate(pairs, 0);
      float[] g = s.gradients(List.of(new TrainingSession.Batch(rows.inputIds(), rows.labels(),
          rows.batchSize(), rows.seqLen(), null, ref)), 1.0 / pairs.size()).get(NORM);
      JsonNode expected = dpo.get("grads_f64").get(NORM);
      for (int i = 0; i < g.length; i++) {
        double e = expected.get("full").get(i).asDouble();
        assertEquals(e, g[i], Math.max(1e-6, 1e-3 * Math.abs(e)), "grad[" + i + "]");
      }
      // A batch without the reference rows the loss needs is refused, naming what is missing.
      var ex = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> s.gradients(List.of(rows), 1.0));
      assertEquals("microBatches[0] needs rowReference: loss dpo uses reference log-probabilities",
          ex.getMessage());
    }
  }

  /**
   * Computing the loss inside the gradient graph and feeding the pure-Java loss's gradient back as
   * row weights are two routes to the same gradient, for every loss; trained through {@link
   * CatTrainer}, the first step's logged loss, reward accuracy and gradient norm agree too. (Later
   * parameters are not compared: AdamW turns float-rounding differences of near-zero gradients into
   * full-size steps.)
   */
  @Test
  void in_graph_and_row_weighted_losses_give_the_same_gradient_for_every_loss(@TempDir Path dir)
      throws Exception {
    List<PreferenceExample> pairs = randomPairs(6, 21);
    List<StandardLoss> losses = List.of(Losses.rank(0.5),
        Losses.byName("dpo"), Losses.ipo(0.5),
        Losses.simpo(2, 0.5), Losses.byName("orpo"),
        Losses.hinge(1),
        Losses.hingeWithReference(0.5));
    SplittableRandom rng = new SplittableRandom(4);
    for (StandardLoss lc : losses) {
      SftConfig t = config("rank", 0, 2, 4).training().toBuilder().gradientAccumulation(2).build();
      CatTrainer trainer = new CatTrainer(new CatConfig(lc, t));
      try (TrainingSession rowWeighted = session(allWeights());
          TrainingSession inGraph = session(allWeights(), lc)) {
        CatTrainer.ReferenceLogProbs policy = trainer.logProbs(rowWeighted, pairs, 0);
        int n = pairs.size();
        List<org.consistency4j.loss.PairLogProbs> list = new ArrayList<>();
        float[] ref = new float[2 * n];
        float[] w = new float[2 * n];
        for (int i = 0; i < n; i++) {
          ref[i] = (float) (policy.chosen()[i] + rng.nextGaussian());
          ref[n + i] = (float) (policy.rejected()[i] + rng.nextGaussian());
          list.add(org.consistency4j.loss.PairLogProbs.withReference(policy.chosen()[i],
              policy.rejected()[i], pairs.get(i).chosen().targetCount(),
              pairs.get(i).rejected().targetCount(), Math.min(0, ref[i]), Math.min(0, ref[n + i])));
          ref[i] = Math.min(0, ref[i]);
          ref[n + i] = Math.min(0, ref[n + i]);
        }
        var value = trainer.loss().compute(new org.consistency4j.loss.PreferenceBatch(list));
        for (int i = 0; i < n; i++) {
          w[i] = (float) -value.chosenGradients().get(i);
          w[n + i] = (float) -value.rejectedGradients().get(i);
        }
        TrainingSession.Batch rows = PreferenceExample.collate(pairs, 0);
        Map<String, float[]> expected = rowWeighted.gradients(List.of(new TrainingSession.Batch(
            rows.inputIds(), rows.labels(), rows.batchSize(), rows.seqLen(), w)), 1.0);
        Map<String, float[]> actual = inGraph.gradients(List.of(new TrainingSession.Batch(
            rows.inputIds(), rows.labels(), rows.batchSize(), rows.seqLen(), null,
            lc.requiresReference() ? ref : null)), 1.0 / n);
        for (String name : expected.keySet()) {
          float[] x = expected.get(name);
          float[] y = actual.get(name);
          for (int i = 0; i < x.length; i++) {
            assertEquals(x[i], y[i], 1e-6 + 1e-3 * Math.abs(x[i]), lc + " " + name + "[" + i + "]");
          }
        }
        Path a = dir.resolve(lc.loss() + lc.requiresReference() + "-rows");
        Path b = dir.resolve(lc.loss() + lc.requiresReference() + "-graph");
        trainer.train(rowWeighted, pairs, 0, a, false, TrainingListener.none());
        trainer.train(inGraph, pairs, 0, b, false, TrainingListener.none());
        JsonNode x = new ObjectMapper().readTree(Files.readAllLines(a.resolve(CatTrainer.METRICS_FILE)).get(0));
        JsonNode y = new ObjectMapper().readTree(Files.readAllLines(b.resolve(CatTrainer.METRICS_FILE)).get(0));
        assertEquals(x.get("loss").asDouble(), y.get("loss").asDouble(), 1e-5, lc.toString());
        assertEquals(x.get("reward_accuracy").asDouble(), y.get("reward_accuracy").asDouble());
        assertEquals(x.get("grad_norm").asDouble(), y.get("grad_norm").asDouble(),
            1e-3 * x.get("grad_norm").asDouble(), lc.toString());
      }
    }
  }

  @Test
  void dpo_starts_at_log_2_because_policy_and_reference_agree_and_reference_is_cached(
      @TempDir Path dir) throws Exception {
    List<PreferenceExample> pairs = randomPairs(4, 3);
    CatConfig c = new CatConfig(Losses.byName("dpo"), config("dpo", 0, 2, 4).training());
    try (TrainingSession s = session(allWeights())) {
      new CatTrainer(c).train(s, pairs, 0, dir, false, TrainingListener.none());
    }
    List<String> lines = Files.readAllLines(dir.resolve(CatTrainer.METRICS_FILE));
    assertEquals(2, lines.size());
    JsonNode first = new ObjectMapper().readTree(lines.get(0));
    assertEquals(Math.log(2), first.get("loss").asDouble(), 1e-6);
    assertEquals(0.0, first.get("margin").asDouble(), 1e-6);
    // Policy = reference at step 1: no DPO margin is positive, whatever the policy's own ranking.
    assertEquals(0.0, first.get("margin_accuracy").asDouble());
    JsonNode ref = new ObjectMapper().readTree(dir.resolve(CatTrainer.REFERENCE_FILE).toFile());
    assertEquals(4, ref.get("pairs").asInt());
    // Reward accuracy is the policy's own ranking by sums, here the cached reference's.
    int right = 0;
    for (int i = 0; i < 4; i++) {
      right += ref.get("chosen").get(i).asDouble() > ref.get("rejected").get(i).asDouble() ? 1 : 0;
    }
    assertEquals(right / 4.0, first.get("reward_accuracy").asDouble());
  }

  @Test
  void a_few_cat_steps_raise_reward_accuracy_on_the_training_pairs(@TempDir Path dir)
      throws Exception {
    List<PreferenceExample> pairs = randomPairs(8, 11);
    CatTrainer trainer = new CatTrainer(config("rank", 0.1, 8, 8));
    try (TrainingSession s = session(allWeights())) {
      CatTrainer.Evaluation before = trainer.evaluate(s, pairs, 0, null);
      trainer.train(s, pairs, 0, dir, false, TrainingListener.none());
      CatTrainer.Evaluation after = trainer.evaluate(s, pairs, 0, null);
      assertTrue(before.rewardAccuracy() < 1.0, "random pairs start partly misranked: " + before);
      assertEquals(1.0, after.rewardAccuracy(), "after: " + after + ", before: " + before);
      assertTrue(after.meanMargin() > before.meanMargin());
      assertTrue(after.loss() < before.loss());
    }
  }

  /**
   * Lambda weighs the SFT term of the ranking loss. With lambda = 0 and every pair already ranked
   * the right way, the hinge is flat and the gradient is exactly zero: nothing moves. With a large
   * lambda the same pairs still pull the chosen responses up, so their likelihood rises like in SFT.
   */
  @Test
  void lambda_zero_stops_at_correct_ranking_while_large_lambda_keeps_training_the_chosen(
      @TempDir Path dir) throws Exception {
    List<PreferenceExample> pairs = randomPairs(6, 5);
    try (TrainingSession s = session(allWeights())) {
      CatTrainer probe = new CatTrainer(config("rank", 0, 1, 6));
      CatTrainer.ReferenceLogProbs lp = probe.logProbs(s, pairs, 0);
      // Orient every pair so that the currently more likely (per token) response is the chosen one.
      List<PreferenceExample> ranked = new ArrayList<>();
      for (int i = 0; i < pairs.size(); i++) {
        PreferenceExample p = pairs.get(i);
        double mc = lp.chosen()[i] / p.chosen().targetCount();
        double mr = lp.rejected()[i] / p.rejected().targetCount();
        ranked.add(mc >= mr ? p : new PreferenceExample(p.rejected(), p.chosen()));
      }
      assertEquals(1.0, probe.evaluate(s, ranked, 0, null).rewardAccuracy());
      TrainingSession.Batch rows = PreferenceExample.collate(ranked, 0);
      CatTrainer.ReferenceLogProbs at = probe.logProbs(s, ranked, 0);
      var v = probe.loss().compute(new org.consistency4j.loss.PreferenceBatch(
          java.util.stream.IntStream.range(0, ranked.size()).mapToObj(i ->
              org.consistency4j.loss.PairLogProbs.of(at.chosen()[i], at.rejected()[i],
                  ranked.get(i).chosen().targetCount(), ranked.get(i).rejected().targetCount()))
              .toList()));
      assertEquals(0.0, v.value());
      for (double x : v.chosenGradients()) {
        assertEquals(0.0, x, 0.0);
      }
      float[] w = new float[rows.batchSize()];
      for (float[] g : s.gradients(List.of(new TrainingSession.Batch(rows.inputIds(), rows.labels(),
          rows.batchSize(), rows.seqLen(), w)), 1.0).values()) {
        for (float x : g) {
          assertEquals(0f, x, 0f);
        }
      }
    }
    double[] chosenBefore = new double[1];
    double[] chosenAfter = new double[2];
    for (int run = 0; run < 2; run++) {
      double lambda = run == 0 ? 0 : 10;
      CatTrainer t = new CatTrainer(config("rank", lambda, 5, 6));
      try (TrainingSession s = session(allWeights())) {
        List<PreferenceExample> ranked = orient(t, s, pairs);
        chosenBefore[0] = sum(t.logProbs(s, ranked, 0).chosen());
        t.train(s, ranked, 0, dir.resolve("l" + run), false, TrainingListener.none());
        chosenAfter[run] = sum(t.logProbs(s, ranked, 0).chosen());
      }
    }
    assertEquals(chosenBefore[0], chosenAfter[0], 1e-9, "lambda 0 on correctly ranked pairs: no change");
    assertTrue(chosenAfter[1] > chosenBefore[0] + 1.0,
        "large lambda raises the chosen log-likelihood: " + chosenBefore[0] + " -> " + chosenAfter[1]);
  }

  private static List<PreferenceExample> orient(CatTrainer t, TrainingSession s,
      List<PreferenceExample> pairs) {
    CatTrainer.ReferenceLogProbs lp = t.logProbs(s, pairs, 0);
    List<PreferenceExample> out = new ArrayList<>();
    for (int i = 0; i < pairs.size(); i++) {
      PreferenceExample p = pairs.get(i);
      double mc = lp.chosen()[i] / p.chosen().targetCount();
      double mr = lp.rejected()[i] / p.rejected().targetCount();
      out.add(mc >= mr ? p : new PreferenceExample(p.rejected(), p.chosen()));
    }
    return out;
  }

  private static double sum(double[] xs) {
    double s = 0;
    for (double x : xs) {
      s += x;
    }
    return s;
  }

  @Test
  void an_interrupted_and_resumed_dpo_run_ends_bit_identical_to_an_uninterrupted_one(
      @TempDir Path dir) throws Exception {
    List<PreferenceExample> pairs = randomPairs(6, 9);
    CatConfig base = config("dpo", 0, 4, 2);
    CatConfig c = new CatConfig(Losses.byName("dpo"),
        base.training().toBuilder().checkpointEvery(2).build());
    Map<String, float[]> straight;
    try (TrainingSession s = session(List.of(NORM, "lm_head.weight"))) {
      new CatTrainer(c).train(s, pairs, 0, dir.resolve("a"), false, TrainingListener.none());
      straight = s.state();
    }
    CatConfig firstHalf = new CatConfig(c.loss(), c.training().toBuilder().maxSteps(2).build());
    try (TrainingSession s = session(List.of(NORM, "lm_head.weight"))) {
      new CatTrainer(firstHalf).train(s, pairs, 0, dir.resolve("b"), false, TrainingListener.none());
    }
    try (TrainingSession s = session(List.of(NORM, "lm_head.weight"))) {
      CatTrainer.Result r =
          new CatTrainer(c).train(s, pairs, 0, dir.resolve("b"), true, TrainingListener.none());
      assertEquals(4, r.steps());
      for (Map.Entry<String, float[]> e : straight.entrySet()) {
        assertArrayEquals(e.getValue(), s.state().get(e.getKey()), e.getKey());
      }
    }
    assertEquals(Files.readAllLines(dir.resolve("a").resolve(CatTrainer.METRICS_FILE)).size(),
        Files.readAllLines(dir.resolve("b").resolve(CatTrainer.METRICS_FILE)).size());
  }

  @Test
  void a_resumed_run_without_its_reference_cache_is_refused_with_the_file_name(@TempDir Path dir)
      throws Exception {
    List<PreferenceExample> pairs = randomPairs(2, 1);
    CatConfig c = new CatConfig(Losses.byName("dpo"), config("dpo", 0, 1, 2).training());
    try (TrainingSession s = session(List.of(NORM))) {
      new CatTrainer(c).train(s, pairs, 0, dir, false, TrainingListener.none());
    }
    Files.delete(dir.resolve(CatTrainer.REFERENCE_FILE));
    try (TrainingSession s = session(List.of(NORM))) {
      var e = assertThrows(org.consistency4j.InvalidInputException.class,
          () -> new CatTrainer(c).train(s, pairs, 0, dir, true, TrainingListener.none()));
      assertTrue(e.getMessage().contains(CatTrainer.REFERENCE_FILE), e.getMessage());
    }
  }
  @Test
  void the_reference_cache_is_keyed_by_the_pairs_content_and_never_reused_for_other_pairs_of_the_same_count(
      @TempDir Path dir) throws Exception {
    List<PreferenceExample> first = randomPairs(2, 1);
    List<PreferenceExample> other = randomPairs(2, 2);
    CatConfig c = new CatConfig(Losses.byName("dpo"), config("dpo", 0, 1, 2).training());
    try (TrainingSession s = session(List.of(NORM))) {
      new CatTrainer(c).train(s, first, 0, dir, false, TrainingListener.none());
    }
    Path cache = dir.resolve(CatTrainer.REFERENCE_FILE);
    JsonNode before = new ObjectMapper().readTree(cache.toFile());
    // Without permission, a resume with other pairs of the same size is refused.
    try (TrainingSession s = session(List.of(NORM))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> new CatTrainer(c).train(s, other, 0, dir, true, TrainingListener.none()));
      assertTrue(e.getMessage().startsWith(dir.resolve(CatTrainer.CHECKPOINT_FILE)
          + ": the checkpoint belongs to a run with other settings: train_data: checkpoint sha256:"),
          e.getMessage());
      assertTrue(e.getMessage().contains("(2 pairs), this run sha256:"), e.getMessage());
    }
    assertEquals(before, new ObjectMapper().readTree(cache.toFile()), "a refused resume changes nothing");
    // With permission, the cache is computed again for the new pairs instead of being reused.
    CatTrainer.ReferenceLogProbs expected;
    try (TrainingSession s = session(List.of(NORM))) {
      expected = new CatTrainer(c).logProbs(s, other, 0);
    }
    try (TrainingSession s = session(List.of(NORM))) {
      new CatTrainer(c).allowConfigChange(true).train(s, other, 0, dir, true,
          TrainingListener.none());
    }
    JsonNode after = new ObjectMapper().readTree(cache.toFile());
    assertTrue(!before.get("key").asText().equals(after.get("key").asText()));
    for (int i = 0; i < 2; i++) {
      assertEquals(expected.chosen()[i], after.get("chosen").get(i).asDouble(), 0.0);
      assertEquals(expected.rejected()[i], after.get("rejected").get(i).asDouble(), 0.0);
    }
  }

  @Test
  void the_reference_cache_is_keyed_by_the_reference_model_identity(@TempDir Path dir)
      throws Exception {
    List<PreferenceExample> pairs = randomPairs(2, 1);
    CatConfig c = new CatConfig(Losses.byName("dpo"), config("dpo", 0, 1, 2).training());
    try (TrainingSession s = session(List.of(NORM))) {
      new CatTrainer(c).withRunFields(Map.of("model", "crc32c:00000001")).train(s, pairs, 0, dir,
          false, TrainingListener.none());
    }
    String key = new ObjectMapper().readTree(dir.resolve(CatTrainer.REFERENCE_FILE).toFile())
        .get("key").asText();
    try (TrainingSession s = session(List.of(NORM))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> new CatTrainer(c).withRunFields(Map.of("model", "crc32c:00000002")).train(s, pairs,
              0, dir, true, TrainingListener.none()));
      assertEquals(dir.resolve(CatTrainer.CHECKPOINT_FILE) + ": the checkpoint belongs to a run with"
          + " other settings: model: checkpoint crc32c:00000001, this run crc32c:00000002. Resume with"
          + " the checkpoint's settings, or allow the change explicitly (--allow-config-change)",
          e.getMessage());
    }
    try (TrainingSession s = session(List.of(NORM))) {
      new CatTrainer(c).withRunFields(Map.of("model", "crc32c:00000002")).allowConfigChange(true)
          .train(s, pairs, 0, dir, true, TrainingListener.none());
    }
    assertTrue(!key.equals(new ObjectMapper().readTree(dir.resolve(CatTrainer.REFERENCE_FILE)
        .toFile()).get("key").asText()), "another reference model gets another cache");
  }
}
