package org.consistency4j.autodiff;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.consistency4j.graph.Attribute;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.Dim;
import org.consistency4j.graph.Graph;
import org.consistency4j.graph.GraphBuilder;
import org.consistency4j.graph.Node;
import org.consistency4j.graph.Op;
import org.consistency4j.graph.Shape;
import org.consistency4j.graph.Tensor;
import org.consistency4j.graph.Value;

/**
 * The gradient rule of each differentiable operator of the operator table {@link Op} (see {@link
 * Autodiff} for the list), keyed by the table's constants.
 */
final class GradientRules {
  private GradientRules() {}

  /** Appends the input gradients of one node given the gradients of its outputs. */
  @FunctionalInterface
  interface Rule {
    void apply(Ctx c);
  }

  private static final Map<Op, Rule> RULES = new EnumMap<>(Op.class);

  static {
    RULES.put(Op.IDENTITY, c -> c.give(0, c.gy()));
    RULES.put(Op.DROPOUT, c -> {
      if (c.in(2) != null) {
        throw c.unsupported("training-mode Dropout; build dropout from a mask and Mul instead");
      }
      c.give(0, c.gy());
    });
    RULES.put(Op.ADD, c -> {
      c.give(0, sumTo(c.g, c.gy(), c.in(0), c.out(0)));
      c.give(1, sumTo(c.g, c.gy(), c.in(1), c.out(0)));
    });
    RULES.put(Op.SUM, c -> {
      for (int i = 0; i < c.n.inputs().size(); i++) {
        if (c.needs(i)) {
          c.give(i, sumTo(c.g, c.gy(), c.in(i), c.out(0)));
        }
      }
    });
    RULES.put(Op.SUB, c -> {
      if (c.needs(0)) {
        c.give(0, sumTo(c.g, c.gy(), c.in(0), c.out(0)));
      }
      if (c.needs(1)) {
        c.give(1, sumTo(c.g, c.g.neg(c.gy()), c.in(1), c.out(0)));
      }
    });
    RULES.put(Op.MUL, c -> {
      if (c.needs(0)) {
        c.give(0, sumTo(c.g, mul(c.g, c.gy(), c.in(1)), c.in(0), c.out(0)));
      }
      if (c.needs(1)) {
        c.give(1, sumTo(c.g, mul(c.g, c.gy(), c.in(0)), c.in(1), c.out(0)));
      }
    });
    RULES.put(Op.DIV, c -> {
      GraphBuilder g = c.g;
      if (c.needs(0)) {
        c.give(0, sumTo(g, div(g, c.gy(), c.in(1)), c.in(0), c.out(0)));
      }
      if (c.needs(1)) {
        // d(a/b)/db = -(a/b)/b = -y/b
        Value t = div(g, mul(g, c.gy(), c.out(0)), c.in(1));
        c.give(1, sumTo(g, g.neg(t), c.in(1), c.out(0)));
      }
    });
    RULES.put(Op.NEG, c -> c.give(0, c.g.neg(c.gy())));
    RULES.put(Op.POW, c -> {
      if (c.needs(1)) {
        throw c.unsupported("the exponent must be a constant (it depends on a trained value)");
      }
      GraphBuilder g = c.g;
      Value x = c.in(0);
      Value p = c.in(1);
      Value pm1 = g.sub(p, g.scalarLike(p, 1.0));
      Value pow = g.pow(x, pm1);
      Value d = mul(g, mul(g, c.gy(), p), pow);
      c.give(0, sumTo(g, d, x, c.out(0)));
    });
    RULES.put(Op.SQRT, c -> c.give(0, c.g.div(c.g.mul(c.gy(), c.g.scalarLike(c.gy(), 0.5)), c.out(0))));
    RULES.put(Op.RECIPROCAL,
        c -> c.give(0, c.g.neg(c.g.mul(c.gy(), c.g.mul(c.out(0), c.out(0))))));
    RULES.put(Op.EXP, c -> c.give(0, c.g.mul(c.gy(), c.out(0))));
    RULES.put(Op.LOG, c -> c.give(0, c.g.div(c.gy(), c.in(0))));
    RULES.put(Op.SIN, c -> c.give(0, c.g.mul(c.gy(), c.g.cos(c.in(0)))));
    RULES.put(Op.COS, c -> c.give(0, c.g.neg(c.g.mul(c.gy(), c.g.sin(c.in(0))))));
    RULES.put(Op.SIGMOID, c -> {
      Value y = c.out(0);
      Value oneMinus = c.g.sub(c.g.scalarLike(y, 1.0), y);
      c.give(0, c.g.mul(c.gy(), c.g.mul(y, oneMinus)));
    });
    RULES.put(Op.TANH, c -> {
      Value y = c.out(0);
      Value oneMinus = c.g.sub(c.g.scalarLike(y, 1.0), c.g.mul(y, y));
      c.give(0, c.g.mul(c.gy(), oneMinus));
    });
    RULES.put(Op.RELU, c -> {
      Value pos = c.g.greater(c.in(0), c.g.scalarLike(c.in(0), 0.0));
      c.give(0, c.g.where(pos, c.gy(), c.g.scalarLike(c.gy(), 0.0)));
    });
    RULES.put(Op.SOFTPLUS, c -> c.give(0, c.g.mul(c.gy(), c.g.sigmoid(c.in(0)))));
    RULES.put(Op.MAX, GradientRules::maxMin);
    RULES.put(Op.MIN, GradientRules::maxMin);
    RULES.put(Op.REDUCE_SUM, c -> reduce(c, false));
    RULES.put(Op.REDUCE_MEAN, c -> reduce(c, true));
    RULES.put(Op.SOFTMAX, c -> {
      long axis = c.n.intAttribute("axis", -1);
      Value y = c.out(0);
      Value s = c.g.reduceSum(c.g.mul(c.gy(), y), true, axis);
      c.give(0, c.g.mul(y, c.g.sub(c.gy(), s)));
    });
    RULES.put(Op.LOG_SOFTMAX, c -> {
      long axis = c.n.intAttribute("axis", -1);
      Value s = c.g.reduceSum(c.gy(), true, axis);
      c.give(0, c.g.sub(c.gy(), c.g.mul(c.g.exp(c.out(0)), s)));
    });
    RULES.put(Op.MAT_MUL, GradientRules::matMul);
    RULES.put(Op.GEMM, GradientRules::gemm);
    RULES.put(Op.FUSED_MAT_MUL, GradientRules::fusedMatMul);
    RULES.put(Op.GATHER, GradientRules::gather);
    RULES.put(Op.GATHER_ELEMENTS, c -> {
      Value idx = int64(c.g, c.in(1));
      Map<String, Attribute> attrs = new LinkedHashMap<>();
      attrs.put("axis", Attribute.of(c.n.intAttribute("axis", 0)));
      attrs.put("reduction", Attribute.of("add"));
      c.give(0, c.g.op("ScatterElements", List.of(filled(c.g, 0.0, c.in(0)), idx, c.gy()), attrs, 1)
          .get(0));
    });
    RULES.put(Op.TRANSPOSE, c -> {
      Optional<Attribute> perm = c.n.attribute("perm");
      if (perm.isEmpty()) {
        c.give(0, c.g.transpose(c.gy()));
      } else {
        long[] p = perm.get().asLongs();
        long[] inv = new long[p.length];
        for (int i = 0; i < p.length; i++) {
          inv[(int) p[i]] = i;
        }
        c.give(0, c.g.transpose(c.gy(), inv));
      }
    });
    Rule reshapeLike = c -> c.give(0, reshape(c.g, c.gy(), shapeOf(c.g, c.in(0))));
    RULES.put(Op.RESHAPE, reshapeLike);
    RULES.put(Op.SQUEEZE, reshapeLike);
    RULES.put(Op.UNSQUEEZE, reshapeLike);
    RULES.put(Op.FLATTEN, reshapeLike);
    RULES.put(Op.EXPAND, c -> c.give(0, sumTo(c.g, c.gy(), c.in(0), c.out(0))));
    RULES.put(Op.CONCAT, GradientRules::concat);
    RULES.put(Op.SPLIT, GradientRules::split);
    RULES.put(Op.SLICE, GradientRules::slice);
    RULES.put(Op.WHERE, c -> {
      Value zero = c.g.scalarLike(c.gy(), 0.0);
      if (c.needs(1)) {
        c.give(1, sumTo(c.g, c.g.where(c.in(0), c.gy(), zero), c.in(1), c.out(0)));
      }
      if (c.needs(2)) {
        c.give(2, sumTo(c.g, c.g.where(c.in(0), zero, c.gy()), c.in(2), c.out(0)));
      }
    });
    Rule cast = c -> {
      DType dt = c.in(0).dtype();
      c.give(0, dt == c.gy().dtype() ? c.gy() : c.g.cast(c.gy(), dt));
    };
    RULES.put(Op.CAST, cast);
    RULES.put(Op.CAST_LIKE, cast);
  }

