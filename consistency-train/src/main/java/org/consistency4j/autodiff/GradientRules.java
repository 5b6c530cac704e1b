package org.consistency4j.autodiff;

import static org.consistency4j.autodiff.Emitter.attr;
import static org.consistency4j.autodiff.Emitter.attrInts;

import ai.onnx.proto.OnnxMl;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The gradient rule of each supported operator (see {@link Autodiff} for the list). */
final class GradientRules {
  private GradientRules() {}

  /** What a rule sees: the node, the gradients of its outputs, and where to put input gradients. */
  static final class Ctx {
    final Emitter e;
    final OnnxMl.NodeProto n;
    private final String[] outGrads;
    private final boolean[] needs;
    private final Map<String, List<String>> contributions;

    Ctx(
        Emitter e,
        OnnxMl.NodeProto n,
        String[] outGrads,
        boolean[] needs,
        Map<String, List<String>> contributions) {
      this.e = e;
      this.n = n;
      this.outGrads = outGrads;
      this.needs = needs;
      this.contributions = contributions;
    }

    String in(int i) {
      return TypeTable.input(n, i);
    }

    String out(int i) {
      return n.getOutput(i);
    }

    /** Gradient of output 0 (never null when a rule runs for a single-output node). */
    String gy() {
      return outGrads[0];
    }

    String gy(int k) {
      return outGrads[k];
    }

    boolean needs(int i) {
      return i < needs.length && needs[i];
    }

    void give(int i, String grad) {
      if (needs(i)) {
        contributions.computeIfAbsent(in(i), k -> new ArrayList<>()).add(grad);
      }
    }

    long attrInt(String name, long dflt) {
      return TypeTable.attrInt(n, name, dflt);
    }

    UnsupportedOperationException unsupported(String why) {
      return new UnsupportedOperationException(
          "no gradient for " + n.getOpType() + " node '" + n.getName() + "': " + why);
    }
  }

