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
import org.consistency4j.graph.DType;
import org.consistency4j.graph.ExportedModel;
import org.consistency4j.graph.GraphBuilder;
import org.consistency4j.graph.ModelOptions;
import org.consistency4j.graph.Tensor;
import org.consistency4j.graph.Value;
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

  /** Y = X + W, W a [2] float32 weight in {@code data} (a direct buffer), kept out of the proto. */
  static ExportedModel addGraph(ByteBuffer data) {
    GraphBuilder g = GraphBuilder.create("add", 18);
    Value x = g.input("X", DType.FLOAT, 2L);
    Value w = g.initializer("W", Tensor.of(DType.FLOAT, data, 2));
    g.output(g.add(x, w));
    return g.build().toModel(ModelOptions.defaults().withExternalInitializersAbove(0));
  }

  static float[] runAdd(ModelSessions s, String name, float... x) throws Exception {
    try (OnnxTensor in = direct(s.environment(), x)) {
      Map<String, OnnxTensor> inputs = new java.util.HashMap<>(s.weightInputs(name));
      inputs.put("X", in);
      try (OrtSession.Result r = s.session(name).run(inputs)) {
        return (float[]) r.get(0).getValue();
      }
    }
  }

  static ByteBuffer directFloats(float... values) {
    ByteBuffer b = ByteBuffer.allocateDirect(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return b;
  }

  /**
   * The reason in-place weights exist, and a guard for it: ONNX Runtime (1.29) computes from its own
   * copy of an external initializer, so a session holding its weights costs a copy of them. If this
   * fails, ONNX Runtime has started to use the caller's memory, and benchmarks/README.md ("Memory")
   * and the default of {@link RuntimeOptions.WeightPlacement} need another look.
   */
  @Test
  void session_weights_are_copied_by_onnx_runtime() throws Exception {
    ByteBuffer data = directFloats(10, 20);
    RuntimeOptions session = RuntimeOptions.builder().intraOpThreads(1)
        .weights(RuntimeOptions.WeightPlacement.SESSION).build();
    try (ModelSessions s = new ModelSessions(session)) {
      s.create("add", addGraph(data));
      assertEquals(Map.of(), s.weightInputs("add"));
      assertArrayEquals(new float[] {11, 22}, runAdd(s, "add", 1, 2));
      data.putFloat(0, 1000f);
      assertArrayEquals(new float[] {11, 22}, runAdd(s, "add", 1, 2),
          "ONNX Runtime read the caller's buffer instead of its copy");
    }
  }

  /**
   * The same guard for quantized weights ({@code MatMulNBits}, which ONNX Runtime pre-packs): the
   * session computes from its own copy, so {@link ModelSessions#create(String, ExportedModel)} may let
   * go of the codes and scales (a quantized model's largest buffers) once the session exists, and it
   * does (closing the tensors it made for them): after the caller's codes and scales are
   * overwritten the session's products are unchanged, and a second session of the same graph is
   * made from new tensors over the (changed) buffers.
   */
  @Test
  void quantized_session_weights_are_copied_by_onnx_runtime_and_let_go() throws Exception {
    Quantization q = Quantization.INT4;
    int n = 3;
    int k = 64;
    float[] w = new float[n * k];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) Math.sin(i * 0.37) * (1 + i % 5);
    }
    Quantization.Quantized z = q.quantize("W", w, n, k);
    ByteBuffer codes = z.packed();
    ByteBuffer scales = z.scales();
    GraphBuilder g = GraphBuilder.create("nbits", 18);
    Value x = g.input("X", DType.FLOAT, 1L, (long) k);
    Value packed = g.initializer("W.nbits",
        Tensor.of(DType.UINT8, codes, n, q.blocksPerRow(k), q.blockBytes()));
    Value sc = g.initializer("W.nbits_scales", Tensor.of(DType.FLOAT, scales, n, q.blocksPerRow(k)));
    g.output(g.matMulNBits(x, packed, sc, k, n, q.bits(), q.blockSize(), 0));
    ExportedModel graph = g.build().toModel(ModelOptions.defaults().withExternalInitializersAbove(0));
    float[] input = new float[k];
    for (int i = 0; i < k; i++) {
      input[i] = 0.25f * (i % 7) - 0.5f;
    }
    RuntimeOptions session = RuntimeOptions.builder().intraOpThreads(1).quantization(q).build();
    assertEquals(RuntimeOptions.WeightPlacement.SESSION, session.resolvedWeights());
    try (ModelSessions s = new ModelSessions(session)) {
      s.create("a", graph);
      float[] before = runNbits(s, "a", input);
      float[] dequantized = q.dequantize(z);
      for (int j = 0; j < n; j++) {
        double sum = 0;
        for (int i = 0; i < k; i++) {
          sum += (double) dequantized[j * k + i] * input[i];
        }
        assertEquals(sum, before[j], 1e-4 * (1 + Math.abs(sum)), "output " + j);
      }
      for (int i = 0; i < codes.capacity(); i++) {
        codes.put(i, (byte) 0x88);
      }
      for (int i = 0; i < scales.capacity(); i += 4) {
        scales.putFloat(i, 1000f);
      }
      assertArrayEquals(before, runNbits(s, "a", input),
          "ONNX Runtime read the caller's codes instead of its copy");
      // A second session is made from the buffers as they are now: codes 8 (weight 0).
      s.create("b", graph);
      assertArrayEquals(new float[n], runNbits(s, "b", input));
      assertArrayEquals(before, runNbits(s, "a", input));
      assertEquals(Map.of(), s.weightInputs("a"));
    }
  }

  /**
   * A session holding its weights still reads a table the graph only looks rows up in ({@code
   * Gather}) in place: ONNX Runtime would copy it and has nothing to pre-pack. A weight with another
   * reader stays a session initializer, copied.
   */
  @Test
  void session_placement_reads_lookup_tables_in_place_and_copies_the_rest() throws Exception {
    ByteBuffer table = directFloats(1, 2, 3, 4, 5, 6);
    ByteBuffer bias = directFloats(10, 20);
    GraphBuilder g = GraphBuilder.create("lookup", 18);
    Value ids = g.input("ids", DType.INT64, 1L);
    Value t = g.initializer("table", Tensor.of(DType.FLOAT, table, 3, 2));
    Value b = g.initializer("bias", Tensor.of(DType.FLOAT, bias, 2));
    g.output(g.add(g.gather(t, ids, 0), b));
    ExportedModel graph = g.build().toModel(ModelOptions.defaults().withExternalInitializersAbove(0));
    assertEquals(java.util.Set.of("table"), ModelSessions.lookupTables(graph));
    RuntimeOptions session = RuntimeOptions.builder().intraOpThreads(1)
        .weights(RuntimeOptions.WeightPlacement.SESSION).build();
    try (ModelSessions s = new ModelSessions(session)) {
      s.create("m", graph);
      assertEquals(java.util.Set.of("table"), s.weightInputs("m").keySet());
      assertArrayEquals(new float[] {13, 24}, runLookup(s, 1));
      table.putFloat(8, 100f);
      bias.putFloat(0, 1000f);
      assertArrayEquals(new float[] {110, 24}, runLookup(s, 1),
          "the table is read in place, the bias from the session's copy");
    }
  }

  private static float[] runLookup(ModelSessions s, long id) throws Exception {
    try (OnnxTensor in = OnnxTensor.createTensor(s.environment(), new long[] {id})) {
      Map<String, OnnxTensor> inputs = new java.util.HashMap<>(s.weightInputs("m"));
      inputs.put("ids", in);
      try (OrtSession.Result r = s.session("m").run(inputs)) {
        return ((float[][]) r.get(0).getValue())[0];
      }
    }
  }

  private static float[] runNbits(ModelSessions s, String name, float[] x) throws Exception {
    try (OnnxTensor in = OnnxTensor.createTensor(s.environment(), new float[][] {x});
        OrtSession.Result r = s.session(name).run(Map.of("X", in))) {
      return ((float[][]) r.get(0).getValue())[0];
    }
  }

  /**
   * In place, the weights are inputs read from the caller's memory on every run (no copy: a change
   * of the buffer shows in the next run), one tensor shared by the sessions of the holder.
   */
  @Test
  void in_place_weights_are_read_from_the_callers_memory_on_every_run_and_shared() throws Exception {
    ByteBuffer data = directFloats(10, 20);
    ExportedModel graph = addGraph(data);
    try (ModelSessions s = new ModelSessions(RuntimeOptions.builder().intraOpThreads(1).build())) {
      assertEquals(RuntimeOptions.WeightPlacement.IN_PLACE, s.options().resolvedWeights());
      s.create("a", graph);
      s.create("b", graph);
      assertTrue(s.session("a").getInputNames().contains("W"));
      assertSame(s.weightInputs("a").get("W"), s.weightInputs("b").get("W"));
      assertArrayEquals(new float[] {11, 22}, runAdd(s, "a", 1, 2));
      data.putFloat(0, 1000f);
      assertArrayEquals(new float[] {1001, 22}, runAdd(s, "a", 1, 2));
      assertArrayEquals(new float[] {1001, 22}, runAdd(s, "b", 1, 2));
    }
  }

  @Test
  void automatic_weight_placement_is_in_place_only_for_float32_on_the_cpu() {
    assertEquals(RuntimeOptions.WeightPlacement.AUTO, RuntimeOptions.cpu().weights());
    assertEquals(RuntimeOptions.WeightPlacement.IN_PLACE, RuntimeOptions.cpu().resolvedWeights());
    assertEquals(RuntimeOptions.WeightPlacement.SESSION, RuntimeOptions.builder()
        .device(RuntimeOptions.Device.CUDA).build().resolvedWeights());
    assertEquals(RuntimeOptions.WeightPlacement.SESSION, RuntimeOptions.builder()
        .quantization(Quantization.parse("int8")).build().resolvedWeights());
    assertEquals(RuntimeOptions.WeightPlacement.IN_PLACE, RuntimeOptions.builder()
        .device(RuntimeOptions.Device.CUDA).weights(RuntimeOptions.WeightPlacement.IN_PLACE).build()
        .resolvedWeights());
    var e = assertThrows(NullPointerException.class,
        () -> RuntimeOptions.builder().weights(null).build());
    assertEquals("weights must not be null", e.getMessage());
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
