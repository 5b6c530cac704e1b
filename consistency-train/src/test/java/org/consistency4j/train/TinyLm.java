package org.consistency4j.train;

import java.util.SplittableRandom;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.ExportedModel;
import org.consistency4j.graph.GraphBuilder;
import org.consistency4j.graph.ModelOptions;
import org.consistency4j.graph.Tensor;
import org.consistency4j.graph.Value;

/** A tiny causal LM for training tests: embedding, one tanh MLP with a residual, RMS-free head. */
final class TinyLm {
  static final int VOCAB = 11;
  static final int DIM = 8;

  private TinyLm() {}

  static float[] random(SplittableRandom rng, int n, double scale) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) ((rng.nextDouble() * 2 - 1) * scale);
    }
    return out;
  }

  /** The forward model; {@code externalAbove} bytes moves larger weights out of the protobuf. */
  static ExportedModel model(long seed, long externalAbove) {
    SplittableRandom rng = new SplittableRandom(seed);
    GraphBuilder g = GraphBuilder.create("tiny_lm");
    Value ids = g.input("input_ids", DType.INT64, "batch", "seq");
    Value emb = g.initializer("embed", Tensor.ofFloats(random(rng, VOCAB * DIM, 0.5), VOCAB, DIM));
    Value w1 = g.initializer("w1", Tensor.ofFloats(random(rng, DIM * DIM, 0.5), DIM, DIM));
    Value b1 = g.initializer("b1", Tensor.ofFloats(random(rng, DIM, 0.1), DIM));
    Value head = g.initializer("head", Tensor.ofFloats(random(rng, DIM * VOCAB, 0.5), DIM, VOCAB));
    Value x = g.gather(emb, ids, 0);
    Value h = g.add(x, g.tanh(g.add(g.matMul(x, w1), b1)));
    Value logits = g.matMul(h, head);
    g.output("logits", logits);
    return g.build().toModel(ModelOptions.defaults().withExternalInitializersAbove(externalAbove));
  }
}
