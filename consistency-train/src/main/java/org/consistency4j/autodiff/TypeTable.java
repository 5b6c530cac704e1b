package org.consistency4j.autodiff;

import ai.onnx.proto.OnnxMl;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What is statically known about the values of an ONNX graph: element type, shape (each dimension a
 * {@code Long} size, a {@code String} symbol, or {@code null} when unknown) and, for small integer
 * tensors, the constant contents. Filled from graph inputs, initializers and value_info, then propagated
 * node by node with a few rules per operator. Knowledge is only used to pick cheaper gradient graphs;
 * every rule has a run-time fallback when something is unknown. Not thread-safe.
 */
final class TypeTable {
  private static final int FLOAT = OnnxMl.TensorProto.DataType.FLOAT_VALUE;
  private static final int DOUBLE = OnnxMl.TensorProto.DataType.DOUBLE_VALUE;
  private static final int FLOAT16 = OnnxMl.TensorProto.DataType.FLOAT16_VALUE;
  private static final int BFLOAT16 = OnnxMl.TensorProto.DataType.BFLOAT16_VALUE;
  static final int INT64 = OnnxMl.TensorProto.DataType.INT64_VALUE;
  static final int INT32 = OnnxMl.TensorProto.DataType.INT32_VALUE;
  static final int BOOL = OnnxMl.TensorProto.DataType.BOOL_VALUE;

  private final Map<String, Integer> dtypes = new HashMap<>();
  private final Map<String, List<Object>> shapes = new HashMap<>();
  private final Map<String, long[]> constants = new HashMap<>();
  /**
   * Int64 values whose elements are known dimensions, possibly symbolic (for example {@code
   * Shape(input_ids)[1]} = {@code "seq"}), so that {@code Range(0, seq, 1)} gets the dimension {@code
   * seq} instead of an unknown one.
   */
  private final Map<String, List<Object>> dimValues = new HashMap<>();

  /** Reads everything declared in {@code graph} and propagates through its nodes. */
  static TypeTable of(OnnxMl.GraphProtoOrBuilder graph) {
    TypeTable t = new TypeTable();
    for (OnnxMl.ValueInfoProto v : graph.getInputList()) {
      t.declare(v);
    }
    for (OnnxMl.ValueInfoProto v : graph.getValueInfoList()) {
      t.declare(v);
    }
    for (OnnxMl.TensorProto init : graph.getInitializerList()) {
      t.declareTensor(init.getName(), init);
    }
    for (OnnxMl.NodeProto n : graph.getNodeList()) {
      t.infer(n);
    }
    for (OnnxMl.ValueInfoProto v : graph.getOutputList()) {
      if (!t.dtypes.containsKey(v.getName())) {
        t.declare(v);
      }
    }
    return t;
  }

  static boolean isFloating(int dtype) {
    return dtype == FLOAT || dtype == DOUBLE || dtype == FLOAT16 || dtype == BFLOAT16;
  }

  /** The element type of {@code name}, or 0 (UNDEFINED) when not known. */
  int dtype(String name) {
    return dtypes.getOrDefault(name, 0);
  }

  /** The shape of {@code name}, or null when not even the rank is known. */
  List<Object> shape(String name) {
    return shapes.get(name);
  }

  /** The rank of {@code name}, or -1. */
  int rank(String name) {
    List<Object> s = shapes.get(name);
    return s == null ? -1 : s.size();
  }

  /** The contents of a small constant integer tensor, or null. */
  long[] constant(String name) {
    return constants.get(name);
  }

  /** Fully numeric shape of {@code name}, or null. */
  long[] staticShape(String name) {
    List<Object> s = shapes.get(name);
    if (s == null) {
      return null;
    }
    long[] out = new long[s.size()];
    for (int i = 0; i < out.length; i++) {
      if (!(s.get(i) instanceof Long l)) {
        return null;
      }
      out[i] = l;
    }
    return out;
  }

  void set(String name, int dtype, List<Object> shape) {
    if (dtype != 0) {
      dtypes.put(name, dtype);
    }
    if (shape != null) {
      shapes.put(name, shape);
    }
  }

