package org.consistency4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.consistency4j.TrainingException;
import org.consistency4j.model.RuntimeOptions;
import org.consistency4j.optim.AdamWConfig;
import org.junit.jupiter.api.Test;

class TrainingSessionTest {
  private static final List<String> ALL = List.of("embed", "w1", "b1", "head");

  private static TrainingSession session(long seed, List<String> trainable, AdamWConfig c) {
    return TrainingSession.builder(TinyLm.model(seed, 100)).inputIds("input_ids").logits("logits")
        .trainable(trainable).noDecay(Set.of("b1")).optimizer(c).runtime(RuntimeOptions.cpu())
        .build();
  }

  private static TrainingSession.Batch batch() {
    long[] ids = {1, 2, 3, 4, 5, 6, 0, 0, 7, 8, 9, 10, 1, 2, 3, 4};
    long[] labels = {-100, -100, 3, 4, 5, 6, -100, -100, -100, 8, 9, 10, 1, 2, 3, 4};
    return new TrainingSession.Batch(ids, labels, 2, 8);
  }

  @Test
  void full_training_drives_the_loss_of_fixed_sequences_near_zero() {
    try (TrainingSession s = session(1, ALL, AdamWConfig.defaults())) {
      TrainingSession.StepResult first = s.step(List.of(batch()), 0.05);
      TrainingSession.StepResult last = first;
      for (int i = 0; i < 150; i++) {
        last = s.step(List.of(batch()), 0.05);
      }
      assertEquals(11, first.targetTokens());
      assertEquals(16, first.tokens());
      assertTrue(first.loss() > 1.0, "initial loss " + first.loss());
      assertTrue(last.loss() < 0.01, "final loss " + last.loss());
      assertEquals(151, s.step());
      assertTrue(s.evaluate(List.of(batch())) < 0.01);
    }
  }

  @Test
  void frozen_weights_stay_bit_identical_while_the_trained_ones_move() {
    try (TrainingSession s = session(2, List.of("head"), AdamWConfig.defaults())) {
      float[] before = s.parameter("head");
      double l0 = s.evaluate(List.of(batch()));
      for (int i = 0; i < 20; i++) {
        s.step(List.of(batch()), 0.02);
      }
      assertTrue(s.evaluate(List.of(batch())) < l0);
      assertTrue(!java.util.Arrays.equals(before, s.parameter("head")));
    }
  }

  @Test
  void two_runs_with_the_same_inputs_are_bit_identical() {
    Map<String, float[]> a;
    Map<String, float[]> b;
    try (TrainingSession s = session(3, ALL, AdamWConfig.defaults().withWeightDecay(0.1))) {
      for (int i = 0; i < 5; i++) {
        s.step(List.of(batch()), 0.01);
      }
      a = s.state();
    }
    try (TrainingSession s = session(3, ALL, AdamWConfig.defaults().withWeightDecay(0.1))) {
      for (int i = 0; i < 5; i++) {
        s.step(List.of(batch()), 0.01);
      }
      b = s.state();
    }
    for (String k : a.keySet()) {
      assertArrayEquals(a.get(k), b.get(k), k);
    }
  }

  @Test
  void accumulating_two_micro_batches_equals_one_batch_of_both() {
    TrainingSession.Batch both = batch();
    long[] ids = both.inputIds();
    long[] labels = both.labels();
    TrainingSession.Batch first = new TrainingSession.Batch(
        java.util.Arrays.copyOfRange(ids, 0, 8), java.util.Arrays.copyOfRange(labels, 0, 8), 1, 8);
    TrainingSession.Batch second = new TrainingSession.Batch(
        java.util.Arrays.copyOfRange(ids, 8, 16), java.util.Arrays.copyOfRange(labels, 8, 16), 1, 8);
    try (TrainingSession s1 = session(4, ALL, AdamWConfig.defaults());
        TrainingSession s2 = session(4, ALL, AdamWConfig.defaults())) {
      for (int i = 0; i < 3; i++) {
        TrainingSession.StepResult r1 = s1.step(List.of(both), 0.01);
        TrainingSession.StepResult r2 = s2.step(List.of(first, second), 0.01);
        assertEquals(r1.loss(), r2.loss(), 1e-6);
        assertEquals(r1.gradNorm(), r2.gradNorm(), 1e-5);
        assertEquals(r1.targetTokens(), r2.targetTokens());
      }
      for (String name : ALL) {
        assertArrayEquals(s1.parameter(name), s2.parameter(name), 1e-5f, name);
      }
    }
  }

  @Test
  void a_non_finite_loss_stops_the_step_and_keeps_the_state() {
    try (TrainingSession s = session(5, ALL, AdamWConfig.defaults())) {
      s.step(List.of(batch()), 0.01);
      Map<String, float[]> good = s.state();
      Map<String, float[]> poisoned = new java.util.LinkedHashMap<>(good);
      float[] head = good.get("p/head").clone();
      head[0] = Float.NaN;
      poisoned.put("p/head", head);
      s.restore(poisoned, 1);
      TrainingException ex =
          assertThrows(TrainingException.class, () -> s.step(List.of(batch()), 0.01));
      assertEquals("step 2: loss is not finite (NaN)", ex.getMessage());
      assertEquals(1, s.step());
      assertTrue(Float.isNaN(s.parameter("head")[0]));
      s.restore(good, 1);
      s.step(List.of(batch()), 0.01);
      assertEquals(2, s.step());
    }
  }

  @Test
  void a_non_finite_gradient_stops_the_step_and_keeps_the_state() {
    try (TrainingSession s = session(6, ALL, AdamWConfig.defaults())) {
      s.step(List.of(batch()), 0.01);
      Map<String, float[]> good = s.state();
      // Huge embeddings keep the (stable) log-softmax loss finite, about 1e25, while the squared
      // gradient entries overflow float32, so the gradient norm is infinite.
      Map<String, float[]> poisoned = new java.util.LinkedHashMap<>(good);
      float[] w1 = good.get("p/embed").clone();
      java.util.Arrays.fill(w1, 1e25f);
      poisoned.put("p/embed", w1);
      s.restore(poisoned, 1);
      TrainingException ex =
          assertThrows(TrainingException.class, () -> s.step(List.of(batch()), 0.01));
      assertEquals("step 2: gradient norm is not finite (Infinity)", ex.getMessage());
      assertEquals(1, s.step());
      assertArrayEquals(w1, s.parameter("embed"));
      assertArrayEquals(good.get("m/head"), s.state().get("m/head"));
    }
  }

  @Test
  void invalid_arguments_are_rejected_with_the_name() {
    IllegalArgumentException ex =
        assertThrows(IllegalArgumentException.class, () -> session(7, List.of("nope"),
            AdamWConfig.defaults()));
    assertEquals("trainable must name initializers of the forward graph, found nope", ex.getMessage());
    IllegalArgumentException batch =
        assertThrows(IllegalArgumentException.class,
            () -> new TrainingSession.Batch(new long[3], new long[3], 2, 2));
    assertEquals("inputIds length (3) != batchSize * seqLen (4)", batch.getMessage());
  }
}
