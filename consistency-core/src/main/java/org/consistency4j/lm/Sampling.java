package org.consistency4j.lm;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.consistency4j.internal.Check;

/**
 * Seeded randomness and the pure math of decoding: argmax, log-softmax, temperature, top-k and
 * top-p (nucleus) filtering and drawing a token from logits. Prompt {@code index} of a batched call
 * draws from its own stream derived from the seed ({@link #rng(long, int)}), so results do not depend
 * on batch composition or order.
 *
 * <p>All methods are stateless and thread-safe; the {@link SplittableRandom} passed in is not, so
 * use one per thread. Logits are natural-log unnormalized scores; every computation is done in
 * {@code double}. Ties are broken towards the smaller token id, so results are deterministic.
 */
public final class Sampling {
  private Sampling() {}

  /**
   * The random stream for prompt {@code index} of a call seeded with {@code seed}.
   *
   * @param seed the call's seed
   * @param index the prompt's position in the call, {@code >= 0}
   */
  public static SplittableRandom rng(long seed, int index) {
    if (index < 0) {
      throw new IllegalArgumentException("index must be >= 0, found " + index);
    }
    // Mix seed and index with distinct odd constants so that (seed, index) pairs do not collide
    // trivially (seed 1 index 0 vs seed 0 index 1).
    long mixed = seed * 0x9E3779B97F4A7C15L + (index + 1L) * 0xC2B2AE3D27D4EB4FL;
    return new SplittableRandom(mixed);
  }

  /**
   * The index of the largest logit; the smallest such index on ties.
   *
   * @param logits the scores, not empty, no NaN
   */
  public static int argmax(float[] logits) {
    checkLogits(logits);
    int best = 0;
    for (int i = 1; i < logits.length; i++) {
      if (logits[i] > logits[best]) {
        best = i;
      }
    }
    return best;
  }

  /**
   * {@code log softmax(logits)} computed in double with the max-shift for stability.
   *
   * @param logits the scores, not empty, no NaN, at least one finite
   * @return natural-log probabilities, each {@code <= 0}, whose exponentials sum to 1
   */
  public static double[] logSoftmax(float[] logits) {
    checkLogits(logits);
    return logSoftmaxScaled(logits, 1.0);
  }

  /** log softmax of {@code logits * scale}, in double (no float overflow for small temperatures). */
  private static double[] logSoftmaxScaled(float[] logits, double scale) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : logits) {
      max = Math.max(max, v * scale);
    }
    Check.argument(
        max != Double.NEGATIVE_INFINITY && Double.isFinite(max),
        "logits must contain a finite maximum, found " + max);
    double sum = 0;
    for (float v : logits) {
      sum += Math.exp(v * scale - max);
    }
    double logZ = max + Math.log(sum);
    double[] out = new double[logits.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = Math.min(0.0, logits[i] * scale - logZ);
    }
    return out;
  }

  /**
   * The distribution decoding draws from: {@code softmax(logits / temperature)} restricted to the
   * {@code topK} most likely tokens (0 = all) and then to the smallest set of most likely tokens
   * whose probability reaches {@code topP}, renormalized. Removed tokens get probability 0. With
   * temperature 0 the result is the one-hot vector of {@link #argmax(float[])}.
   *
   * @param logits the scores, not empty, no NaN
   * @param temperature {@code >= 0}
   * @param topK {@code >= 0}; 0 disables
   * @param topP in (0, 1]
   * @return probabilities summing to 1
   */
  public static double[] distribution(float[] logits, double temperature, int topK, double topP) {
    checkLogits(logits);
    Check.nonNegative(temperature, "temperature");
    Check.nonNegative(topK, "topK");
    Check.argument(topP > 0 && topP <= 1, "topP must be in (0, 1], found " + topP);
    int n = logits.length;
    double[] p = new double[n];
    if (temperature == 0) {
      p[argmax(logits)] = 1;
      return p;
    }
    double[] lp = logSoftmaxScaled(logits, 1.0 / temperature);
    Integer[] order = sortedByProbability(lp);
    int keep = topK == 0 ? n : Math.min(topK, n);
    // Nucleus: the smallest prefix (in descending probability) whose mass reaches topP.
    double mass = 0;
    int nucleus = 0;
    double total = 0;
    for (int r = 0; r < keep; r++) {
      total += Math.exp(lp[order[r]]);
    }
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

  /**
   * Chooses the next token: the argmax when {@code config} is greedy, otherwise one draw from
   * {@link #distribution(float[], double, int, double)} with the config's temperature, top-k and
   * top-p. Greedy decoding does not consume randomness.
   *
   * @param logits the scores of the next token, not empty, no NaN
   * @param config the decoding settings
   * @param rng the prompt's random stream (see {@link #rng(long, int)})
   * @return the chosen token id
   */
  public static int sample(float[] logits, GenerationConfig config, SplittableRandom rng) {
    Check.notNull(config, "config");
    Check.notNull(rng, "rng");
    if (config.greedy()) {
      return argmax(logits);
    }
    double[] p = distribution(logits, config.temperature(), config.topK(), config.topP());
    return draw(p, rng.nextDouble());
  }

  /**
   * The token whose cumulative probability interval contains {@code u} (inverse CDF over ids in
   * order); the last token with non-zero probability when rounding leaves {@code u} past the end.
   *
   * @param probabilities a distribution
   * @param u a uniform draw in [0, 1)
   */
  public static int draw(double[] probabilities, double u) {
    Check.notNull(probabilities, "probabilities");
    Check.argument(u >= 0 && u < 1, "u must be in [0, 1), found " + u);
    double c = 0;
    int last = -1;
    for (int i = 0; i < probabilities.length; i++) {
      if (probabilities[i] > 0) {
        c += probabilities[i];
        last = i;
        if (u < c) {
          return i;
        }
      }
    }
    Check.argument(last >= 0, "probabilities must contain a positive entry");
    return last;
  }

  private static Integer[] sortedByProbability(double[] lp) {
    Integer[] order = new Integer[lp.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(
        order,
        (a, b) -> {
          int c = Double.compare(lp[b], lp[a]);
          return c != 0 ? c : Integer.compare(a, b);
        });
    return order;
  }

  private static void checkLogits(float[] logits) {
    Check.notNull(logits, "logits");
    Check.argument(logits.length > 0, "logits must not be empty");
    for (int i = 0; i < logits.length; i++) {
      if (Float.isNaN(logits[i])) {
        throw new IllegalArgumentException("logits must not contain NaN, found NaN at index " + i);
      }
    }
  }
}
