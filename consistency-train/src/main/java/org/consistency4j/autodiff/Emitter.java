package org.consistency4j.autodiff;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Appends nodes in standard {@code ai.onnx} operators to a graph under construction, with fresh value names
 * and type propagation into a {@link TypeTable}, so later rules know dtypes and shapes of what was emitted.
 * Used by the gradient rules, the losses and the optimizer graphs. Not thread-safe.
 */
public final class Emitter {
  private final OnnxMl.GraphProto.Builder graph;
  private final TypeTable types;
  private final Set<String> used = new HashSet<>();
  private final String prefix;
  private int counter;

  /**
   * Creates an emitter appending to {@code graph}; new value and node names start with {@code prefix}.
   *
   * @param graph the graph to append to (mutated by every call)
   * @param prefix name prefix for emitted values, for example {@code "grad/"}
   */
  public Emitter(OnnxMl.GraphProto.Builder graph, String prefix) {
    this.graph = graph;
    this.prefix = prefix;
    this.types = TypeTable.of(graph);
    for (OnnxMl.ValueInfoProto v : graph.getInputList()) {
      used.add(v.getName());
    }
    for (OnnxMl.TensorProto t : graph.getInitializerList()) {
      used.add(t.getName());
    }
    for (OnnxMl.NodeProto n : graph.getNodeList()) {
      used.addAll(n.getOutputList());
      used.add(n.getName());
    }
  }

  /** The graph being built. */
  public OnnxMl.GraphProto.Builder graph() {
    return graph;
  }

  TypeTable types() {
    return types;
  }

  /** The ONNX element type code of {@code value}, or 0 when not known. */
  public int dtype(String value) {
    return types.dtype(value);
  }

  /** The static shape of {@code value} when every dimension is a known number, else null. */
  public long[] staticShape(String value) {
    return types.staticShape(value);
  }

  /** The rank of {@code value}, or -1 when unknown. */
  public int rank(String value) {
    return types.rank(value);
  }

  /** A name not used in the graph yet. */
  public String fresh(String hint) {
    String name;
    do {
      name = prefix + hint + "_" + counter++;
    } while (used.contains(name));
    used.add(name);
    return name;
  }

  /** Appends a node with one output and returns the output name. */
  public String op(String opType, List<String> inputs, OnnxMl.AttributeProto... attrs) {
    return opN(opType, inputs, 1, attrs).get(0);
  }

  /** Appends a node with one output and returns the output name. */
  public String op(String opType, String... inputs) {
    return op(opType, Arrays.asList(inputs));
  }

  /** Appends a node with {@code outputs} outputs and returns their names. */
  public List<String> opN(String opType, List<String> inputs, int outputs, OnnxMl.AttributeProto... attrs) {
    OnnxMl.NodeProto.Builder n = OnnxMl.NodeProto.newBuilder().setOpType(opType).setName(fresh(opType));
    n.addAllInput(inputs);
    List<String> outs = new ArrayList<>();
    for (int i = 0; i < outputs; i++) {
      String o = fresh(opType.toLowerCase());
      outs.add(o);
      n.addOutput(o);
    }
    for (OnnxMl.AttributeProto a : attrs) {
      n.addAttribute(a);
    }
    OnnxMl.NodeProto node = n.build();
    graph.addNode(node);
    types.infer(node);
    return outs;
  }

  /** Integer attribute. */
  public static OnnxMl.AttributeProto attr(String name, long value) {
    return OnnxMl.AttributeProto.newBuilder()
        .setName(name)
        .setType(OnnxMl.AttributeProto.AttributeType.INT)
        .setI(value)
        .build();
  }

  /** Float attribute. */
  public static OnnxMl.AttributeProto attr(String name, float value) {
    return OnnxMl.AttributeProto.newBuilder()
        .setName(name)
        .setType(OnnxMl.AttributeProto.AttributeType.FLOAT)
        .setF(value)
        .build();
  }

  /** String attribute. */
  public static OnnxMl.AttributeProto attr(String name, String value) {
    return OnnxMl.AttributeProto.newBuilder()
        .setName(name)
        .setType(OnnxMl.AttributeProto.AttributeType.STRING)
        .setS(ByteString.copyFromUtf8(value))
        .build();
  }

  /** Integer-list attribute. */
  public static OnnxMl.AttributeProto attrInts(String name, long... values) {
    OnnxMl.AttributeProto.Builder b =
        OnnxMl.AttributeProto.newBuilder()
            .setName(name)
            .setType(OnnxMl.AttributeProto.AttributeType.INTS);
    for (long v : values) {
      b.addInts(v);
    }
    return b.build();
  }