  static void apply(Ctx c) {
    Emitter e = c.e;
    String op = c.n.getOpType();
    switch (op) {
      case "Identity", "Dropout" -> {
        if (op.equals("Dropout") && !c.in(2).isEmpty()) {
          throw c.unsupported("training-mode Dropout; build dropout from a mask and Mul instead");
        }
        c.give(0, c.gy());
      }
      case "Add" -> {
        c.give(0, sumTo(e, c.gy(), c.in(0), c.out(0)));
        c.give(1, sumTo(e, c.gy(), c.in(1), c.out(0)));
      }
      case "Sum" -> {
        for (int i = 0; i < c.n.getInputCount(); i++) {
          if (c.needs(i)) {
            c.give(i, sumTo(e, c.gy(), c.in(i), c.out(0)));
          }
        }
      }
      case "Sub" -> {
        if (c.needs(0)) {
          c.give(0, sumTo(e, c.gy(), c.in(0), c.out(0)));
        }
        if (c.needs(1)) {
          c.give(1, sumTo(e, e.neg(c.gy()), c.in(1), c.out(0)));
        }
      }
      case "Mul" -> {
        if (c.needs(0)) {
          c.give(0, sumTo(e, e.mul(c.gy(), c.in(1)), c.in(0), c.out(0)));
        }
        if (c.needs(1)) {
          c.give(1, sumTo(e, e.mul(c.gy(), c.in(0)), c.in(1), c.out(0)));
        }
      }
      case "Div" -> {
        if (c.needs(0)) {
          c.give(0, sumTo(e, e.div(c.gy(), c.in(1)), c.in(0), c.out(0)));
        }
        if (c.needs(1)) {
          // d(a/b)/db = -(a/b)/b = -y/b
          String t = e.div(e.mul(c.gy(), c.out(0)), c.in(1));
          c.give(1, sumTo(e, e.neg(t), c.in(1), c.out(0)));
        }
      }
      case "Neg" -> c.give(0, e.neg(c.gy()));
      case "Pow" -> {
        if (c.needs(1)) {
          throw c.unsupported("the exponent must be a constant (it depends on a trained value)");
        }
        String x = c.in(0);
        String p = c.in(1);
        String pm1 = e.sub(p, e.scalarLike(1.0, p));
        String pow = e.op("Pow", x, pm1);
        String d = e.mul(e.mul(c.gy(), p), pow);
        c.give(0, sumTo(e, d, x, c.out(0)));
      }
      case "Sqrt" -> c.give(0, e.div(e.mul(c.gy(), e.scalarLike(0.5, c.gy())), c.out(0)));
      case "Reciprocal" -> c.give(0, e.neg(e.mul(c.gy(), e.mul(c.out(0), c.out(0)))));
      case "Exp" -> c.give(0, e.mul(c.gy(), c.out(0)));
      case "Log" -> c.give(0, e.div(c.gy(), c.in(0)));
      case "Sin" -> c.give(0, e.mul(c.gy(), e.op("Cos", c.in(0))));
      case "Cos" -> c.give(0, e.neg(e.mul(c.gy(), e.op("Sin", c.in(0)))));
      case "Sigmoid" -> {
        String y = c.out(0);
        String oneMinus = e.sub(e.scalarLike(1.0, y), y);
        c.give(0, e.mul(c.gy(), e.mul(y, oneMinus)));
      }
      case "Tanh" -> {
        String y = c.out(0);
        String oneMinus = e.sub(e.scalarLike(1.0, y), e.mul(y, y));
        c.give(0, e.mul(c.gy(), oneMinus));
      }
      case "Relu" -> {
        String pos = e.op("Greater", c.in(0), e.scalarLike(0.0, c.in(0)));
        c.give(0, e.op("Where", pos, c.gy(), e.scalarLike(0.0, c.gy())));
      }
      case "Softplus" -> c.give(0, e.mul(c.gy(), e.op("Sigmoid", c.in(0))));
      case "Max", "Min" -> {
        // The gradient goes to the first input equal to the output (ties are not split).
        String y = c.out(0);
        String zero = e.scalarLike(0.0, c.gy());
        String claimed = null;
        int count = c.n.getInputCount();
        for (int i = 0; i < count; i++) {
          String mask;
          if (i == count - 1 && claimed != null) {
            mask = e.op("Not", claimed);
          } else {
            String eq = e.op("Equal", c.in(i), y);
            mask = claimed == null ? eq : e.op("And", eq, e.op("Not", claimed));
            claimed = claimed == null ? mask : e.op("Or", claimed, mask);
          }
          if (c.needs(i)) {
            c.give(i, sumTo(e, e.op("Where", mask, c.gy(), zero), c.in(i), c.out(0)));
          }
        }
      }
      case "ReduceSum", "ReduceMean" -> reduce(c, op.equals("ReduceMean"));
      case "Softmax" -> {
        long axis = c.attrInt("axis", -1);
        String y = c.out(0);
        String s = e.reduceSum(e.mul(c.gy(), y), true, axis);
        c.give(0, e.mul(y, e.sub(c.gy(), s)));
      }
      case "LogSoftmax" -> {
        long axis = c.attrInt("axis", -1);
        String s = e.reduceSum(c.gy(), true, axis);
        c.give(0, e.sub(c.gy(), e.mul(e.op("Exp", c.out(0)), s)));
      }
      case "MatMul" -> matMul(c);
      case "Gemm" -> gemm(c);
      case "Gather" -> gather(c);
      case "GatherElements" -> {
        String idx = int64(e, c.in(1));
        c.give(
            0,
            e.op(
                "ScatterElements",
                List.of(e.zerosLike(c.in(0)), idx, c.gy()),
                attr("axis", c.attrInt("axis", 0)),
                attr("reduction", "add")));
      }
      case "Transpose" -> {
        long[] perm = TypeTable.attrInts(c.n, "perm");
        if (perm == null) {
          c.give(0, e.op("Transpose", c.gy()));
        } else {
          long[] inv = new long[perm.length];
          for (int i = 0; i < perm.length; i++) {
            inv[(int) perm[i]] = i;
          }
          c.give(0, e.op("Transpose", List.of(c.gy()), attrInts("perm", inv)));
        }
      }
      case "Reshape", "Squeeze", "Unsqueeze", "Flatten" -> c.give(0, reshapeLike(e, c.gy(), c.in(0)));
      case "Expand" -> c.give(0, sumTo(e, c.gy(), c.in(0), c.out(0)));
      case "Concat" -> concat(c);
      case "Split" -> split(c);
      case "Slice" -> slice(c);
      case "Where" -> {
        String zero = e.scalarLike(0.0, c.gy());
        if (c.needs(1)) {
          c.give(1, sumTo(e, e.op("Where", c.in(0), c.gy(), zero), c.in(1), c.out(0)));
        }
        if (c.needs(2)) {
          c.give(2, sumTo(e, e.op("Where", c.in(0), zero, c.gy()), c.in(2), c.out(0)));
        }
      }
      case "Cast", "CastLike" -> {
        int dt = e.dtype(c.in(0));
        if (dt == 0) {
          c.give(0, e.op("CastLike", c.gy(), c.in(0)));
        } else if (dt == e.dtype(c.gy())) {
          c.give(0, c.gy());
        } else {
          c.give(0, e.op("Cast", List.of(c.gy()), attr("to", (long) dt)));
        }
      }
      default -> throw c.unsupported("operator has no gradient rule");
    }
  }

