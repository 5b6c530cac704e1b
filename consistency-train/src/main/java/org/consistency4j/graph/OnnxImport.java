package org.consistency4j.graph;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.consistency4j.internal.Check;

/** Converts ONNX protobuf models back into {@link Graph}s. */
final class OnnxImport {
  private OnnxImport() {}

  static Graph fromModel(OnnxMl.ModelProto m, Map<String, Tensor> external) {
    int opset = -1;
    Map<String, Integer> domains = new LinkedHashMap<>();
    for (OnnxMl.OperatorSetIdProto o : m.getOpsetImportList()) {
      if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
        opset = (int) o.getVersion();
      } else {
        domains.put(o.getDomain(), (int) o.getVersion());
      }
    }
    Check.argument(opset >= 0, "model has no ai.onnx opset import");
    Check.argument(m.getFunctionsCount() <= 0, "model-local functions are not supported");
    GraphBuilder b = GraphBuilder.create(m.getGraph().getName(), opset);
    domains.forEach(b::importDomain);
    fill(b, m.getGraph(), external);
    return b.build();
  }

  private static void fill(GraphBuilder b, OnnxMl.GraphProto g, Map<String, Tensor> external) {
    String where = "graph '" + g.getName() + "'";
    Set<String> initNames = new HashSet<>();
    for (OnnxMl.TensorProto t : g.getInitializerList()) {
      initNames.add(t.getName());
      b.initializer(t.getName(), tensor(t, external, where));
    }
    for (OnnxMl.ValueInfoProto vi : g.getInputList()) {
      if (!initNames.contains(vi.getName())) {
        b.importInput(vi.getName(), dtype(vi, where), shape(vi));
      }
    }
    Map<String, OnnxMl.ValueInfoProto> declared = new HashMap<>();
    for (OnnxMl.ValueInfoProto vi : g.getValueInfoList()) {
      declared.put(vi.getName(), vi);
    }
    for (OnnxMl.ValueInfoProto vi : g.getOutputList()) {
      declared.put(vi.getName(), vi);
    }
    for (OnnxMl.NodeProto n : g.getNodeList()) {
      String nodeWhere = where + " node '" + n.getName() + "' (" + n.getOpType() + ")";
      List<Value> in = new ArrayList<>();
      for (String name : n.getInputList()) {
        if (name.isEmpty()) {
          in.add(null);
        } else {
          in.add(
              b.value(name)
                  .orElseThrow(
                      () ->
                          new IllegalArgumentException(
                              nodeWhere + " reads '" + name + "' before it is defined (nodes must be topologically sorted)")));
        }
      }
      Map<String, Attribute> attrs = new LinkedHashMap<>();
      for (OnnxMl.AttributeProto a : n.getAttributeList()) {
        attrs.put(a.getName(), attribute(b, a, external, nodeWhere));
      }
      List<DType> types = new ArrayList<>();
      boolean allDeclared = true;
      for (String o : n.getOutputList()) {
        OnnxMl.ValueInfoProto vi = declared.get(o);
        if (o.isEmpty()) {
          types.add(DType.FLOAT); // placeholder for an omitted output; no value is defined
        } else if (vi != null && vi.getType().hasTensorType() && vi.getType().getTensorType().getElemType() != 0) {
          types.add(dtype(vi, nodeWhere));
        } else {
          allDeclared = false;
        }
      }
      boolean inferable = OpInference.knows(n.getDomain(), n.getOpType());
      Check.argument(allDeclared || inferable,
          nodeWhere + ": output dtypes are neither declared in value_info nor inferable");
      List<DType> outTypes = inferable ? null : types;
      b.importNode(n.getName(), n.getDomain(), n.getOpType(), in, attrs, outTypes, n.getOutputList());
      for (String o : n.getOutputList()) {
        OnnxMl.ValueInfoProto vi = declared.get(o);
        if (o.isEmpty() || vi == null) {
          continue;
        }
        Value v = b.value(o).orElseThrow();
        if (vi.getType().hasTensorType() && vi.getType().getTensorType().getElemType() != 0) {
          DType d = dtype(vi, nodeWhere);
          Check.argument(d == v.dtype(),
              nodeWhere + ": output '" + o + "' is declared " + d + " but the operator gives "
                  + v.dtype());
        }
        Optional<Shape> s = shape(vi);
        if (s.isPresent() && (v.shape().isEmpty() || v.shape().get().rank() == s.get().rank())) {
          b.setShape(v, s.get());
        }
      }
    }
    for (OnnxMl.ValueInfoProto vi : g.getOutputList()) {
      Value v =
          b.value(vi.getName())
              .orElseThrow(
                  () -> new IllegalArgumentException(where + " output '" + vi.getName() + "' is never defined"));
      b.importOutput(v);
    }
  }

  private static Attribute attribute(
      GraphBuilder b, OnnxMl.AttributeProto a, Map<String, Tensor> external, String where) {
    Check.argument(a.getRefAttrName().isEmpty(),
        where + ": attribute references (" + a.getName() + ") are not supported");
    switch (a.getType()) {
      case INT:
        return Attribute.of(a.getI());
      case FLOAT:
        return Attribute.of(a.getF());
      case STRING:
        return Attribute.of(a.getS().toStringUtf8());
      case INTS:
        return new Attribute.IntsValue(a.getIntsList());
      case FLOATS:
        return new Attribute.FloatsValue(a.getFloatsList());
      case STRINGS:
        return new Attribute.StringsValue(a.getStringsList().stream().map(ByteString::toStringUtf8).toList());
      case TENSOR:
        return Attribute.of(tensor(a.getT(), external, where));
      case GRAPH:
        {
          GraphBuilder sub = b.importSubgraph(a.getG().getName());
          fill(sub, a.getG(), external);
          return Attribute.of(sub.build());
        }
      default:
        throw new IllegalArgumentException(
            where + ": attribute '" + a.getName() + "' has unsupported type " + a.getType());
    }
  }

  static Tensor tensor(OnnxMl.TensorProto t, Map<String, Tensor> external, String where) {
    DType dt;
    try {
      dt = DType.fromOnnx(t.getDataType());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          where + ": tensor '" + t.getName() + "' has unsupported data_type " + t.getDataType(), e);
    }
    long[] shape = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    if (t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL) {
      Tensor ext = external.get(t.getName());
      Check.argument(ext != null,
          where + ": initializer '" + t.getName()
              + "' has external data; pass it in externalInitializers");
      Check.argument(ext.dtype() == dt && Arrays.equals(ext.shape(), shape),
          where + ": external data for '" + t.getName() + "' is " + ext + ", declared " + dt
              + Arrays.toString(shape));
      return ext;
    }
    long n = Tensor.elementCount(shape);
    if (!t.getRawData().isEmpty() || n == 0) {
      return Tensor.of(dt, t.getRawData().asReadOnlyByteBuffer(), shape);
    }
    ByteBuffer b =
        ByteBuffer.allocate(Math.toIntExact(Math.multiplyExact(n, (long) dt.byteSize())))
            .order(ByteOrder.LITTLE_ENDIAN);
    int count;
    switch (dt) {
      case FLOAT -> {
        count = t.getFloatDataCount();
        t.getFloatDataList().forEach(b::putFloat);
      }
      case DOUBLE -> {
        count = t.getDoubleDataCount();
        t.getDoubleDataList().forEach(b::putDouble);
      }
      case INT64 -> {
        count = t.getInt64DataCount();
        t.getInt64DataList().forEach(b::putLong);
      }
      case UINT32, UINT64 -> {
        count = t.getUint64DataCount();
        for (long v : t.getUint64DataList()) {
          if (dt == DType.UINT32) {
            b.putInt((int) v);
          } else {
            b.putLong(v);
          }
        }
      }
      default -> {
        count = t.getInt32DataCount();
        for (int v : t.getInt32DataList()) {
          switch (dt.byteSize()) {
            case 1 -> b.put((byte) v);
            case 2 -> b.putShort((short) v);
            default -> b.putInt(v);
          }
        }
      }
    }
    Check.argument(count == n,
        where + ": tensor '" + t.getName() + "' has " + count + " values for shape "
            + Arrays.toString(shape));
    b.flip();
    return Tensor.of(dt, b, shape);
  }

  private static DType dtype(OnnxMl.ValueInfoProto vi, String where) {
    Check.argument(vi.getType().hasTensorType(),
        where + ": value '" + vi.getName() + "' is not a tensor");
    try {
      return DType.fromOnnx(vi.getType().getTensorType().getElemType());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          where + ": value '" + vi.getName() + "' has unsupported elem_type " + vi.getType().getTensorType().getElemType(), e);
    }
  }

  private static Optional<Shape> shape(OnnxMl.ValueInfoProto vi) {
    if (!vi.getType().hasTensorType() || !vi.getType().getTensorType().hasShape()) {
      return Optional.empty();
    }
    List<Dim> dims = new ArrayList<>();
    for (OnnxMl.TensorShapeProto.Dimension d : vi.getType().getTensorType().getShape().getDimList()) {
      if (d.hasDimValue() && d.getDimValue() >= 0) {
        dims.add(Dim.of(d.getDimValue()));
      } else if (d.hasDimParam() && !d.getDimParam().isEmpty()) {
        dims.add(Dim.symbolic(d.getDimParam()));
      } else {
        dims.add(Dim.unknown());
      }
    }
    return Optional.of(new Shape(dims));
  }
}