  /** The rule of {@code n}'s operator, if it has one. */
  static Optional<Rule> rule(Node n) {
    return Op.of(n.domain(), n.opType()).map(RULES::get);
  }

  /** True when {@code op} has a gradient rule. */
  static boolean hasRule(Op op) {
    return RULES.containsKey(op);
  }

  /** What a rule sees: the node, the gradients of its outputs, and where to put input gradients. */
  static final class Ctx {
    final GraphBuilder g;
    final Node n;
    private final Value[] outGrads;
    private final boolean[] needs;
    private final Map<String, List<Value>> contributions;

    Ctx(GraphBuilder g, Node n, Value[] outGrads, boolean[] needs,
        Map<String, List<Value>> contributions) {
      this.g = g;
      this.n = n;
      this.outGrads = outGrads;
      this.needs = needs;
      this.contributions = contributions;
    }

    /** Input {@code i}, or null when omitted. */
    Value in(int i) {
      String name = i < n.inputs().size() ? n.inputs().get(i) : "";
      return name.isEmpty() ? null : g.value(name).orElseThrow();
    }

    Value out(int i) {
      return g.value(n.outputs().get(i)).orElseThrow();
    }

    /** Gradient of output 0 (never null when a rule runs for a single-output node). */
    Value gy() {
      return outGrads[0];
    }

