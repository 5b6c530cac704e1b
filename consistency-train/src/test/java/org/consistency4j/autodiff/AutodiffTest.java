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

  @Test
  void every_operator_the_table_marks_differentiable_and_autodiff_lists_has_a_rule() {
    for (Op op : List.of(Op.MAT_MUL, Op.GEMM, Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.SUM, Op.NEG, Op.POW,
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
