package org.consistency4j.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.consistency4j.lm.Generation;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.model.OnnxLanguageModel;
import org.consistency4j.model.Quantization;
import org.consistency4j.model.RuntimeOptions;
import org.consistency4j.train.ScratchModels;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Weight-only quantized inference ({@code none}, {@code int8}, {@code int4}) of a 134M-parameter
 * random Llama (vocab 32,000, hidden 768, 12 layers, 12 heads, intermediate 2,048, untied, float32
 * file written by {@link ScratchModels} with seed 11 into {@code target/model-bench-134m}) on ONNX
 * Runtime with one thread: greedy decoding of 32 new tokens after a 16-token prompt (batch 1) and a
 * 128-token forward pass (scoring). The setup prints the load time, and the tear-down the process's
 * peak resident set ({@code VmHWM}); with {@code -f 1} every parameter runs in its own JVM.
 * {@link #main} measures load time, peak RSS and the accuracy cost without JMH (see
 * benchmarks/README.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class QuantizedModelBenchmark {
  @Param({"none", "int8", "int4"})
  public String quantization;

  private OnnxLanguageModel model;
  private int[] prompt16;
  private int[] prompt128;
  private GenerationConfig decode;

  /** Writes (once) and returns the 134M model directory. */
  public static Path modelDir() {
    Path dir = Path.of("target", "model-bench-134m");
    if (Files.isRegularFile(dir.resolve("model.safetensors"))) {
      return dir;
    }
    int size = writeTokenizer(dir);
    ScratchModels.writeRandomLlama(dir, size, new ScratchModels.LlamaShape(768, 12, 12, 2048, 1024),
        11);
    return dir;
  }

  /**
   * Writes a word-level tokenizer of 32,000 tokens (4 special; max positions 1,024) into {@code
   * dir} and returns its vocabulary size.
   */
  private static int writeTokenizer(Path dir) {
    List<String> vocab = new ArrayList<>();
    for (int i = 0; i < 32000 - 4; i++) {
      vocab.add("w" + i);
    }
    return ScratchModels.writeWordLevelTokenizer(dir, vocab, 1024);
  }

  static OnnxLanguageModel load(String quantization) {
    return OnnxLanguageModel.load(modelDir(), RuntimeOptions.builder().intraOpThreads(1)
        .quantization(Quantization.parse(quantization)).build());
  }

  @Setup(Level.Trial)
  public void setUp() {
    long t0 = System.nanoTime();
    model = load(quantization);
    System.out.printf("%n[%s] load %.1f s, RSS after load %s%n", quantization,
        (System.nanoTime() - t0) / 1e9, Rss.status("VmRSS"));
    SplittableRandom rng = new SplittableRandom(3);
    int vocab = model.config().vocabSize();
    prompt16 = rng.ints(16, 4, vocab).toArray();
    prompt128 = rng.ints(128, 4, vocab).toArray();
    decode = GenerationConfig.builder().maxNewTokens(32).temperature(0).stopAtEos(false).seed(0)
        .build();
  }

  /** 32 greedy tokens after a 16-token prompt (ms per 32 tokens, prompt processing included). */
  @Benchmark
  public int decode32() {
    Generation g = model.generateIds(prompt16, decode, 0);
    if (g.tokenIds().size() != 32) {
      throw new IllegalStateException("expected 32 tokens, got " + g.tokenIds().size());
    }
    return g.tokenIds().get(31);
  }

  /** One forward pass over 128 tokens with all logits (ms per 128 tokens). */
  @Benchmark
  public float prefill128() {
    return model.logits(prompt128)[127][0];
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    System.out.printf("%n[%s] peak RSS (VmHWM) %s%n", quantization, Rss.status("VmHWM"));
    model.close();
  }

  /**
   * {@code memory Q}: loads the model with quantization {@code Q}, decodes 32 tokens and prints the
   * load time, decode tokens/s (one run, wall clock) and peak RSS of this process; {@code accuracy}:
   * mean |log-probability difference| over the whole vocabulary at every position, teacher-forced
   * argmax agreement and greedy agreement of int8 and int4 against float32 on 8 random 64-token
   * sequences; {@code write}: only writes the model directory.
   */
  public static void main(String[] args) throws IOException {
    String what = args.length > 0 ? args[0] : "write";
    try {
      switch (what) {
        case "write" -> System.out.println(modelDir().toAbsolutePath());
        case "memory" -> memory(modelDir(), args[1], 1);
        case "slice8b" -> memory(slice8bDir(), args[1], Integer.parseInt(args[2]));
        case "accuracy" -> accuracy();
        default -> throw new IllegalArgumentException(
            "expected write, memory Q, slice8b Q THREADS or accuracy, found " + what);
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /**
   * Writes (once) and returns a slice of Llama-3.1-8B: its exact layer shapes (hidden 4,096, 32
   * heads, 8 key/value heads, intermediate 14,336, rope_theta 500,000) but 4 layers of the 32 and a
   * 32,000-token vocabulary (untied), bfloat16 weights as real checkpoints store them: normal with
   * standard deviation 0.02 (seed 13), norms 1. 1.13B parameters, 1.0B of them in linear layers.
   */
  public static Path slice8bDir() {
    Path dir = Path.of("target", "model-bench-8b-slice");
    if (Files.isRegularFile(dir.resolve("model.safetensors"))) {
      return dir;
    }
    int size = writeTokenizer(dir);
    String config = "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\","
        + " \"vocab_size\": " + size + ", \"hidden_size\": 4096, \"intermediate_size\": 14336,"
        + " \"num_hidden_layers\": 4, \"num_attention_heads\": 32, \"num_key_value_heads\": 8,"
        + " \"hidden_act\": \"silu\", \"rms_norm_eps\": 1e-05, \"rope_theta\": 500000.0,"
        + " \"max_position_embeddings\": 1024, \"tie_word_embeddings\": false,"
        + " \"attention_bias\": false, \"bos_token_id\": 1, \"eos_token_id\": 2,"
        + " \"torch_dtype\": \"bfloat16\"}";
    try {
      org.consistency4j.internal.AtomicFiles.writeString(dir.resolve("config.json"), config);
      org.consistency4j.model.ModelConfig c =
          org.consistency4j.model.ModelConfig.parse(dir.resolve("config.json"));
      SplittableRandom rng = new SplittableRandom(13);
      java.util.Map<String, org.consistency4j.graph.Tensor> tensors = new java.util.LinkedHashMap<>();
      for (java.util.Map.Entry<String, long[]> e
          : org.consistency4j.model.LlamaGraphs.expectedShapes(c).entrySet()) {
        long n = 1;
        for (long d : e.getValue()) {
          n *= d;
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(Math.toIntExact(2 * n))
            .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        boolean norm = e.getKey().endsWith("norm.weight");
        for (long i = 0; i < n; i++) {
          b.putShort(org.consistency4j.graph.HalfFloats.floatToBfloat16(
              norm ? 1f : (float) (0.02 * rng.nextGaussian())));
        }
        tensors.put(e.getKey(), org.consistency4j.graph.Tensor.of(
            org.consistency4j.graph.DType.BFLOAT16, b.flip(), e.getValue()));
      }
      org.consistency4j.safetensors.SafetensorsWriter.write(dir.resolve("model.safetensors"),
          tensors, java.util.Map.of("format", "pt"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the model into " + dir, e);
    }
    return dir;
  }

  private static void memory(Path dir, String quantization, int threads) {
    long t0 = System.nanoTime();
    try (OnnxLanguageModel m = OnnxLanguageModel.load(dir, RuntimeOptions.builder()
        .intraOpThreads(threads).quantization(Quantization.parse(quantization)).build())) {
      double load = (System.nanoTime() - t0) / 1e9;
      String afterLoad = Rss.status("VmRSS") + " (anonymous " + Rss.status("RssAnon") + ", file "
          + Rss.status("RssFile") + ")";
      int[] prompt = new SplittableRandom(3).ints(16, 4, m.config().vocabSize()).toArray();
      GenerationConfig gen = GenerationConfig.builder().maxNewTokens(32).temperature(0)
          .stopAtEos(false).build();
      m.generateIds(prompt, gen, 0);
      java.lang.management.ThreadMXBean mx =
          java.lang.management.ManagementFactory.getThreadMXBean();
      long t1 = System.nanoTime();
      long c1 = mx.getCurrentThreadCpuTime();
      int n = 0;
      for (int r = 0; r < 3; r++) {
        n += m.generateIds(prompt, gen, 0).tokenIds().size();
      }
      double cpu = (mx.getCurrentThreadCpuTime() - c1) / 1e9;
      double s = (System.nanoTime() - t1) / 1e9;
      // With one intra-op thread ONNX Runtime computes on this thread: CPU time is the work, wall
      // time also counts waiting for a core on a shared machine.
      System.out.printf("%s %s, %d thread(s): load %.1f s, RSS after load %s, decode %.2f tokens/s"
          + " wall, %.2f tokens/s of the calling thread's CPU time (3 runs of 32 tokens after a"
          + " 16-token prompt), peak RSS (VmHWM) %s; at the end anonymous %s, file %s%n",
          dir.getFileName(), quantization, threads, load, afterLoad, n / s, n / cpu,
          Rss.status("VmHWM"), Rss.status("RssAnon"), Rss.status("RssFile"));
    }
  }

  private static void accuracy() {
    modelDir();
    SplittableRandom rng = new SplittableRandom(5);
    List<int[]> seqs = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      seqs.add(rng.ints(64, 4, 32000).toArray());
    }
    GenerationConfig gen = GenerationConfig.builder().maxNewTokens(32).temperature(0)
        .stopAtEos(false).build();
    List<float[][]> ref = new ArrayList<>();
    List<List<Integer>> refGreedy = new ArrayList<>();
    try (OnnxLanguageModel m = load("none")) {
      for (int[] s : seqs) {
        ref.add(m.logits(s));
        refGreedy.add(m.generateIds(java.util.Arrays.copyOf(s, 16), gen, 0).tokenIds());
      }
    }
    // How close the float32 model's top two tokens are (random weights give nearly flat
    // distributions, so a small logit change flips the argmax).
    List<Double> gaps = new ArrayList<>();
    for (float[][] seq : ref) {
      for (float[] row : seq) {
        float[] sorted = row.clone();
        java.util.Arrays.sort(sorted);
        gaps.add((double) sorted[sorted.length - 1] - sorted[sorted.length - 2]);
      }
    }
    java.util.Collections.sort(gaps);
    System.out.printf("float32: median gap between the top two logits %.4f (of %d positions)%n",
        gaps.get(gaps.size() / 2), gaps.size());
    for (String q : List.of("int8", "int4")) {
      double sum = 0;
      long count = 0;
      int agree = 0;
      int positions = 0;
      int greedySame = 0;
      int greedyAll = 0;
      try (OnnxLanguageModel m = load(q)) {
        for (int i = 0; i < seqs.size(); i++) {
          float[][] got = m.logits(seqs.get(i));
          for (int t = 0; t < got.length; t++) {
            double[] a = org.consistency4j.lm.Sampling.logSoftmax(ref.get(i)[t]);
            double[] b = org.consistency4j.lm.Sampling.logSoftmax(got[t]);
            int am = 0;
            int bm = 0;
            for (int v = 0; v < a.length; v++) {
              sum += Math.abs(a[v] - b[v]);
              am = a[v] > a[am] ? v : am;
              bm = b[v] > b[bm] ? v : bm;
            }
            count += a.length;
            agree += am == bm ? 1 : 0;
            positions++;
          }
          List<Integer> g = m.generateIds(java.util.Arrays.copyOf(seqs.get(i), 16), gen, 0)
              .tokenIds();
          int same = 0;
          while (same < g.size() && g.get(same).equals(refGreedy.get(i).get(same))) {
            same++;
          }
          greedySame += same;
          greedyAll += g.size();
        }
      }
      System.out.printf("%s vs float32: mean |dlogprob| %.5f, argmax agreement %.3f (%d positions),"
          + " greedy agreement %.3f (tokens before the first divergence / %d)%n", q, sum / count,
          agree / (double) positions, positions, greedySame / (double) greedyAll, greedyAll);
    }
  }

  /** Fields of {@code /proc/self/status} (Linux). */
  static final class Rss {
    private Rss() {}

    static String status(String field) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
          if (line.startsWith(field + ":")) {
            long kb = Long.parseLong(line.substring(field.length() + 1).replace("kB", "").strip());
            return String.format("%.0f MB", kb / 1024.0);
          }
        }
        return "n/a";
      } catch (IOException e) {
        return "n/a (" + e.getMessage() + ")";
      }
    }
  }
}
