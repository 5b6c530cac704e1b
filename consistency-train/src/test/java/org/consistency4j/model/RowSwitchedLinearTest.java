package org.consistency4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.GraphBuilder;
import org.consistency4j.graph.Value;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LlamaGraphs#rowSwitchedLinear}: the {@code If} on the row count runs the weight-first
 * branch ({@code Transpose}s around the product) for row counts in range and {@code
 * FusedMatMul(transB = 1)} alone otherwise, read from ONNX Runtime's per-operator profile; both
 * equal {@code x W^T} computed in double; and the range is validated.
 */
class RowSwitchedLinearTest {
  private static final int IN = 24;
  private static final int OUT = 40;
  @TempDir Path dir;

  @Test
  void one_row_runs_fused_matmul_and_several_rows_put_the_weight_first() throws Exception {
    SplittableRandom rnd = new SplittableRandom(11);
    float[] w = new float[OUT * IN];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) rnd.nextGaussian();
    }
    GraphBuilder g = GraphBuilder.create("linear", 18);
    Value x = g.input("x", DType.FLOAT, "batch", "new", (long) IN);
    Value wv = g.input("w", DType.FLOAT, (long) OUT, (long) IN);
    g.output("y", LlamaGraphs.rowSwitchedLinear(g, x, wv, IN, new LlamaGraphs.LeftRows(2, 8)));
    byte[] model = g.build().toModel().toByteArray();
    // rows = batch x new: 1 (fused), 2 and 8 (weight first, range ends), 9 (fused again).
    int[][] shapes = {{1, 1}, {2, 1}, {4, 2}, {3, 3}};
    boolean[] first = {false, true, true, false};
    for (int s = 0; s < shapes.length; s++) {
      int b = shapes[s][0];
      int n = shapes[s][1];
      float[] xs = new float[b * n * IN];
      for (int i = 0; i < xs.length; i++) {
        xs[i] = (float) rnd.nextGaussian();
      }
      List<String> ops = new ArrayList<>();
      float[] y = run(model, xs, w, b, n, ops);
      assertEquals(first[s], ops.contains("Transpose"), b + "x" + n + " rows ran " + ops);
      assertTrue(ops.stream().anyMatch(o -> o.contains("MatMul")), ops.toString());
      assertEquals(b * n * OUT, y.length);
      for (int r = 0; r < b * n; r++) {
        for (int o = 0; o < OUT; o++) {
          double e = 0;
          for (int k = 0; k < IN; k++) {
            e += (double) xs[r * IN + k] * w[o * IN + k];
          }
          assertEquals(e, y[r * OUT + o], 1e-4 * Math.max(1, Math.abs(e)),
              b + "x" + n + " row " + r + " output " + o);
        }
      }
    }
  }

  @Test
  void the_row_range_is_validated() {
    var e = assertThrows(IllegalArgumentException.class, () -> new LlamaGraphs.LeftRows(0, 4));
    assertEquals("left rows must be a range [from, to] with 1 <= from <= to, found [0, 4]",
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new LlamaGraphs.LeftRows(5, 4));
    ModelConfig c = ModelConfig.parse(FamilyFixturesTest.FIXTURES.resolve("tiny-llama")
        .resolve("config.json"));
    var q = assertThrows(IllegalArgumentException.class, () -> LlamaGraphs.decode(c,
        LlamaGraphs.loadWeights(FamilyFixturesTest.FIXTURES.resolve("tiny-llama"), c),
        Quantization.INT8, LlamaGraphs.LeftRows.BATCHES));
    assertEquals("the stored weight as left operand is for float32 weights, found quantization"
        + " int8", q.getMessage());
  }

  /** Runs {@code model} once with profiling on; adds the operators it ran to {@code ops}. */
  private float[] run(byte[] model, float[] xs, float[] w, int b, int n, List<String> ops)
      throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    String profile;
    float[] y;
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      so.setIntraOpNumThreads(1);
      so.enableProfiling(dir.resolve("p" + b + "x" + n).toString());
      try (OrtSession session = env.createSession(model, so);
          OnnxTensor xt = OnnxTensor.createTensor(env, FloatBuffer.wrap(xs), new long[] {b, n, IN});
          OnnxTensor wt = OnnxTensor.createTensor(env, FloatBuffer.wrap(w), new long[] {OUT, IN});
          OrtSession.Result r = session.run(Map.of("x", xt, "w", wt))) {
        float[][][] out = (float[][][]) r.get(0).getValue();
        y = new float[b * n * OUT];
        for (int i = 0; i < b; i++) {
          for (int j = 0; j < n; j++) {
            System.arraycopy(out[i][j], 0, y, (i * n + j) * OUT, OUT);
          }
        }
        profile = session.endProfiling();
      }
    }
    JsonNode events = new ObjectMapper().readTree(Files.readString(Path.of(profile)));
    for (JsonNode ev : events) {
      if ("Node".equals(ev.path("cat").asText()) && ev.path("name").asText().endsWith("_kernel_time")) {
        ops.add(ev.path("args").path("op_name").asText());
      }
    }
    Files.deleteIfExists(Path.of(profile));
    return y;
  }
}
