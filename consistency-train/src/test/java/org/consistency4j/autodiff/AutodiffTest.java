package org.consistency4j.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import java.nio.DoubleBuffer;
import java.util.List;
import java.util.Map;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.GraphBuilder;
import org.consistency4j.graph.Op;
import org.consistency4j.graph.Value;
import org.junit.jupiter.api.Test;

class AutodiffTest {
  private static GraphBuilder graphWithInputs(String... names) {
    GraphBuilder g = GraphBuilder.create("t", 18);
    for (String n : names) {
      g.input(n, DType.DOUBLE, 2L);
    }
    g.setNamePrefix("f/");
    return g;
  }

  private static Value in(GraphBuilder g, String name) {
    return g.value(name).orElseThrow();
  }

  @Test
  void an_undefined_loss_is_rejected_with_its_name() {
    GraphBuilder g = graphWithInputs("x");
    IllegalArgumentException ex =
        assertThrows(
            IllegalArgumentException.class,
            () -> Autodiff.gradients(g, new Value("nope", DType.DOUBLE), List.of(in(g, "x"))));
    assertEquals("loss must be a value of the graph, found nope", ex.getMessage());
  }

  @Test
  void an_undefined_wrt_value_is_rejected_with_its_name() {
    GraphBuilder g = graphWithInputs("x");
    Value loss = g.reduceSum(g.exp(in(g, "x")), false);
    IllegalArgumentException ex =
        assertThrows(
            IllegalArgumentException.class,
            () -> Autodiff.gradients(g, loss, List.of(new Value("w", DType.DOUBLE))));
    assertEquals("wrt must name values of the graph, found w", ex.getMessage());
  }

  @Test
  void an_operator_without_a_rule_on_the_loss_path_is_reported_with_the_node_name() {
    GraphBuilder g = graphWithInputs("x");
    Value loss = g.reduceSum(g.erf(in(g, "x")), false);
    UnsupportedOperationException ex =
        assertThrows(
            UnsupportedOperationException.class,
            () -> Autodiff.gradients(g, loss, List.of(in(g, "x"))));
    assertEquals("no gradient for Erf node 'f/Erf_0': operator has no gradient rule", ex.getMessage());
  }

  @Test
  void a_trained_exponent_of_pow_is_rejected() {
    GraphBuilder g = graphWithInputs("x", "p");
    Value loss = g.reduceSum(g.pow(in(g, "x"), in(g, "p")), false);
    UnsupportedOperationException ex =
        assertThrows(
            UnsupportedOperationException.class,
            () -> Autodiff.gradients(g, loss, List.of(in(g, "x"), in(g, "p"))));
    assertEquals(
        "no gradient for Pow node 'f/Pow_0': the exponent must be a constant (it depends on a"
            + " trained value)",
        ex.getMessage());
  }

  @Test
  void unsupported_operators_off_the_loss_path_are_ignored_and_unused_values_get_zeros()
      throws Exception {
    GraphBuilder g = graphWithInputs("x", "unused");
    g.abs(in(g, "x"));
    Value loss = g.reduceSum(g.mul(in(g, "x"), in(g, "x")), false);
    Map<String, Value> grads = Autodiff.gradients(g, loss, List.of(in(g, "x"), in(g, "unused")));
    g.output(grads.get("x"));
    g.output(grads.get("unused"));
    try (OrtSession s =
            GradCheck.ENV.createSession(GradCheck.model(g.build()), new OrtSession.SessionOptions());
        OnnxTensor x = OnnxTensor.createTensor(GradCheck.ENV, DoubleBuffer.wrap(new double[] {1.5, -2}),
            new long[] {2});
        OnnxTensor u = OnnxTensor.createTensor(GradCheck.ENV, DoubleBuffer.wrap(new double[] {3, 4}),
            new long[] {2});
        OrtSession.Result r = s.run(Map.of("x", x, "unused", u))) {
      assertArrayEquals(new double[] {3, -4}, (double[]) r.get(0).getValue(), 0);
      assertArrayEquals(new double[] {0, 0}, (double[]) r.get(1).getValue(), 0);
    }
  }

  @Test
  void gradients_with_respect_to_an_intermediate_value_are_available() throws Exception {
    GraphBuilder g = graphWithInputs("x");
    Value h = g.mul(in(g, "x"), in(g, "x"));
    Value loss = g.reduceSum(g.mul(h, g.scalarLike(h, 3.0)), false);
    Map<String, Value> grads = Autodiff.gradients(g, loss, List.of(h, in(g, "x")));
    g.output(grads.get(h.name()));
    g.output(grads.get("x"));
    try (OrtSession s =
            GradCheck.ENV.createSession(GradCheck.model(g.build()), new OrtSession.SessionOptions());
        OnnxTensor x = OnnxTensor.createTensor(GradCheck.ENV, DoubleBuffer.wrap(new double[] {1, 2}),
            new long[] {2});
        OrtSession.Result r = s.run(Map.of("x", x))) {
      assertArrayEquals(new double[] {3, 3}, (double[]) r.get(0).getValue(), 0);
      assertArrayEquals(new double[] {6, 12}, (double[]) r.get(1).getValue(), 0);
    }
  }

