package org.consistency4j.autodiff;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.consistency4j.graph.Attribute;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.GraphBuilder;
import org.consistency4j.graph.Value;

/** Every gradient rule against central finite differences in float64, on random shapes and values. */
class GradientRulesTest {
  private static final int SAMPLES = 6;

  /** Attributes from name-value pairs (Long, Float, Value or long[]). */
  private static Map<String, Attribute> attrs(Object... kv) {
    Map<String, Attribute> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      Object v = kv[i + 1];
      m.put((String) kv[i], v instanceof Long l ? Attribute.of(l) : v instanceof Float f
          ? Attribute.of(f) : v instanceof long[] a ? Attribute.ints(a) : Attribute.of((String) v));
    }
    return m;
  }

  private static Value op(GraphBuilder e, String opType, Value... in) {
    return e.op(opType, Map.of(), in);
  }

  private static Value op(GraphBuilder e, String opType, List<Value> in, Map<String, Attribute> a) {
    return e.op(opType, in, a, 1).get(0);
  }

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
    Value a = c.input("a", b, m, k);
    Value w = c.input("w", k, n);
    c.check(e -> op(e, "MatMul", a, w), SAMPLES);
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
    Value a = c.input("a", b, h, m, k);
    Value w = c.input("w", 1, h, k, m);
    c.check(e -> op(e, "MatMul", a, w), SAMPLES);
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
    Value a = ta ? c.input("a", k, m) : c.input("a", m, k);
    Value w = tb ? c.input("w", n, k) : c.input("w", k, n);
    Value bias = c.input("c", 1, n);
    c.check(
        e ->
            op(e, 
                "Gemm",
                List.of(a, w, bias),
                attrs("transA", ta ? 1L : 0L, "transB", tb ? 1L : 0L, "alpha", 0.7f, "beta", 1.3f)),
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
      Value a = c.input("a", d0, d1);
      Value b = c.uniform("b", 0.5, 2.0, d1);
      Value s = c.uniform("s", 0.5, 2.0, d0, 1);
      c.check(e -> op(e, op, op(e, op, a, b), s), SAMPLES);
    }
  }

  @Property(tries = 3)
  void a_value_used_twice_gets_both_contributions(
      @ForAll @IntRange(min = 1, max = 4) int d, @ForAll long seed) throws Exception {
    GradCheck c = new GradCheck(seed);
    Value a = c.input("a", d, d);
    c.check(e -> e.add(e.mul(a, a), op(e, "MatMul", a, a)), SAMPLES);
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
      Value a = positive ? c.uniform("a", 0.5, 2.0, 2, n) : c.uniform("a", -2, 2, 2, n);
      c.check(e -> op(e, op, a), SAMPLES);
    }
  }

  @Property(tries = 3)
  void pow_with_a_constant_exponent_matches_finite_differences(
      @ForAll @IntRange(min = 1, max = 5) int n, @ForAll long seed) throws Exception {
    GradCheck c = new GradCheck(seed);
    Value a = c.uniform("a", 0.5, 2.0, 3, n);
    c.check(e -> op(e, "Pow", a, e.scalarLike(a, c.rng().nextDouble() * 3 - 1)), SAMPLES);
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
    Value a = c.input("a", d0, d1, 3);
    c.check(
        e -> {
          Value s = op(e, "ReduceSum", List.of(a, e.longs(axis)), attrs("keepdims", (long) keep));
          Value m = op(e, "ReduceMean", List.of(a, e.longs(axis, (axis + 4) % 3)),
              attrs("keepdims", (long) keep));
          Value all = op(e, "ReduceMean", List.of(a), attrs("keepdims", 0L));
          return e.add(e.add(e.reduceSum(e.mul(s, s), false), e.reduceSum(e.mul(m, m), false)), all);
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
    Value a = c.uniform("a", -3, 3, d0, d1);
    c.check(
        e ->
            e.add(
                op(e, "Softmax", List.of(a), attrs("axis", (long) axis)),
                op(e, "LogSoftmax", List.of(a), attrs("axis", (long) axis))),
        SAMPLES);
  }

  @Property(tries = 3)
  void max_and_min_route_gradients_to_the_selected_input(
      @ForAll @IntRange(min = 1, max = 5) int n, @ForAll boolean dynamic,
      @ForAll long seed) throws Exception {
    GradCheck c = new GradCheck(seed, dynamic);
    Value a = c.input("a", 2, n);
    Value b = c.input("b", n);
    Value d = c.input("d", 2, 1);
    c.check(
        e -> e.add(op(e, "Max", a, b, d), op(e, "Min", a, e.scalarLike(a, 0.0))), SAMPLES);
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
    Value table = axis == 0 ? c.input("table", vocab, dim) : c.input("table", dim, vocab);
    long[] ids = new long[6];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = c.rng().nextInt(vocab);
    }
    ids[1] = ids[0];
    Value idx = c.ints("ids", ids, 2, 3);
    c.check(e -> op(e, "Gather", List.of(table, idx), attrs("axis", (long) axis)), 20);
  }

  @Property(tries = 3)
  void gather_elements_matches_finite_differences(
      @ForAll @IntRange(min = 2, max = 5) int vocab, @ForAll long seed) throws Exception {
    GradCheck c = new GradCheck(seed);
    Value logits = c.input("logits", 3, vocab);
    long[] ids = new long[6];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = c.rng().nextInt(vocab);
    }
    Value idx = c.ints("ids", ids, 3, 2);
    c.check(e -> op(e, "GatherElements", List.of(logits, idx), attrs("axis", 1L)), 20);
  }

  @Property(tries = 3)
  void shape_operators_pass_gradients_through(
      @ForAll @IntRange(min = 1, max = 3) int d0,
      @ForAll @IntRange(min = 1, max = 4) int d1,
      @ForAll boolean dynamic,
      @ForAll long seed)
      throws Exception {
    GradCheck c = new GradCheck(seed, dynamic);
    Value a = c.input("a", d0, d1, 2);
    c.check(
        e -> {
          Value t = op(e, "Transpose", List.of(a), attrs("perm", new long[] {2, 0, 1}));
          Value r = op(e, "Reshape", t, e.longs(-1, d1));
          Value u = op(e, "Unsqueeze", r, e.longs(0));
          Value s = op(e, "Squeeze", u, e.longs(0));
          Value x = op(e, "Expand", op(e, "Unsqueeze", s, e.longs(0)), e.longs(3, 2 * d0, d1));
          Value f = op(e, "Flatten", List.of(x), attrs("axis", 1L));
          return op(e, "Transpose", f);
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
    Value a = c.input("a", d0, d1);
    Value b = c.input("b", d0, 2);
    c.check(
        e -> {
          Value cat = op(e, "Concat", List.of(a, b, a), attrs("axis", 1L));
          List<Value> parts =
              e.op("Split", List.of(cat, e.longs(d1 + 1, d1 + 1)), attrs("axis", -1L), 2);
          Value sl = op(e, "Slice", parts.get(1), e.longs(1, -100), e.longs(Long.MAX_VALUE, -1),
              e.longs(1, 0));
          Value sl2 = op(e, "Slice", parts.get(0), e.longs(-2), e.longs(100));
          return e.add(e.reduceSum(e.mul(sl, sl), false), e.reduceSum(sl2, false));
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
    Value x = c.input("x", d0, d1, 3, 4);
    Value cos = c.input("cos", d1, 4);
    Value sin = c.input("sin", d1, 4);
    c.check(
        e -> {
          Value t = op(e, "Transpose", List.of(x), attrs("perm", new long[] {0, 2, 1, 3}));
          Value x1 = op(e, "Slice", t, e.longs(0), e.longs(2), e.longs(-1));
          Value x2 = op(e, "Slice", t, e.longs(2), e.longs(4), e.longs(-1));
          Value rotated = op(e, "Concat", List.of(op(e, "Neg", x2), x1), attrs("axis", -1L));
          Value y = e.add(e.mul(t, cos), e.mul(rotated, sin));
          return op(e, "Transpose", List.of(y), attrs("perm", new long[] {0, 2, 1, 3}));
        },
        SAMPLES);
  }

  @Property(tries = 3)
  void split_with_an_unused_output_gets_zeros_there(
      @ForAll @IntRange(min = 1, max = 3) int d0, @ForAll long seed) throws Exception {
    GradCheck c = new GradCheck(seed);
    Value a = c.input("a", d0, 4);
    c.check(
        e -> e.op("Split", List.of(a), attrs("axis", 1L, "num_outputs", 2L), 2).get(1),
        SAMPLES);
  }

  @Property(tries = 3)
  void where_and_cast_match_finite_differences(
      @ForAll @IntRange(min = 1, max = 5) int n, @ForAll long seed) throws Exception {
    GradCheck c = new GradCheck(seed);
    Value a = c.input("a", 2, n);
    Value b = c.input("b", n);
    c.check(
        e -> {
          Value cond = op(e, "Greater", a, e.scalarLike(a, 0.0));
          Value w = op(e, "Where", cond, e.mul(a, a), b);
          Value f = op(e, "Cast", List.of(w), attrs("to", (long) DType.DOUBLE.onnxCode()));
          Value back = op(e, "CastLike", f, a);
          // An integer path: no gradient flows through the Cast to int64.
          Value asInt = op(e, "Cast", List.of(a), attrs("to", (long) DType.INT64.onnxCode()));
          Value again = op(e, "CastLike", asInt, a);
          return e.add(back, e.mul(again, b));
        },
        SAMPLES);
  }
}
