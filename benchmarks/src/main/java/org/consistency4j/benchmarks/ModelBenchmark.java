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
 * Inference of a Llama model on ONNX Runtime with one thread: prefill (one forward pass over a 128-token
 * prompt, all logits) and greedy decoding of 64 new tokens with the KV cache after a 16-token prompt,
 * alone or for 16 prompts at once.
 * Models are random (seeded) Hugging Face directories written by {@link ScratchModels}: {@code tiny}
 * has the tiny-llama fixture's size (vocab 384, hidden 64, 2 layers, 4 heads, intermediate 256),
 * {@code 30m} about 34M parameters (vocab 8192, hidden 512, 8 layers, 8 heads, intermediate 1408).
 * The model directory is kept in {@code target/model-bench-<config>} so that the PyTorch anchor
 * ({@code benchmarks/pytorch/infer.py}) runs on the same weights.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ModelBenchmark {
  @Param({"tiny", "30m"})
  public String config;

  private OnnxLanguageModel model;
  private int[] prompt128;
  private int[] prompt16;
  private GenerationConfig decode;
  private List<int[]> prompts16;

  /** Writes (once) and returns the model directory of {@code config}. */
  public static Path modelDir(String config) {
    Path dir = Path.of("target", "model-bench-" + config);
    if (Files.isRegularFile(dir.resolve("model.safetensors"))) {
      return dir;
    }
    boolean tiny = config.equals("tiny");
    int words = (tiny ? 384 : 8192) - 4;
    List<String> vocab = new ArrayList<>(words);
    for (int i = 0; i < words; i++) {
      vocab.add("w" + i);
    }
    int size = ScratchModels.writeWordLevelTokenizer(dir, vocab, 512);
    ScratchModels.writeRandomLlama(dir, size, tiny
        ? new ScratchModels.LlamaShape(64, 2, 4, 256, 512)
        : new ScratchModels.LlamaShape(512, 8, 8, 1408, 512), 11);
    return dir;
  }

  @Setup(Level.Trial)
  public void setUp() {
    model = OnnxLanguageModel.load(modelDir(config), RuntimeOptions.builder().intraOpThreads(1).build());
    SplittableRandom rng = new SplittableRandom(3);
    int vocab = model.config().vocabSize();
    prompt128 = rng.ints(128, 4, vocab).toArray();
    prompt16 = rng.ints(16, 4, vocab).toArray();
    prompts16 = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      prompts16.add(rng.ints(12 + i % 5, 4, vocab).toArray());
    }
    decode = GenerationConfig.builder().maxNewTokens(64).temperature(0).stopAtEos(false).seed(0).build();
  }

  /** One forward pass over 128 tokens (ms per 128 tokens). */
  @Benchmark
  public float prefill128() {
    return model.logits(prompt128)[127][0];
  }

  /** 64 greedy tokens after a 16-token prompt (ms per 64 tokens, prompt processing included). */
  @Benchmark
  public int decode64() {
    Generation g = model.generateIds(prompt16, decode, 0);
    if (g.tokenIds().size() != 64) {
      throw new IllegalStateException("expected 64 tokens, got " + g.tokenIds().size());
    }
    return g.tokenIds().get(63);
  }

  /**
   * 64 greedy tokens after each of 16 prompts of 12-16 tokens, decoded together as one left-padded
   * batch (ms per 16 x 64 tokens); compare with 16 x {@link #decode64()}.
   */
  @Benchmark
  public int decode64x16() {
    List<Generation> out = model.generateIds(prompts16, decode);
    int last = 0;
    for (Generation g : out) {
      if (g.tokenIds().size() != 64) {
        throw new IllegalStateException("expected 64 tokens, got " + g.tokenIds().size());
      }
      last += g.tokenIds().get(63);
    }
    return last;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    model.close();
  }

  /** Writes both model directories (for the PyTorch anchor) without benchmarking. */
  public static void main(String[] args) throws IOException {
    for (String c : List.of("tiny", "30m")) {
      try {
        System.out.println(modelDir(c).toAbsolutePath());
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
    }
  }
}
