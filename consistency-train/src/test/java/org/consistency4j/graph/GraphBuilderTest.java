package org.consistency4j.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GraphBuilderTest {

  @Test
  void a_range_up_to_a_symbolic_dimension_has_that_dimension() {
    GraphBuilder g = GraphBuilder.create("t");
    Value ids = g.input("ids", DType.INT64, "batch", "seq");
    Value len = g.squeeze(g.shape(ids, 1, 2), 0);
    Value range = g.range(g.scalar(DType.INT64, 0), len, g.scalar(DType.INT64, 1));
    assertEquals(Shape.symbolic("seq"), range.shape().orElseThrow());
    // A step other than 1 gives an unknown length.
    Value other = g.range(g.scalar(DType.INT64, 0), len, g.scalar(DType.INT64, 2));
    assertEquals(new Shape(List.of(Dim.unknown())), other.shape().orElseThrow());
  }

  @Test
  void an_initializer_becomes_an_input_and_nodes_copy_into_a_new_graph_with_their_names() {
    GraphBuilder g = GraphBuilder.create("t");
    Value x = g.input("x", DType.FLOAT, "n", 2L);
    Value w = g.initializer("w", Tensor.ofFloats(new float[] {1, 2, 3, 4}, 2, 2));
    Value y = g.output(g.matMul(x, w));
    Graph source = g.build();
    Value in = g.initializerToInput("w");
    assertEquals(List.of(x, in), g.inputs());
    assertTrue(g.initializers().isEmpty());
    assertEquals(List.of(y), g.clearOutputs());
    assertTrue(g.outputs().isEmpty());

    GraphBuilder copy = GraphBuilder.create("c");
    Value cx = copy.input("x", DType.FLOAT, "n", 2L);
    Value cw = copy.input("w2", DType.FLOAT, 2L, 2L);
    Node mm = source.nodes().get(0);
    List<Value> outs = copy.copyNode(mm, source, List.of(cx, cw));
    assertEquals(y.name(), outs.get(0).name());
    assertEquals(mm.name(), copy.nodes().get(0).name());
    assertEquals(List.of("x", "w2"), copy.nodes().get(0).inputs());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> copy.copyNode(mm, source, List.of(cx, cw)));
    assertEquals("node output name '" + y.name() + "' is already used in this graph", e.getMessage());
  }

  @Test
  void op_helpers_infer_output_dtypes() {
    GraphBuilder b = GraphBuilder.create("g");
    Value x = b.input("x", DType.FLOAT, 2, 3);
    assertEquals(DType.INT64, b.shape(x).dtype());
    assertEquals(DType.BOOL, b.equal(x, x).dtype());
    assertEquals(DType.DOUBLE, b.cast(x, DType.DOUBLE).dtype());
    assertEquals(DType.INT64, b.argMax(x, 1, false).dtype());
    List<Value> top = b.topK(x, 1, -1, true, true);
    assertEquals(List.of(DType.FLOAT, DType.INT64), top.stream().map(Value::dtype).toList());
    assertEquals(DType.FLOAT, b.where(b.less(x, x), x, x).dtype());
    assertEquals(DType.FLOAT, b.constantOfShape(b.shape(x), DType.FLOAT, 0).dtype());
    assertEquals(DType.INT32, b.constantOfShape(b.shape(x), DType.INT32, 7).dtype());
  }

  @Test
  void shapes_follow_broadcasting_and_keep_symbolic_dims() {
    GraphBuilder b = GraphBuilder.create("g");
    Value x = b.input("x", DType.FLOAT, "batch", "seq", 64);
    Value w = b.input("w", DType.FLOAT, 64, 16);
    Value y = b.matMul(x, w);
    assertEquals(Shape.symbolic("batch", "seq", 16), y.shape().orElseThrow());
    Value bias = b.input("bias", DType.FLOAT, 16);
    assertEquals(Shape.symbolic("batch", "seq", 16), b.add(y, bias).shape().orElseThrow());
    Value r = b.reshape(y, b.concat(0, b.shape(y, 0, 2), b.longs(4, 4)));
    assertEquals(Shape.symbolic("batch", "seq", 4, 4), r.shape().orElseThrow());
    assertEquals(Shape.symbolic("batch", 16), b.reduceMean(y, false, 1).shape().orElseThrow());
    assertEquals(Shape.symbolic("seq", "batch", 16), b.transpose(y, 1, 0, 2).shape().orElseThrow());
    assertEquals(Shape.symbolic("batch", 1, "seq", 16), b.unsqueeze(y, 1).shape().orElseThrow());
    assertEquals(Shape.symbolic("batch", "seq", 16), b.onesLike(y).shape().orElseThrow());
  }

  @Test
  void fused_matmul_shapes_follow_its_transposes() {
    GraphBuilder b = GraphBuilder.create("g");
    Value x = b.input("x", DType.FLOAT, "batch", "seq", 64);
    Value w = b.input("w", DType.FLOAT, 16, 64);
    Value xt = b.input("xt", DType.FLOAT, "batch", 64, "seq");
    assertEquals(Shape.symbolic("batch", "seq", 16), fused(b, x, w, 0, 1, 0).shape().orElseThrow());
    assertEquals(Shape.symbolic("batch", "seq", "seq"),
        fused(b, x, xt, 0, 0, 0).shape().orElseThrow());
    assertEquals(Shape.symbolic("batch", 64, 64), fused(b, xt, xt, 0, 1, 0).shape().orElseThrow());
    assertEquals(Shape.symbolic("batch", 64, 64), fused(b, x, x, 1, 0, 0).shape().orElseThrow());
    // Batch transposes are not modelled: no shape rather than a wrong one.
    assertTrue(fused(b, x, w, 0, 1, 1).shape().isEmpty());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> fused(b, x, w, 0, 0, 0));
    assertTrue(e.getMessage().startsWith("MatMul: inner dims differ: [batch, seq, 64] and [16, 64]"),
        e.getMessage());
  }

  @Test
  void reshape_infers_a_minus_one_dim_from_named_dims() {
    GraphBuilder b = GraphBuilder.create("g");
    Value x = b.input("x", DType.FLOAT, "batch", 2, "seq", 64);
    Value e = b.expand(b.unsqueeze(x, 2), 1, 1, 7, 1, 1);
    assertEquals(Shape.symbolic("batch", 2, 7, "seq", 64), e.shape().orElseThrow());
    assertEquals(Shape.symbolic("batch", 14, "seq", 64),
        b.reshape(e, 0, 14, -1, 64).shape().orElseThrow());
    assertEquals(Shape.symbolic("batch", 14, "seq", 64),
        b.reshape(e, b.concat(0, b.shape(x, 0, 1), b.longs(14, -1, 64))).shape().orElseThrow());
    // Two names left over (seq * batch) or a fraction: the dim stays unknown.
    Shape two = b.reshape(x, 2, -1, 64).shape().orElseThrow();
    assertFalse(two.dim(1).isKnown() || two.dim(1).symbol().isPresent(), two.toString());
    Shape frac = b.reshape(x, 0, 3, -1).shape().orElseThrow();
    assertFalse(frac.dim(2).isKnown() || frac.dim(2).symbol().isPresent(), frac.toString());
  }

  private static Value fused(GraphBuilder b, Value x, Value y, long ta, long tb, long tbatch) {
    return b.op("com.microsoft", "FusedMatMul", List.of(x, y),
        Map.of("transA", Attribute.of(ta), "transB", Attribute.of(tb),
            "transBatchA", Attribute.of(tbatch)), List.of(DType.FLOAT)).get(0);
  }

  @Test
  void binary_ops_reject_mixed_dtypes_naming_both_values() {
    GraphBuilder b = GraphBuilder.create("g");
    Value x = b.input("x", DType.FLOAT, 2);
    Value i = b.input("i", DType.INT64, 2);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.add(x, i));
    assertEquals("Add: input dtypes differ: x is FLOAT, i is INT64", e.getMessage());
  }

  @Test
  void matmul_rejects_known_inner_dim_mismatch() {
    GraphBuilder b = GraphBuilder.create("g");
    Value x = b.input("x", DType.FLOAT, 2, 3);
    Value w = b.input("w", DType.FLOAT, 4, 5);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.matMul(x, w));
    assertEquals("MatMul: inner dims differ: [2, 3] and [4, 5] (node inputs [x, w])", e.getMessage());
  }

  @Test
  void broadcasting_rejects_incompatible_known_dims() {
    GraphBuilder b = GraphBuilder.create("g");
    Value x = b.input("x", DType.FLOAT, 2, 3);
    Value y = b.input("y", DType.FLOAT, 4, 3);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.mul(x, y));
    assertEquals("Mul: shapes [2, 3] and [4, 3] do not broadcast (node inputs [x, y])", e.getMessage());
  }

  @Test
  void values_of_another_graph_are_rejected() {
    GraphBuilder a = GraphBuilder.create("a");
    GraphBuilder b = GraphBuilder.create("b");
    Value x = a.input("x", DType.FLOAT, 2);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.neg(x));
    assertEquals("Neg: value 'x' is not defined in graph 'b'", e.getMessage());
  }

  @Test
  void a_handle_with_a_wrong_dtype_is_rejected() {
    GraphBuilder b = GraphBuilder.create("g");
    b.input("x", DType.FLOAT, 2);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> b.neg(new Value("x", DType.INT64)));
    assertEquals(
        "value 'x' has dtype FLOAT in this graph, but a handle with INT64 was passed (a value of another graph?)",
        e.getMessage());
  }

  @Test
  void opset_outside_17_to_26_is_rejected() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> GraphBuilder.create("g", 16));
    assertEquals("opset must be in [17, 26], found 16", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> GraphBuilder.create("g", 27));
  }

  @Test
  void duplicate_input_and_initializer_names_are_rejected() {
    GraphBuilder b = GraphBuilder.create("g");
    b.input("x", DType.FLOAT, 2);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> b.initializer("x", Tensor.scalar(1f)));
    assertEquals("initializer name 'x' is already used in this graph", e.getMessage());
  }

  @Test
  void unknown_operators_need_explicit_output_dtypes() {
    GraphBuilder b = GraphBuilder.create("g");
    Value x = b.input("x", DType.FLOAT, 2);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> b.op("FooBar", List.of(x), Map.of(), 1));
    assertEquals("cannot infer output dtypes of FooBar; pass the output dtypes explicitly", e.getMessage());
    Value y =
        b.op("com.microsoft", "FusedGelu", List.of(x), Map.of(), List.of(DType.FLOAT)).get(0);
    assertEquals(DType.FLOAT, y.dtype());
    b.output(y);
    assertEquals(Map.of("com.microsoft", 1), b.build().domains());
    assertEquals(
        "com.microsoft",
        b.build().toModel().model().getOpsetImportList().stream()
            .filter(o -> !o.getDomain().isEmpty())
            .findFirst()
            .orElseThrow()
            .getDomain());
  }

  @Test
  void generated_names_are_unique_across_graph_and_subgraphs() {
    GraphBuilder b = GraphBuilder.create("g");
    Value x = b.input("x", DType.FLOAT, 2);
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      assertTrue(seen.add(b.neg(x).name()));
    }
    GraphBuilder sub = b.subgraph("body");
    for (int i = 0; i < 20; i++) {
      assertTrue(seen.add(sub.neg(x).name()));
    }
    assertTrue(seen.add(b.freshName("neg")));
  }

  @Test
  void producers_and_consumers_are_walkable_in_builder_and_graph() {
    GraphBuilder b = GraphBuilder.create("g");
    Value x = b.input("x", DType.FLOAT, 2);
    Value y = b.exp(x);
    Value z = b.mul(y, x);
    b.output(z);
    assertEquals("Exp", b.producer(y).orElseThrow().opType());
    assertEquals(List.of("Exp", "Mul"), b.consumers(x).stream().map(Node::opType).toList());
    Graph g = b.build();
    assertFalse(g.producer("x").isPresent());
    assertEquals("Mul", g.producer(z.name()).orElseThrow().opType());
    assertEquals(List.of("Exp", "Mul"), g.consumers("x").stream().map(Node::opType).toList());
    assertEquals(DType.FLOAT, g.dtype(z.name()));
    // nodes are in topological order: every input is defined before its consumer
    Set<String> defined = new HashSet<>(g.values().keySet());
    defined.removeAll(g.nodes().stream().flatMap(n -> n.outputs().stream()).toList());
    for (Node n : g.nodes()) {
      assertTrue(defined.containsAll(n.presentInputs()), n.toString());
      defined.addAll(n.outputs());
    }
  }

  @Test
  void to_builder_appends_to_an_existing_graph_without_changing_it() {
    GraphBuilder b = GraphBuilder.create("g");
    Value x = b.input("x", DType.FLOAT, 2);
    Value y = b.exp(x);
    b.output(y);
    Graph g = b.build();
    GraphBuilder more = g.toBuilder();
    Value grad = more.mul(more.value(y.name()).orElseThrow(), more.scalar(DType.FLOAT, 2));
    more.output(grad);
    assertNotEquals(y.name(), grad.name());
    assertEquals(List.of("Exp"), g.nodes().stream().map(Node::opType).toList());
    assertEquals(
        List.of("Exp", "Constant", "Mul"), more.build().nodes().stream().map(Node::opType).toList());
    assertEquals(1, g.outputs().size());
    assertEquals(2, more.build().outputs().size());
  }

  @Test
  void constant_values_are_visible_for_initializers_and_constant_nodes() {
    GraphBuilder b = GraphBuilder.create("g");
    Value w = b.initializer("w", Tensor.ofFloats(new float[] {1, 2}, 2));
    Value c = b.longs(3, 4);
    assertEquals(2, b.constantValue(w).orElseThrow().numElements());
    assertEquals(List.of(3L, 4L), java.util.Arrays.stream(b.constantValue(c).orElseThrow().toLongArray()).boxed().toList());
    Graph g = b.build();
    assertTrue(g.isInitializer("w"));
    assertTrue(g.constantValue(c.name()).isPresent());
  }

  @Test
  void opset_17_puts_reduce_mean_axes_in_an_attribute_and_18_in_an_input() {
    GraphBuilder b17 = GraphBuilder.create("g", 17);
    b17.reduceMean(b17.input("x", DType.FLOAT, 2, 3), true, 1);
    Node n17 = b17.nodes().get(b17.nodes().size() - 1);
    assertEquals(1, n17.inputs().size());
    assertTrue(n17.attribute("axes").isPresent());
    GraphBuilder b18 = GraphBuilder.create("g", 18);
    b18.reduceMean(b18.input("x", DType.FLOAT, 2, 3), true, 1);
    Node n18 = b18.nodes().get(b18.nodes().size() - 1);
    assertEquals(2, n18.inputs().size());
    assertFalse(n18.attribute("axes").isPresent());
  }

  @Test
  void model_options_validate_ir_version_and_threshold() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ModelOptions.defaults().withIrVersion(11));
    assertEquals("irVersion must be 0 or in [7, 10], found 11", e.getMessage());
    IllegalArgumentException t =
        assertThrows(
            IllegalArgumentException.class,
            () -> ModelOptions.defaults().withExternalInitializersAbove(-1));
    assertEquals("externalThresholdBytes must be >= 0, found -1", t.getMessage());
    assertEquals(8, ModelOptions.defaultIrVersion(18));
    assertEquals(10, ModelOptions.defaultIrVersion(26));
  }

  @Test
  void to_string_lists_inputs_nodes_and_outputs() {
    GraphBuilder b = GraphBuilder.create("g");
    Value x = b.input("x", DType.FLOAT, "batch", 2);
    b.output("y", b.neg(x));
    String s = b.build().toString();
    assertTrue(s.contains("input x: FLOAT[batch, 2]"), s);
    assertTrue(s.contains("= Neg(x)"), s);
    assertTrue(s.contains("output y: FLOAT[batch, 2]"), s);
  }
}
