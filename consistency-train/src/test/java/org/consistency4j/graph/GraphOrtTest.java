package org.consistency4j.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Builds small graphs, validates them with the ONNX checker and compares ORT results to Java. */
class GraphOrtTest {

  private static List<double[]> checkAndRun(GraphBuilder b, Map<String, Ort.In> inputs) throws Exception {
    ExportedModel m = b.build().toModel();
    OnnxChecker.check(m.toByteArray());
    return Ort.run(m, inputs);
  }

  private static double[] d(double... v) {
    return v;
  }

  @Test
  void linear_layer_with_softmax_matches_java() throws Exception {
    GraphBuilder b = GraphBuilder.create("linear");
    Value x = b.input("x", DType.FLOAT, "batch", 2);
    Value w = b.initializer("w", Tensor.ofFloats(new float[] {1, -1, 0.5f, 2, 0, 1}, 2, 3));
    Value logits = b.matMul(x, w);
    b.output("probs", b.softmax(logits, -1));
    b.output("logp", b.logSoftmax(logits, -1));
    b.output("erf", b.erf(x));
    float[] in = {1, 2, -1, 0.5f};
    List<double[]> out = checkAndRun(b, Map.of("x", new Ort.In(in, 2, 2)));
    for (int i = 0; i < 4; i++) {
      assertEquals(erf(in[i]), out.get(2)[i], 1e-6);
    }
    for (int r = 0; r < 2; r++) {
      double[] z = new double[3];
      for (int j = 0; j < 3; j++) {
        z[j] = in[2 * r] * new double[] {1, -1, 0.5}[j] + in[2 * r + 1] * new double[] {2, 0, 1}[j];
      }
      double max = Math.max(z[0], Math.max(z[1], z[2]));
      double s = 0;
      for (double v : z) {
        s += Math.exp(v - max);
      }
      for (int j = 0; j < 3; j++) {
        assertEquals(Math.exp(z[j] - max) / s, out.get(0)[3 * r + j], 1e-6);
        assertEquals(z[j] - max - Math.log(s), out.get(1)[3 * r + j], 1e-5);
      }
    }
  }

  @Test
  void elementwise_ops_match_java() throws Exception {
    GraphBuilder b = GraphBuilder.create("elementwise");
    Value x = b.input("x", DType.DOUBLE, 4);
    Value y = b.input("y", DType.DOUBLE, 4);
    b.output(b.add(x, y));
    b.output(b.sub(x, y));
    b.output(b.mul(x, y));
    b.output(b.div(x, y));
    b.output(b.neg(x));
    b.output(b.pow(y, b.scalar(DType.DOUBLE, 2)));
    b.output(b.sqrt(y));
    b.output(b.reciprocal(y));
    b.output(b.exp(x));
    b.output(b.log(y));
    b.output(b.sigmoid(x));
    b.output(b.tanh(x));
    b.output(b.relu(x));
    b.output(b.max(x, y));
    b.output(b.min(x, y));
    b.output(b.softplus(x));
    b.output(b.sin(x));
    b.output(b.cos(x));
    b.output(b.abs(x));
    b.output(b.sign(x));
    b.output(b.clip(x, -0.5, 0.5));
    b.output(b.where(b.less(x, y), x, y));
    b.output(b.cast(b.greater(x, y), DType.DOUBLE));
    b.output(b.cast(b.not(b.equal(x, x)), DType.DOUBLE));
    double[] xs = {-1.5, 0, 0.25, 2};
    double[] ys = {0.5, 1, 2, 3};
    List<double[]> out =
        checkAndRun(b, Map.of("x", new Ort.In(xs, 4), "y", new Ort.In(ys, 4)));
    java.util.function.DoubleBinaryOperator[] ops = {
      (a, c) -> a + c, (a, c) -> a - c, (a, c) -> a * c, (a, c) -> a / c, (a, c) -> -a,
      (a, c) -> c * c, (a, c) -> Math.sqrt(c), (a, c) -> 1 / c, (a, c) -> Math.exp(a),
      (a, c) -> Math.log(c), (a, c) -> 1 / (1 + Math.exp(-a)), (a, c) -> Math.tanh(a),
      (a, c) -> Math.max(a, 0), Math::max, Math::min, (a, c) -> Math.log1p(Math.exp(a)),
      (a, c) -> Math.sin(a), (a, c) -> Math.cos(a), (a, c) -> Math.abs(a), (a, c) -> Math.signum(a),
      (a, c) -> Math.max(-0.5, Math.min(0.5, a)), (a, c) -> a < c ? a : c, (a, c) -> a > c ? 1 : 0,
      (a, c) -> 0
    };
    assertEquals(ops.length, out.size());
    for (int k = 0; k < ops.length; k++) {
      for (int i = 0; i < 4; i++) {
        assertEquals(ops[k].applyAsDouble(xs[i], ys[i]), out.get(k)[i], 1e-7, "output " + k + " element " + i);
      }
    }
  }

