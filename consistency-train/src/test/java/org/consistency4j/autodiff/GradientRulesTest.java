package org.consistency4j.autodiff;

import static org.consistency4j.autodiff.Emitter.attr;
import static org.consistency4j.autodiff.Emitter.attrInts;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Every gradient rule against central finite differences in float64, on random shapes and values. */
class GradientRulesTest {
  private static final int SAMPLES = 6;

  @Property(tries = 4)
  void batched_matmul_with_broadcast_weight_matches_finite_differences(
      @ForAll @IntRange(min = 1, max = 3) int b,
      @ForAll @IntRange(min = 1, max = 4) int m,
      @ForAll @IntRange(min = 1, max = 4) int k,
      @ForAll @IntRange(min = 1, max = 4) int n,
      @ForAll boolean dynamic,
      @ForAll long seed)
      throws Exception {
    GradCheck c = new GradCheck(seed, dynamic);
    String a = c.input("a", b, m, k);
    String w = c.input("w", k, n);
    c.check(e -> e.op("MatMul", a, w), SAMPLES);
  }

  @Property(tries = 4)
  void batched_matmul_with_broadcast_batch_dims_matches_finite_differences(
      @ForAll @IntRange(min = 1, max = 3) int b,
      @ForAll @IntRange(min = 1, max = 3) int h,
      @ForAll @IntRange(min = 1, max = 4) int m,
      @ForAll @IntRange(min = 1, max = 4) int k,
      @ForAll boolean dynamic,
      @ForAll long seed)
      throws Exception {
    GradCheck c = new GradCheck(seed, dynamic);
    String a = c.input("a", b, h, m, k);
    String w = c.input("w", 1, h, k, m);
    c.check(e -> e.op("MatMul", a, w), SAMPLES);
  }

  @Property(tries = 4)
  void gemm_with_every_transpose_combination_matches_finite_differences(
      @ForAll @IntRange(min = 1, max = 4) int m,
      @ForAll @IntRange(min = 1, max = 4) int k,
      @ForAll @IntRange(min = 1, max = 4) int n,
      @ForAll @IntRange(min = 0, max = 3) int trans,
      @ForAll long seed)
      throws Exception {
    boolean ta = (trans & 1) != 0;
    boolean tb = (trans & 2) != 0;
    GradCheck c = new GradCheck(seed);
    String a = ta ? c.input("a", k, m) : c.input("a", m, k);
    String w = tb ? c.input("w", n, k) : c.input("w", k, n);
    String bias = c.input("c", 1, n);
    c.check(
        e ->
            e.op(
                "Gemm",
                List.of(a, w, bias),
                attr("transA", ta ? 1L : 0L),
                attr("transB", tb ? 1L : 0L),
                attr("alpha", 0.7f),
                attr("beta", 1.3f)),
        SAMPLES);
  }

  @Property(tries = 3)
  void broadcasting_arithmetic_matches_finite_differences(
      @ForAll @IntRange(min = 1, max = 3) int d0,
      @ForAll @IntRange(min = 1, max = 4) int d1,
      @ForAll boolean dynamic,
      @ForAll long seed)
      throws Exception {
    for (String op : List.of("Add", "Sub", "Mul", "Div")) {
      GradCheck c = new GradCheck(seed, dynamic);
      String a = c.input("a", d0, d1);
      String b = c.uniform("b", 0.5, 2.0, d1);
      String s = c.uniform("s", 0.5, 2.0, d0, 1);
      c.check(e -> e.op(op, e.op(op, a, b), s), SAMPLES);
    }
  }

  @Property(tries = 3)
  void a_value_used_twice_gets_both_contributions(
      @ForAll @IntRange(min = 1, max = 4) int d, @ForAll long seed) throws Exception {
    GradCheck c = new GradCheck(seed);
    String a = c.input("a", d, d);
    c.check(e -> e.add(e.mul(a, a), e.op("MatMul", a, a)), SAMPLES);
  }

  @Property(tries = 3)
  void unary_functions_match_finite_differences(
      @ForAll @IntRange(min = 1, max = 5) int n, @ForAll long seed) throws Exception {
    for (String op :
        List.of(
            "Neg", "Sqrt", "Reciprocal", "Exp", "Log", "Sigmoid", "Tanh", "Relu", "Sin", "Cos",
            "Identity", "Softplus")) {
      GradCheck c = new GradCheck(seed);
      boolean positive = op.equals("Sqrt") || op.equals("Log") || op.equals("Reciprocal");
      String a = positive ? c.uniform("a", 0.5, 2.0, 2, n) : c.uniform("a", -2, 2, 2, n);
      c.check(e -> e.op(op, a), SAMPLES);
    }
  }

