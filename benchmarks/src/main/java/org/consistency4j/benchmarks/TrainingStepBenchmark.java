package org.consistency4j.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.consistency4j.graph.ExportedModel;
import org.consistency4j.graph.Tensor;
import org.consistency4j.lora.Lora;
import org.consistency4j.lora.LoraConfig;
import org.consistency4j.model.ModelConfig;
import org.consistency4j.model.RuntimeOptions;
import org.consistency4j.optim.AdamWConfig;
import org.consistency4j.train.LlamaTrainingGraph;
import org.consistency4j.train.TrainingSession;
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
 * One training step (forward, masked cross-entropy, backward, clipping, AdamW) of a Llama model with 2
 * layers, hidden 128, 4 heads, intermediate 512, vocab 384 on a batch of 16 x 64 tokens, one ONNX Runtime
 * thread: full fine-tuning and LoRA (rank 8 on q_proj and v_proj). Random weights and tokens (seeded).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class TrainingStepBenchmark {
  @Param({"full", "lora"})
  public String mode;

  private TrainingSession session;
  private TrainingSession.Batch batch;

  /** The benchmarked shape: 2 layers, hidden 128, 4 heads (head_dim 32), intermediate 512, vocab 384. */
  static ModelConfig config() {
    return new ModelConfig("llama", 384, 128, 2, 4, 4, 32, 512, 1e-6, 10000.0, false, false,
        false, 256, Optional.of(1), List.of(2));
  }

  /** The forward graph of {@code c} with seeded random weights (norms 1, others in +-0.08). */
  static ExportedModel randomForward(ModelConfig c, SplittableRandom rng) {
    Map<String, Tensor> weights = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : LlamaTrainingGraph.expectedShapes(c).entrySet()) {
      long n = 1;
      for (long d : e.getValue()) {
        n *= d;
      }
      float[] v = new float[(int) n];
      boolean norm = e.getKey().endsWith("norm.weight");
      for (int i = 0; i < v.length; i++) {
        v[i] = norm ? 1f : (float) ((rng.nextDouble() * 2 - 1) * 0.08);
      }
      weights.put(e.getKey(), Tensor.ofFloats(v, e.getValue()));
    }
    return LlamaTrainingGraph.build(c, weights);
  }

  @Setup(Level.Trial)
  public void setUp() {
    ModelConfig c = config();
    SplittableRandom rng = new SplittableRandom(1);
    ExportedModel forward = randomForward(c, rng);
    List<String> trainables;
    Set<String> noDecay;
    if (mode.equals("lora")) {
      Lora.Adapted a = Lora.apply(forward, new LoraConfig(8, 16, List.of("q_proj", "v_proj"), 0));
      forward = a.model();
      trainables = a.adapters();
      noDecay = Set.of();
    } else {
      trainables = new ArrayList<>(LlamaTrainingGraph.weightNames(c));
      noDecay = LlamaTrainingGraph.noDecay(c);
    }
    session = TrainingSession.builder(forward).inputIds(LlamaTrainingGraph.INPUT_IDS)
        .logits(LlamaTrainingGraph.LOGITS).trainable(trainables).noDecay(noDecay)
        .optimizer(AdamWConfig.defaults()).runtime(RuntimeOptions.builder().intraOpThreads(1).build())
        .build();
    long[] ids = new long[16 * 64];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = 3 + rng.nextInt(381);
    }
    batch = new TrainingSession.Batch(ids, ids.clone(), 16, 64);
  }

  @Benchmark
  public double step() {
    return session.step(List.of(batch), 1e-4).loss();
  }

  /**
   * The forward part alone: the same model and batch through the scoring graph (forward, log-softmax,
   * target log-probabilities), for the forward/backward split of a step.
   */
  @Benchmark
  public double forward() {
    return session.sequenceLogProbs(batch)[0][0];
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    session.close();
  }
}
