package org.consistency4j.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ExternalInitializerTest {

  @Test
  void large_initializers_are_kept_out_of_the_proto_and_fed_to_ort_as_external_initializers()
      throws Exception {
    GraphBuilder b = GraphBuilder.create("ext");
    Value x = b.input("x", DType.FLOAT, "batch", 3);
    float[] w = new float[3 * 2];
    for (int i = 0; i < w.length; i++) {
      w[i] = i + 1;
    }
    Value wv = b.initializer("w", Tensor.ofFloats(w, 3, 2));
    Value bias = b.initializer("bias", Tensor.ofFloats(new float[] {0.5f, -0.5f}, 2));
    b.output("y", b.add(b.matMul(x, wv), bias));
    ExportedModel m = b.build().toModel(ModelOptions.defaults().withExternalInitializersAbove(10));
    assertEquals(java.util.List.of("w"), java.util.List.copyOf(m.externalInitializers().keySet()));
    assertTrue(m.model().getGraph().getInitializer(0).getRawData().isEmpty());
    double[] y = Ort.run(m, Map.of("x", new Ort.In(new float[] {1, 0, 2, 0, 1, 0}, 2, 3))).get(0);
    assertArrayEquals(new double[] {11.5, 13.5, 3.5, 3.5}, y, 1e-6);
  }

  @Test
  void the_same_graph_with_all_initializers_embedded_passes_the_onnx_checker() {
    GraphBuilder b = GraphBuilder.create("ext");
    Value x = b.input("x", DType.FLOAT, "batch", 3);
    Value w = b.initializer("w", Tensor.ofFloats(new float[6], 3, 2));
    b.output("y", b.matMul(x, w));
    ExportedModel m = b.build().toModel();
    assertTrue(m.externalInitializers().isEmpty());
    assertEquals(24, m.model().getGraph().getInitializer(0).getRawData().size());
    OnnxChecker.check(m.toByteArray());
  }

  @Test
  void write_to_replaces_the_file_atomically_with_the_model_bytes(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    GraphBuilder b = GraphBuilder.create("w");
    b.output(b.neg(b.input("x", DType.FLOAT, 2)));
    ExportedModel m = b.build().toModel();
    java.nio.file.Path file = dir.resolve("model.onnx");
    java.nio.file.Files.writeString(file, "old");
    m.writeTo(file);
    assertArrayEquals(m.toByteArray(), java.nio.file.Files.readAllBytes(file));
    try (var s = java.nio.file.Files.list(dir)) {
      assertEquals(java.util.List.of(file), s.toList());
    }
  }
}