  @Property(tries = 3)
  void pow_with_a_constant_exponent_matches_finite_differences(
      @ForAll @IntRange(min = 1, max = 5) int n, @ForAll long seed) throws Exception {
    GradCheck c = new GradCheck(seed);
    String a = c.uniform("a", 0.5, 2.0, 3, n);
    c.check(e -> e.op("Pow", a, e.scalarLike(c.rng().nextDouble() * 3 - 1, a)), SAMPLES);
  }

  @Property(tries = 3)
  void reductions_with_and_without_keepdims_match_finite_differences(
      @ForAll @IntRange(min = 1, max = 3) int d0,
      @ForAll @IntRange(min = 1, max = 4) int d1,
      @ForAll @IntRange(min = 0, max = 1) int keep,
      @ForAll @IntRange(min = -3, max = 2) int axis,
      @ForAll boolean dynamic,
      @ForAll long seed)
      throws Exception {
    GradCheck c = new GradCheck(seed, dynamic);
    String a = c.input("a", d0, d1, 3);
    c.check(
        e -> {
          String s = e.op("ReduceSum", List.of(a, e.ints(axis)), attr("keepdims", (long) keep));
          String m = e.op("ReduceMean", List.of(a, e.ints(axis, (axis + 4) % 3)),
              attr("keepdims", (long) keep));
          String all = e.op("ReduceMean", List.of(a), attr("keepdims", 0L));
          return e.add(e.add(e.reduceSumAll(e.mul(s, s)), e.reduceSumAll(e.mul(m, m))), all);
        },
        SAMPLES);
  }

  @Property(tries = 3)
  void softmax_and_log_softmax_match_finite_differences(
      @ForAll @IntRange(min = 1, max = 3) int d0,
      @ForAll @IntRange(min = 2, max = 5) int d1,
      @ForAll @IntRange(min = -2, max = 1) int axis,
      @ForAll boolean dynamic,
      @ForAll long seed)
      throws Exception {
    GradCheck c = new GradCheck(seed, dynamic);
    String a = c.uniform("a", -3, 3, d0, d1);
    c.check(
        e ->
            e.add(
                e.op("Softmax", List.of(a), attr("axis", (long) axis)),
                e.op("LogSoftmax", List.of(a), attr("axis", (long) axis))),
        SAMPLES);
  }

  @Property(tries = 3)
  void max_and_min_route_gradients_to_the_selected_input(
      @ForAll @IntRange(min = 1, max = 5) int n, @ForAll boolean dynamic,
      @ForAll long seed) throws Exception {
    GradCheck c = new GradCheck(seed, dynamic);
    String a = c.input("a", 2, n);
    String b = c.input("b", n);
    String d = c.input("d", 2, 1);
    c.check(
        e -> e.add(e.op("Max", a, b, d), e.op("Min", a, e.scalarLike(0.0, a))), SAMPLES);
  }