  /** Tensor attribute. */
  public static OnnxMl.AttributeProto attr(String name, OnnxMl.TensorProto value) {
    return OnnxMl.AttributeProto.newBuilder()
        .setName(name)
        .setType(OnnxMl.AttributeProto.AttributeType.TENSOR)
        .setT(value)
        .build();
  }

  /** A tensor proto of element type {@code dtype} (float types and int64) holding {@code values}. */
  public static OnnxMl.TensorProto tensor(int dtype, long[] dims, double... values) {
    OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setDataType(dtype);
    for (long d : dims) {
      t.addDims(d);
    }
    if (dtype == OnnxMl.TensorProto.DataType.FLOAT_VALUE) {
      for (double v : values) {
        t.addFloatData((float) v);
      }
    } else if (dtype == OnnxMl.TensorProto.DataType.DOUBLE_VALUE) {
      for (double v : values) {
        t.addDoubleData(v);
      }
    } else if (dtype == TypeTable.INT64) {
      for (double v : values) {
        t.addInt64Data((long) v);
      }
    } else {
      throw new IllegalArgumentException("dtype must be a floating point type or INT64, found " + dtype);
    }
    return t.build();
  }

  /** A 1-D int64 constant. */
  public String ints(long... values) {
    OnnxMl.TensorProto.Builder t =
        OnnxMl.TensorProto.newBuilder().setDataType(TypeTable.INT64).addDims(values.length);
    for (long v : values) {
      t.addInt64Data(v);
    }
    return op("Constant", List.of(), attr("value", t.build()));
  }

  /** A scalar int64 constant. */
  public String scalarInt(long value) {
    return op(
        "Constant",
        List.of(),
        attr("value", OnnxMl.TensorProto.newBuilder().setDataType(TypeTable.INT64).addInt64Data(value)
            .build()));
  }

  /** A scalar constant of element type {@code dtype}. */
  public String scalar(double value, int dtype) {
    if (dtype == OnnxMl.TensorProto.DataType.FLOAT16_VALUE
        || dtype == OnnxMl.TensorProto.DataType.BFLOAT16_VALUE) {
      String f = scalar(value, OnnxMl.TensorProto.DataType.FLOAT_VALUE);
      return op("Cast", List.of(f), attr("to", (long) dtype));
    }
    return op("Constant", List.of(), attr("value", tensor(dtype, new long[0], value)));
  }

  /** A scalar constant with the element type of {@code like}. */
  public String scalarLike(double value, String like) {
    int dt = types.dtype(like);
    if (dt == 0) {
      return op("CastLike", scalar(value, OnnxMl.TensorProto.DataType.DOUBLE_VALUE), like);
    }
    return scalar(value, dt);
  }

  /** Zeros with the shape and element type of {@code like}. */
  public String zerosLike(String like) {
    return filled(0.0, like);
  }

  /** A tensor with the shape and element type of {@code like}, every entry {@code value}. */
  public String filled(double value, String like) {
    int dt = types.dtype(like);
    String shape = shapeOf(like);
    if (dt == 0 || dt == OnnxMl.TensorProto.DataType.FLOAT16_VALUE
        || dt == OnnxMl.TensorProto.DataType.BFLOAT16_VALUE) {
      String z = op("ConstantOfShape", List.of(shape),
          attr("value", tensor(OnnxMl.TensorProto.DataType.DOUBLE_VALUE, new long[] {1}, value)));
      return op("CastLike", z, like);
    }
    return op("ConstantOfShape", List.of(shape), attr("value", tensor(dt, new long[] {1}, value)));
  }

  /** The shape of {@code value} as a 1-D int64 tensor: a constant when statically known. */
  public String shapeOf(String value) {
    long[] s = types.staticShape(value);
    return s != null ? ints(s) : op("Shape", value);
  }

  /** Helper shorthands for common binary and unary operators. */
  public String add(String a, String b) {
    return op("Add", a, b);
  }

  /** a - b. */
  public String sub(String a, String b) {
    return op("Sub", a, b);
  }

  /** a * b. */
  public String mul(String a, String b) {
    return op("Mul", a, b);
  }

  /** a / b. */
  public String div(String a, String b) {
    return op("Div", a, b);
  }

  /** -a. */
  public String neg(String a) {
    return op("Neg", a);
  }

  /** ReduceSum over constant axes. */
  public String reduceSum(String x, boolean keepDims, long... axes) {
    return op("ReduceSum", List.of(x, ints(axes)), attr("keepdims", keepDims ? 1L : 0L));
  }

  /** ReduceSum over every axis to a scalar. */
  public String reduceSumAll(String x) {
    return op("ReduceSum", List.of(x), attr("keepdims", 0L));
  }
}