    Value gy(int k) {
      return outGrads[k];
    }

    boolean needs(int i) {
      return i < needs.length && needs[i];
    }

    void give(int i, Value grad) {
      if (needs(i)) {
        contributions.computeIfAbsent(n.inputs().get(i), k -> new ArrayList<>()).add(grad);
      }
    }

    UnsupportedOperationException unsupported(String why) {
      return new UnsupportedOperationException(
          "no gradient for " + n.opType() + " node '" + n.name() + "': " + why);
    }
  }

  // ------------------------------------------------------------------ helpers

  /** {@code a * b} for operands whose dtypes may differ (Pow's exponent). */
  private static Value mul(GraphBuilder g, Value a, Value b) {
    return g.op("Mul", Map.of(), a, b);
  }

  private static Value div(GraphBuilder g, Value a, Value b) {
    return g.op("Div", Map.of(), a, b);
  }

  /** The static shape of {@code v} when every dim is a known number, else null. */
  static long[] staticShape(Value v) {
    return v.shape().filter(Shape::isStatic).map(Shape::sizes).orElse(null);
  }

  /** The shape of {@code v} as a 1-D INT64 value: a constant when statically known. */
  static Value shapeOf(GraphBuilder g, Value v) {
    long[] s = staticShape(v);
    return s != null ? g.longs(s) : g.shape(v);
  }

  /** A tensor with the shape and dtype of {@code like}, every entry {@code value}. */
  static Value filled(GraphBuilder g, double value, Value like) {
    DType dt = like.dtype();
    Value shape = shapeOf(g, like);
    if (dt == DType.FLOAT16 || dt == DType.BFLOAT16) {
      Value z = g.constantOfShape(shape, DType.DOUBLE, value);
      return g.op("CastLike", Map.of(), z, like);
    }
    return g.constantOfShape(shape, dt, value);
  }

