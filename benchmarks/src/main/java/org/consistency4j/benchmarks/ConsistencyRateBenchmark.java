package org.consistency4j.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.consistency4j.metrics.ConsistencyRate;
import org.consistency4j.metrics.ConsistencyResult;
import org.consistency4j.metrics.ResponseGroup;
import org.consistency4j.metrics.ResponseSimilarity;
import org.consistency4j.metrics.Rouge;
import org.consistency4j.metrics.Similarities;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Throughput of the consistency rate with the ROUGE-L similarity: 1,000 synthetic instruction
 * groups of {@code groupSize} responses of about 100 tokens (each response an edited copy of the
 * group's base answer), one thread. Scores are groups per second ({@code
 * @OperationsPerInvocation(1000)}); a group of n responses has n(n-1)/2 pairs.
 *
 * <ul>
 *   <li>{@code rougeL}: {@link Similarities#rougeL()}, whose pairwise path tokenizes each response
 *       once and runs a bit-parallel LCS from masks built once per response;
 *   <li>{@code rougeLPerPair}: the same numbers through {@link Rouge#rougeL} for every pair (the
 *       interface's default pairwise loop), which tokenizes both texts and runs the LCS dynamic
 *       program per pair: the baseline the optimized path is measured against.
 * </ul>
 *
 * <p>Setup checks that both paths give the same CR on the generated data, so neither number comes
 * from wrong results.
 *
 * <p>{@code java -jar benchmarks/target/benchmarks.jar ConsistencyRateBenchmark -f 1 -wi 2 -i 3 -t 1}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class ConsistencyRateBenchmark {
  static final int GROUPS = 1_000;
  static final int TOKENS = 100;
  static final long SEED = 20240321L;

  @Param({"5", "10", "20", "40"})
  public int groupSize;

  List<ResponseGroup> groups;
  ConsistencyRate fast;
  ConsistencyRate perPair;

  @Setup(Level.Trial)
  public void generate() {
    groups = SyntheticGroups.generate(GROUPS, groupSize, TOKENS, SEED);
    fast = ConsistencyRate.of(Similarities.rougeL());
    ResponseSimilarity plain = (a, b) -> Rouge.rougeL(a, b, false).fmeasure();
    perPair = ConsistencyRate.of(plain);
    List<ResponseGroup> sample = groups.subList(0, 50);
    double a = fast.compute(sample).macro();
    double b = perPair.compute(sample).macro();
    if (Math.abs(a - b) > 1e-12) {
      throw new IllegalStateException("rougeL paths disagree: " + a + " vs " + b);
    }
  }

  @Benchmark
  @OperationsPerInvocation(GROUPS)
  public double rougeL() {
    return fast.compute(groups).macro();
  }

  @Benchmark
  @OperationsPerInvocation(GROUPS)
  public double rougeLPerPair() {
    return perPair.compute(groups).macro();
  }

  /** Deterministic synthetic instruction groups. */
  static final class SyntheticGroups {
    private SyntheticGroups() {}

    /**
     * {@code groups} groups of {@code size} responses: a base answer of {@code tokens} words drawn
     * from a Zipf-like vocabulary of 5,000 pseudo-words, and per response about 15% of words
     * substituted, 5% deleted and 5% inserted, with sentence punctuation and capitals.
     */
    static List<ResponseGroup> generate(int groups, int size, int tokens, long seed) {
      SplittableRandom rng = new SplittableRandom(seed);
      String[] vocabulary = vocabulary(5_000, rng);
      List<ResponseGroup> out = new ArrayList<>(groups);
      for (int g = 0; g < groups; g++) {
        List<String> base = new ArrayList<>(tokens);
        for (int t = 0; t < tokens; t++) {
          base.add(word(vocabulary, rng));
        }
        List<String> responses = new ArrayList<>(size);
        for (int r = 0; r < size; r++) {
          responses.add(render(edit(base, vocabulary, rng), rng));
        }
        out.add(ResponseGroup.of("g" + g, responses));
      }
      return out;
    }

    private static String[] vocabulary(int n, SplittableRandom rng) {
      String[] words = new String[n];
      for (int i = 0; i < n; i++) {
        int len = 2 + rng.nextInt(8);
        StringBuilder sb = new StringBuilder(len);
        for (int c = 0; c < len; c++) {
          sb.append((char) ('a' + rng.nextInt(26)));
        }
        words[i] = sb.toString();
      }
      return words;
    }

    /** A Zipf-like draw: index = floor(n ^ u) - 1 with u uniform, so small indices dominate. */
    private static String word(String[] vocabulary, SplittableRandom rng) {
      int index = (int) Math.floor(Math.pow(vocabulary.length, rng.nextDouble())) - 1;
      return vocabulary[Math.max(0, Math.min(vocabulary.length - 1, index))];
    }

    private static List<String> edit(List<String> base, String[] vocabulary, SplittableRandom rng) {
      List<String> out = new ArrayList<>(base.size() + 8);
      for (String w : base) {
        double u = rng.nextDouble();
        if (u < 0.05) {
          continue;
        }
        out.add(u < 0.20 ? word(vocabulary, rng) : w);
        if (rng.nextDouble() < 0.05) {
          out.add(word(vocabulary, rng));
        }
      }
      return out;
    }

    private static String render(List<String> words, SplittableRandom rng) {
      StringBuilder sb = new StringBuilder(words.size() * 7);
      boolean capital = true;
      for (int i = 0; i < words.size(); i++) {
        String w = words.get(i);
        if (i > 0) {
          sb.append(' ');
        }
        sb.append(capital ? Character.toUpperCase(w.charAt(0)) + w.substring(1) : w);
        capital = false;
        if (rng.nextInt(15) == 0 || i == words.size() - 1) {
          sb.append('.');
          capital = true;
        } else if (rng.nextInt(20) == 0) {
          sb.append(',');
        }
      }
      return sb.toString();
    }
  }
}