  private void declare(OnnxMl.ValueInfoProto v) {
    if (!v.hasType() || !v.getType().hasTensorType()) {
      return;
    }
    OnnxMl.TypeProto.Tensor tt = v.getType().getTensorType();
    List<Object> shape = null;
    if (tt.hasShape()) {
      shape = new ArrayList<>();
      for (OnnxMl.TensorShapeProto.Dimension d : tt.getShape().getDimList()) {
        if (d.hasDimValue()) {
          shape.add(d.getDimValue());
        } else if (d.hasDimParam() && !d.getDimParam().isEmpty()) {
          shape.add(d.getDimParam());
        } else {
          shape.add(null);
        }
      }
    }
    set(v.getName(), tt.getElemType(), shape);
  }

  private void declareTensor(String name, OnnxMl.TensorProto t) {
    List<Object> shape = new ArrayList<>();
    long n = 1;
    for (long d : t.getDimsList()) {
      shape.add(d);
      n *= d;
    }
    set(name, t.getDataType(), shape);
    if ((t.getDataType() == INT64 || t.getDataType() == INT32) && n <= 64) {
      long[] vals = intContents(t, (int) n);
      if (vals != null) {
        constants.put(name, vals);
      }
    }
  }

  private static long[] intContents(OnnxMl.TensorProto t, int n) {
    if (t.getDataType() == INT64 && t.getInt64DataCount() == n) {
      return t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
    }
    if (t.getDataType() == INT32 && t.getInt32DataCount() == n) {
      return t.getInt32DataList().stream().mapToLong(Integer::longValue).toArray();
    }
    if (t.hasRawData()) {
      ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      int width = t.getDataType() == INT64 ? 8 : 4;
      if (b.remaining() != (long) n * width) {
        return null;
      }
      long[] out = new long[n];
      for (int i = 0; i < n; i++) {
        out[i] = width == 8 ? b.getLong() : b.getInt();
      }
      return out;
    }
    return null;
  }

  private static List<Object> dims(long... d) {
    List<Object> out = new ArrayList<>();
    for (long x : d) {
      out.add(x);
    }
    return out;
  }

  /** Broadcast of two dims, or null when unknown. */
  private static Object broadcastDim(Object a, Object b) {
    if (Objects.equals(a, 1L)) {
      return b;
    }
    if (Objects.equals(b, 1L)) {
      return a;
    }
    if (a != null && a.equals(b)) {
      return a;
    }
    if (a instanceof Long) {
      return a;
    }
    if (b instanceof Long) {
      return b;
    }
    return null;
  }

  private List<Object> broadcast(List<String> inputs) {
    List<Object> out = new ArrayList<>();
    for (String in : inputs) {
      if (in.isEmpty()) {
        continue;
      }
      List<Object> s = shapes.get(in);
      if (s == null) {
        return null;
      }
      List<Object> merged = new ArrayList<>();
      int r = Math.max(out.size(), s.size());
      for (int i = 0; i < r; i++) {
        int io = i - (r - out.size());
        int is = i - (r - s.size());
        Object a = io >= 0 ? out.get(io) : 1L;
        Object b = is >= 0 ? s.get(is) : 1L;
        merged.add(broadcastDim(a, b));
      }
      out = merged;
    }
    return out;
  }

  static long attrInt(OnnxMl.NodeProto n, String name, long dflt) {
    for (OnnxMl.AttributeProto a : n.getAttributeList()) {
      if (a.getName().equals(name)) {
        return a.getI();
      }
    }
    return dflt;
  }

  static long[] attrInts(OnnxMl.NodeProto n, String name) {
    for (OnnxMl.AttributeProto a : n.getAttributeList()) {
      if (a.getName().equals(name)) {
        return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
      }
    }
    return null;
  }

  static OnnxMl.AttributeProto attr(OnnxMl.NodeProto n, String name) {
    for (OnnxMl.AttributeProto a : n.getAttributeList()) {
      if (a.getName().equals(name)) {
        return a;
      }
    }
    return null;
  }