  private static double erf(double x) {
    // Abramowitz-Stegun 7.1.26 is not precise enough; use a series for |x| <= 2 (enough here)
    double sum = 0;
    double term = x;
    for (int n = 0; n < 60; n++) {
      sum += term / (2 * n + 1);
      term *= -x * x / (n + 1);
    }
    return 2 / Math.sqrt(Math.PI) * sum;
  }

  @ParameterizedTest
  @ValueSource(ints = {17, 18, 20, 22})
  void reductions_match_java_at_each_opset(int opset) throws Exception {
    GraphBuilder b = GraphBuilder.create("reduce", opset);
    Value x = b.input("x", DType.FLOAT, 2, 3);
    b.output(b.reduceSum(x, false, 1));
    b.output(b.reduceMean(x, false, 0));
    b.output(b.reduceMax(x, true, -1));
    b.output(b.reduceMin(x, false));
    b.output(b.reduceSumSquare(x, false, 1));
    b.output(b.reduceLogSumExp(x, false, 1));
    b.output(b.argMax(x, 1, false));
    b.output(b.reduceSum(x, b.longs(0), false));
    float[] xs = {1, 5, 2, -1, 0, 3};
    List<double[]> out = checkAndRun(b, Map.of("x", new Ort.In(xs, 2, 3)));
    assertArrayEquals(d(8, 2), out.get(0), 1e-6);
    assertArrayEquals(d(0, 2.5, 2.5), out.get(1), 1e-6);
    assertArrayEquals(d(5, 3), out.get(2), 1e-6);
    assertArrayEquals(d(-1), out.get(3), 1e-6);
    assertArrayEquals(d(30, 10), out.get(4), 1e-5);
    assertArrayEquals(
        d(Math.log(Math.exp(1) + Math.exp(5) + Math.exp(2)), Math.log(Math.exp(-1) + 1 + Math.exp(3))),
        out.get(5),
        1e-5);
    assertArrayEquals(d(1, 2), out.get(6), 0);
    assertArrayEquals(d(0, 5, 5), out.get(7), 1e-6);
  }

  @Test
  void shape_ops_match_java() throws Exception {
    GraphBuilder b = GraphBuilder.create("shapes");
    Value x = b.input("x", DType.FLOAT, 2, 3);
    Value t = b.transpose(x, 1, 0);
    b.output(t);
    Value r = b.reshape(x, 3, -1);
    b.output(r);
    b.output(b.concat(0, x, x));
    b.output(b.slice(x, 1, 1, 3));
    List<Value> parts = b.split(x, 1, 1, 2);
    b.output(parts.get(1));
    b.output(b.squeeze(b.unsqueeze(x, 0), 0));
    b.output(b.expand(b.slice(x, 0, 0, 1), 2, 3));
    b.output(b.cast(b.shape(x), DType.FLOAT));
    b.output(b.zerosLike(x));
    b.output(b.onesLike(x));
    Value ids = b.constant(Tensor.ofLongs(new long[] {1, 1, 0}, 3));
    b.output(b.gather(x, ids, 1));
    b.output(b.splitEqually(x, 1, 3).get(2));
    float[] xs = {1, 2, 3, 4, 5, 6};
    List<double[]> out = checkAndRun(b, Map.of("x", new Ort.In(xs, 2, 3)));
    assertArrayEquals(d(1, 4, 2, 5, 3, 6), out.get(0), 0);
    assertArrayEquals(d(1, 2, 3, 4, 5, 6), out.get(1), 0);
    assertArrayEquals(d(1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6), out.get(2), 0);
    assertArrayEquals(d(2, 3, 5, 6), out.get(3), 0);
    assertArrayEquals(d(2, 3, 5, 6), out.get(4), 0);
    assertArrayEquals(d(1, 2, 3, 4, 5, 6), out.get(5), 0);
    assertArrayEquals(d(1, 2, 3, 1, 2, 3), out.get(6), 0);
    assertArrayEquals(d(2, 3), out.get(7), 0);
    assertArrayEquals(d(0, 0, 0, 0, 0, 0), out.get(8), 0);
    assertArrayEquals(d(1, 1, 1, 1, 1, 1), out.get(9), 0);
    assertArrayEquals(d(2, 2, 1, 5, 5, 4), out.get(10), 0);
    assertArrayEquals(d(3, 6), out.get(11), 0);
  }

