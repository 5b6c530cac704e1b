package org.consistency4j.graph;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.consistency4j.internal.Check;

/** Converts {@link Graph}s to ONNX protobuf messages. */
final class OnnxExport {
  private OnnxExport() {}

  static ExportedModel toModel(Graph g, ModelOptions options) {
    Check.argument(g.outerScopeNames().isEmpty(),
        "graph '" + g.name() + "' reads outer-scope values " + g.outerScopeNames()
            + "; only a top-level graph can be a model");
    Check.argument(!g.outputs().isEmpty(), "graph '" + g.name() + "' has no outputs");
    int ir = options.irVersion() == 0 ? ModelOptions.defaultIrVersion(g.opset()) : options.irVersion();
    Map<String, Tensor> external = new LinkedHashMap<>();
    OnnxMl.GraphProto graph = graphProto(g, options, external, true);
    OnnxMl.ModelProto.Builder m =
        OnnxMl.ModelProto.newBuilder()
            .setIrVersion(ir)
            .setProducerName(options.producerName())
            .setGraph(graph);
    m.addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(g.opset()));
    for (Map.Entry<String, Integer> d : allDomains(g, new LinkedHashMap<>()).entrySet()) {
      m.addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain(d.getKey()).setVersion(d.getValue()));
    }
    return new ExportedModel(m.build(), external);
  }

  private static Map<String, Integer> allDomains(Graph g, Map<String, Integer> acc) {
    g.domains().forEach(acc::putIfAbsent);
    for (Node n : g.nodes()) {
      for (Attribute a : n.attributes().values()) {
        if (a instanceof Attribute.GraphValue gv) {
          allDomains(gv.value(), acc);
        }
      }
    }
    return acc;
  }

  static OnnxMl.GraphProto graphProto(
      Graph g, ModelOptions options, Map<String, Tensor> external, boolean topLevel) {
    OnnxMl.GraphProto.Builder b = OnnxMl.GraphProto.newBuilder().setName(g.name());
    for (Value v : g.inputs()) {
      b.addInput(valueInfo(v));
    }
    for (Value v : g.outputs()) {
      b.addOutput(valueInfo(v));
    }
    for (Map.Entry<String, Tensor> e : g.initializers().entrySet()) {
      Tensor t = e.getValue();
      if (topLevel && t.byteSize() > options.externalThresholdBytes()) {
        external.put(e.getKey(), t);
        b.addInitializer(externalTensorProto(e.getKey(), t));
      } else {
        b.addInitializer(tensorProto(e.getKey(), t));
      }
    }
    for (Node n : g.nodes()) {
      b.addNode(nodeProto(n, options, external));
    }
    if (options.includeValueInfo()) {
      for (Value v : g.values().values()) {
        if (!g.initializers().containsKey(v.name())
            && g.inputs().stream().noneMatch(i -> i.name().equals(v.name()))
            && g.outputs().stream().noneMatch(o -> o.name().equals(v.name()))) {
          b.addValueInfo(valueInfo(v));
        }
      }
    }
    return b.build();
  }

  private static OnnxMl.NodeProto nodeProto(Node n, ModelOptions options, Map<String, Tensor> external) {
    OnnxMl.NodeProto.Builder b =
        OnnxMl.NodeProto.newBuilder().setName(n.name()).setOpType(n.opType()).setDomain(n.domain());
    b.addAllInput(n.inputs());
    b.addAllOutput(n.outputs());
    for (Map.Entry<String, Attribute> e : n.attributes().entrySet()) {
      b.addAttribute(attribute(e.getKey(), e.getValue(), options, external));
    }
    return b.build();
  }

  private static OnnxMl.AttributeProto attribute(
      String name, Attribute a, ModelOptions options, Map<String, Tensor> external) {
    OnnxMl.AttributeProto.Builder b = OnnxMl.AttributeProto.newBuilder().setName(name);
    if (a instanceof Attribute.IntValue v) {
      b.setType(OnnxMl.AttributeProto.AttributeType.INT).setI(v.value());
    } else if (a instanceof Attribute.FloatValue v) {
      b.setType(OnnxMl.AttributeProto.AttributeType.FLOAT).setF(v.value());
    } else if (a instanceof Attribute.StringValue v) {
      b.setType(OnnxMl.AttributeProto.AttributeType.STRING)
          .setS(ByteString.copyFrom(v.value(), StandardCharsets.UTF_8));
    } else if (a instanceof Attribute.IntsValue v) {
      b.setType(OnnxMl.AttributeProto.AttributeType.INTS).addAllInts(v.values());
    } else if (a instanceof Attribute.FloatsValue v) {
      b.setType(OnnxMl.AttributeProto.AttributeType.FLOATS).addAllFloats(v.values());
    } else if (a instanceof Attribute.StringsValue v) {
      b.setType(OnnxMl.AttributeProto.AttributeType.STRINGS);
      for (String s : v.values()) {
        b.addStrings(ByteString.copyFrom(s, StandardCharsets.UTF_8));
      }
    } else if (a instanceof Attribute.TensorValue v) {
      b.setType(OnnxMl.AttributeProto.AttributeType.TENSOR).setT(tensorProto("", v.value()));
    } else if (a instanceof Attribute.GraphValue v) {
      b.setType(OnnxMl.AttributeProto.AttributeType.GRAPH)
          .setG(graphProto(v.value(), options, external, false));
    }
    return b.build();
  }

  static OnnxMl.TensorProto tensorProto(String name, Tensor t) {
    OnnxMl.TensorProto.Builder b =
        OnnxMl.TensorProto.newBuilder().setName(name).setDataType(t.dtype().onnxCode());
    for (long d : t.shape()) {
      b.addDims(d);
    }
    b.setRawData(ByteString.copyFrom(t.data()));
    return b.build();
  }

  private static OnnxMl.TensorProto externalTensorProto(String name, Tensor t) {
    OnnxMl.TensorProto.Builder b =
        OnnxMl.TensorProto.newBuilder().setName(name).setDataType(t.dtype().onnxCode());
    for (long d : t.shape()) {
      b.addDims(d);
    }
    b.setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL);
    b.addExternalData(
        OnnxMl.StringStringEntryProto.newBuilder().setKey("location").setValue(ExportedModel.EXTERNAL_LOCATION));
    b.addExternalData(OnnxMl.StringStringEntryProto.newBuilder().setKey("offset").setValue("0"));
    b.addExternalData(
        OnnxMl.StringStringEntryProto.newBuilder().setKey("length").setValue(Long.toString(t.byteSize())));
    return b.build();
  }

  static OnnxMl.ValueInfoProto valueInfo(Value v) {
    OnnxMl.TypeProto.Tensor.Builder tt = OnnxMl.TypeProto.Tensor.newBuilder().setElemType(v.dtype().onnxCode());
    if (v.shape().isPresent()) {
      OnnxMl.TensorShapeProto.Builder sb = OnnxMl.TensorShapeProto.newBuilder();
      for (Dim d : v.shape().get().dims()) {
        OnnxMl.TensorShapeProto.Dimension.Builder db = OnnxMl.TensorShapeProto.Dimension.newBuilder();
        if (d.isKnown()) {
          db.setDimValue(d.size());
        } else if (d.symbol().isPresent()) {
          db.setDimParam(d.symbol().get());
        }
        sb.addDim(db);
      }
      tt.setShape(sb);
    }
    return OnnxMl.ValueInfoProto.newBuilder()
        .setName(v.name())
        .setType(OnnxMl.TypeProto.newBuilder().setTensorType(tt))
        .build();
  }
}
