package org.consistency4j.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.DoubleBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.Graph;
import org.consistency4j.graph.GraphBuilder;
import org.consistency4j.graph.Node;
import org.consistency4j.graph.Shape;
import org.consistency4j.graph.Tensor;
import org.consistency4j.graph.Value;

/**
 * Finite-difference gradient checker: builds a float64 graph, appends {@code loss = sum(y * r)} with a
 * random {@code r}, runs the gradient graph from {@link Autodiff} in ONNX Runtime and compares sampled
 * entries with central differences of the forward graph.
 */
final class GradCheck {
  static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

  private final GraphBuilder graph = GraphBuilder.create("check", 18);
  private final Map<String, double[]> values = new LinkedHashMap<>();
  private final Map<String, long[]> shapes = new HashMap<>();
  private final List<Value> trainable = new ArrayList<>();
  private final SplittableRandom rng;

  private final boolean dynamic;

  GradCheck(long seed) {
    this(seed, false);
  }

  /** With {@code dynamic}, inputs are declared with symbolic dims so run-time shape paths are used. */
  GradCheck(long seed, boolean dynamic) {
    this.rng = new SplittableRandom(seed);
    this.dynamic = dynamic;
  }

  SplittableRandom rng() {
    return rng;
  }

  /** A trainable float64 input with uniform values in [lo, hi). */
  Value uniform(String name, double lo, double hi, long... shape) {
    Value v = addInput(name, shape);
    double[] data = new double[(int) count(shape)];
    for (int i = 0; i < data.length; i++) {
      data[i] = lo + (hi - lo) * rng.nextDouble();
    }
    values.put(name, data);
    trainable.add(v);
    return v;
  }

  /** A trainable float64 input with uniform values in [-1, 1). */
  Value input(String name, long... shape) {
    return uniform(name, -1, 1, shape);
  }

  /** A non-trainable float64 input with the given values. */
  Value fixed(String name, double[] data, long... shape) {
    Value v = addInput(name, shape);
    values.put(name, data);
    return v;
  }

  /** An int64 initializer. */
  Value ints(String name, long[] data, long... shape) {
    return graph.initializer(name, Tensor.ofLongs(data, shape));
  }

  private Value addInput(String name, long[] shape) {
    Object[] dims = new Object[shape.length];
    for (int i = 0; i < shape.length; i++) {
      dims[i] = dynamic && !name.startsWith("__") ? (Object) (name + "_d" + i) : (Object) shape[i];
    }
    shapes.put(name, shape);
    return graph.input(name, DType.DOUBLE, Shape.symbolic(dims));
  }

  static long count(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  static byte[] model(Graph graph) {
    return graph.toModel().toByteArray();
  }

  /**
   * Builds the forward graph with {@code forward} (given the builder holding the declared inputs), then
   * checks the gradient of every trainable input at up to {@code samples} entries each.
   */
  void check(Function<GraphBuilder, Value> forward, int samples) throws OrtException {
    graph.setNamePrefix("f/");
    Value y = forward.apply(graph);
    // Shape of y from one forward run, to draw the random cotangent r.
    GraphBuilder probe = graph.build().toBuilder();
    probe.output(y);
    long[] yShape;
    try (OrtSession s = ENV.createSession(model(probe.build()), new OrtSession.SessionOptions());
        Inputs in = new Inputs(values, shapes);
        OrtSession.Result r = s.run(in.tensors)) {
      yShape = ((OnnxTensor) r.get(0)).getInfo().getShape();
    }
    double[] rv = new double[(int) count(yShape)];
    for (int i = 0; i < rv.length; i++) {
      rv[i] = rng.nextDouble() * 2 - 1;
    }
    Value r = fixed("__r", rv, yShape);
    graph.setNamePrefix("l/");
    Value loss = graph.output(graph.reduceSum(graph.mul(y, r), false));
    Map<String, Value> grads = Autodiff.gradients(graph, loss, trainable);
    Map<String, String> gradOut = new HashMap<>();
    for (Map.Entry<String, Value> g : grads.entrySet()) {
      gradOut.put(g.getKey(), graph.output(g.getValue()).name());
    }
    try (OrtSession s = ENV.createSession(model(graph.build()), new OrtSession.SessionOptions())) {
      Map<String, double[]> analytic = new HashMap<>();
      try (Inputs in = new Inputs(values, shapes);
          OrtSession.Result res = run(s, in)) {
        for (Value w : trainable) {
          OnnxTensor t = (OnnxTensor) res.get(gradOut.get(w.name())).orElseThrow();
          assertArrayEquals(shapes.get(w.name()), t.getInfo().getShape(), "gradient shape of " + w);
          DoubleBuffer b = t.getDoubleBuffer();
          double[] g = new double[b.remaining()];
          b.get(g);
          analytic.put(w.name(), g);
        }
      }
      double h = 1e-5;
      for (Value wv : trainable) {
        String w = wv.name();
        double[] x = values.get(w);
        double[] g = analytic.get(w);
        for (int k = 0; k < Math.min(samples, x.length); k++) {
          int i = samples >= x.length ? k : rng.nextInt(x.length);
          double orig = x[i];
          x[i] = orig + h;
          double up = lossOf(s, loss.name());
          x[i] = orig - h;
          double down = lossOf(s, loss.name());
          x[i] = orig;
          double fd = (up - down) / (2 * h);
          double tol = 1e-6 * Math.max(1.0, Math.abs(fd));
          assertTrue(
              Math.abs(fd - g[i]) <= tol,
              "d loss / d " + w + "[" + i + "]: autodiff " + g[i] + " vs finite difference " + fd);
        }
      }
    }
  }

  private OrtSession.Result run(OrtSession s, Inputs in) throws OrtException {
    try {
      return s.run(in.tensors);
    } catch (OrtException ex) {
      StringBuilder b = new StringBuilder();
      for (Node n : graph.nodes()) {
        b.append(n).append('\n');
      }
      throw new AssertionError("ONNX Runtime failed on the gradient graph:\n" + b, ex);
    }
  }

  private double lossOf(OrtSession s, String loss) throws OrtException {
    try (Inputs in = new Inputs(values, shapes);
        OrtSession.Result r = s.run(in.tensors, java.util.Set.of(loss))) {
      return ((OnnxTensor) r.get(0)).getDoubleBuffer().get(0);
    }
  }

  /** Float64 input tensors, closed together. */
  static final class Inputs implements AutoCloseable {
    final Map<String, OnnxTensor> tensors = new HashMap<>();

    Inputs(Map<String, double[]> values, Map<String, long[]> shapes) throws OrtException {
      for (Map.Entry<String, double[]> en : values.entrySet()) {
        tensors.put(
            en.getKey(),
            OnnxTensor.createTensor(ENV, DoubleBuffer.wrap(en.getValue()), shapes.get(en.getKey())));
      }
    }

    @Override
    public void close() {
      tensors.values().forEach(OnnxTensor::close);
    }
  }
}
