package org.consistency4j.metrics;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.commons.math3.stat.descriptive.rank.Percentile;
import org.consistency4j.ConsistencyException;
import org.consistency4j.internal.Check;

/**
 * Seeded nonparametric bootstrap over units (instruction groups) with percentile intervals, and
 * paired comparisons of two systems with a paired bootstrap and a permutation test.
 *
 * <p>A resample draws n units with replacement; a statistic sees it as a weight per unit (how often
 * the unit was drawn, summing to n), so statistics never copy data. The interval bounds are the
 * (1 - level)/2 and (1 + level)/2 quantiles of the resampled statistics, interpolated linearly
 * (Commons Math {@code Percentile} with estimation type R-7, numpy's default). Each call starts a
 * fresh {@link SplittableRandom} from the seed, so the same call on the same data gives the same
 * result, and two statistics of the same units see the same resamples.
 *
 * <p>Immutable and thread-safe.
 */
public final class Bootstrap {
  /**
   * The most resamples accepted: 1,000,000 (1,000 is usual; more only narrows the Monte Carlo error
   * of the bounds, and each resample costs time proportional to the number of units plus 8 bytes).
   */
  public static final int MAX_RESAMPLES = 1_000_000;

  /** Exact enumeration of permutations is used up to this many units (2^20 assignments). */
  private static final int MAX_EXACT_UNITS = 20;

  private final int resamples;
  private final double level;
  private final long seed;

  private Bootstrap(int resamples, double level, long seed) {
    this.resamples = Check.inRange(resamples, 1, MAX_RESAMPLES, "resamples");
    this.level = checkLevel(level);
    this.seed = seed;
  }

  /**
   * A bootstrap configuration.
   *
   * @param resamples resamples (and permutations for comparisons), in [1, {@value #MAX_RESAMPLES}];
   *     1,000 is usual
   * @param level nominal coverage of the intervals, in (0, 1), for example 0.95
   * @param seed the seed of every random draw
   */
  public static Bootstrap of(int resamples, double level, long seed) {
    return new Bootstrap(resamples, level, seed);
  }

  /** The number of resamples. */
  public int resamples() {
    return resamples;
  }

  /** The nominal coverage. */
  public double level() {
    return level;
  }

  /** The seed. */
  public long seed() {
    return seed;
  }

  /** A statistic of a weighted sample: {@code weights[i]} is how many times unit i is included. */
  @FunctionalInterface
  public interface Statistic {
    /**
     * The statistic of the sample with these weights (all 1 for the original sample).
     *
     * @param weights one non-negative count per unit, summing to the number of units; read only
     * @return a finite value
     */
    double apply(int[] weights);
  }

  /**
   * The percentile interval of any statistic of {@code n} units.
   *
   * @param n the number of units, {@code >= 1}
   * @throws ConsistencyException if the statistic returns a non-finite value
   */
  public ConfidenceInterval interval(int n, Statistic statistic) {
    Check.positive(n, "n");
    Check.notNull(statistic, "statistic");
    int[] ones = new int[n];
    Arrays.fill(ones, 1);
    double estimate = finite(statistic.apply(ones), "the original sample");
    SplittableRandom rng = new SplittableRandom(seed);
    double[] values = new double[resamples];
    int[] weights = new int[n];
    for (int r = 0; r < resamples; r++) {
      Arrays.fill(weights, 0);
      for (int k = 0; k < n; k++) {
        weights[rng.nextInt(n)]++;
      }
      values[r] = finite(statistic.apply(weights), "resample " + r);
    }
    double[] bounds = percentiles(values, level);
    return new ConfidenceInterval(estimate, bounds[0], bounds[1], level, resamples, seed);
  }

  /** The interval of the mean of {@code values} (for example the macro consistency rate). */
  public ConfidenceInterval mean(double[] values) {
    double[] v = checkValues(values, "values");
    return interval(v.length, w -> weightedMean(v, w));
  }

  /**
   * The interval of {@code sum(numerators) / sum(denominators)} (for example the pooled consistency
   * rate: similarity sums over pair counts), resampling units with both of their values.
   *
   * @param denominators positive values, one per numerator
   */
  public ConfidenceInterval ratioOfSums(double[] numerators, double[] denominators) {
    double[] num = checkValues(numerators, "numerators");
    double[] den = checkDenominators(denominators, num.length);
    return interval(num.length, w -> weightedRatio(num, den, w, null, null, null));
  }

  /**
   * Compares the means of two systems' values on the same units ({@code a[i]} and {@code b[i]}
   * belong to unit i): the paired bootstrap interval of mean(a) - mean(b) and the sign-flip
   * permutation p-value. With at most 20 units and {@code 2^n <= resamples} every sign assignment is
   * enumerated (an exact test); otherwise {@code resamples} random assignments are drawn and the
   * p-value is (1 + hits) / (1 + resamples).
   */
  public PairedComparison compareMeans(double[] a, double[] b) {
    double[] va = checkValues(a, "a");
    double[] vb = checkValues(b, "b");
    Check.sameSize(va.length, "a", vb.length, "b");
    PairedStatistic stat =
        (w, swapped) -> {
          double sum = 0;
          long count = 0;
          for (int i = 0; i < va.length; i++) {
            if (w[i] != 0) {
              double d = va[i] - vb[i];
              sum += w[i] * (swapped != null && swapped[i] ? -d : d);
              count += w[i];
            }
          }
          return sum / count;
        };
    return compare(va.length, stat);
  }