  @Property(tries = 3)
  void gather_on_any_axis_scatter_adds_repeated_indices(
      @ForAll @IntRange(min = 2, max = 5) int vocab,
      @ForAll @IntRange(min = 1, max = 3) int dim,
      @ForAll @IntRange(min = 0, max = 1) int axis,
      @ForAll boolean dynamic,
      @ForAll long seed)
      throws Exception {
    GradCheck c = new GradCheck(seed, dynamic);
    String table = axis == 0 ? c.input("table", vocab, dim) : c.input("table", dim, vocab);
    long[] ids = new long[6];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = c.rng().nextInt(vocab);
    }
    ids[1] = ids[0];
    String idx = c.ints("ids", ids, 2, 3);
    c.check(e -> e.op("Gather", List.of(table, idx), attr("axis", (long) axis)), 20);
  }

  @Property(tries = 3)
  void gather_elements_matches_finite_differences(
      @ForAll @IntRange(min = 2, max = 5) int vocab, @ForAll long seed) throws Exception {
    GradCheck c = new GradCheck(seed);
    String logits = c.input("logits", 3, vocab);
    long[] ids = new long[6];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = c.rng().nextInt(vocab);
    }
    String idx = c.ints("ids", ids, 3, 2);
    c.check(e -> e.op("GatherElements", List.of(logits, idx), attr("axis", 1L)), 20);
  }

  @Property(tries = 3)
  void shape_operators_pass_gradients_through(
      @ForAll @IntRange(min = 1, max = 3) int d0,
      @ForAll @IntRange(min = 1, max = 4) int d1,
      @ForAll boolean dynamic,
      @ForAll long seed)
      throws Exception {
    GradCheck c = new GradCheck(seed, dynamic);
    String a = c.input("a", d0, d1, 2);
    c.check(
        e -> {
          String t = e.op("Transpose", List.of(a), attrInts("perm", 2, 0, 1));
          String r = e.op("Reshape", t, e.ints(-1, d1));
          String u = e.op("Unsqueeze", r, e.ints(0));
          String s = e.op("Squeeze", u, e.ints(0));
          String x = e.op("Expand", e.op("Unsqueeze", s, e.ints(0)), e.ints(3, 2 * d0, d1));
          String f = e.op("Flatten", List.of(x), attr("axis", 1L));
          return e.op("Transpose", f);
        },
        SAMPLES);
  }

  @Property(tries = 3)
  void concat_split_and_slice_match_finite_differences(
      @ForAll @IntRange(min = 1, max = 3) int d0,
      @ForAll @IntRange(min = 2, max = 6) int d1,
      @ForAll boolean dynamic,
      @ForAll long seed)
      throws Exception {
    GradCheck c = new GradCheck(seed, dynamic);
    String a = c.input("a", d0, d1);
    String b = c.input("b", d0, 2);
    c.check(
        e -> {
          String cat = e.op("Concat", List.of(a, b, a), attr("axis", 1L));
          List<String> parts =
              e.opN("Split", List.of(cat, e.ints(d1 + 1, d1 + 1)), 2, attr("axis", -1L));
          String sl = e.op("Slice", parts.get(1), e.ints(1, -100), e.ints(Long.MAX_VALUE, -1),
              e.ints(1, 0));
          String sl2 = e.op("Slice", parts.get(0), e.ints(-2), e.ints(100));
          return e.add(e.reduceSumAll(e.mul(sl, sl)), e.reduceSumAll(sl2));
        },
        SAMPLES);
  }

  /**
   * The rotate-half pattern of RoPE: slices of a transposed tensor. ONNX Runtime's transpose
   * optimizer moves the Transpose's gradient through the slices' Pad nodes; this once failed at run
   * time when the Pad used its optional axes input.
   */
  @Property(tries = 3)
  void slices_of_a_transposed_tensor_match_finite_differences(
      @ForAll @IntRange(min = 1, max = 2) int d0,
      @ForAll @IntRange(min = 1, max = 3) int d1,
      @ForAll boolean dynamic,
      @ForAll long seed)
      throws Exception {
    GradCheck c = new GradCheck(seed, dynamic);
    String x = c.input("x", d0, d1, 3, 4);
    String cos = c.input("cos", d1, 4);
    String sin = c.input("sin", d1, 4);
    c.check(
        e -> {
          String t = e.op("Transpose", List.of(x), attrInts("perm", 0, 2, 1, 3));
          String x1 = e.op("Slice", t, e.ints(0), e.ints(2), e.ints(-1));
          String x2 = e.op("Slice", t, e.ints(2), e.ints(4), e.ints(-1));
          String rotated = e.op("Concat", List.of(e.op("Neg", x2), x1), attr("axis", -1L));
          String y = e.add(e.mul(t, cos), e.mul(rotated, sin));
          return e.op("Transpose", List.of(y), attrInts("perm", 0, 2, 1, 3));
        },
        SAMPLES);
  }

  @Property(tries = 3)
  void split_with_an_unused_output_gets_zeros_there(
      @ForAll @IntRange(min = 1, max = 3) int d0, @ForAll long seed) throws Exception {
    GradCheck c = new GradCheck(seed);
    String a = c.input("a", d0, 4);
    c.check(
        e -> e.opN("Split", List.of(a), 2, attr("axis", 1L), attr("num_outputs", 2L)).get(1),
        SAMPLES);
  }

  @Property(tries = 3)
  void where_and_cast_match_finite_differences(
      @ForAll @IntRange(min = 1, max = 5) int n, @ForAll long seed) throws Exception {
    GradCheck c = new GradCheck(seed);
    String a = c.input("a", 2, n);
    String b = c.input("b", n);
    c.check(
        e -> {
          String cond = e.op("Greater", a, e.scalarLike(0.0, a));
          String w = e.op("Where", cond, e.mul(a, a), b);
          String f = e.op("Cast", List.of(w), attr("to", (long) ai.onnx.proto.OnnxMl.TensorProto
              .DataType.DOUBLE_VALUE));
          String back = e.op("CastLike", f, a);
          // An integer path: no gradient flows through the Cast to int64.
          String asInt = e.op("Cast", List.of(a), attr("to", (long) TypeTable.INT64));
          String again = e.op("CastLike", asInt, a);
          return e.add(back, e.mul(again, b));
        },
        SAMPLES);
  }
}
