package org.consistency4j.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * Pins {@link Sampling#distribution} and {@link Sampling#sample} to the straightforward algorithm
 * they replaced: sort every id by (log-probability descending, id ascending) and accumulate the
 * top-k total, the nucleus mass and the kept mass in that order. Distributions must be equal bit for
 * bit and draws from the same seeded stream must pick the same tokens.
 */
class SamplingReferenceTest {

  /** The former implementation's semantics: boxed ids sorted with a comparator, sums in rank order. */
  static double[] reference(float[] logits, double temperature, int topK, double topP) {
    int n = logits.length;
    double[] p = new double[n];
    if (temperature == 0) {
      p[Sampling.argmax(logits)] = 1;
      return p;
    }
    double scale = 1.0 / temperature;
    double max = Double.NEGATIVE_INFINITY;
    for (float v : logits) {
      max = Math.max(max, v * scale);
    }
    double sum = 0;
    for (float v : logits) {
      sum += Math.exp(v * scale - max);
    }
    double logZ = max + Math.log(sum);
    double[] lp = new double[n];
    for (int i = 0; i < n; i++) {
      lp[i] = Math.min(0.0, logits[i] * scale - logZ);
    }
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(
        order,
        (a, b) -> {
          int c = Double.compare(lp[b], lp[a]);
          return c != 0 ? c : Integer.compare(a, b);
        });
    int keep = topK == 0 ? n : Math.min(topK, n);
    double total = 0;
    for (int r = 0; r < keep; r++) {
      total += Math.exp(lp[order[r]]);
    }
    double mass = 0;
    int nucleus = 0;
    for (int r = 0; r < keep; r++) {
      mass += Math.exp(lp[order[r]]) / total;
      nucleus = r + 1;
      if (mass >= topP) {
        break;
      }
    }
    double kept = 0;
    for (int r = 0; r < nucleus; r++) {
      kept += Math.exp(lp[order[r]]);
    }
    for (int r = 0; r < nucleus; r++) {
      p[order[r]] = Math.exp(lp[order[r]]) / kept;
    }
    return p;
  }

  /** Logit rows of several shapes: spread, peaked, flat, tied, with -inf and signed zeros. */
  static float[] row(SplittableRandom rng, int n, int shape) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      switch (shape) {
        case 0 -> x[i] = (float) (3 * gaussian(rng)); // like a language model's logits
        case 1 -> x[i] = (float) (30 * gaussian(rng)); // most of the mass far below the tail bound
        case 2 -> x[i] = 0f; // flat: every id tied
        case 3 -> x[i] = Math.round(2 * gaussian(rng)) / 2f; // few distinct values, many ties
        case 4 -> x[i] = rng.nextInt(4) == 0 ? Float.NEGATIVE_INFINITY : (float) gaussian(rng);
        case 5 -> x[i] = rng.nextBoolean() ? 0f : -0f; // signed zeros compare apart
        default -> x[i] = (float) (5 * gaussian(rng) - 20);
      }
    }
    if (shape == 6 || shape == 5) {
      x[rng.nextInt(n)] = 60f; // one token takes nearly all the mass
    }
    if (shape == 4) {
      x[rng.nextInt(n)] = 1f; // at least one finite logit
    }
    return x;
  }

  private static double gaussian(SplittableRandom rng) {
    // Box-Muller from the seeded stream (SplittableRandom has no nextGaussian on Java 17).
    double u = 1 - rng.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextDouble());
  }

  @Test
  void distribution_and_draws_equal_the_reference_on_seeded_rows() {
    SplittableRandom rng = new SplittableRandom(20261207L);
    Sampling.Scratch scratch = new Sampling.Scratch();
    double[] temperatures = {0.25, 0.7, 1.0, 1.6};
    double[] topPs = {0.05, 0.5, 0.9, 0.95, 1.0};
    int tailOnly = 0;
    int full = 0;
    int cases = 0;
    for (int trial = 0; trial < 600; trial++) {
      int n = trial % 10 == 0 ? 20_000 : 1 + rng.nextInt(trial % 3 == 0 ? 3000 : 60);
      int shape = trial % 7;
      float[] logits = row(rng, n, shape);
      double temperature = temperatures[rng.nextInt(temperatures.length)];
      int[] topKs = {0, 1, 5, 40, Math.max(1, n - 3), n, n + 5};
      int topK = topKs[rng.nextInt(topKs.length)];
      double topP = topPs[rng.nextInt(topPs.length)];
      String what = "trial " + trial + " n " + n + " shape " + shape + " T " + temperature
          + " topK " + topK + " topP " + topP;
      double[] expected = reference(logits, temperature, topK, topP);
      assertArrayEquals(expected, Sampling.distribution(logits, temperature, topK, topP), what);
      GenerationConfig config =
          GenerationConfig.builder().temperature(temperature).topK(topK).topP(topP).build();
      long seed = rng.nextLong();
      SplittableRandom a = Sampling.rng(seed, 0);
      SplittableRandom b = Sampling.rng(seed, 0);
      for (int draw = 0; draw < 5; draw++) {
        int want = Sampling.draw(expected, a.nextDouble());
        assertEquals(want, Sampling.sample(logits, config, b, scratch), what + " draw " + draw);
      }
      // The same stream position afterwards: one uniform per draw, as before.
      assertEquals(a.nextLong(), b.nextLong(), what);
      if (scratch.sorted < n) {
        tailOnly++;
      } else {
        full++;
      }
      cases++;
    }
    assertEquals(600, cases);
    // Both ways of ordering were exercised: the head-only sort and the full-sort fallback.
    assertTrue(tailOnly > 20, "head-only sorts: " + tailOnly);
    assertTrue(full > 20, "full sorts: " + full);
  }

  @Test
  void a_vocabulary_sized_row_matches_the_reference_and_sorts_only_its_head() {
    SplittableRandom rng = new SplittableRandom(151936L);
    Sampling.Scratch scratch = new Sampling.Scratch();
    float[] logits = row(rng, 151_936, 1);
    for (double topP : new double[] {0.95, 1.0}) {
      GenerationConfig config = GenerationConfig.builder().temperature(1.0).topP(topP).build();
      double[] expected = reference(logits, 1.0, 0, topP);
      assertArrayEquals(expected, Sampling.distribution(logits, 1.0, 0, topP));
      SplittableRandom a = Sampling.rng(3, 1);
      SplittableRandom b = Sampling.rng(3, 1);
      for (int draw = 0; draw < 3; draw++) {
        assertEquals(
            Sampling.draw(expected, a.nextDouble()), Sampling.sample(logits, config, b, scratch));
      }
      assertTrue(scratch.sorted < 151_936 / 2, "sorted " + scratch.sorted + " of 151936 keys");
    }
  }

  @Test
  void keys_order_doubles_like_double_compare() {
    double[] values = {
      Double.NEGATIVE_INFINITY, -1e300, -1, -Double.MIN_VALUE, -0.0, 0.0, Double.MIN_VALUE, 1
    };
    for (int i = 0; i < values.length; i++) {
      assertEquals(values[i], Sampling.value(Sampling.key(values[i])));
      for (int j = 0; j < values.length; j++) {
        assertEquals(
            Integer.signum(Double.compare(values[i], values[j])),
            Integer.signum(Long.compare(Sampling.key(values[i]), Sampling.key(values[j]))));
      }
    }
  }

  @Property(tries = 300)
  void distribution_equals_the_reference(
      @ForAll @Size(min = 1, max = 80) List<@IntRange(min = -12, max = 12) Integer> halves,
      @ForAll @DoubleRange(min = 0.05, max = 3) double temperature,
      @ForAll @IntRange(min = 0, max = 90) int topK,
      @ForAll @DoubleRange(min = 0.01, max = 1) double topP) {
    // Logits on a half-integer grid, so most rows have ties.
    float[] logits = new float[halves.size()];
    for (int i = 0; i < logits.length; i++) {
      logits[i] = halves.get(i) / 2f;
    }
    assertArrayEquals(
        reference(logits, temperature, topK, topP),
        Sampling.distribution(logits, temperature, topK, topP));
  }
}