  @Test
  void indexing_and_scan_ops_match_java() throws Exception {
    GraphBuilder b = GraphBuilder.create("indexing");
    Value x = b.input("x", DType.FLOAT, 2, 3);
    Value idx = b.input("idx", DType.INT64, 2, 1);
    b.output(b.gatherElements(x, idx, 1));
    Value upd = b.constant(Tensor.ofFloats(new float[] {10, 20}, 2, 1));
    b.output(b.scatterElements(x, idx, upd, 1, ScatterReduction.ADD));
    Value ndIdx = b.constant(Tensor.ofLongs(new long[] {1, 1}, 2, 1));
    Value ndUpd = b.constant(Tensor.ofFloats(new float[] {1, 1, 1, 2, 2, 2}, 2, 3));
    b.output(b.scatterND(b.zerosLike(x), ndIdx, ndUpd, ScatterReduction.ADD));
    b.output(b.trilu(b.onesLike(b.matMul(b.transpose(x), x)), false));
    b.output(b.cumSum(x, 1, false, false));
    b.output(b.cumSum(x, 1, true, true));
    b.output(b.range(b.scalar(DType.INT64, 0), b.scalar(DType.INT64, 5), b.scalar(DType.INT64, 2)));
    List<Value> top = b.topK(x, 2, 1, true, true);
    b.output(top.get(0));
    b.output(top.get(1));
    b.output(
        b.oneHot(
            b.constant(Tensor.ofLongs(new long[] {0, 2}, 2)),
            b.scalar(DType.INT64, 3),
            b.constant(Tensor.ofFloats(new float[] {0, 1}, 2)),
            -1));
    b.output(b.trilu(b.onesLike(b.matMul(b.transpose(x), x)), 1, true));
    float[] xs = {1, 5, 2, -1, 0, 3};
    List<double[]> out =
        checkAndRun(b, Map.of("x", new Ort.In(xs, 2, 3), "idx", new Ort.In(new long[] {2, 0}, 2, 1)));
    assertArrayEquals(d(2, -1), out.get(0), 0);
    assertArrayEquals(d(1, 5, 12, 19, 0, 3), out.get(1), 0);
    assertArrayEquals(d(0, 0, 0, 3, 3, 3), out.get(2), 0);
    assertArrayEquals(d(1, 0, 0, 1, 1, 0, 1, 1, 1), out.get(3), 0);
    assertArrayEquals(d(1, 6, 8, -1, -1, 2), out.get(4), 0);
    assertArrayEquals(d(7, 2, 0, 3, 3, 0), out.get(5), 0);
    assertArrayEquals(d(0, 2, 4), out.get(6), 0);
    assertArrayEquals(d(5, 2, 3, 0), out.get(7), 0);
    assertArrayEquals(d(1, 2, 2, 1), out.get(8), 0);
    assertArrayEquals(d(1, 0, 0, 0, 0, 1), out.get(9), 0);
    assertArrayEquals(d(0, 1, 1, 0, 0, 1, 0, 0, 0), out.get(10), 0);
  }

