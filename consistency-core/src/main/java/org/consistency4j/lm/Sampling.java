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
 * <p>All methods are stateless and thread-safe; the {@link SplittableRandom} and {@link Scratch}
 * passed in are not, so use one of each per thread. Logits are natural-log unnormalized scores;
 * every computation is done in {@code double}. Ties are broken towards the smaller token id, so
 * results are deterministic.
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
    return logSoftmaxScaled(logits, scale, new double[logits.length]);
  }

  /** {@link #logSoftmaxScaled(float[], double)} into the first {@code logits.length} of out. */
  private static double[] logSoftmaxScaled(float[] logits, double scale, double[] out) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : logits) {
      max = Math.max(max, v * scale);
    }
    // Messages are built only on failure: this runs for every row of every sampled step.
    if (max == Double.NEGATIVE_INFINITY || !Double.isFinite(max)) {
      throw new IllegalArgumentException("logits must contain a finite maximum, found " + max);
    }
    double sum = 0;
    for (float v : logits) {
      sum += Math.exp(v * scale - max);
    }
    double logZ = max + Math.log(sum);
    for (int i = 0; i < logits.length; i++) {
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
   * <p>"Most likely" orders tokens by descending log-probability, ties towards the smaller id; the
   * normalizing sums are accumulated in that order (see {@link Scratch} for how this is done
   * without sorting the whole vocabulary when the order of the tail cannot change a sum).
   *
   * @param logits the scores, not empty, no NaN
   * @param temperature {@code >= 0}
   * @param topK {@code >= 0}; 0 disables
   * @param topP in (0, 1]
   * @return probabilities summing to 1
   */
  public static double[] distribution(float[] logits, double temperature, int topK, double topP) {
    checkSettings(logits, temperature, topK, topP);
    double[] p = new double[logits.length];
    if (temperature == 0) {
      p[argmax(logits)] = 1;
      return p;
    }
    Scratch s = new Scratch();
    s.filter(logits, temperature, topK, topP);
    for (int i = 0; i < p.length; i++) {
      p[i] = s.probability(i);
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
    return sample(logits, config, rng, new Scratch());
  }

  /**
   * {@link #sample(float[], GenerationConfig, SplittableRandom)} with reusable buffers: the same
   * token for the same arguments and random stream, without allocating per call once {@code
   * scratch} has grown to the vocabulary size.
   *
   * @param logits the scores of the next token, not empty, no NaN
   * @param config the decoding settings
   * @param rng the prompt's random stream (see {@link #rng(long, int)})
   * @param scratch buffers owned by the calling thread
   * @return the chosen token id
   */
  public static int sample(
      float[] logits, GenerationConfig config, SplittableRandom rng, Scratch scratch) {
    Check.notNull(config, "config");
    Check.notNull(rng, "rng");
    Check.notNull(scratch, "scratch");
    if (config.greedy()) {
      return argmax(logits);
    }
    checkSettings(logits, config.temperature(), config.topK(), config.topP());
    scratch.filter(logits, config.temperature(), config.topK(), config.topP());
    double u = rng.nextDouble();
    // draw(distribution, u) without materializing the distribution: the same cumulative sum in id
    // order, stopping at the chosen token.
    double c = 0;
    int last = -1;
    for (int i = 0; i < logits.length; i++) {
      double p = scratch.probability(i);
      if (p > 0) {
        c += p;
        last = i;
        if (u < c) {
          return i;
        }
      }
    }
    Check.argument(last >= 0, "probabilities must contain a positive entry");
    return last;
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

  /**
   * Reusable buffers for {@link #sample(float[], GenerationConfig, SplittableRandom, Scratch)}:
   * log-probabilities, sort keys and their exponentials, each grown to the largest vocabulary seen.
   * Not thread-safe; use one per decoding loop or thread.
   *
   * <p>The filtered distribution is defined by sums over tokens in descending probability, and
   * floating-point sums depend on their order. Only the order of the head matters, though: once
   * every remaining term is below {@code ulp(S) / 2} of the running sum {@code S}, adding them in
   * any order leaves {@code S} unchanged. So only log-probabilities above {@link #TAIL}
   * (about {@code log(ulp(0.5) / 2)}) are sorted, as primitive keys; the tail is checked against
   * the running sums and, if it could change one (top-k mass below one half, or a top-k cut
   * inside the tail), everything is sorted. The results are bit-for-bit those of sorting every id.
   */
  public static final class Scratch {
    /** Log-probabilities below this are candidates for the unsorted tail. */
    static final double TAIL = Math.log(Math.ulp(0.5) / 2);

    private double[] lp = new double[0];
    private long[] keys = new long[0];
    private long[] spare = new long[0];
    private static final int BITS = 11;
    private static final int MASK = (1 << BITS) - 1;
    private static final int PASSES = (64 + BITS - 1) / BITS;
    private final int[] counts = new int[PASSES << BITS];
    private double[] terms = new double[0];
    // The kept set: ids whose key is above threshold, plus the first `ties` ids equal to it.
    private long threshold;
    private int ties;
    private int nextTie;
    private double kept;
    private int lastId;
    // How many keys the last filter sorted (tests check that both the tail and the full path run).
    int sorted;

    /** Empty buffers; they grow on first use. */
    public Scratch() {}

    /** Computes the kept set and its normalizer; arguments already checked, temperature > 0. */
    void filter(float[] logits, double temperature, int topK, double topP) {
      int n = logits.length;
      if (lp.length < n) {
        lp = new double[n];
        keys = new long[n];
        terms = new double[n];
      }
      logSoftmaxScaled(logits, 1.0 / temperature, lp);
      int keep = topK == 0 ? n : Math.min(topK, n);
      if (!filterSorted(n, keep, topP, true)) {
        filterSorted(n, keep, topP, false);
      }
      lastId = -1;
      nextTie = 0;
    }

    /**
     * One attempt: with {@code tailOnly} the keys above {@link #TAIL} are sorted and false is
     * returned when the unsorted tail could change the result; otherwise all keys are sorted.
     */
    private boolean filterSorted(int n, int keep, double topP, boolean tailOnly) {
      int m = 0;
      double tailMax = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < n; i++) {
        double v = lp[i];
        if (!tailOnly || v >= TAIL) {
          keys[m++] = key(v);
        } else if (v > tailMax) {
          tailMax = v;
        }
      }
      if (m == 0) {
        return false;
      }
      sortKeys(m);
      sorted = m;
      // Rank r (descending) is keys[m - 1 - r].
      int head = Math.min(keep, m);
      double total = 0;
      for (int r = 0; r < head; r++) {
        double t = Math.exp(value(keys[m - 1 - r]));
        terms[r] = t;
        total += t;
      }
      // Every tail term is at most exp(tailMax) (Math.exp is semi-monotonic).
      double tailTerm = Math.exp(tailMax);
      if (keep > m && !(tailTerm < Math.ulp(total) / 2)) {
        return false;
      }
      double mass = 0;
      int nucleus = -1;
      for (int r = 0; r < head; r++) {
        mass += terms[r] / total;
        if (mass >= topP) {
          nucleus = r + 1;
          break;
        }
      }
      if (nucleus < 0) {
        // The mass stays below topP over the tail too when no tail term can move it.
        if (keep > m && !(tailTerm / total < Math.ulp(mass) / 2)) {
          return false;
        }
        nucleus = keep;
      }
      if (nucleus == keep && keep > m) {
        // The kept sum is the total's sum; a cut inside the unsorted tail needs the full order.
        if (keep < n) {
          return false;
        }
        kept = total;
      } else {
        double sum = 0;
        for (int r = 0; r < nucleus; r++) {
          sum += terms[r];
        }
        kept = sum;
      }
      if (nucleus == n) {
        threshold = Long.MIN_VALUE;
        ties = n;
      } else {
        threshold = keys[m - nucleus];
        // keys is ascending, so the ones above the threshold are a suffix.
        int above = 0;
        for (int j = m - 1; j >= 0 && keys[j] > threshold; j--) {
          above++;
        }
        ties = nucleus - above;
      }
      return true;
    }

    /**
     * Sorts {@code keys[0, m)} ascending: least-significant-digit radix sort, 11 bits a pass,
     * passes whose digit is the same in every key skipped. Several times faster than a comparison
     * sort on the 10^5 keys of a vocabulary; small inputs use {@link Arrays#sort(long[], int,
     * int)}.
     */
    private void sortKeys(int m) {
      if (m < 1024) {
        Arrays.sort(keys, 0, m);
        return;
      }
      if (spare.length < keys.length) {
        spare = new long[keys.length];
      }
      int[] count = counts;
      Arrays.fill(count, 0);
      long[] a = keys;
      for (int i = 0; i < m; i++) {
        long k = a[i] ^ Long.MIN_VALUE; // signed order as unsigned digits
        for (int d = 0; d < PASSES; d++) {
          count[(d << BITS) + (int) ((k >>> (d * BITS)) & MASK)]++;
        }
      }
      long[] b = spare;
      for (int d = 0; d < PASSES; d++) {
        int base = d << BITS;
        int shift = d * BITS;
        if (count[base + (int) (((a[0] ^ Long.MIN_VALUE) >>> shift) & MASK)] == m) {
          continue; // every key has this digit
        }
        int offset = 0;
        for (int j = 0; j <= MASK; j++) {
          int c = count[base + j];
          count[base + j] = offset;
          offset += c;
        }
        for (int i = 0; i < m; i++) {
          long k = a[i];
          b[count[base + (int) (((k ^ Long.MIN_VALUE) >>> shift) & MASK)]++] = k;
        }
        long[] t = a;
        a = b;
        b = t;
      }
      if (a != keys) {
        // An odd number of passes left the result in the spare buffer: swap the buffers' roles.
        spare = keys;
        keys = a;
      }
    }

    /**
     * The probability of id {@code i}; ids must be asked in increasing order starting at 0 after
     * each {@link #filter}, since ties at the threshold are admitted in id order.
     */
    double probability(int i) {
      if (i <= lastId) {
        throw new IllegalStateException("ids must be visited in increasing order");
      }
      lastId = i;
      long k = key(lp[i]);
      boolean in;
      if (k > threshold) {
        in = true;
      } else if (k == threshold && nextTie < ties) {
        nextTie++;
        in = true;
      } else {
        in = false;
      }
      return in ? Math.exp(lp[i]) / kept : 0;
    }
  }

  /** A long ordered like the double under {@link Double#compare} (-0.0 below 0.0); no NaN. */
  static long key(double v) {
    long bits = Double.doubleToRawLongBits(v);
    return bits ^ ((bits >> 63) & Long.MAX_VALUE);
  }

  /** The inverse of {@link #key(double)}. */
  static double value(long key) {
    return Double.longBitsToDouble(key ^ ((key >> 63) & Long.MAX_VALUE));
  }

  private static void checkSettings(float[] logits, double temperature, int topK, double topP) {
    checkLogits(logits);
    Check.nonNegative(temperature, "temperature");
    Check.nonNegative(topK, "topK");
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("topP must be in (0, 1], found " + topP);
    }
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
