package org.consistency4j.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.onnx.proto.OnnxMl;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class OnnxImportTest {

  private static void assertRoundTrip(Graph g, ModelOptions options) {
    ExportedModel first = g.toModel(options);
    Graph back = Graph.fromModel(first.model(), first.externalInitializers());
    ExportedModel second = back.toModel(options);
    assertEquals(first.model(), second.model());
    assertEquals(first.externalInitializers().keySet(), second.externalInitializers().keySet());
  }

  @Test
  void export_then_import_then_export_gives_the_same_model() {
    GraphBuilder b = GraphBuilder.create("rt");
    Value x = b.input("x", DType.FLOAT, "batch", 4);
    Value w = b.initializer("w", Tensor.ofFloats(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 4, 2));
    Value h = b.softmax(b.matMul(x, w), -1);
    List<Value> top = b.topK(h, 1, -1, true, true);
    b.output("p", h);
    b.output("idx", top.get(1));
    b.output("s", b.reduceSum(b.reshape(h, 0, -1), false, 1));
    assertRoundTrip(b.build(), ModelOptions.defaults());
    assertRoundTrip(b.build(), ModelOptions.defaults().withValueInfo(true));
    assertRoundTrip(b.build(), ModelOptions.defaults().withExternalInitializersAbove(8));
  }

  @Test
  void subgraphs_round_trip_with_their_outer_scope_reads() {
    GraphBuilder b = GraphBuilder.create("branch");
    Value x = b.input("x", DType.FLOAT, 3);
    Value flag = b.input("flag", DType.BOOL);
    GraphBuilder t = b.subgraph("then");
    t.output(t.exp(x));
    GraphBuilder e = b.subgraph("else");
    e.output(e.neg(x));
    b.output(b.ifThenElse(flag, t.build(), e.build()).get(0));
    GraphBuilder body = b.subgraph("body");
    body.input("i", DType.INT64);
    Value c = body.input("c", DType.BOOL);
    Value acc = body.input("acc", DType.FLOAT, 3);
    body.output(body.identity(c));
    body.output(body.add(acc, x));
    b.output(b.loop(b.scalar(DType.INT64, 3), null, List.of(x), body.build()).get(0));
    Graph g = b.build();
    assertRoundTrip(g, ModelOptions.defaults());
    Graph back = Graph.fromModel(g.toModel().model());
    assertEquals(List.of("If", "Loop"), back.consumers("x").stream().map(Node::opType).toList());
  }

  @Test
  void typed_tensor_fields_are_read_like_raw_data() {
    OnnxMl.TensorProto f =
        OnnxMl.TensorProto.newBuilder().setName("f").setDataType(1).addDims(2).addFloatData(1.5f).addFloatData(-2f).build();
    assertArrayEquals(new float[] {1.5f, -2f}, OnnxImport.tensor(f, Map.of(), "t").toFloatArray());
    OnnxMl.TensorProto l =
        OnnxMl.TensorProto.newBuilder().setName("l").setDataType(7).addDims(1).addInt64Data(-9).build();
    assertArrayEquals(new long[] {-9}, OnnxImport.tensor(l, Map.of(), "t").toLongArray());
    OnnxMl.TensorProto h =
        OnnxMl.TensorProto.newBuilder()
            .setName("h")
            .setDataType(10)
            .addDims(1)
            .addInt32Data(HalfFloats.floatToFloat16(0.5f) & 0xFFFF)
            .build();
    assertArrayEquals(new float[] {0.5f}, OnnxImport.tensor(h, Map.of(), "t").toFloatArray());
    OnnxMl.TensorProto bad =
        OnnxMl.TensorProto.newBuilder().setName("bad").setDataType(1).addDims(3).addFloatData(1f).build();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> OnnxImport.tensor(bad, Map.of(), "graph 'g'"));
    assertEquals("graph 'g': tensor 'bad' has 1 values for shape [3]", e.getMessage());
  }

  @Test
  void nodes_out_of_topological_order_are_rejected() {
    OnnxMl.GraphProto g =
        OnnxMl.GraphProto.newBuilder()
            .setName("g")
            .addInput(OnnxExport.valueInfo(new Value("x", DType.FLOAT, Shape.of(2))))
            .addNode(OnnxMl.NodeProto.newBuilder().setName("n1").setOpType("Neg").addInput("y").addOutput("z"))
            .addNode(OnnxMl.NodeProto.newBuilder().setName("n0").setOpType("Neg").addInput("x").addOutput("y"))
            .addOutput(OnnxExport.valueInfo(new Value("z", DType.FLOAT, Shape.of(2))))
            .build();
    OnnxMl.ModelProto m =
        OnnxMl.ModelProto.newBuilder()
            .setIrVersion(8)
            .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(18))
            .setGraph(g)
            .build();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Graph.fromModel(m));
    assertEquals(
        "graph 'g' node 'n1' (Neg) reads 'y' before it is defined (nodes must be topologically sorted)",
        e.getMessage());
  }

  @Test
  void a_model_without_an_ai_onnx_opset_is_rejected() {
    OnnxMl.ModelProto m = OnnxMl.ModelProto.newBuilder().setGraph(OnnxMl.GraphProto.newBuilder().setName("g")).build();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Graph.fromModel(m));
    assertEquals("model has no ai.onnx opset import", e.getMessage());
  }

  @Test
  void external_initializers_must_be_supplied_on_import() {
    GraphBuilder b = GraphBuilder.create("g");
    Value w = b.initializer("w", Tensor.ofFloats(new float[16], 16));
    b.output(b.neg(w));
    ExportedModel m = b.build().toModel(ModelOptions.defaults().withExternalInitializersAbove(0));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Graph.fromModel(m.model()));
    assertEquals(
        "graph 'g': initializer 'w' has external data; pass it in externalInitializers", e.getMessage());
  }

  private static final String[] UNARY = {"neg", "exp", "tanh", "sigmoid", "abs", "relu"};
  private static final String[] BINARY = {"add", "sub", "mul", "max"};

  @Provide
  Arbitrary<List<Integer>> programs() {
    return Arbitraries.integers().between(0, 1000).list().ofMinSize(1).ofMaxSize(12);
  }

  /** Random chains of elementwise ops round-trip exactly and compute the same values in ORT. */
  @Property(tries = 30)
  void random_elementwise_graphs_round_trip(@ForAll("programs") List<Integer> program) throws Exception {
    GraphBuilder b = GraphBuilder.create("random");
    Value x = b.input("x", DType.FLOAT, 3);
    List<Value> pool = new java.util.ArrayList<>(List.of(x));
    for (int code : program) {
      Value a = pool.get(code % pool.size());
      Value c = pool.get((code / 7) % pool.size());
      Value r =
          code % 2 == 0
              ? switch (UNARY[(code / 2) % UNARY.length]) {
                case "neg" -> b.neg(a);
                case "exp" -> b.exp(b.tanh(a));
                case "tanh" -> b.tanh(a);
                case "sigmoid" -> b.sigmoid(a);
                case "abs" -> b.abs(a);
                default -> b.relu(a);
              }
              : switch (BINARY[(code / 2) % BINARY.length]) {
                case "add" -> b.add(a, c);
                case "sub" -> b.sub(a, c);
                case "mul" -> b.mul(a, c);
                default -> b.max(a, c);
              };
      pool.add(r);
    }
    b.output(pool.get(pool.size() - 1));
    Graph g = b.build();
    assertRoundTrip(g, ModelOptions.defaults());
    Map<String, Ort.In> in = Map.of("x", new Ort.In(new float[] {-0.5f, 0.25f, 1f}, 3));
    assertArrayEquals(
        Ort.run(g.toModel(), in).get(0),
        Ort.run(Graph.fromModel(g.toModel().model()).toModel(), in).get(0),
        0);
  }
}