  /** Reshape to a run-time shape; {@code allowzero} keeps zero-size dims instead of copying. */
  static Value reshape(GraphBuilder g, Value x, Value shape) {
    return g.op("Reshape", Map.of("allowzero", Attribute.of(1L)), x, shape);
  }

  private static Value int64(GraphBuilder g, Value idx) {
    return idx.dtype() == DType.INT64 ? idx : g.cast(idx, DType.INT64);
  }

  private static Value scalarInt(GraphBuilder g, long v) {
    return g.constant(Tensor.scalar(v));
  }

  /** Sums {@code grad} (broadcast result shape) back to the shape of {@code x}. */
  static Value sumTo(GraphBuilder g, Value grad, Value x) {
    return sumTo(g, grad, x, null);
  }

  /**
   * {@link #sumTo(GraphBuilder, Value, Value)} where {@code grad} is known to have the shape of {@code
   * shapeOf} (an elementwise rule's forward output: the broadcast shape), which lets the reduction axes
   * be decided while building the graph even when the gradient's own shape was not inferred; a run-time
   * reduction over a size-1 leading axis costs as much as a copy.
   */
  static Value sumTo(GraphBuilder g, Value grad, Value x, Value shapeOf) {
    List<Dim> gs = grad.shape().map(Shape::dims).orElse(null);
    if (shapeOf != null && (gs == null || gs.stream().anyMatch(d -> !d.isKnown() && d.symbol().isEmpty()))) {
      List<Dim> hint = shapeOf.shape().map(Shape::dims).orElse(null);
      if (hint != null) {
        gs = hint;
      }
    }
    List<Dim> xs = x.shape().map(Shape::dims).orElse(null);
    if (gs != null && xs != null && gs.size() >= xs.size()) {
      int lead = gs.size() - xs.size();
      List<Long> axes = new ArrayList<>();
      for (int i = 0; i < lead; i++) {
        axes.add((long) i);
      }
      boolean decided = true;
      for (int i = 0; i < xs.size(); i++) {
        Dim gd = gs.get(lead + i);
        Dim xd = xs.get(i);
        if (isDefinite(gd) && gd.equals(xd)) {
          continue;
        }
        if (xd.isKnown() && xd.size() == 1) {
          axes.add((long) (lead + i));
        } else {
          decided = false;
          break;
        }
      }
      if (decided) {
        if (axes.isEmpty()) {
          return grad;
        }
        long[] a = axes.stream().mapToLong(Long::longValue).toArray();
        Value r = g.reduceSum(grad, true, a);
        if (lead > 0) {
          long[] leadAxes = new long[lead];
          for (int i = 0; i < lead; i++) {
            leadAxes[i] = i;
          }
          r = g.squeeze(r, leadAxes);
        }
        return r;
      }
    }
    // Run-time fallback: pad x's shape with leading ones to grad's rank, sum over the axes where it is 1.
    Value shapeG = g.shape(grad);
    Value shapeX = g.shape(x);
    Value diff = g.sub(g.shape(shapeG), g.shape(shapeX));
    Value ones = g.constantOfShape(diff, DType.INT64, 1);
    Value padded = g.concat(0, ones, shapeX);
    Value isOne = g.equal(padded, g.longs(1));
    // Reduce only where x is broadcast (1) and grad is not; when there is no such axis (the common case
    // for same-shaped operands whose shapes were not inferred) an If skips the reduction, which would
    // otherwise cost a full copy of grad.
    Value need = g.and(isOne, g.not(g.equal(shapeG, g.longs(1))));
    Value count = g.reduceSum(g.cast(need, DType.INT64), false);
    Value cond = g.greater(count, scalarInt(g, 0));
    // Axes are shifted by one behind an extra leading axis so that the list is never empty (ONNX
    // Runtime reduces empty tensors fully when given no axes, whatever noop_with_empty_axes says).
    GraphBuilder then = g.subgraph("sum_to_reduce");
    Value axes = then.reshape(then.op("NonZero", Map.of(), need), then.longs(-1));
    Value shifted = then.concat(0, then.longs(0), then.add(axes, then.longs(1)));
    Value g1 = then.unsqueeze(grad, 0);
    Value red = then.reduceSum(g1, shifted, true);
    then.output(then.squeeze(red, 0));
    GraphBuilder keep = g.subgraph("sum_to_keep");
    keep.output(keep.identity(grad));
    Graph thenBranch = then.build();
    Graph elseBranch = keep.build();
    Value result = g.ifThenElse(cond, thenBranch, elseBranch).get(0);
    return reshape(g, result, shapeX);
  }

