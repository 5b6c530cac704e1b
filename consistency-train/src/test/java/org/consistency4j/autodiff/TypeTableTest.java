package org.consistency4j.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnx.proto.OnnxMl;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TypeTableTest {
  @Test
  void a_range_up_to_a_symbolic_dimension_has_that_dimension() {
    OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().addInput(
        OnnxMl.ValueInfoProto.newBuilder().setName("ids").setType(OnnxMl.TypeProto.newBuilder()
            .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(TypeTable.INT64)
                .setShape(OnnxMl.TensorShapeProto.newBuilder()
                    .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                    .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("seq"))))));
    Emitter e = new Emitter(g, "t/");
    String len = e.op("Squeeze", e.op("Shape", List.of("ids"), Emitter.attr("start", 1L),
        Emitter.attr("end", 2L)), e.ints(0));
    String range = e.op("Range", e.scalarInt(0), len, e.scalarInt(1));
    assertEquals(List.of("seq"), e.types().shape(range));
    // A step other than 1 gives an unknown length.
    String other = e.op("Range", e.scalarInt(0), len, e.scalarInt(2));
    assertEquals(Arrays.asList((Object) null), e.types().shape(other));
  }
}