  static String input(OnnxMl.NodeProto n, int i) {
    return i < n.getInputCount() ? n.getInput(i) : "";
  }

  /** The axes of a node that takes them as an attribute (old opsets) or as input {@code index}. */
  long[] axes(OnnxMl.NodeProto n, int index) {
    long[] a = attrInts(n, "axes");
    if (a != null) {
      return a;
    }
    String in = input(n, index);
    if (in.isEmpty()) {
      return new long[0];
    }
    return constants.get(in);
  }

  private static int norm(long axis, int rank) {
    return (int) (axis < 0 ? axis + rank : axis);
  }

  /** Propagates types through {@code n}. Unknown operators leave their outputs unknown. */
  void infer(OnnxMl.NodeProto n) {
    String op = n.getOpType();
    String x = input(n, 0);
    int dt = dtype(x);
    List<Object> xs = shapes.get(x);
    int r = xs == null ? -1 : xs.size();
    List<Object> out = null;
    switch (op) {
      case "Identity", "Neg", "Sqrt", "Reciprocal", "Exp", "Log", "Sigmoid", "Tanh", "Relu", "Softplus",
          "Softmax", "LogSoftmax", "Sin", "Cos", "Abs", "Erf", "Not", "Floor", "Ceil", "Round", "Sign",
          "Trilu", "CumSum", "Dropout", "IsNaN", "IsInf" -> {
        out = xs;
        if (op.equals("Identity") && constants.containsKey(x)) {
          constants.put(n.getOutput(0), constants.get(x));
        }
      }
      case "Cast", "CastLike" -> {
        out = xs;
        if (constants.containsKey(x)) {
          constants.put(n.getOutput(0), constants.get(x));
        }
      }
      case "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "Equal", "Less", "Greater",
          "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "Where", "Mod" -> out = broadcast(
              n.getInputList());
      case "MatMul" -> {
        List<Object> bs = shapes.get(input(n, 1));
        if (xs != null && bs != null && xs.size() >= 2 && bs.size() >= 2) {
          List<Object> batch = broadcastBatch(xs.subList(0, xs.size() - 2), bs.subList(0, bs.size() - 2));
          if (batch != null) {
            out = new ArrayList<>(batch);
            out.add(xs.get(xs.size() - 2));
            out.add(bs.get(bs.size() - 1));
          }
        }
      }
      case "Gemm" -> {
        List<Object> bs = shapes.get(input(n, 1));
        if (xs != null && bs != null) {
          out = new ArrayList<>();
          out.add(attrInt(n, "transA", 0) == 0 ? xs.get(0) : xs.get(1));
          out.add(attrInt(n, "transB", 0) == 0 ? bs.get(1) : bs.get(0));
        }
      }
      case "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL2",
          "ReduceLogSumExp", "ReduceSumSquare" -> {
        long[] axes = axes(n, 1);
        boolean keep = attrInt(n, "keepdims", 1) != 0;
        boolean noop = attrInt(n, "noop_with_empty_axes", 0) != 0;
        if (xs != null && axes != null) {
          if (axes.length == 0 && noop) {
            out = xs;
          } else {
            boolean[] red = new boolean[r];
            for (long a : axes) {
              red[norm(a, r)] = true;
            }
            out = new ArrayList<>();
            for (int i = 0; i < r; i++) {
              if (axes.length == 0 || red[i]) {
                if (keep) {
                  out.add(1L);
                }
              } else {
                out.add(xs.get(i));
              }
            }
          }
        }
      }
      case "ArgMax", "ArgMin" -> {
        dt = INT64;
        if (xs != null) {
          int axis = norm(attrInt(n, "axis", 0), r);
          out = new ArrayList<>(xs);
          if (attrInt(n, "keepdims", 1) != 0) {
            out.set(axis, 1L);
          } else {
            out.remove(axis);
          }
        }
      }
      case "Shape" -> {
        dt = INT64;
        if (xs != null) {
          long start = attrInt(n, "start", 0);
          long end = attrInt(n, "end", r);
          int s = Math.max(0, Math.min(r, norm(start, r)));
          int e = Math.max(s, Math.min(r, norm(end, r)));
          out = dims(e - s);
          dimValues.put(n.getOutput(0), new ArrayList<>(xs.subList(s, e)));
          long[] st = staticShape(x);
          if (st != null) {
            constants.put(n.getOutput(0), Arrays.copyOfRange(st, s, e));
          }
        } else {
          out = new ArrayList<>(Arrays.asList((Object) null));
        }
      }
      case "Size" -> {
        dt = INT64;
        out = dims();
      }
      case "NonZero" -> {
        dt = INT64;
        out = new ArrayList<>(Arrays.asList(r < 0 ? null : (Object) (long) r, null));
      }
      case "Constant" -> {
        OnnxMl.AttributeProto v = attr(n, "value");
        if (v != null) {
          declareTensor(n.getOutput(0), v.getT());
          return;
        }
        OnnxMl.AttributeProto vi = attr(n, "value_ints");
        if (vi != null) {
          long[] vals = vi.getIntsList().stream().mapToLong(Long::longValue).toArray();
          set(n.getOutput(0), INT64, dims(vals.length));
          constants.put(n.getOutput(0), vals);
          return;
        }
        OnnxMl.AttributeProto vint = attr(n, "value_int");
        if (vint != null) {
          set(n.getOutput(0), INT64, dims());
          constants.put(n.getOutput(0), new long[] {vint.getI()});
          return;
        }
        return;
      }
      case "ConstantOfShape" -> {
        OnnxMl.AttributeProto v = attr(n, "value");
        dt = v == null ? FLOAT : v.getT().getDataType();
        out = shapeFromInput(x);
      }
      case "Reshape" -> {
        long[] target = constants.get(input(n, 1));
        if (target != null) {
          out = new ArrayList<>();
          for (int i = 0; i < target.length; i++) {
            long t = target[i];
            if (t == 0 && attrInt(n, "allowzero", 0) == 0 && xs != null && i < r) {
              out.add(xs.get(i));
            } else {
              out.add(t > 0 ? (Object) t : t == 0 ? (Object) 0L : null);
            }
          }
          long[] xst = staticShape(x);
          int unknownAt = out.indexOf(null);
          if (xst != null && unknownAt >= 0 && out.stream().filter(Objects::isNull).count() == 1) {
            long total = 1;
            for (long d : xst) {
              total *= d;
            }
            long known = 1;
            boolean ok = true;
            for (Object d : out) {
              if (d instanceof Long l) {
                known *= l;
              } else if (d != null) {
                ok = false;
              }
            }
            if (ok && known > 0) {
              out.set(unknownAt, total / known);
            }
          }
        } else {
          out = shapeFromInput(input(n, 1));
        }
        if (constants.containsKey(x)) {
          constants.put(n.getOutput(0), constants.get(x));
        }
      }
      case "Flatten" -> {
        if (xs != null) {
          int axis = norm(attrInt(n, "axis", 1), r);
          out = new ArrayList<>(Arrays.asList(product(xs.subList(0, axis)), product(xs.subList(axis, r))));
        }
      }
      case "Transpose" -> {
        if (xs != null) {
          long[] perm = attrInts(n, "perm");
          out = new ArrayList<>();
          for (int i = 0; i < r; i++) {
            out.add(xs.get(perm == null ? r - 1 - i : (int) perm[i]));
          }
        }
      }
      case "Squeeze", "Unsqueeze" -> {
        long[] axes = axes(n, 1);
        if (dimValues.containsKey(x) && dimValues.get(x).size() == 1) {
          dimValues.put(n.getOutput(0), dimValues.get(x));
        }
        if (xs != null && axes != null) {
          if (op.equals("Squeeze")) {
            if (axes.length == 0) {
              out = null;
            } else {
              boolean[] drop = new boolean[r];
              for (long a : axes) {
                drop[norm(a, r)] = true;
              }
              out = new ArrayList<>();
              for (int i = 0; i < r; i++) {
                if (!drop[i]) {
                  out.add(xs.get(i));
                }
              }
            }
          } else {
            int outRank = r + axes.length;
            boolean[] ins = new boolean[outRank];
            for (long a : axes) {
              ins[norm(a, outRank)] = true;
            }
            out = new ArrayList<>();
            int j = 0;
            for (int i = 0; i < outRank; i++) {
              out.add(ins[i] ? 1L : xs.get(j++));
            }
          }
          long[] c = constants.get(x);
          if (c != null) {
            constants.put(n.getOutput(0), c);
          }
        }
      }
      case "Concat" -> {
        if (xs != null) {
          int axis = norm(attrInt(n, "axis", 0), r);
          out = new ArrayList<>(xs);
          Object total = 0L;
          List<long[]> parts = new ArrayList<>();
          for (String in : n.getInputList()) {
            List<Object> s = shapes.get(in);
            if (s == null || s.size() != r) {
              total = null;
              parts = null;
              break;
            }
            total = total instanceof Long t && s.get(axis) instanceof Long l ? (Object) (t + l) : null;
            if (parts != null) {
              long[] c = constants.get(in);
              if (c == null) {
                parts = null;
              } else {
                parts.add(c);
              }
            }
          }
          out.set(axis, total);
          if (parts != null && r == 1) {
            constants.put(n.getOutput(0), parts.stream().flatMapToLong(Arrays::stream).toArray());
          }
        }
      }
      case "Slice" -> {
        if (xs != null) {
          out = new ArrayList<>(xs);
          long[] starts = constants.get(input(n, 1));
          long[] ends = constants.get(input(n, 2));
          long[] axes = input(n, 3).isEmpty() ? null : constants.get(input(n, 3));
          long[] steps = input(n, 4).isEmpty() ? null : constants.get(input(n, 4));
          boolean axesKnown = input(n, 3).isEmpty() || axes != null;
          boolean stepsKnown = input(n, 4).isEmpty() || steps != null;
          if (starts != null && ends != null && axesKnown && stepsKnown) {
            for (int i = 0; i < starts.length; i++) {
              int a = axes == null ? i : norm(axes[i], r);
              long step = steps == null ? 1 : steps[i];
              Object d = xs.get(a);
              if (d instanceof Long dim && step == 1) {
                long s = clamp(starts[i] < 0 ? starts[i] + dim : starts[i], 0, dim);
                long e = clamp(ends[i] < 0 ? ends[i] + dim : ends[i], 0, dim);
                out.set(a, Math.max(0, e - s));
              } else {
                out.set(a, null);
              }
            }
          } else {
            for (int i = 0; i < r; i++) {
              out.set(i, null);
            }
          }
        }
      }
      case "Split" -> {
        if (xs != null) {
          int axis = norm(attrInt(n, "axis", 0), r);
          long[] split = attrInts(n, "split");
          if (split == null && !input(n, 1).isEmpty()) {
            split = constants.get(input(n, 1));
          }
          for (int k = 0; k < n.getOutputCount(); k++) {
            List<Object> s = new ArrayList<>(xs);
            Object d = xs.get(axis);
            if (split != null) {
              s.set(axis, split[k]);
            } else if (d instanceof Long l && l % n.getOutputCount() == 0) {
              s.set(axis, l / n.getOutputCount());
            } else {
              s.set(axis, null);
            }
            set(n.getOutput(k), dt, s);
          }
          return;
        }
      }
      case "Gather" -> {
        List<Object> is = shapes.get(input(n, 1));
        if (xs != null && is != null) {
          int axis = norm(attrInt(n, "axis", 0), r);
          out = new ArrayList<>(xs.subList(0, axis));
          out.addAll(is);
          out.addAll(xs.subList(axis + 1, r));
          long[] c = constants.get(x);
          long[] idx = constants.get(input(n, 1));
          if (c != null && idx != null && r == 1) {
            long[] v = new long[idx.length];
            for (int i = 0; i < idx.length; i++) {
              v[i] = c[(int) (idx[i] < 0 ? idx[i] + c.length : idx[i])];
            }
            constants.put(n.getOutput(0), v);
          }
        }
      }
      case "GatherElements" -> out = shapes.get(input(n, 1));
      case "ScatterND", "ScatterElements", "Pad" -> out = op.equals("Pad") && xs != null
          ? nulls(r) : xs;
      case "Expand" -> {
        List<Object> target = shapeFromInput(input(n, 1));
        if (xs != null && target != null) {
          List<Object> both = broadcastLists(xs, target);
          out = both;
        }
      }
      case "Range" -> {
        // Range(0, d, 1) has d elements, also when d is a symbolic dimension.
        long[] start = constants.get(input(n, 0));
        long[] delta = constants.get(input(n, 2));
        List<Object> limit = dimValues.get(input(n, 1));
        Object len = null;
        if (start != null && start.length == 1 && start[0] == 0 && delta != null && delta.length == 1
            && delta[0] == 1 && limit != null && limit.size() == 1) {
          len = limit.get(0);
        }
        out = new ArrayList<>(Arrays.asList(len));
      }
      case "Einsum" -> out = null;
      default -> out = null;
    }
    for (int k = 0; k < n.getOutputCount(); k++) {
      String o = n.getOutput(k);
      if (o.isEmpty()) {
        continue;
      }
      int odt = outputDtype(n, dt);
      set(o, k == 0 ? odt : (op.equals("Dropout") ? BOOL : odt), k == 0 ? out : null);
    }
  }

  private static List<Object> nulls(int r) {
    List<Object> out = new ArrayList<>();
    for (int i = 0; i < r; i++) {
      out.add(null);
    }
    return out;
  }

  private static long clamp(long v, long lo, long hi) {
    return Math.max(lo, Math.min(hi, v));
  }

  private static Object product(List<Object> dims) {
    long p = 1;
    for (Object d : dims) {
      if (!(d instanceof Long l)) {
        return null;
      }
      p *= l;
    }
    return p;
  }

  private List<Object> broadcastLists(List<Object> a, List<Object> b) {
    int r = Math.max(a.size(), b.size());
    List<Object> out = new ArrayList<>();
    for (int i = 0; i < r; i++) {
      int ia = i - (r - a.size());
      int ib = i - (r - b.size());
      out.add(broadcastDim(ia >= 0 ? a.get(ia) : 1L, ib >= 0 ? b.get(ib) : 1L));
    }
    return out;
  }

  private List<Object> broadcastBatch(List<Object> a, List<Object> b) {
    return broadcastLists(a, b);
  }

  /** The shape described by the 1-D int64 tensor {@code shapeValue}: exact if constant, else its rank. */
  private List<Object> shapeFromInput(String shapeValue) {
    long[] c = constants.get(shapeValue);
    if (c != null) {
      List<Object> out = new ArrayList<>();
      for (long v : c) {
        out.add(v >= 0 ? (Object) v : null);
      }
      return out;
    }
    List<Object> s = shapes.get(shapeValue);
    if (s != null && s.size() == 1 && s.get(0) instanceof Long len) {
      return nulls(len.intValue());
    }
    return null;
  }

  private int outputDtype(OnnxMl.NodeProto n, int inputDtype) {
    switch (n.getOpType()) {
      case "Shape", "Size", "NonZero", "ArgMax", "ArgMin":
        return INT64;
      case "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or", "Xor",
          "IsNaN", "IsInf":
        return BOOL;
      case "Cast":
        return (int) attrInt(n, "to", 0);
      case "CastLike":
        return dtype(input(n, 1));
      case "If":
        // The declared element type of the then-branch's first output.
        for (OnnxMl.AttributeProto a : n.getAttributeList()) {
          if (a.getName().equals("then_branch") && a.getG().getOutputCount() > 0) {
            return a.getG().getOutput(0).getType().getTensorType().getElemType();
          }
        }
        return 0;
      case "Where":
        return dtype(input(n, 1));
      case "ConstantOfShape":
        OnnxMl.AttributeProto v = attr(n, "value");
        return v == null ? FLOAT : v.getT().getDataType();
      default:
        return inputDtype;
    }
  }
}
