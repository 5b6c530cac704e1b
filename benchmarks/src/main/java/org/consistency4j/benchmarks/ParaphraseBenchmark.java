package org.consistency4j.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.consistency4j.embedding.EmbeddingSimilarity;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.model.OnnxLanguageModel;
import org.consistency4j.model.RuntimeOptions;
import org.consistency4j.paraphrase.Instruction;
import org.consistency4j.paraphrase.LmParaphraserConfig;
import org.consistency4j.paraphrase.Paraphraser;
import org.consistency4j.paraphrase.Paraphrasers;
import org.consistency4j.paraphrase.ProtectionRules;
import org.consistency4j.train.ScratchModels;
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
 *       for a definition counts only what it returns).
 *   <li>{@code lm}: the LM-based paraphraser ({@code Paraphrasers.languageModel}, default template,
 *       sampling at temperature 0.8 / top-p 0.95, up to 3 rounds, but at most 64 new tokens per
 *       round) on a random tiny Llama (the tiny-llama fixture's shape: hidden 64, 2 layers, 4 heads,
 *       512 positions; word-level vocabulary made of the definitions' own words and punctuation)
 *       run by {@code OnnxLanguageModel} with one intra-op thread, prompts left-truncated to fit.
 *       Each invocation paraphrases the 20 definitions with n = 10; {@code instructions} counts
 *       definitions per second and {@code paraphrases} the accepted list items per second. A random
 *       model writes no meaningful rewrites: this measures the machinery (prompting, decoding,
 *       parsing, protected-span and length checks), and a real model's speed is its own.
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

  /** A random tiny Llama (one intra-op thread) and the LM paraphraser over it. */
  @State(Scope.Benchmark)
  public static class LmMethod {
    List<Instruction> definitions;
    OnnxLanguageModel model;
    Paraphraser lm;
    long seed;

    @Setup(Level.Trial)
    public void load() throws IOException {
      definitions = definitions();
      model = OnnxLanguageModel.load(lmModelDir(definitions),
          RuntimeOptions.builder().intraOpThreads(1).build(),
          OnnxLanguageModel.PromptOverflow.TRUNCATE_LEFT);
      LmParaphraserConfig config = LmParaphraserConfig.defaults().withGeneration(
          GenerationConfig.builder().maxNewTokens(64).temperature(0.8).topP(0.95).build());
      lm = Paraphrasers.languageModel(model, config, ProtectionRules.defaults());
    }

    @TearDown(Level.Trial)
    public void close() {
      model.close();
    }
  }

  /**
   * Writes (once) a random Llama of the tiny-llama fixture's shape whose word-level vocabulary is
   * the definitions' and the default template's words and punctuation runs, so that sampled text
   * consists of real words, digits and list punctuation.
   */
  static Path lmModelDir(List<Instruction> definitions) throws IOException {
    Path dir = Path.of("target", "paraphrase-bench-lm");
    if (Files.isRegularFile(dir.resolve("model.safetensors"))) {
      return dir;
    }
    Set<String> words = new LinkedHashSet<>();
    for (int i = 1; i <= 20; i++) {
      words.add(Integer.toString(i));
    }
    Pattern token = Pattern.compile("\\w+|[^\\w\\s]+");
    List<String> texts = new ArrayList<>();
    texts.add(LmParaphraserConfig.DEFAULT_TEMPLATE);
    definitions.forEach(d -> texts.add(d.text()));
    for (String t : texts) {
      Matcher m = token.matcher(t.toLowerCase(java.util.Locale.ROOT));
      while (m.find()) {
        words.add(m.group());
      }
    }
    int size = ScratchModels.writeWordLevelTokenizer(dir, new ArrayList<>(words), 512);
    ScratchModels.writeRandomLlama(dir, size, new ScratchModels.LlamaShape(64, 2, 4, 256, 512), 11);
    return dir;
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

  /** Counts definitions and accepted paraphrases of the LM method, as rates per second. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class LmCounter {
    public long instructions;
    public long paraphrases;

    @Setup(Level.Iteration)
    public void reset() {
      instructions = 0;
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

  @Benchmark
  public void lm(LmMethod m, LmCounter c, Blackhole bh) {
    long s = m.seed++;
    for (Instruction d : m.definitions) {
      var ps = m.lm.paraphrase(d, N, s);
      c.instructions++;
      c.paraphrases += ps.size();
      bh.consume(ps);
    }
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