  /** A dim whose equality with another proves equal sizes: a number or a named symbol. */
  private static boolean isDefinite(Dim d) {
    return d.isKnown() || d.symbol().isPresent();
  }

  private static void maxMin(Ctx c) {
    // The gradient goes to the first input equal to the output (ties are not split).
    GraphBuilder g = c.g;
    Value y = c.out(0);
    Value zero = g.scalarLike(c.gy(), 0.0);
    Value claimed = null;
    int count = c.n.inputs().size();
    for (int i = 0; i < count; i++) {
      Value mask;
      if (i == count - 1 && claimed != null) {
        mask = g.not(claimed);
      } else {
        Value eq = g.equal(c.in(i), y);
        mask = claimed == null ? eq : g.and(eq, g.not(claimed));
        claimed = claimed == null ? mask : g.or(claimed, mask);
      }
      if (c.needs(i)) {
        c.give(i, sumTo(g, g.where(mask, c.gy(), zero), c.in(i), c.out(0)));
      }
    }
  }

  private static void reduce(Ctx c, boolean mean) {
    GraphBuilder g = c.g;
    Value x = c.in(0);
    Value gy = c.gy();
    long[] axesAttr = c.n.attribute("axes").map(Attribute::asLongs).orElse(null);
    Value axesInput = c.in(1);
    boolean hasAxes = axesAttr != null || axesInput != null;
    boolean keep = c.n.intAttribute("keepdims", 1) != 0;
    boolean noop = c.n.intAttribute("noop_with_empty_axes", 0) != 0;
    long[] constAxes = axesAttr != null ? axesAttr : axesInput == null ? new long[0]
        : g.constantValue(axesInput).map(Tensor::toLongArray).orElse(null);
    if (noop && (!hasAxes || (constAxes != null && constAxes.length == 0))) {
      c.give(0, gy);
      return;
    }
    if (noop && constAxes == null) {
      throw c.unsupported("noop_with_empty_axes=1 with axes computed at run time");
    }
    Value grad = gy;
    if (!keep && hasAxes && (constAxes == null || constAxes.length > 0)) {
      Value axes = axesAttr != null ? g.longs(axesAttr) : axesInput;
      grad = g.op("Unsqueeze", Map.of(), grad, axes);
    }
    Value full = g.expand(grad, shapeOf(g, x));
    if (mean) {
      long[] xs = staticShape(x);
      long[] ys = staticShape(c.out(0));
      Value count;
      if (xs != null && ys != null) {
        count = g.scalarLike(gy, (double) product(xs) / product(ys));
      } else {
        Value ratio = g.div(g.size(x), g.size(c.out(0)));
        count = g.op("CastLike", Map.of(), ratio, gy);
      }
      full = g.div(full, count);
    }
    c.give(0, full);
  }

  private static long product(long[] s) {
    long p = 1;
    for (long d : s) {
      p *= d;
    }
    return p;
  }

  private static Value transposeLast(GraphBuilder g, Value x) {
    int r = x.rank();
    if (r >= 2) {
      long[] perm = new long[r];
      for (int i = 0; i < r; i++) {
        perm[i] = i;
      }
      perm[r - 2] = r - 1;
      perm[r - 1] = r - 2;
      return g.transpose(x, perm);
    }
    return g.einsum("...ij->...ji", x);
  }

