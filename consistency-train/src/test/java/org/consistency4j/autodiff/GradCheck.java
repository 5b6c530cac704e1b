package org.consistency4j.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
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

/**
 * Finite-difference gradient checker: builds a float64 graph, appends {@code loss = sum(y * r)} with a
 * random {@code r}, runs the gradient graph from {@link Autodiff} in ONNX Runtime and compares sampled
 * entries with central differences of the forward graph.
 */
final class GradCheck {
  static final int DOUBLE = OnnxMl.TensorProto.DataType.DOUBLE_VALUE;
  static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

  private final OnnxMl.GraphProto.Builder graph = OnnxMl.GraphProto.newBuilder().setName("check");
  private final Map<String, double[]> values = new LinkedHashMap<>();
  private final Map<String, long[]> shapes = new HashMap<>();
  private final List<String> trainable = new ArrayList<>();
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
  String uniform(String name, double lo, double hi, long... shape) {
    addInput(name, shape);
    double[] v = new double[(int) count(shape)];
    for (int i = 0; i < v.length; i++) {
      v[i] = lo + (hi - lo) * rng.nextDouble();
    }
    values.put(name, v);
    trainable.add(name);
    return name;
  }

  /** A trainable float64 input with uniform values in [-1, 1). */
  String input(String name, long... shape) {
    return uniform(name, -1, 1, shape);
  }

  /** A non-trainable float64 input with the given values. */
  String fixed(String name, double[] data, long... shape) {
    addInput(name, shape);
    values.put(name, data);
    return name;
  }

  /** An int64 initializer. */
  String ints(String name, long[] data, long... shape) {
    OnnxMl.TensorProto.Builder t =
        OnnxMl.TensorProto.newBuilder().setName(name).setDataType(TypeTable.INT64);
    for (long d : shape) {
      t.addDims(d);
    }
    for (long v : data) {
      t.addInt64Data(v);
    }
    graph.addInitializer(t);
    return name;
  }

  private void addInput(String name, long[] shape) {
    OnnxMl.TensorShapeProto.Builder s = OnnxMl.TensorShapeProto.newBuilder();
    for (int i = 0; i < shape.length; i++) {
      s.addDim(
          dynamic && !name.startsWith("__")
              ? OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam(name + "_d" + i)
              : OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(shape[i]));
    }
    graph.addInput(
        OnnxMl.ValueInfoProto.newBuilder()
            .setName(name)
            .setType(
                OnnxMl.TypeProto.newBuilder()
                    .setTensorType(
                        OnnxMl.TypeProto.Tensor.newBuilder().setElemType(DOUBLE).setShape(s))));
    shapes.put(name, shape);
  }

  static long count(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  static byte[] model(OnnxMl.GraphProto graph) {
    return OnnxMl.ModelProto.newBuilder()
        .setIrVersion(9)
        .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(18))
        .setGraph(graph)
        .build()
        .toByteArray();
  }

  static OnnxMl.ValueInfoProto output(String name) {
    return OnnxMl.ValueInfoProto.newBuilder().setName(name).build();
  }

  /**
   * Builds the forward graph with {@code forward} (given an emitter over the declared inputs), then checks
   * the gradient of every trainable input at up to {@code samples} entries each.
   */
  void check(Function<Emitter, String> forward, int samples) throws OrtException {
    Emitter fe = new Emitter(graph, "f/");
    String y = forward.apply(fe);
    // Shape of y from one forward run, to draw the random cotangent r.
    OnnxMl.GraphProto.Builder probe = graph.clone().addOutput(output(y));
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
    fixed("__r", rv, yShape);
    Emitter e = new Emitter(graph, "l/");
    String loss = e.reduceSumAll(e.mul(y, "__r"));
    Map<String, String> grads = Autodiff.appendGradients(graph, loss, trainable);
    graph.addOutput(output(loss));
    for (String g : grads.values()) {
      graph.addOutput(output(g));
    }
    try (OrtSession s = ENV.createSession(model(graph.build()), new OrtSession.SessionOptions())) {
      Map<String, double[]> analytic = new HashMap<>();
      try (Inputs in = new Inputs(values, shapes);
          OrtSession.Result r = run(s, in)) {
        for (String w : trainable) {
          OnnxTensor t = (OnnxTensor) r.get(grads.get(w)).orElseThrow();
          assertArrayEquals(shapes.get(w), t.getInfo().getShape(), "gradient shape of " + w);
          DoubleBuffer b = t.getDoubleBuffer();
          double[] g = new double[b.remaining()];
          b.get(g);
          analytic.put(w, g);
        }
      }
      double h = 1e-5;
      for (String w : trainable) {
        double[] x = values.get(w);
        double[] g = analytic.get(w);
        for (int k = 0; k < Math.min(samples, x.length); k++) {
          int i = samples >= x.length ? k : rng.nextInt(x.length);
          double orig = x[i];
          x[i] = orig + h;
          double up = lossOf(s, loss);
          x[i] = orig - h;
          double down = lossOf(s, loss);
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
      for (OnnxMl.NodeProto n : graph.getNodeList()) {
        b.append(n.getName()).append(": ").append(n.getInputList()).append(" -> ")
            .append(n.getOutputList()).append('\n');
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