  /**
   * Compares two systems' ratios of sums on the same units (for example pooled consistency rates):
   * the paired bootstrap interval of ratioA - ratioB and the two-sided permutation p-value (each
   * unit's A and B values swap at random).
   *
   * @param denominatorsA positive, one per unit
   * @param denominatorsB positive, one per unit
   */
  public PairedComparison compareRatios(
      double[] numeratorsA, double[] denominatorsA, double[] numeratorsB, double[] denominatorsB) {
    double[] na = checkValues(numeratorsA, "numeratorsA");
    double[] da = checkDenominators(denominatorsA, na.length);
    double[] nb = checkValues(numeratorsB, "numeratorsB");
    Check.sameSize(na.length, "numeratorsA", nb.length, "numeratorsB");
    double[] db = checkDenominators(denominatorsB, nb.length);
    PairedStatistic stat =
        (w, swapped) -> weightedRatio(na, da, w, swapped, nb, db) - weightedRatio(nb, db, w, swapped, na, da);
    return compare(na.length, stat);
  }

  /** A statistic of a weighted, possibly label-swapped paired sample (null swapped = none). */
  private interface PairedStatistic {
    double apply(int[] weights, boolean[] swapped);
  }

  private PairedComparison compare(int n, PairedStatistic stat) {
    ConfidenceInterval ci = interval(n, w -> stat.apply(w, null));
    int[] ones = new int[n];
    Arrays.fill(ones, 1);
    double observed = Math.abs(ci.estimate());
    // Ties (for example all differences 0) must count as "at least as extreme" despite rounding.
    double threshold = observed - 1e-12 * Math.max(1.0, observed);
    boolean[] swapped = new boolean[n];
    long hits = 0;
    long evaluated;
    boolean exact = n <= MAX_EXACT_UNITS && (1L << n) <= resamples;
    if (exact) {
      evaluated = 1L << n;
      for (long mask = 0; mask < evaluated; mask++) {
        for (int i = 0; i < n; i++) {
          swapped[i] = ((mask >>> i) & 1) != 0;
        }
        if (Math.abs(finite(stat.apply(ones, swapped), "permutation " + mask)) >= threshold) {
          hits++;
        }
      }
    } else {
      // A separate stream so that the permutations do not reuse the bootstrap's draws.
      SplittableRandom rng = new SplittableRandom(seed).split();
      for (int r = 0; r < resamples; r++) {
        for (int i = 0; i < n; i++) {
          swapped[i] = rng.nextBoolean();
        }
        if (Math.abs(finite(stat.apply(ones, swapped), "permutation " + r)) >= threshold) {
          hits++;
        }
      }
      // The observed assignment counts as one permutation: p is never 0.
      hits++;
      evaluated = resamples + 1L;
    }
    return new PairedComparison(ci, (double) hits / evaluated, evaluated, exact, n);
  }

  private static double weightedMean(double[] values, int[] weights) {
    double sum = 0;
    long count = 0;
    for (int i = 0; i < values.length; i++) {
      if (weights[i] != 0) {
        sum += weights[i] * values[i];
        count += weights[i];
      }
    }
    return sum / count;
  }

  /** Weighted ratio of sums; where {@code swapped[i]}, unit i contributes the other system's values. */
  private static double weightedRatio(
      double[] num, double[] den, int[] w, boolean[] swapped, double[] otherNum, double[] otherDen) {
    double top = 0;
    double bottom = 0;
    for (int i = 0; i < num.length; i++) {
      if (w[i] != 0) {
        boolean swap = swapped != null && swapped[i];
        top += w[i] * (swap ? otherNum[i] : num[i]);
        bottom += w[i] * (swap ? otherDen[i] : den[i]);
      }
    }
    return top / bottom;
  }

  static double checkLevel(double level) {
    Check.argument(level > 0 && level < 1, "level must be in (0, 1), found " + level);
    return level;
  }

  private static double[] checkValues(double[] values, String name) {
    Check.notNull(values, name);
    Check.argument(values.length > 0, name + " must not be empty");
    for (int i = 0; i < values.length; i++) {
      Check.finite(values[i], name + "[" + i + "]");
    }
    return values.clone();
  }

  private static double[] checkDenominators(double[] values, int n) {
    Check.notNull(values, "denominators");
    Check.sameSize(n, "numerators", values.length, "denominators");
    for (int i = 0; i < values.length; i++) {
      Check.positive(values[i], "denominators[" + i + "]");
    }
    return values.clone();
  }

  private static double finite(double value, String where) {
    if (!Double.isFinite(value)) {
      throw new ConsistencyException("bootstrap statistic is " + value + " on " + where);
    }
    return value;
  }

  private static double[] percentiles(double[] values, double level) {
    Percentile percentile = new Percentile().withEstimationType(Percentile.EstimationType.R_7);
    percentile.setData(values);
    double alpha = (1 - level) / 2;
    double low = percentile.evaluate(100 * alpha);
    double high = percentile.evaluate(100 * (1 - alpha));
    return new double[] {low, high};
  }
}