  private static void matMul(Ctx c) {
    GraphBuilder g = c.g;
    Value a = c.in(0);
    Value b = c.in(1);
    int ra = a.rank();
    int rb = b.rank();
    if ((ra >= 0 && ra < 2) || (rb >= 0 && rb < 2)) {
      throw c.unsupported("operands of rank 1 (rank " + ra + " and " + rb + "); reshape to rank 2");
    }
    if (c.needs(0)) {
      Value ga = g.matMul(c.gy(), transposeLast(g, b));
      // With a matrix b (rank 2) the batch dims of gy are a's own: nothing was broadcast.
      c.give(0, rb == 2 && ra >= 2 ? ga : sumTo(g, ga, a));
    }
    if (c.needs(1)) {
      long[] bs = staticShape(b);
      if (rb == 2 && ra > 2 && bs != null) {
        // Weight matrix shared over a batch: one big GEMM instead of a batch of small ones.
        Value a2 = g.reshape(a, g.longs(-1, bs[0]));
        Value g2 = g.reshape(c.gy(), g.longs(-1, bs[1]));
        c.give(1, g.op("Gemm", List.of(a2, g2), Map.of("transA", Attribute.of(1L)), 1).get(0));
      } else if (rb == 2 && ra == 2) {
        c.give(1, g.op("Gemm", List.of(a, c.gy()), Map.of("transA", Attribute.of(1L)), 1).get(0));
      } else {
        c.give(1, sumTo(g, g.matMul(transposeLast(g, a), c.gy()), b));
      }
    }
  }

  /**
   * {@code com.microsoft} {@code FusedMatMul}: {@code Y = alpha op(A) op(B)}, {@code op} transposing
   * the last two axes when {@code transA} / {@code transB} is set ({@code transBatchA/B} are not
   * supported). The gradient of {@code A} reads {@code B} as stored (for {@code x W^T}: {@code gy W}, a
   * plain MatMul), so a frozen weight is never transposed.
   */
  private static void fusedMatMul(Ctx c) {
    GraphBuilder g = c.g;
    if (c.n.intAttribute("transBatchA", 0) != 0 || c.n.intAttribute("transBatchB", 0) != 0) {
      throw c.unsupported("transBatchA or transBatchB");
    }
    Value a = c.in(0);
    Value b = c.in(1);
    Value gy = c.gy();
    int ra = a.rank();
    int rb = b.rank();
    if ((ra >= 0 && ra < 2) || (rb >= 0 && rb < 2)) {
      throw c.unsupported("operands of rank 1 (rank " + ra + " and " + rb + "); reshape to rank 2");
    }
    float alpha = c.n.floatAttribute("alpha", 1f);
    boolean ta = c.n.intAttribute("transA", 0) != 0;
    boolean tb = c.n.intAttribute("transB", 0) != 0;
    if (c.needs(0)) {
      // d op(A) = alpha gy op(B)^T; with transA, dA = alpha op(B) gy^T.
      Value ga = !ta ? fused(g, gy, b, false, !tb, alpha) : fused(g, b, gy, tb, true, alpha);
      c.give(0, rb == 2 && ra >= 2 ? ga : sumTo(g, ga, a));
    }
    if (c.needs(1)) {
      long[] bs = staticShape(b);
      if (rb == 2 && ra > 2 && !ta && bs != null) {
        // A weight matrix shared over a batch: one GEMM over the flattened rows.
        long k = tb ? bs[1] : bs[0];
        long n = tb ? bs[0] : bs[1];
        Value a2 = g.reshape(a, g.longs(-1, k));
        Value g2 = g.reshape(gy, g.longs(-1, n));
        c.give(1, tb ? gemm2(g, g2, a2, true, false, alpha) : gemm2(g, a2, g2, true, false, alpha));
      } else if (rb == 2 && ra == 2) {
        c.give(1, tb ? gemm2(g, gy, a, true, ta, alpha) : gemm2(g, a, gy, !ta, false, alpha));
      } else {
        Value gb = tb ? fused(g, gy, a, true, ta, alpha) : fused(g, a, gy, !ta, false, alpha);
        c.give(1, sumTo(g, gb, b));
      }
    }
  }