  @Test
  void gemm_and_einsum_match_java() throws Exception {
    GraphBuilder b = GraphBuilder.create("gemm");
    Value a = b.input("a", DType.FLOAT, 2, 2);
    Value c = b.constant(Tensor.ofFloats(new float[] {1, 1}, 2));
    b.output(b.gemm(a, a, c, 2f, 1f, true, false));
    b.output(b.einsum("ij,jk->ik", a, a));
    List<double[]> out = checkAndRun(b, Map.of("a", new Ort.In(new float[] {1, 2, 3, 4}, 2, 2)));
    // a^T a = [[10, 14], [14, 20]]
    assertArrayEquals(d(21, 29, 29, 41), out.get(0), 1e-6);
    assertArrayEquals(d(7, 10, 15, 22), out.get(1), 1e-6);
  }

  @Test
  void if_subgraph_reads_outer_values_and_selects_a_branch() throws Exception {
    GraphBuilder b = GraphBuilder.create("branch");
    Value x = b.input("x", DType.FLOAT, 3);
    Value flag = b.input("flag", DType.BOOL);
    GraphBuilder thenB = b.subgraph("then");
    thenB.output(thenB.mul(x, thenB.scalar(DType.FLOAT, 2)));
    GraphBuilder elseB = b.subgraph("else");
    elseB.output(elseB.neg(x));
    Graph thenG = thenB.build();
    assertEquals(java.util.Set.of("x"), thenG.outerScopeNames());
    Value y = b.ifThenElse(flag, thenG, elseB.build()).get(0);
    b.output(y);
    Graph g = b.build();
    assertEquals("If", g.consumers("x").get(0).opType());
    List<double[]> t =
        checkAndRun(b, Map.of("x", new Ort.In(new float[] {1, 2, 3}, 3), "flag", new Ort.In(new boolean[] {true})));
    assertArrayEquals(d(2, 4, 6), t.get(0), 0);
    List<double[]> f =
        Ort.run(g.toModel(), Map.of("x", new Ort.In(new float[] {1, 2, 3}, 3), "flag", new Ort.In(new boolean[] {false})));
    assertArrayEquals(d(-1, -2, -3), f.get(0), 0);
  }

  @Test
  void loop_accumulates_a_carried_value() throws Exception {
    GraphBuilder b = GraphBuilder.create("loop");
    Value x = b.input("x", DType.FLOAT, 2);
    GraphBuilder body = b.subgraph("body");
    Value iter = body.input("iter", DType.INT64);
    Value cond = body.input("cond_in", DType.BOOL);
    Value acc = body.input("acc", DType.FLOAT, 2);
    body.output(body.identity(cond));
    body.output(body.add(acc, body.mul(x, body.cast(iter, DType.FLOAT))));
    List<Value> outs = b.loop(b.scalar(DType.INT64, 4), null, List.of(b.zerosLike(x)), body.build());
    b.output(outs.get(0));
    List<double[]> out = checkAndRun(b, Map.of("x", new Ort.In(new float[] {1, 10}, 2)));
    // sum over iter 0..3 of x * iter = 6x
    assertArrayEquals(d(6, 60), out.get(0), 0);
  }

  @ParameterizedTest
  @ValueSource(ints = {23, 24, 25, 26})
  void graphs_at_newer_opsets_load_in_onnx_runtime(int opset) throws Exception {
    GraphBuilder b = GraphBuilder.create("newer", opset);
    Value x = b.input("x", DType.FLOAT, 2, 2);
    b.output(b.reduceMean(b.matMul(x, x), false, 1));
    List<double[]> out = Ort.run(b.build().toModel(), Map.of("x", new Ort.In(new float[] {1, 2, 3, 4}, 2, 2)));
    assertArrayEquals(d(8.5, 18.5), out.get(0), 1e-6);
  }

  @Test
  void inferred_shapes_agree_with_onnx_runtime() throws Exception {
    GraphBuilder b = GraphBuilder.create("shapes");
    Value x = b.input("x", DType.FLOAT, 2, 3, 4);
    Value y = b.matMul(b.reshape(b.transpose(x, 0, 2, 1), 0, 4, 3), b.unsqueeze(b.reduceSum(x, false, 0), 0));
    Value z = b.concat(1, y, y);
    assertEquals(Shape.of(2, 8, 4), b.shapeOf(z).orElseThrow());
    b.output(z);
    ExportedModel m = b.build().toModel();
    assertArrayEquals(
        new long[] {2, 8, 4}, Ort.outputShape(m, Map.of("x", new Ort.In(new float[24], 2, 3, 4)), 0));
  }
}
