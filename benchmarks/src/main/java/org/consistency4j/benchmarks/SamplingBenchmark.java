package org.consistency4j.benchmarks;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.lm.Sampling;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One sampled decoding step of a batch: a token drawn from each of 16 rows of 151,936 logits (the
 * Qwen2.5 vocabulary), one thread, {@code temperature} 1.0 and {@code topP} as given. {@code impl}
 * {@code current} is {@link Sampling#sample(float[], GenerationConfig, SplittableRandom,
 * Sampling.Scratch)} with one reused scratch; {@code boxed} is the algorithm it replaced (every id
 * boxed and sorted with a comparator, sums in rank order), kept here as the baseline (the unit
 * test {@code SamplingReferenceTest} has its own copy as the reference, since this module cannot
 * see test classes). Logits (seed 16): {@code lm} Gaussian with standard deviation 2.5 and 40
 * ids raised by 8-20, roughly a language
 * model's shape, where every log-probability is within 37 of the top and the whole vocabulary is
 * sorted; {@code wide} standard deviation 15, where most of the vocabulary lies in the tail that is
 * not sorted. Setup checks that both implementations give bit-equal distributions on row 0 and the
 * same tokens on every row, so a fast but different implementation cannot produce a number. See
 * benchmarks/README.md, "Sampled decoding without boxed sorts".
 *
 * <p>{@code java -jar benchmarks/target/benchmarks.jar SamplingBenchmark -f 1 -wi 3 -i 5 -t 1 -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class SamplingBenchmark {
  static final int ROWS = 16;
  static final int VOCAB = 151_936;

  /** {@code current} or {@code boxed}. */
  @Param({"current", "boxed"})
  public String impl;

  /** {@code lm} or {@code wide}. */
  @Param({"lm", "wide"})
  public String logits;

  /** The nucleus mass. */
  @Param({"1.0", "0.95"})
  public double topP;

  private float[][] rows;
  private GenerationConfig config;
  private final SplittableRandom[] rng = new SplittableRandom[ROWS];
  private final Sampling.Scratch scratch = new Sampling.Scratch();

  @Setup(Level.Trial)
  public void setUp() {
    SplittableRandom r = new SplittableRandom(16);
    double sd = switch (logits) {
      case "lm" -> 2.5;
      case "wide" -> 15;
      default -> throw new IllegalArgumentException("logits must be lm or wide, found " + logits);
    };
    if (!impl.equals("current") && !impl.equals("boxed")) {
      throw new IllegalArgumentException("impl must be current or boxed, found " + impl);
    }
    rows = new float[ROWS][VOCAB];
    for (float[] row : rows) {
      for (int i = 0; i < VOCAB; i++) {
        double u = 1 - r.nextDouble();
        double gaussian = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
        row[i] = (float) (sd * gaussian);
      }
      for (int j = 0; j < 40; j++) {
        row[r.nextInt(VOCAB)] += (float) (8 + 12 * r.nextDouble());
      }
    }
    config = GenerationConfig.builder().temperature(1.0).topP(topP).build();
    if (!Arrays.equals(boxedDistribution(rows[0], 1.0, 0, topP),
        Sampling.distribution(rows[0], 1.0, 0, topP))) {
      throw new IllegalStateException("distributions differ on row 0");
    }
    for (int k = 0; k < ROWS; k++) {
      int a = Sampling.sample(rows[k], config, Sampling.rng(5, k), scratch);
      double u = Sampling.rng(5, k).nextDouble();
      int b = Sampling.draw(boxedDistribution(rows[k], 1.0, 0, topP), u);
      if (a != b) {
        throw new IllegalStateException("row " + k + ": token " + a + " != " + b);
      }
    }
    for (int k = 0; k < ROWS; k++) {
      rng[k] = Sampling.rng(16, k);
    }
  }

  /** One token per row; returns their sum so that nothing is eliminated. */
  @Benchmark
  public int step() {
    int sum = 0;
    if (impl.equals("current")) {
      for (int k = 0; k < ROWS; k++) {
        sum += Sampling.sample(rows[k], config, rng[k], scratch);
      }
    } else {
      for (int k = 0; k < ROWS; k++) {
        sum += Sampling.draw(boxedDistribution(rows[k], 1.0, 0, topP), rng[k].nextDouble());
      }
    }
    return sum;
  }

  /** The replaced {@code Sampling.distribution}: boxed ids sorted by (probability desc, id asc). */
  static double[] boxedDistribution(float[] x, double temperature, int topK, double topP) {
    int n = x.length;
    double scale = 1.0 / temperature;
    double max = Double.NEGATIVE_INFINITY;
    for (float v : x) {
      max = Math.max(max, v * scale);
    }
    double z = 0;
    for (float v : x) {
      z += Math.exp(v * scale - max);
    }
    double logZ = max + Math.log(z);
    double[] lp = new double[n];
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      lp[i] = Math.min(0.0, x[i] * scale - logZ);
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> {
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
    double[] p = new double[n];
    for (int r = 0; r < nucleus; r++) {
      p[order[r]] = Math.exp(lp[order[r]]) / kept;
    }
    return p;
  }
}
