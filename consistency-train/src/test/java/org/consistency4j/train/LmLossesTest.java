package org.consistency4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.DoubleBuffer;
import java.nio.LongBuffer;
import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.consistency4j.autodiff.GradCheckAccess;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.GraphBuilder;
import org.consistency4j.graph.Value;

class LmLossesTest {
  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

  private static long[] labels(SplittableRandom rng, int b, int t, int vocab) {
    long[] l = new long[b * t];
    for (int i = 0; i < l.length; i++) {
      l[i] = rng.nextInt(4) == 0 ? LmLosses.IGNORE_INDEX : rng.nextInt(vocab);
    }
    return l;
  }

  @Property(tries = 4)
  void cross_entropy_and_sequence_log_probs_match_finite_differences(
      @ForAll @IntRange(min = 1, max = 3) int b,
      @ForAll @IntRange(min = 2, max = 5) int t,
      @ForAll @IntRange(min = 2, max = 6) int vocab,
      @ForAll boolean dynamic,
      @ForAll long seed)
      throws Exception {
    GradCheckAccess c = new GradCheckAccess(seed, dynamic);
    Value logits = c.uniform("logits", -2, 2, b, t, vocab);
    Value labels = c.ints("labels", labels(c.rng(), b, t, vocab), b, t);
    c.check(
        e -> {
          LmLosses.CrossEntropy ce = LmLosses.crossEntropy(e, logits, labels);
          LmLosses.SequenceLogProbs s = LmLosses.sequenceLogProbs(e, logits, labels);
          return e.add(e.add(s.sum(), s.mean()), ce.loss());
        },
        12);
  }

  @Property(tries = 5)
  void losses_equal_a_direct_computation(
      @ForAll @IntRange(min = 1, max = 3) int b,
      @ForAll @IntRange(min = 1, max = 5) int t,
      @ForAll @IntRange(min = 2, max = 6) int vocab,
      @ForAll long seed)
      throws Exception {
    SplittableRandom rng = new SplittableRandom(seed);
    double[] logits = new double[b * t * vocab];
    for (int i = 0; i < logits.length; i++) {
      logits[i] = rng.nextDouble() * 6 - 3;
    }
    long[] labels = labels(rng, b, t, vocab);
    double total = 0;
    int count = 0;
    double[] seqSum = new double[b];
    double[] seqMean = new double[b];
    for (int i = 0; i < b; i++) {
      int n = 0;
      for (int p = 0; p + 1 < t; p++) {
        long y = labels[i * t + p + 1];
        if (y == LmLosses.IGNORE_INDEX) {
          continue;
        }
        int off = (i * t + p) * vocab;
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
          max = Math.max(max, logits[off + v]);
        }
        double z = 0;
        for (int v = 0; v < vocab; v++) {
          z += Math.exp(logits[off + v] - max);
        }
        double lp = logits[off + (int) y] - max - Math.log(z);
        seqSum[i] += lp;
        total -= lp;
        n++;
      }
      seqMean[i] = n == 0 ? 0 : seqSum[i] / n;
      count += n;
    }
    double expectedLoss = count == 0 ? 0 : total / count;

    GraphBuilder g = GraphBuilder.create("ce", 18);
    Value logitsIn = g.input("logits", DType.DOUBLE, "b", "t", "v");
    Value labelsIn = g.input("labels", DType.INT64, "b", "t");
    g.setNamePrefix("loss/");
    LmLosses.CrossEntropy ce = LmLosses.crossEntropy(g, logitsIn, labelsIn);
    LmLosses.SequenceLogProbs s = LmLosses.sequenceLogProbs(g, logitsIn, labelsIn);
    for (Value out : new Value[] {ce.loss(), ce.targetCount(), s.sum(), s.mean(), s.count()}) {
      g.output(out);
    }
    try (OrtSession session =
            ENV.createSession(GradCheckAccess.model(g.build()), new OrtSession.SessionOptions());
        OnnxTensor lt = OnnxTensor.createTensor(ENV, DoubleBuffer.wrap(logits), new long[] {b, t, vocab});
        OnnxTensor yt = OnnxTensor.createTensor(ENV, LongBuffer.wrap(labels), new long[] {b, t});
        OrtSession.Result r = session.run(Map.of("logits", lt, "labels", yt))) {
      assertEquals(expectedLoss, ((OnnxTensor) r.get(0)).getDoubleBuffer().get(0), 1e-12);
      assertEquals(count, ((OnnxTensor) r.get(1)).getDoubleBuffer().get(0), 0);
      assertArrayEquals(seqSum, (double[]) r.get(2).getValue(), 1e-12);
      assertArrayEquals(seqMean, (double[]) r.get(3).getValue(), 1e-12);
    }
  }
}
