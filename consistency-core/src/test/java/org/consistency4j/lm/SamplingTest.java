package org.consistency4j.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class SamplingTest {

  @Property(tries = 200)
  void distribution_sums_to_one(
      @ForAll @Size(min = 1, max = 50) List<@FloatRange(min = -30, max = 30) Float> logitList,
      @ForAll @DoubleRange(min = 0.05, max = 5) double temperature,
      @ForAll @IntRange(min = 0, max = 60) int topK,
      @ForAll @DoubleRange(min = 0.01, max = 1) double topP) {
    float[] logits = toArray(logitList);
    double[] p = Sampling.distribution(logits, temperature, topK, topP);
    assertEquals(1.0, Arrays.stream(p).sum(), 1e-9);
    for (double v : p) {
      assertTrue(v >= 0 && v <= 1 + 1e-12, "probability out of range: " + v);
    }
  }

  @Property(tries = 200)
  void log_softmax_exponentiates_to_a_distribution(
      @ForAll @Size(min = 1, max = 50) List<@FloatRange(min = -80, max = 80) Float> logitList) {
    float[] logits = toArray(logitList);
    double[] lp = Sampling.logSoftmax(logits);
    assertEquals(1.0, Arrays.stream(lp).map(Math::exp).sum(), 1e-9);
    for (int i = 0; i < lp.length; i++) {
      assertTrue(lp[i] <= 0);
      // log-softmax differences equal logit differences
      assertEquals(logits[i] - logits[0], lp[i] - lp[0], 1e-4);
    }
  }

  @Property(tries = 200)
  void top_p_keeps_the_smallest_set_of_most_likely_tokens_reaching_p(
      @ForAll @Size(min = 1, max = 40) List<@FloatRange(min = -10, max = 10) Float> logitList,
      @ForAll @DoubleRange(min = 0.01, max = 1) double topP) {
    float[] logits = toArray(logitList);
    double[] full = Sampling.distribution(logits, 1.0, 0, 1.0);
    double[] p = Sampling.distribution(logits, 1.0, 0, topP);
    Integer[] order =
        IntStream.range(0, logits.length)
            .boxed()
            .sorted(Comparator.<Integer>comparingDouble(i -> -full[i]).thenComparing(i -> i))
            .toArray(Integer[]::new);
    int kept = (int) Arrays.stream(p).filter(v -> v > 0).count();
    // kept tokens are a prefix of the descending order
    for (int r = 0; r < order.length; r++) {
      assertEquals(r < kept, p[order[r]] > 0, "rank " + r);
    }
    double massKept = 0;
    for (int r = 0; r < kept; r++) {
      massKept += full[order[r]];
    }
    assertTrue(massKept >= topP - 1e-9 || kept == logits.length, "kept mass " + massKept);
    if (kept > 1) {
      double massWithoutLast = massKept - full[order[kept - 1]];
      assertTrue(massWithoutLast < topP + 1e-9, "set is not minimal: " + massWithoutLast);
    }
  }

  @Property(tries = 200)
  void top_k_keeps_at_most_k_tokens(
      @ForAll @Size(min = 1, max = 40) List<@FloatRange(min = -10, max = 10) Float> logitList,
      @ForAll @IntRange(min = 1, max = 50) int topK) {
    float[] logits = toArray(logitList);
    double[] p = Sampling.distribution(logits, 0.7, topK, 1.0);
    long kept = Arrays.stream(p).filter(v -> v > 0).count();
    assertEquals(Math.min(topK, logits.length), kept);
  }

  @Property(tries = 200)
  void greedy_equals_argmax(
      @ForAll @Size(min = 1, max = 40) List<@FloatRange(min = -10, max = 10) Float> logitList,
      @ForAll long seed) {
    float[] logits = toArray(logitList);
    int expected = 0;
    for (int i = 1; i < logits.length; i++) {
      if (logits[i] > logits[expected]) {
        expected = i;
      }
    }
    assertEquals(expected, Sampling.argmax(logits));
    assertEquals(
        expected, Sampling.sample(logits, GenerationConfig.greedy(1), Sampling.rng(seed, 0)));
  }

  @Property(tries = 100)
  void sampling_is_deterministic_for_a_seed(
      @ForAll @Size(min = 2, max = 40) List<@FloatRange(min = -5, max = 5) Float> logitList,
      @ForAll long seed,
      @ForAll @IntRange(min = 0, max = 5) int index) {
    float[] logits = toArray(logitList);
    GenerationConfig config =
        GenerationConfig.builder().temperature(0.9).topK(10).topP(0.95).seed(seed).build();
    int[] a = drawMany(logits, config, Sampling.rng(seed, index));
    int[] b = drawMany(logits, config, Sampling.rng(seed, index));
    assertArrayEquals(a, b);
  }

  @Test
  void sampled_frequencies_follow_the_distribution() {
    float[] logits = {0f, (float) Math.log(3), Float.NEGATIVE_INFINITY};
    GenerationConfig config = GenerationConfig.builder().temperature(1).build();
    var rng = Sampling.rng(42, 0);
    int[] counts = new int[3];
    for (int i = 0; i < 20_000; i++) {
      counts[Sampling.sample(logits, config, rng)]++;
    }
    assertEquals(0, counts[2]);
    assertEquals(0.75, counts[1] / 20_000.0, 0.015);
  }

  @Test
  void temperature_zero_distribution_is_one_hot_on_the_first_maximum() {
    assertArrayEquals(
        new double[] {0, 1, 0}, Sampling.distribution(new float[] {1, 3, 3}, 0, 0, 1), 0);
  }

  @Test
  void nan_logits_are_rejected_with_the_index() {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> Sampling.argmax(new float[] {0, Float.NaN}));
    assertEquals("logits must not contain NaN, found NaN at index 1", e.getMessage());
  }

  @Test
  void empty_logits_are_rejected() {
    var e = assertThrows(IllegalArgumentException.class, () -> Sampling.logSoftmax(new float[0]));
    assertEquals("logits must not be empty", e.getMessage());
  }

  @Test
  void all_negative_infinite_logits_are_rejected() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Sampling.logSoftmax(new float[] {Float.NEGATIVE_INFINITY}));
    assertEquals("logits must contain a finite maximum, found -Infinity", e.getMessage());
  }

  @Test
  void bad_top_p_is_rejected() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Sampling.distribution(new float[] {1}, 1, 0, 1.5));
    assertEquals("topP must be in (0, 1], found 1.5", e.getMessage());
  }

  @Test
  void draw_rejects_u_outside_the_unit_interval() {
    var e =
        assertThrows(IllegalArgumentException.class, () -> Sampling.draw(new double[] {1}, 1.0));
    assertEquals("u must be in [0, 1), found 1.0", e.getMessage());
  }

  @Test
  void negative_index_is_rejected() {
    var e = assertThrows(IllegalArgumentException.class, () -> Sampling.rng(1, -1));
    assertEquals("index must be >= 0, found -1", e.getMessage());
  }

  private static float[] toArray(List<Float> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }

  private static int[] drawMany(float[] logits, GenerationConfig config, java.util.SplittableRandom r) {
    int[] out = new int[20];
    for (int i = 0; i < out.length; i++) {
      out[i] = Sampling.sample(logits, config, r);
    }
    return out;
  }
}
