package org.consistency4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.consistency4j.ConsistencyException;
import org.consistency4j.ModelLoadException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class ModelSessionsTest {

  /** Y = X + W with W [2] an initializer whose data is supplied externally. */
  static byte[] addModel() {
    OnnxMl.TypeProto floats2 =
        OnnxMl.TypeProto.newBuilder()
            .setTensorType(
                OnnxMl.TypeProto.Tensor.newBuilder()
                    .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                    .setShape(
                        OnnxMl.TensorShapeProto.newBuilder()
                            .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(2))))
            .build();
    OnnxMl.GraphProto graph =
        OnnxMl.GraphProto.newBuilder()
            .setName("add")
            .addInput(OnnxMl.ValueInfoProto.newBuilder().setName("X").setType(floats2))
            .addInput(OnnxMl.ValueInfoProto.newBuilder().setName("W").setType(floats2))
            .addOutput(OnnxMl.ValueInfoProto.newBuilder().setName("Y").setType(floats2))
            .addNode(
                OnnxMl.NodeProto.newBuilder().setOpType("Add").addInput("X").addInput("W")
                    .addOutput("Y"))
            .addInitializer(
                OnnxMl.TensorProto.newBuilder()
                    .setName("W")
                    .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                    .addDims(2)
                    // Declared as external data: ORT only lets external initializers replace those.
                    .setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
                    .addExternalData(
                        OnnxMl.StringStringEntryProto.newBuilder().setKey("location").setValue("W"))
                    .addExternalData(
                        OnnxMl.StringStringEntryProto.newBuilder().setKey("length").setValue("8")))
            .build();
    return OnnxMl.ModelProto.newBuilder()
        .setIrVersion(8)
        .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(17))
        .setGraph(graph)
        .build()
        .toByteArray();
  }

  static OnnxTensor direct(OrtEnvironment env, float... values) throws Exception {
    FloatBuffer b =
        ByteBuffer.allocateDirect(values.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    b.put(values).rewind();
    return OnnxTensor.createTensor(env, b, new long[] {values.length});
  }

  static void createAdd(ModelSessions s) {
    try {
      s.create("add", addModel(), Map.of("W", s.own(direct(s.environment(), 1, 1))));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void external_initializers_replace_weights_and_the_session_runs() throws Exception {
    try (ModelSessions s = new ModelSessions(RuntimeOptions.builder().intraOpThreads(1).build())) {
      OnnxTensor w = s.own(direct(s.environment(), 10, 20));
      OrtSession session = s.create("add", addModel(), Map.of("W", w));
      assertSame(session, s.session("add"));
      try (OnnxTensor x = direct(s.environment(), 1, 2);
          OrtSession.Result r = session.run(Map.of("X", x))) {
        assertArrayEquals(new float[] {11, 22}, (float[]) r.get(0).getValue());
      }
    }
  }

  @Test
  void close_is_idempotent_and_use_after_close_is_an_illegal_state() {
    ModelSessions s = new ModelSessions(RuntimeOptions.cpu());
    createAdd(s);
    s.close();
    s.close();
    var e = assertThrows(IllegalStateException.class, () -> s.session("add"));
    assertEquals("model sessions are closed", e.getMessage());
    assertThrows(IllegalStateException.class, () -> s.create("b", addModel(), Map.of()));
    assertTrue(s.isClosed());
  }

  @Test
  void close_releases_in_reverse_order_keeping_the_first_failure_and_suppressing_the_rest() {
    List<String> order = new ArrayList<>();
    ModelSessions s = new ModelSessions(RuntimeOptions.cpu());
    s.own(() -> order.add("a"));
    s.own(
        () -> {
          order.add("b");
          throw new IllegalStateException("b failed");
        });
    s.own(
        () -> {
          order.add("c");
          throw new IllegalStateException("c failed");
        });
    var e = assertThrows(ConsistencyException.class, s::close);
    assertEquals(List.of("c", "b", "a"), order);
    assertEquals("c failed", e.getCause().getMessage());
    assertEquals("b failed", e.getSuppressed()[0].getMessage());
  }

  @Test
  void owning_after_close_closes_the_resource_and_fails() {
    ModelSessions s = new ModelSessions(RuntimeOptions.cpu());
    s.close();
    List<String> closed = new ArrayList<>();
    assertThrows(IllegalStateException.class, () -> s.own(() -> closed.add("x")));
    assertEquals(List.of("x"), closed);
  }

  @Test
  void unknown_session_name_is_rejected_listing_the_known_ones() {
    try (ModelSessions s = new ModelSessions(RuntimeOptions.cpu())) {
      createAdd(s);
      var e = assertThrows(IllegalArgumentException.class, () -> s.session("decode"));
      assertEquals("no session named decode, found [add]", e.getMessage());
    }
  }

  @Test
  void an_invalid_model_is_a_model_load_exception_naming_the_graph() {
    try (ModelSessions s = new ModelSessions(RuntimeOptions.cpu())) {
      var e =
          assertThrows(
              ModelLoadException.class, () -> s.create("broken", new byte[] {1, 2, 3}, Map.of()));
      assertTrue(e.getMessage().startsWith("ONNX Runtime rejected the broken graph (CPU): "),
          e.getMessage());
    }
  }

  @Test
  void cuda_without_the_provider_fails_with_a_clear_message() {
    Assumptions.assumeFalse(
        OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA),
        "this ONNX Runtime has the CUDA provider");
    RuntimeOptions cuda = RuntimeOptions.builder().device(RuntimeOptions.Device.CUDA).build();
    var e = assertThrows(ModelLoadException.class, () -> new ModelSessions(cuda));
    assertTrue(
        e.getMessage()
            .startsWith(
                "device CUDA was requested but ONNX Runtime's CUDA execution provider is not"
                    + " available (available: ["),
        e.getMessage());
    assertTrue(e.getMessage().endsWith(
        "build with the cuda Maven profile (mvn -Pcuda, artifact onnxruntime_gpu) on a machine"
            + " with CUDA 12 and cuDNN 9"), e.getMessage());
  }

  @Test
  void runtime_options_validate_their_fields() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> RuntimeOptions.builder().intraOpThreads(-1).build());
    assertEquals("intraOpThreads must be in [0, 1024], found -1", e.getMessage());
    var tooMany = assertThrows(IllegalArgumentException.class,
        () -> RuntimeOptions.builder().intraOpThreads(1025).build());
    assertEquals("intraOpThreads must be in [0, 1024], found 1025", tooMany.getMessage());
    var e2 = assertThrows(IllegalArgumentException.class,
        () -> RuntimeOptions.builder().deviceId(-2).build());
    assertEquals("deviceId must be >= 0, found -2", e2.getMessage());
    assertEquals(RuntimeOptions.cpu(), RuntimeOptions.cpu().toBuilder().build());
  }
}