  /** Sums {@code g} (broadcast result shape) back to the shape of {@code x}. */
  static String sumTo(Emitter e, String g, String x) {
    return sumTo(e, g, x, null);
  }

  /**
   * {@link #sumTo(Emitter, String, String)} where {@code g} is known to have the static shape of
   * {@code shapeOf} (an elementwise rule's forward output: the broadcast shape), which lets the
   * reduction axes be decided while building the graph even when the gradient's own shape was not
   * inferred; a run-time reduction over a size-1 leading axis costs as much as a copy.
   */
  static String sumTo(Emitter e, String g, String x, String shapeOf) {
    TypeTable t = e.types();
    List<Object> gs = t.shape(g);
    if (shapeOf != null && (gs == null || gs.contains(null))) {
      List<Object> hint = t.shape(shapeOf);
      if (hint != null) {
        gs = hint;
      }
    }
    List<Object> xs = t.shape(x);
    if (gs != null && xs != null && gs.size() >= xs.size()) {
      int lead = gs.size() - xs.size();
      List<Long> axes = new ArrayList<>();
      for (int i = 0; i < lead; i++) {
        axes.add((long) i);
      }
      boolean decided = true;
      for (int i = 0; i < xs.size(); i++) {
        Object gd = gs.get(lead + i);
        Object xd = xs.get(i);
        if (gd != null && gd.equals(xd)) {
          continue;
        }
        if (Objects.equals(xd, 1L)) {
          axes.add((long) (lead + i));
        } else {
          decided = false;
          break;
        }
      }
      if (decided) {
        if (axes.isEmpty()) {
          return g;
        }
        long[] a = axes.stream().mapToLong(Long::longValue).toArray();
        String r = e.reduceSum(g, true, a);
        if (lead > 0) {
          long[] leadAxes = new long[lead];
          for (int i = 0; i < lead; i++) {
            leadAxes[i] = i;
          }
          r = e.op("Squeeze", r, e.ints(leadAxes));
        }
        return r;
      }
    }
    // Run-time fallback: pad x's shape with leading ones to g's rank, sum over the axes where it is 1.
    String shapeG = e.op("Shape", g);
    String shapeX = e.op("Shape", x);
    String diff = e.sub(e.op("Shape", shapeG), e.op("Shape", shapeX));
    String ones =
        e.op("ConstantOfShape", List.of(diff),
            attr("value", Emitter.tensor(TypeTable.INT64, new long[] {1}, 1)));
    String padded = e.op("Concat", List.of(ones, shapeX), attr("axis", 0L));
    String isOne = e.op("Equal", padded, e.ints(1));
    // Reduce only where x is broadcast (1) and g is not; when there is no such axis (the common case
    // for same-shaped operands whose shapes were not inferred) an If skips the reduction, which would
    // otherwise cost a full copy of g.
    String need = e.op("And", isOne, e.op("Not", e.op("Equal", shapeG, e.ints(1))));
    String count = e.op("ReduceSum",
        List.of(e.op("Cast", List.of(need), attr("to", (long) TypeTable.INT64))),
        attr("keepdims", 0L));
    String cond = e.op("Greater", count, e.scalarInt(0));
    OnnxMl.GraphProto.Builder graph = e.graph();
    int start = graph.getNodeCount();
    // Axes are shifted by one behind an extra leading axis so that the list is never empty (ONNX
    // Runtime reduces empty tensors fully when given no axes, whatever noop_with_empty_axes says).
    String axes = e.op("Reshape", e.op("NonZero", need), e.ints(-1));
    String shifted = e.op("Concat", List.of(e.ints(0), e.add(axes, e.ints(1))), attr("axis", 0L));
    String g1 = e.op("Unsqueeze", g, e.ints(0));
    String red = e.op("ReduceSum", List.of(g1, shifted), attr("keepdims", 1L));
    String reduced = e.op("Squeeze", red, e.ints(0));
    OnnxMl.GraphProto thenBranch = branch(graph, start, "sum_to_reduce", reduced, e.dtype(x));
    start = graph.getNodeCount();
    String same = e.op("Identity", g);
    OnnxMl.GraphProto elseBranch = branch(graph, start, "sum_to_keep", same, e.dtype(x));
    String result = e.op("If", List.of(cond),
        OnnxMl.AttributeProto.newBuilder().setName("then_branch")
            .setType(OnnxMl.AttributeProto.AttributeType.GRAPH).setG(thenBranch).build(),
        OnnxMl.AttributeProto.newBuilder().setName("else_branch")
            .setType(OnnxMl.AttributeProto.AttributeType.GRAPH).setG(elseBranch).build());
    return reshape(e, result, shapeX);
  }

