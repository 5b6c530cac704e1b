package org.consistency4j.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.consistency4j.metrics.Rouge;
import org.consistency4j.metrics.RougeScore;
import org.consistency4j.metrics.RougeScorer;
import org.consistency4j.text.PorterStemmer;
import org.consistency4j.text.RougeTokenizer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Throughput of ROUGE-L F on 10,000 (target, prediction) pairs of about 50 tokens
 * (bench_pairs.jsonl, see its README), one thread. Scores are pairs per second: each invocation
 * scores all pairs ({@code @OperationsPerInvocation(10000)}).
 *
 * <p>Setup checks that the F-measures equal rouge-score's (every pair exactly, and the sums to
 * 1e-9) and fails otherwise, so a fast but wrong implementation cannot produce a number.
 *
 * <p>Only the library's public API is used (no class in the library's packages, which would split
 * them): the stages inside {@code Rouge.rougeL} (tokens to ids, the bit-parallel LCS) are not
 * timed separately; their equality with the textbook dynamic program is checked by the unit tests.
 *
 * <p>{@code java -jar benchmarks/target/benchmarks.jar RougeBenchmark -f 1 -wi 3 -i 5 -t 1}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RougeBenchmark {
  static final int PAIRS = 10_000;
  static final double EXPECTED_SUM = 6042.833128808047;
  static final double EXPECTED_SUM_STEM = 6046.148294361318;

  String[] targets;
  String[] predictions;
  String[] longTokens; // every token longer than 3 characters, in order, for the stemmer alone

  @Setup(Level.Trial)
  public void load() throws IOException {
    List<String> t = new ArrayList<>();
    List<String> p = new ArrayList<>();
    List<Double> f = new ArrayList<>();
    List<Double> fs = new ArrayList<>();
    ObjectMapper mapper = new ObjectMapper();
    try (InputStream in =
            Objects.requireNonNull(
                RougeBenchmark.class.getResourceAsStream("/bench_pairs.jsonl"),
                "bench_pairs.jsonl is missing from the benchmark jar");
        BufferedReader reader =
            new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        JsonNode n = mapper.readTree(line);
        t.add(n.get("target").asText());
        p.add(n.get("prediction").asText());
        f.add(n.get("rougeL_f").doubleValue());
        fs.add(n.get("rougeL_f_stem").doubleValue());
      }
    }
    if (t.size() != PAIRS) {
      throw new IllegalStateException("expected " + PAIRS + " pairs, found " + t.size());
    }
    targets = t.toArray(new String[0]);
    predictions = p.toArray(new String[0]);
    for (int i = 0; i < PAIRS; i++) {
      check(i, false, f.get(i));
      check(i, true, fs.get(i));
    }
    checkSum(sumRougeL(false), EXPECTED_SUM, "without stemmer");
    checkSum(sumRougeL(true), EXPECTED_SUM_STEM, "with stemmer");

    List<String> longOnes = new ArrayList<>();
    for (int i = 0; i < PAIRS; i++) {
      for (String text : new String[] {targets[i], predictions[i]}) {
        for (String token : RougeTokenizer.tokenize(text, false)) {
          if (token.length() > 3) {
            longOnes.add(token);
          }
        }
      }
    }
    longTokens = longOnes.toArray(new String[0]);
    for (int i = 0; i < PAIRS; i++) {
      double scorerF = ALL_FOUR.score(targets[i], predictions[i]).get("rougeL").fmeasure();
      if (scorerF != f.get(i)) {
        throw new IllegalStateException("pair " + i + ": RougeScorer rougeL F " + scorerF + " != " + f.get(i));
      }
    }
  }

  private void check(int i, boolean stem, double expected) {
    double actual = Rouge.rougeL(targets[i], predictions[i], stem).fmeasure();
    if (actual != expected) {
      throw new IllegalStateException(
          "pair " + i + (stem ? " (stemmer)" : "") + ": F " + actual + " != rouge-score " + expected);
    }
  }

  private static void checkSum(double actual, double expected, String what) {
    if (!(Math.abs(actual - expected) <= 1e-9)) {
      throw new IllegalStateException(
          "sum of ROUGE-L F " + what + " is " + actual + ", expected " + expected);
    }
  }

  double sumRougeL(boolean stem) {
    double sum = 0;
    for (int i = 0; i < PAIRS; i++) {
      sum += Rouge.rougeL(targets[i], predictions[i], stem).fmeasure();
    }
    return sum;
  }

  /** End to end: tokenize both texts, LCS, F-measure; no stemming. */
  @Benchmark
  @OperationsPerInvocation(PAIRS)
  public double rougeL() {
    return sumRougeL(false);
  }

  /** End to end with the Porter stemmer (stems cached across calls, as in real use). */
  @Benchmark
  @OperationsPerInvocation(PAIRS)
  public double rougeLStemmed() {
    return sumRougeL(true);
  }

  /**
   * A {@link RougeScorer} computing rouge1, rouge2, rougeL and rougeLsum of each pair at once (one
   * tokenization per text), without stemming; checked at setup to give the same ROUGE-L F.
   */
  @Benchmark
  @OperationsPerInvocation(PAIRS)
  public double scorerFourMetrics() {
    double sum = 0;
    for (int i = 0; i < PAIRS; i++) {
      for (RougeScore s : ALL_FOUR.score(targets[i], predictions[i]).values()) {
        sum += s.fmeasure();
      }
    }
    return sum;
  }

  static final RougeScorer ALL_FOUR =
      RougeScorer.of(List.of("rouge1", "rouge2", "rougeL", "rougeLsum"), false);

  /** The public tokenizer alone (List of String tokens) on both texts of every pair. */
  @Benchmark
  @OperationsPerInvocation(PAIRS)
  public void tokenizeToStrings(Blackhole bh) {
    for (int i = 0; i < PAIRS; i++) {
      bh.consume(RougeTokenizer.tokenize(targets[i], false));
      bh.consume(RougeTokenizer.tokenize(predictions[i], false));
    }
  }

  /**
   * Stage: the Porter stemmer without any cache on every token longer than 3 characters of all
   * pairs (about 60 per pair), i.e. what stemming would cost per pair if nothing were cached.
   */
  @Benchmark
  @OperationsPerInvocation(PAIRS)
  public void stageStemUncached(Blackhole bh) {
    for (String token : longTokens) {
      bh.consume(PorterStemmer.stem(token));
    }
  }
}
