package org.consistency4j.autodiff;

import ai.onnxruntime.OrtException;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.consistency4j.graph.Graph;
import org.consistency4j.graph.GraphBuilder;
import org.consistency4j.graph.Value;

/** Public test access to {@link GradCheck} for tests in other packages. */
public final class GradCheckAccess {
  private final GradCheck check;

  public GradCheckAccess(long seed, boolean dynamic) {
    this.check = new GradCheck(seed, dynamic);
  }

  public SplittableRandom rng() {
    return check.rng();
  }

  public Value uniform(String name, double lo, double hi, long... shape) {
    return check.uniform(name, lo, hi, shape);
  }

  public Value ints(String name, long[] data, long... shape) {
    return check.ints(name, data, shape);
  }

  public void check(Function<GraphBuilder, Value> forward, int samples) throws OrtException {
    check.check(forward, samples);
  }

  public static byte[] model(Graph graph) {
    return GradCheck.model(graph);
  }
}