  /** {@code alpha op(x) op(y)}: a plain MatMul when nothing is transposed or scaled. */
  private static Value fused(GraphBuilder g, Value x, Value y, boolean tx, boolean ty, float alpha) {
    if (!tx && !ty && alpha == 1f) {
      return g.matMul(x, y);
    }
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    attrs.put("transA", Attribute.of(tx ? 1L : 0L));
    attrs.put("transB", Attribute.of(ty ? 1L : 0L));
    attrs.put("alpha", Attribute.of(alpha));
    return g.op("com.microsoft", "FusedMatMul", List.of(x, y), attrs, List.of(g.dtypeOf(x)))
        .get(0);
  }

  private static void gemm(Ctx c) {
    GraphBuilder g = c.g;
    Value a = c.in(0);
    Value b = c.in(1);
    Value gy = c.gy();
    float alpha = c.n.floatAttribute("alpha", 1f);
    float beta = c.n.floatAttribute("beta", 1f);
    boolean ta = c.n.intAttribute("transA", 0) != 0;
    boolean tb = c.n.intAttribute("transB", 0) != 0;
    if (c.needs(0)) {
      c.give(0, !ta ? gemm2(g, gy, b, false, !tb, alpha) : gemm2(g, b, gy, tb, true, alpha));
    }
    if (c.needs(1)) {
      c.give(1, !tb ? gemm2(g, a, gy, !ta, false, alpha) : gemm2(g, gy, a, true, ta, alpha));
    }
    if (c.needs(2)) {
      Value scaled = beta == 1f ? gy : g.mul(gy, g.scalarLike(gy, beta));
      c.give(2, sumTo(g, scaled, c.in(2)));
    }
  }

  private static Value gemm2(GraphBuilder g, Value x, Value y, boolean tx, boolean ty, float alpha) {
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    attrs.put("transA", Attribute.of(tx ? 1L : 0L));
    attrs.put("transB", Attribute.of(ty ? 1L : 0L));
    attrs.put("alpha", Attribute.of(alpha));
    return g.op("Gemm", List.of(x, y), attrs, 1).get(0);
  }

  private static void gather(Ctx c) {
    GraphBuilder g = c.g;
    Value data = c.in(0);
    Value idx = int64(g, c.in(1));
    long axis = c.n.intAttribute("axis", 0);
    int r = data.rank();
    int q = idx.rank();
    if (axis < 0) {
      if (r < 0) {
        throw c.unsupported("negative axis with data of unknown rank");
      }
      axis += r;
    }
    Value idxCol = g.unsqueeze(idx, -1);
    Map<String, Attribute> add = Map.of("reduction", Attribute.of("add"));
    if (axis == 0) {
      Value zeros = filled(g, 0.0, data);
      c.give(0, g.op("ScatterND", List.of(zeros, idxCol, c.gy()), add, 1).get(0));
      return;
    }
    if (r < 0 || q < 0) {
      throw c.unsupported("axis " + axis + " needs data and indices of known rank");
    }
    // Move the gathered axis to the front, scatter-add there, move it back.
    int a = (int) axis;
    long[] gyPerm = new long[r - 1 + q];
    int k = 0;
    for (int i = 0; i < q; i++) {
      gyPerm[k++] = a + i;
    }
    for (int i = 0; i < a; i++) {
      gyPerm[k++] = i;
    }
    for (int i = a + q; i < r - 1 + q; i++) {
      gyPerm[k++] = i;
    }
    long[] dataPerm = new long[r];
    dataPerm[0] = a;
    k = 1;
    for (int i = 0; i < r; i++) {
      if (i != a) {
        dataPerm[k++] = i;
      }
    }
    long[] inv = new long[r];
    for (int i = 0; i < r; i++) {
      inv[(int) dataPerm[i]] = i;
    }
    Value gyT = g.transpose(c.gy(), gyPerm);
    Value shapeT = g.gather(shapeOf(g, data), g.longs(dataPerm), 0);
    Value zeros = g.constantOfShape(shapeT, data.dtype(), 0);
    Value scattered = g.op("ScatterND", List.of(zeros, idxCol, gyT), add, 1).get(0);
    c.give(0, g.transpose(scattered, inv));
  }