  /** Moves the nodes appended since {@code start} into a subgraph whose one output is {@code out}. */
  private static OnnxMl.GraphProto branch(OnnxMl.GraphProto.Builder graph, int start, String name,
      String out, int dtype) {
    OnnxMl.GraphProto.Builder b = OnnxMl.GraphProto.newBuilder().setName(name);
    while (graph.getNodeCount() > start) {
      b.addNode(0, graph.getNode(graph.getNodeCount() - 1));
      graph.removeNode(graph.getNodeCount() - 1);
    }
    OnnxMl.TypeProto.Tensor.Builder tt = OnnxMl.TypeProto.Tensor.newBuilder();
    if (dtype != 0) {
      tt.setElemType(dtype);
    }
    b.addOutput(OnnxMl.ValueInfoProto.newBuilder().setName(out)
        .setType(OnnxMl.TypeProto.newBuilder().setTensorType(tt)));
    return b.build();
  }

  /** Reshape to a run-time shape; {@code allowzero} keeps zero-size dims instead of copying. */
  static String reshape(Emitter e, String x, String shape) {
    return e.op("Reshape", List.of(x, shape), attr("allowzero", 1L));
  }

  private static String reshapeLike(Emitter e, String g, String x) {
    return reshape(e, g, e.shapeOf(x));
  }

  private static String int64(Emitter e, String idx) {
    if (e.dtype(idx) == TypeTable.INT64) {
      return idx;
    }
    return e.op("Cast", List.of(idx), attr("to", (long) TypeTable.INT64));
  }

