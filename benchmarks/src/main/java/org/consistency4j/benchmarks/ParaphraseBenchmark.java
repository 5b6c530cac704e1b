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
import org.consistency4j.embedding.EmbeddingSimilarity;
import org.consistency4j.paraphrase.Instruction;
import org.consistency4j.paraphrase.Paraphraser;
import org.consistency4j.paraphrase.Paraphrasers;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Paraphrasing throughput per method and sentence-embedding throughput, one thread, on the 20
 * Super-NaturalInstructions definitions (sni_definitions.jsonl, see its README).
 *
 * <ul>
 *   <li>{@code wordnet}, {@code structural}, {@code format}, {@code pipeline}: each invocation
 *       paraphrases the 20 definitions with n = 10 (label words protected); the {@code
 *       paraphrases} counter is paraphrases produced per second (a method that finds fewer than 10
 *       for a definition counts only what it returns). The LM method is not measured: its speed is
 *       the model's.
 *   <li>{@code embed}: all-MiniLM-L6-v2 (int8) in ONNX Runtime with one intra-op thread, one
 *       sentence per run; the score is sentences per second.
 * </ul>
 *
 * <p>{@code java -jar benchmarks/target/benchmarks.jar ParaphraseBenchmark -f 1 -wi 3 -i 5 -t 1}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class ParaphraseBenchmark {
  static final int N = 10;

  static List<Instruction> definitions() throws IOException {
    List<Instruction> definitions = new ArrayList<>();
    ObjectMapper mapper = new ObjectMapper();
    try (InputStream in = Objects.requireNonNull(
            ParaphraseBenchmark.class.getResourceAsStream("/sni_definitions.jsonl"),
            "sni_definitions.jsonl is missing from the benchmark jar");
        BufferedReader reader =
            new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        JsonNode n = mapper.readTree(line);
        List<String> labels = new ArrayList<>();
        n.get("label_words").forEach(l -> labels.add(l.asText()));
        definitions.add(Instruction.of(n.get("definition").asText(), labels));
      }
    }
    if (definitions.size() != 20) {
      throw new IllegalStateException("expected 20 definitions, found " + definitions.size());
    }
    return definitions;
  }

  /** The definitions and one paraphraser per method. */
  @State(Scope.Benchmark)
  public static class Methods {
    List<Instruction> definitions;
    Paraphraser wordnet;
    Paraphraser structural;
    Paraphraser format;
    Paraphraser pipeline;
    long seed;

    @Setup(Level.Trial)
    public void load() throws IOException {
      definitions = definitions();
      wordnet = Paraphrasers.byName("wordnet");
      structural = Paraphrasers.byName("structural");
      format = Paraphrasers.byName("format");
      pipeline = Paraphrasers.byName("pipeline");
    }
  }

  /** The MiniLM encoder (one intra-op thread) and the definitions. */
  @State(Scope.Benchmark)
  public static class Encoder {
    List<String> texts;
    EmbeddingSimilarity miniLm;

    @Setup(Level.Trial)
    public void load() throws IOException {
      texts = definitions().stream().map(Instruction::text).toList();
      miniLm = EmbeddingSimilarity.miniLm();
    }

    @TearDown(Level.Trial)
    public void close() {
      miniLm.close();
    }
  }

  /** Counts produced paraphrases; JMH reports the count as a rate (paraphrases per second). */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Counter {
    public long paraphrases;

    @Setup(Level.Iteration)
    public void reset() {
      paraphrases = 0;
    }
  }

  /** Paraphrases all 20 definitions; a new seed per invocation so no cache can serve results. */
  private static void run(Methods m, Paraphraser p, Counter counter, Blackhole bh) {
    long s = m.seed++;
    for (Instruction d : m.definitions) {
      var ps = p.paraphrase(d, N, s);
      counter.paraphrases += ps.size();
      bh.consume(ps);
    }
  }

  @Benchmark
  public void wordnet(Methods m, Counter c, Blackhole bh) {
    run(m, m.wordnet, c, bh);
  }

  @Benchmark
  public void structural(Methods m, Counter c, Blackhole bh) {
    run(m, m.structural, c, bh);
  }

  @Benchmark
  public void format(Methods m, Counter c, Blackhole bh) {
    run(m, m.format, c, bh);
  }

  @Benchmark
  public void pipeline(Methods m, Counter c, Blackhole bh) {
    run(m, m.pipeline, c, bh);
  }

  /** Embeds the 20 definitions, one sentence per ONNX run: sentences per second. */
  @Benchmark
  @OperationsPerInvocation(20)
  public void embed(Encoder e, Blackhole bh) {
    for (String t : e.texts) {
      bh.consume(e.miniLm.embed(t));
    }
  }
}