  /** The size of {@code x} along {@code axis} as a 1-element int64 tensor. */
  private static Value dimOf(GraphBuilder g, Value x, long axis) {
    long[] s = staticShape(x);
    if (s != null) {
      int a = (int) (axis < 0 ? axis + s.length : axis);
      return g.longs(s[a]);
    }
    return g.gather(g.shape(x), g.longs(axis), 0);
  }

  private static void concat(Ctx c) {
    GraphBuilder g = c.g;
    long axis = c.n.intAttribute("axis", 0);
    int count = c.n.inputs().size();
    List<Value> sizes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      sizes.add(dimOf(g, c.in(i), axis));
    }
    Value split = g.concat(0, sizes);
    List<Value> parts = g.op("Split", List.of(c.gy(), split), Map.of("axis", Attribute.of(axis)), count);
    for (int i = 0; i < count; i++) {
      c.give(i, parts.get(i));
    }
  }

  private static void split(Ctx c) {
    GraphBuilder g = c.g;
    long axis = c.n.intAttribute("axis", 0);
    List<Value> parts = new ArrayList<>();
    for (int k = 0; k < c.n.outputs().size(); k++) {
      Value grad = c.gy(k);
      parts.add(grad != null ? grad : filled(g, 0.0, c.out(k)));
    }
    c.give(0, g.concat(axis, parts));
  }

  private static void slice(Ctx c) {
    GraphBuilder g = c.g;
    Value data = c.in(0);
    Value stepsIn = c.in(4);
    if (stepsIn != null) {
      long[] steps = g.constantValue(stepsIn).map(Tensor::toLongArray).orElse(null);
      if (steps == null || Arrays.stream(steps).anyMatch(s -> s != 1)) {
        throw c.unsupported("only constant steps of 1 are supported, found "
            + (steps == null ? "run-time steps" : Arrays.toString(steps)));
      }
    }
    Value starts = int64(g, c.in(1));
    Value ends = int64(g, c.in(2));
    Value axes;
    if (c.in(3) != null) {
      axes = int64(g, c.in(3));
    } else {
      Optional<Tensor> st = g.constantValue(starts);
      if (st.isPresent()) {
        long[] a = new long[(int) st.get().numElements()];
        for (int i = 0; i < a.length; i++) {
          a[i] = i;
        }
        axes = g.longs(a);
      } else {
        axes = g.range(scalarInt(g, 0), g.size(starts), scalarInt(g, 1));
      }
    }
    // Clamp starts and ends like Slice does, then pad the gradient back with zeros.
    Value dims = g.gather(g.shape(data), axes, 0);
    Value zero = scalarInt(g, 0);
    Value s = normalize(g, starts, dims, zero);
    Value en = normalize(g, ends, dims, zero);
    en = g.max(en, s);
    // Pads for every axis (zero where not sliced) rather than Pad's optional axes input: ONNX
    // Runtime's transpose optimizer permutes a Pad's pads as if they covered every axis, which
    // breaks a Pad with axes when a Transpose is pushed through it.
    Value zeros = g.constantOfShape(g.shape(g.shape(data)), DType.INT64, 0);
    Map<String, Attribute> axis0 = Map.of("axis", Attribute.of(0L));
    Value begin = g.op("ScatterElements", List.of(zeros, axes, s), axis0, 1).get(0);
    Value end = g.op("ScatterElements", List.of(zeros, axes, g.sub(dims, en)), axis0, 1).get(0);
    Value pads = g.concat(0, begin, end);
    c.give(0, g.op("Pad", List.of(c.gy(), pads, g.scalarLike(c.gy(), 0.0)), Map.of(), 1).get(0));
  }

  private static Value normalize(GraphBuilder g, Value v, Value dims, Value zero) {
    Value neg = g.less(v, zero);
    Value shifted = g.where(neg, g.add(v, dims), v);
    return g.max(g.min(shifted, dims), zero);
  }
}