  private static void reduce(Ctx c, boolean mean) {
    Emitter e = c.e;
    String x = c.in(0);
    String gy = c.gy();
    long[] axesAttr = TypeTable.attrInts(c.n, "axes");
    String axesInput = c.in(1);
    boolean hasAxes = axesAttr != null || !axesInput.isEmpty();
    boolean keep = c.attrInt("keepdims", 1) != 0;
    boolean noop = c.attrInt("noop_with_empty_axes", 0) != 0;
    long[] constAxes = axesAttr != null ? axesAttr : axesInput.isEmpty() ? new long[0]
        : e.types().constant(axesInput);
    if (noop && (!hasAxes || (constAxes != null && constAxes.length == 0))) {
      c.give(0, gy);
      return;
    }
    if (noop && constAxes == null) {
      throw c.unsupported("noop_with_empty_axes=1 with axes computed at run time");
    }
    String g = gy;
    if (!keep && hasAxes && (constAxes == null || constAxes.length > 0)) {
      String axes = axesAttr != null ? e.ints(axesAttr) : axesInput;
      g = e.op("Unsqueeze", g, axes);
    }
    String full = e.op("Expand", g, e.shapeOf(x));
    if (mean) {
      long[] xs = e.staticShape(x);
      long[] ys = e.staticShape(c.out(0));
      String count;
      if (xs != null && ys != null) {
        count = e.scalarLike((double) product(xs) / product(ys), gy);
      } else {
        String ratio = e.div(e.op("Size", x), e.op("Size", c.out(0)));
        count = e.op("CastLike", ratio, gy);
      }
      full = e.div(full, count);
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

  private static long[] swapLast(int rank) {
    long[] perm = new long[rank];
    for (int i = 0; i < rank; i++) {
      perm[i] = i;
    }
    perm[rank - 2] = rank - 1;
    perm[rank - 1] = rank - 2;
    return perm;
  }

  private static String transposeLast(Emitter e, String x) {
    int r = e.rank(x);
    if (r >= 2) {
      return e.op("Transpose", List.of(x), attrInts("perm", swapLast(r)));
    }
    return e.op("Einsum", List.of(x), attr("equation", "...ij->...ji"));
  }

  private static void matMul(Ctx c) {
    Emitter e = c.e;
    String a = c.in(0);
    String b = c.in(1);
    int ra = e.rank(a);
    int rb = e.rank(b);
    if ((ra >= 0 && ra < 2) || (rb >= 0 && rb < 2)) {
      throw c.unsupported("operands of rank 1 (rank " + ra + " and " + rb + "); reshape to rank 2");
    }
    if (c.needs(0)) {
      String ga = e.op("MatMul", c.gy(), transposeLast(e, b));
      // With a matrix b (rank 2) the batch dims of gy are a's own: nothing was broadcast.
      c.give(0, rb == 2 && ra >= 2 ? ga : sumTo(e, ga, a));
    }
    if (c.needs(1)) {
      long[] bs = e.staticShape(b);
      if (rb == 2 && ra > 2 && bs != null) {
        // Weight matrix shared over a batch: one big GEMM instead of a batch of small ones.
        String a2 = e.op("Reshape", a, e.ints(-1, bs[0]));
        String g2 = e.op("Reshape", c.gy(), e.ints(-1, bs[1]));
        c.give(1, e.op("Gemm", List.of(a2, g2), attr("transA", 1L)));
      } else if (rb == 2 && ra == 2) {
        c.give(1, e.op("Gemm", List.of(a, c.gy()), attr("transA", 1L)));
      } else {
        c.give(1, sumTo(e, e.op("MatMul", transposeLast(e, a), c.gy()), b));
      }
    }
  }

  private static void gemm(Ctx c) {
    Emitter e = c.e;
    String a = c.in(0);
    String b = c.in(1);
    String gy = c.gy();
    float alpha = floatAttr(c.n, "alpha", 1f);
    float beta = floatAttr(c.n, "beta", 1f);
    boolean ta = c.attrInt("transA", 0) != 0;
    boolean tb = c.attrInt("transB", 0) != 0;
    if (c.needs(0)) {
      String ga;
      if (!ta) {
        ga = gemm2(e, gy, b, false, !tb, alpha);
      } else {
        ga = gemm2(e, b, gy, tb, true, alpha);
      }
      c.give(0, ga);
    }
    if (c.needs(1)) {
      String gb;
      if (!tb) {
        gb = gemm2(e, a, gy, !ta, false, alpha);
      } else {
        gb = gemm2(e, gy, a, true, ta, alpha);
      }
      c.give(1, gb);
    }
    if (c.needs(2)) {
      String g = beta == 1f ? gy : e.mul(gy, e.scalarLike(beta, gy));
      c.give(2, sumTo(e, g, c.in(2)));
    }
  }

  private static String gemm2(Emitter e, String x, String y, boolean tx, boolean ty, float alpha) {
    return e.op(
        "Gemm",
        List.of(x, y),
        attr("transA", tx ? 1L : 0L),
        attr("transB", ty ? 1L : 0L),
        attr("alpha", alpha));
  }

  private static float floatAttr(OnnxMl.NodeProto n, String name, float dflt) {
    OnnxMl.AttributeProto a = TypeTable.attr(n, name);
    return a == null ? dflt : a.getF();
  }

  private static void gather(Ctx c) {
    Emitter e = c.e;
    String data = c.in(0);
    String idx = int64(e, c.in(1));
    long axis = c.attrInt("axis", 0);
    int r = e.rank(data);
    int q = e.rank(idx);
    if (axis < 0) {
      if (r < 0) {
        throw c.unsupported("negative axis with data of unknown rank");
      }
      axis += r;
    }
    String idxCol = e.op("Unsqueeze", idx, e.ints(-1));
    if (axis == 0) {
      String zeros = e.zerosLike(data);
      c.give(0, e.op("ScatterND", List.of(zeros, idxCol, c.gy()), attr("reduction", "add")));
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
    String gyT = e.op("Transpose", List.of(c.gy()), attrInts("perm", gyPerm));
    String shapeT = e.op("Gather", List.of(e.shapeOf(data), e.ints(dataPerm)), attr("axis", 0L));
    String zeros =
        e.op("ConstantOfShape", List.of(shapeT), attr("value", Emitter.tensor(
            e.dtype(data) == 0 ? OnnxMl.TensorProto.DataType.FLOAT_VALUE : e.dtype(data),
            new long[] {1}, 0.0)));
    String scattered = e.op("ScatterND", List.of(zeros, idxCol, gyT), attr("reduction", "add"));
    c.give(0, e.op("Transpose", List.of(scattered), attrInts("perm", inv)));
  }

  /** The size of {@code x} along {@code axis} as a 1-element int64 tensor. */
  private static String dimOf(Emitter e, String x, long axis) {
    long[] s = e.staticShape(x);
    if (s != null) {
      int a = (int) (axis < 0 ? axis + s.length : axis);
      return e.ints(s[a]);
    }
    return e.op("Gather", List.of(e.op("Shape", x), e.ints(axis)), attr("axis", 0L));
  }

  private static void concat(Ctx c) {
    Emitter e = c.e;
    long axis = c.attrInt("axis", 0);
    int count = c.n.getInputCount();
    List<String> sizes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      sizes.add(dimOf(e, c.in(i), axis));
    }
    String split = e.op("Concat", sizes, attr("axis", 0L));
    List<String> parts = e.opN("Split", List.of(c.gy(), split), count, attr("axis", axis));
    for (int i = 0; i < count; i++) {
      c.give(i, parts.get(i));
    }
  }

  private static void split(Ctx c) {
    Emitter e = c.e;
    long axis = c.attrInt("axis", 0);
    List<String> parts = new ArrayList<>();
    for (int k = 0; k < c.n.getOutputCount(); k++) {
      String g = c.gy(k);
      parts.add(g != null ? g : e.zerosLike(c.out(k)));
    }
    c.give(0, e.op("Concat", parts, attr("axis", axis)));
  }

  private static void slice(Ctx c) {
    Emitter e = c.e;
    String data = c.in(0);
    String stepsIn = c.in(4);
    if (!stepsIn.isEmpty()) {
      long[] steps = e.types().constant(stepsIn);
      if (steps == null || Arrays.stream(steps).anyMatch(s -> s != 1)) {
        throw c.unsupported("only constant steps of 1 are supported, found "
            + (steps == null ? "run-time steps" : Arrays.toString(steps)));
      }
    }
    String starts = int64(e, c.in(1));
    String ends = int64(e, c.in(2));
    String axes;
    if (!c.in(3).isEmpty()) {
      axes = int64(e, c.in(3));
    } else {
      long[] st = e.types().constant(starts);
      if (st != null) {
        long[] a = new long[st.length];
        for (int i = 0; i < a.length; i++) {
          a[i] = i;
        }
        axes = e.ints(a);
      } else {
        axes = e.op("Range", e.scalarInt(0), e.op("Size", starts), e.scalarInt(1));
      }
    }
    // Clamp starts and ends like Slice does, then pad the gradient back with zeros.
    String dims = e.op("Gather", List.of(e.op("Shape", data), axes), attr("axis", 0L));
    String zero = e.scalarInt(0);
    String s = normalize(e, starts, dims, zero);
    String en = normalize(e, ends, dims, zero);
    en = e.op("Max", en, s);
    // Pads for every axis (zero where not sliced) rather than Pad's optional axes input: ONNX
    // Runtime's transpose optimizer permutes a Pad's pads as if they covered every axis, which
    // breaks a Pad with axes when a Transpose is pushed through it.
    String zeros = e.op("ConstantOfShape", List.of(e.op("Shape", e.op("Shape", data))),
        attr("value", Emitter.tensor(TypeTable.INT64, new long[] {1}, 0)));
    String begin = e.op("ScatterElements", List.of(zeros, axes, s), attr("axis", 0L));
    String end = e.op("ScatterElements", List.of(zeros, axes, e.sub(dims, en)), attr("axis", 0L));
    String pads = e.op("Concat", List.of(begin, end), attr("axis", 0L));
    c.give(0, e.op("Pad", List.of(c.gy(), pads, e.scalarLike(0.0, c.gy()))));
  }

  private static String normalize(Emitter e, String v, String dims, String zero) {
    String neg = e.op("Less", v, zero);
    String shifted = e.op("Where", neg, e.add(v, dims), v);
    return e.op("Max", e.op("Min", shifted, dims), zero);
  }
}