  /**
   * ONNX Runtime has no float64 FusedMatMul, so its rule is checked in float32 against the gradients
   * of the same product written as MatMul, Transpose and Mul (rules checked against finite
   * differences in GradientRulesTest): every transA/transB, alpha 0.7, a batched A with a matrix B
   * (the linear layers of the Llama graphs) and two matrices.
   */
  @Test
  void fused_matmul_gradients_equal_those_of_the_matmul_it_stands_for() throws Exception {
    java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
    for (int trans = 0; trans < 4; trans++) {
      for (boolean batched : new boolean[] {false, true}) {
        boolean ta = (trans & 1) != 0;
        boolean tb = (trans & 2) != 0;
        long[] aShape = ta ? new long[] {4, 3} : new long[] {3, 4};
        if (batched) {
          aShape = new long[] {2, aShape[0], aShape[1]};
        }
        long[] bShape = tb ? new long[] {5, 4} : new long[] {4, 5};
        long[] yShape = batched ? new long[] {2, 3, 5} : new long[] {3, 5};
        Map<String, float[]> values = Map.of("a", random(rng, aShape), "b", random(rng, bShape),
            "r", random(rng, yShape));
        Map<String, long[]> shapes = Map.of("a", aShape, "b", bShape, "r", yShape);
        float[][] fused = fusedOrPlainGradients(true, ta, tb, values, shapes);
        float[][] plain = fusedOrPlainGradients(false, ta, tb, values, shapes);
        String what = "transA " + ta + ", transB " + tb + (batched ? ", batched A" : "");
        for (int i = 0; i < 2; i++) {
          assertEquals(plain[i].length, fused[i].length, what);
          for (int j = 0; j < plain[i].length; j++) {
            assertEquals(plain[i][j], fused[i][j], 1e-5f * Math.max(1f, Math.abs(plain[i][j])),
                what + ": gradient of " + (i == 0 ? "A" : "B") + "[" + j + "]");
          }
        }
      }
    }
  }

  private static float[] random(java.util.SplittableRandom rng, long... shape) {
    int n = 1;
    for (long d : shape) {
      n *= (int) d;
    }
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) (rng.nextDouble() * 2 - 1);
    }
    return out;
  }

  /** Gradients of {@code sum(r * 0.7 op(a) op(b))} with respect to a and b. */
  private static float[][] fusedOrPlainGradients(boolean fused, boolean ta, boolean tb,
      Map<String, float[]> values, Map<String, long[]> shapes) throws Exception {
    GraphBuilder g = GraphBuilder.create("t", 18);
    Value a = g.input("a", DType.FLOAT, org.consistency4j.graph.Shape.of(shapes.get("a")));
    Value b = g.input("b", DType.FLOAT, org.consistency4j.graph.Shape.of(shapes.get("b")));
    Value r = g.input("r", DType.FLOAT, org.consistency4j.graph.Shape.of(shapes.get("r")));
    Value y;
    if (fused) {
      y = g.op("com.microsoft", "FusedMatMul", List.of(a, b),
          Map.of("transA", org.consistency4j.graph.Attribute.of(ta ? 1L : 0L),
              "transB", org.consistency4j.graph.Attribute.of(tb ? 1L : 0L),
              "alpha", org.consistency4j.graph.Attribute.of(0.7f)), List.of(DType.FLOAT)).get(0);
    } else {
      Value opA = !ta ? a : a.rank() == 3 ? g.transpose(a, 0, 2, 1) : g.transpose(a, 1, 0);
      Value opB = tb ? g.transpose(b, 1, 0) : b;
      y = g.mul(g.matMul(opA, opB), g.scalar(DType.FLOAT, 0.7f));
    }
    Value loss = g.reduceSum(g.mul(y, r), false);
    Map<String, Value> grads = Autodiff.gradients(g, loss, List.of(a, b));
    g.output(grads.get("a"));
    g.output(grads.get("b"));
    java.util.Map<String, OnnxTensor> in = new java.util.HashMap<>();
    try (OrtSession s = GradCheck.ENV.createSession(GradCheck.model(g.build()),
        new OrtSession.SessionOptions())) {
      for (String n : List.of("a", "b", "r")) {
        in.put(n, OnnxTensor.createTensor(GradCheck.ENV,
            java.nio.FloatBuffer.wrap(values.get(n)), shapes.get(n)));
      }
      try (OrtSession.Result res = s.run(in)) {
        return new float[][] {copy((OnnxTensor) res.get(0)), copy((OnnxTensor) res.get(1))};
      }
    } finally {
      in.values().forEach(OnnxTensor::close);
    }
  }

  private static float[] copy(OnnxTensor t) {
    java.nio.FloatBuffer fb = t.getFloatBuffer();
    float[] out = new float[fb.remaining()];
    fb.get(out);
    return out;
  }

  @Test
  void every_operator_the_table_marks_differentiable_and_autodiff_lists_has_a_rule() {
    for (Op op : List.of(Op.MAT_MUL, Op.GEMM, Op.FUSED_MAT_MUL, Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.SUM, Op.NEG, Op.POW,
        Op.SQRT, Op.RECIPROCAL, Op.EXP, Op.LOG, Op.SIN, Op.COS, Op.REDUCE_SUM, Op.REDUCE_MEAN,
        Op.SOFTMAX, Op.LOG_SOFTMAX, Op.SIGMOID, Op.TANH, Op.RELU, Op.MAX, Op.MIN, Op.SOFTPLUS,
        Op.GATHER, Op.GATHER_ELEMENTS, Op.TRANSPOSE, Op.RESHAPE, Op.FLATTEN, Op.CONCAT, Op.SLICE,
        Op.SPLIT, Op.SQUEEZE, Op.UNSQUEEZE, Op.EXPAND, Op.WHERE, Op.CAST, Op.CAST_LIKE,
        Op.IDENTITY)) {
      assertEquals(true, op.differentiable(), op.name());
      assertEquals(true, GradientRules.hasRule(op), op.name());
    }
    for (Op op : Op.values()) {
      if (!op.differentiable()) {
        assertEquals(false, GradientRules.hasRule(op), op.name());
      }
    }
  }
}
