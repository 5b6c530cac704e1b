package org.consistency4j.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import java.nio.DoubleBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AutodiffTest {
  private static OnnxMl.GraphProto.Builder graphWithInputs(String... names) {
    OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName("t");
    for (String n : names) {
      OnnxMl.TensorShapeProto.Builder s = OnnxMl.TensorShapeProto.newBuilder();
      s.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(2));
      g.addInput(
          OnnxMl.ValueInfoProto.newBuilder()
              .setName(n)
              .setType(
                  OnnxMl.TypeProto.newBuilder()
                      .setTensorType(
                          OnnxMl.TypeProto.Tensor.newBuilder()
                              .setElemType(GradCheck.DOUBLE)
                              .setShape(s))));
    }
    return g;
  }

  @Test
  void an_undefined_loss_is_rejected_with_its_name() {
    OnnxMl.GraphProto.Builder g = graphWithInputs("x");
    IllegalArgumentException ex =
        assertThrows(
            IllegalArgumentException.class, () -> Autodiff.appendGradients(g, "nope", List.of("x")));
    assertEquals("loss must be a value of the graph, found nope", ex.getMessage());
  }

  @Test
  void an_undefined_wrt_value_is_rejected_with_its_name() {
    OnnxMl.GraphProto.Builder g = graphWithInputs("x");
    Emitter e = new Emitter(g, "f/");
    String loss = e.reduceSumAll(e.op("Exp", "x"));
    IllegalArgumentException ex =
        assertThrows(
            IllegalArgumentException.class, () -> Autodiff.appendGradients(g, loss, List.of("w")));
    assertEquals("wrt must name values of the graph, found w", ex.getMessage());
  }

  @Test
  void an_operator_without_a_rule_on_the_loss_path_is_reported_with_the_node_name() {
    OnnxMl.GraphProto.Builder g = graphWithInputs("x");
    Emitter e = new Emitter(g, "f/");
    String loss = e.reduceSumAll(e.op("Erf", "x"));
    UnsupportedOperationException ex =
        assertThrows(
            UnsupportedOperationException.class,
            () -> Autodiff.appendGradients(g, loss, List.of("x")));
    assertEquals("no gradient for Erf node 'f/Erf_0': operator has no gradient rule", ex.getMessage());
  }

  @Test
  void a_trained_exponent_of_pow_is_rejected() {
    OnnxMl.GraphProto.Builder g = graphWithInputs("x", "p");
    Emitter e = new Emitter(g, "f/");
    String loss = e.reduceSumAll(e.op("Pow", "x", "p"));
    UnsupportedOperationException ex =
        assertThrows(
            UnsupportedOperationException.class,
            () -> Autodiff.appendGradients(g, loss, List.of("x", "p")));
    assertEquals(
        "no gradient for Pow node 'f/Pow_0': the exponent must be a constant (it depends on a"
            + " trained value)",
        ex.getMessage());
  }

  @Test
  void unsupported_operators_off_the_loss_path_are_ignored_and_unused_values_get_zeros()
      throws Exception {
    OnnxMl.GraphProto.Builder g = graphWithInputs("x", "unused");
    Emitter e = new Emitter(g, "f/");
    e.op("Abs", "x");
    String loss = e.reduceSumAll(e.mul("x", "x"));
    Map<String, String> grads = Autodiff.appendGradients(g, loss, List.of("x", "unused"));
    g.addOutput(GradCheck.output(grads.get("x"))).addOutput(GradCheck.output(grads.get("unused")));
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
    OnnxMl.GraphProto.Builder g = graphWithInputs("x");
    Emitter e = new Emitter(g, "f/");
    String h = e.mul("x", "x");
    String loss = e.reduceSumAll(e.mul(h, e.scalarLike(3.0, h)));
    Map<String, String> grads = Autodiff.appendGradients(g, loss, List.of(h, "x"));
    g.addOutput(GradCheck.output(grads.get(h))).addOutput(GradCheck.output(grads.get("x")));
    try (OrtSession s =
            GradCheck.ENV.createSession(GradCheck.model(g.build()), new OrtSession.SessionOptions());
        OnnxTensor x = OnnxTensor.createTensor(GradCheck.ENV, DoubleBuffer.wrap(new double[] {1, 2}),
            new long[] {2});
        OrtSession.Result r = s.run(Map.of("x", x))) {
      assertArrayEquals(new double[] {3, 3}, (double[]) r.get(0).getValue(), 0);
      assertArrayEquals(new double[] {6, 12}, (double[]) r.get(1).getValue(), 0);
    }
  }
}
