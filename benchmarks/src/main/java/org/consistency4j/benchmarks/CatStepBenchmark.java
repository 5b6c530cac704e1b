package org.consistency4j.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.consistency4j.loss.LossValue;
import org.consistency4j.loss.Losses;
import org.consistency4j.loss.PairLogProbs;
import org.consistency4j.loss.PairwiseLoss;
import org.consistency4j.loss.PreferenceBatch;
import org.consistency4j.loss.StandardLoss;
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
 * One consistency-alignment step (ranking loss plus lambda x SFT, LoRA rank 8 on q_proj and v_proj) on
 * 8 preference pairs (16 rows of 64 tokens: a 16-token prompt and a 48-token response) of the {@link
 * TrainingStepBenchmark} model, one ONNX Runtime thread, by the two routes {@link
 * org.consistency4j.train.CatTrainer} can take: {@code in-graph} (the loss inside the gradient graph,
 * one forward and one backward pass) and {@code row-weighted} (a scoring pass, the pure-Java loss's
 * gradient as row weights, then the weighted log-likelihood's forward and backward pass).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class CatStepBenchmark {
  private static final int PAIRS = 8;
  private static final int SEQ = 64;
  private static final int PROMPT = 16;

  @Param({"in-graph", "row-weighted"})
  public String route;

  private final StandardLoss lossConfig = Losses.rank(1);
  private final PairwiseLoss loss = lossConfig;
  private TrainingSession session;
  private TrainingSession.Batch batch;

  @Setup(Level.Trial)
  public void setUp() {
    ModelConfig c = TrainingStepBenchmark.config();
    SplittableRandom rng = new SplittableRandom(2);
    Lora.Adapted a = Lora.apply(TrainingStepBenchmark.randomForward(c, rng),
        new LoraConfig(8, 16, List.of("q_proj", "v_proj"), 0));
    session = TrainingSession.builder(a.model()).inputIds(LlamaTrainingGraph.INPUT_IDS)
        .logits(LlamaTrainingGraph.LOGITS).trainable(a.adapters()).noDecay(java.util.Set.of())
        .optimizer(AdamWConfig.defaults()).runtime(RuntimeOptions.builder().intraOpThreads(1).build())
        .auxiliary(TrainingSession.AuxiliaryInputs.none())
        .pairwiseLoss(route.equals("in-graph") ? lossConfig : null).build();
    int rows = 2 * PAIRS;
    long[] ids = new long[rows * SEQ];
    long[] labels = new long[rows * SEQ];
    for (int p = 0; p < PAIRS; p++) {
      long[] prompt = rng.longs(PROMPT, 3, 384).toArray();
      for (int r : new int[] {p, PAIRS + p}) {
        for (int t = 0; t < SEQ; t++) {
          long id = t < PROMPT ? prompt[t] : 3 + rng.nextInt(381);
          ids[r * SEQ + t] = id;
          labels[r * SEQ + t] = t < PROMPT ? -100 : id;
        }
      }
    }
    batch = new TrainingSession.Batch(ids, labels, rows, SEQ);
  }

  @Benchmark
  public double step() {
    if (route.equals("in-graph")) {
      return session.stepPairs(List.of(batch), 1e-4, 1.0 / PAIRS).result().loss();
    }
    double[][] s = session.sequenceLogProbs(batch);
    List<PairLogProbs> pairs = new ArrayList<>();
    for (int p = 0; p < PAIRS; p++) {
      pairs.add(PairLogProbs.of(s[0][p], s[0][PAIRS + p], (int) s[1][p], (int) s[1][PAIRS + p]));
    }
    LossValue v = loss.compute(new PreferenceBatch(pairs));
    float[] w = new float[2 * PAIRS];
    for (int p = 0; p < PAIRS; p++) {
      w[p] = (float) -v.chosenGradients().get(p);
      w[PAIRS + p] = (float) -v.rejectedGradients().get(p);
    }
    return session.step(List.of(new TrainingSession.Batch(batch.inputIds(), batch.labels(),
        batch.batchSize(), batch.seqLen(), w)), 1e-4, 1.0).loss();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    session.close();
  }
}
