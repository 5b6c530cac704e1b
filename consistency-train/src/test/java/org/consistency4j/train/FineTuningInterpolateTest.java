package org.consistency4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.HalfFloats;
import org.consistency4j.graph.Tensor;
import org.consistency4j.safetensors.SafetensorsFile;
import org.consistency4j.safetensors.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FineTuningInterpolateTest {
  /** A model directory with {@code tensors} in {@code model.safetensors} and a config file. */
  private static Path model(Path dir, Map<String, Tensor> tensors) throws Exception {
    Files.createDirectories(dir);
    SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors);
    Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"llama\", \"from\": \""
        + dir.getFileName() + "\"}");
    return dir;
  }

  private static Map<String, Tensor> tensors(Tensor w, Tensor b) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("w", w);
    m.put("b", b);
    return m;
  }

  private static Tensor halves(float... values) {
    java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(2 * values.length)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      buf.putShort(HalfFloats.floatToFloat16(v));
    }
    return Tensor.of(DType.FLOAT16, buf.flip(), values.length);
  }

  private static byte[] bytes(Path modelDir, String tensor) {
    try (SafetensorsFile f = SafetensorsFile.open(modelDir.resolve("model.safetensors"))) {
      java.nio.ByteBuffer data = f.tensor(tensor).data();
      byte[] out = new byte[data.remaining()];
      data.get(out);
      return out;
    }
  }

  private static float[] floats(Path modelDir, String tensor) {
    try (SafetensorsFile f = SafetensorsFile.open(modelDir.resolve("model.safetensors"))) {
      return f.floats(tensor);
    }
  }

  @Test
  void tensors_larger_than_one_written_chunk_are_interpolated_element_by_element(@TempDir Path dir)
      throws Exception {
    // 50,001 floats (200 KB) and as many bf16 values: several 64 KiB chunks and a partial last one.
    int n = 50_001;
    java.util.Random random = new java.util.Random(11);
    float[] x = new float[n];
    float[] y = new float[n];
    java.nio.ByteBuffer bx = java.nio.ByteBuffer.allocate(2 * n).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    java.nio.ByteBuffer by = java.nio.ByteBuffer.allocate(2 * n).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      x[i] = (float) random.nextGaussian();
      y[i] = (float) random.nextGaussian();
      bx.putShort(HalfFloats.floatToBfloat16(x[i]));
      by.putShort(HalfFloats.floatToBfloat16(y[i]));
    }
    Path a = model(dir.resolve("a"), tensors(Tensor.ofFloats(x, n), Tensor.of(DType.BFLOAT16, bx.flip(), n)));
    Path b = model(dir.resolve("b"), tensors(Tensor.ofFloats(y, n), Tensor.of(DType.BFLOAT16, by.flip(), n)));
    double alpha = 0.3;
    Path out = FineTuning.interpolate(a, b, alpha, dir.resolve("soup"));
    float[] w = floats(out, "w");
    float[] half = floats(out, "b");
    assertEquals(n, w.length);
    assertEquals(n, half.length);
    for (int i = 0; i < n; i++) {
      assertEquals((float) ((1 - alpha) * x[i] + alpha * y[i]), w[i], "w[" + i + "]");
      float hx = HalfFloats.bfloat16ToFloat(HalfFloats.floatToBfloat16(x[i]));
      float hy = HalfFloats.bfloat16ToFloat(HalfFloats.floatToBfloat16(y[i]));
      float expected = HalfFloats.bfloat16ToFloat(
          HalfFloats.floatToBfloat16((float) ((1 - alpha) * hx + alpha * hy)));
      assertEquals(expected, half[i], "b[" + i + "]");
    }
  }

  @Test
  void every_tensor_is_the_weighted_mean_of_the_two_in_its_own_dtype(@TempDir Path dir)
      throws Exception {
    Path a = model(dir.resolve("a"), tensors(Tensor.ofFloats(new float[] {0f, 1f, -2f, 4f}, 2, 2),
        halves(1f, -1f, 8f)));
    Path b = model(dir.resolve("b"), tensors(Tensor.ofFloats(new float[] {4f, 3f, 2f, -4f}, 2, 2),
        halves(3f, 1f, 0f)));
    Path out = FineTuning.interpolate(a, b, 0.25, dir.resolve("soup"));
    assertEquals(dir.resolve("soup"), out);
    // 0.75 * a + 0.25 * b, exact in binary.
    assertArrayEquals(new float[] {1f, 1.5f, -1f, 2f}, floats(out, "w"));
    assertArrayEquals(new float[] {1.5f, -0.5f, 6f}, floats(out, "b"));
    try (SafetensorsFile f = SafetensorsFile.open(out.resolve("model.safetensors"))) {
      assertEquals(DType.FLOAT, f.info("w").orElseThrow().dtype());
      assertEquals(DType.FLOAT16, f.info("b").orElseThrow().dtype());
      assertEquals(java.util.List.of(2L, 2L), f.info("w").orElseThrow().shape());
    }
    // The config and tokenizer files come from the first model.
    assertEquals(Files.readString(a.resolve("config.json")),
        Files.readString(out.resolve("config.json")));
  }

  @Test
  void alpha_zero_and_one_give_the_endpoints_bit_for_bit(@TempDir Path dir) throws Exception {
    // Values where (1 - a) * x + a * y would not round back exactly: -0.0, tiny and odd values.
    float[] x = {-0f, 1e-30f, 0.1f, Float.MAX_VALUE, -3.3333333f};
    float[] y = {0f, 7.1e-31f, 0.7f, -1f, Float.MIN_VALUE};
    Path a = model(dir.resolve("a"), tensors(Tensor.ofFloats(x, 5), halves(0.1f, -0f)));
    Path b = model(dir.resolve("b"), tensors(Tensor.ofFloats(y, 5), halves(0.3f, 2f)));
    Path zero = FineTuning.interpolate(a, b, 0, dir.resolve("zero"));
    Path one = FineTuning.interpolate(a, b, 1, dir.resolve("one"));
    for (String t : new String[] {"w", "b"}) {
      assertArrayEquals(bytes(a, t), bytes(zero, t), t);
      assertArrayEquals(bytes(b, t), bytes(one, t), t);
    }
  }

  @Test
  void writing_again_replaces_the_output_directory_as_a_whole(@TempDir Path dir)
      throws Exception {
    Path a = model(dir.resolve("a"), tensors(Tensor.ofFloats(new float[] {0f, 2f}, 2),
        halves(0f)));
    Path b = model(dir.resolve("b"), tensors(Tensor.ofFloats(new float[] {2f, 4f}, 2),
        halves(2f)));
    Path out = dir.resolve("soup");
    Files.createDirectories(out);
    Files.writeString(out.resolve("stale.txt"), "from an earlier run");
    FineTuning.interpolate(a, b, 0.5, out);
    assertArrayEquals(new float[] {1f, 3f}, floats(out, "w"));
    assertFalse(Files.exists(out.resolve("stale.txt")));
    try (var files = Files.list(dir)) {
      assertEquals(java.util.Set.of("a", "b", "soup"), files.map(p -> p.getFileName().toString())
          .collect(java.util.stream.Collectors.toSet()), "no temporary directory is left");
    }
  }

  @Test
  void alpha_outside_zero_to_one_or_nan_is_refused_naming_it(@TempDir Path dir) throws Exception {
    Path a = model(dir.resolve("a"), tensors(Tensor.ofFloats(new float[] {0f}, 1), halves(0f)));
    for (double bad : new double[] {-0.1, 1.5, Double.NaN}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> FineTuning.interpolate(a, a, bad, dir.resolve("out")));
      assertEquals("alpha must be in [0.0, 1.0], found " + bad, e.getMessage());
    }
    assertFalse(Files.exists(dir.resolve("out")));
  }

  @Test
  void checkpoints_of_different_architectures_are_refused_naming_the_tensor(@TempDir Path dir)
      throws Exception {
    Path a = model(dir.resolve("a"), tensors(Tensor.ofFloats(new float[6], 2, 3), halves(0f)));
    Path shape = model(dir.resolve("shape"), tensors(Tensor.ofFloats(new float[6], 3, 2),
        halves(0f)));
    Path dtype = model(dir.resolve("dtype"), tensors(Tensor.ofFloats(new float[6], 2, 3),
        Tensor.ofFloats(new float[1], 1)));
    Path missing = model(dir.resolve("missing"),
        Map.of("w", Tensor.ofFloats(new float[6], 2, 3)));
    Map<String, Tensor> more = new LinkedHashMap<>(tensors(Tensor.ofFloats(new float[6], 2, 3),
        halves(0f)));
    more.put("extra", Tensor.ofFloats(new float[1], 1));
    Path extra = model(dir.resolve("extra"), more);
    Path ints = model(dir.resolve("ints"), Map.of("w", Tensor.ofInts(new int[] {1}, 1)));

    String prefix = "cannot interpolate " + a + " and ";
    assertEquals(prefix + shape + ": tensor 'w' has shape [2, 3] in the first and [3, 2] in the"
        + " second", assertThrows(IllegalArgumentException.class,
            () -> FineTuning.interpolate(a, shape, 0.5, dir.resolve("out"))).getMessage());
    assertEquals(prefix + dtype + ": tensor 'b' has dtype FLOAT16 in the first and FLOAT in the"
        + " second", assertThrows(IllegalArgumentException.class,
            () -> FineTuning.interpolate(a, dtype, 0.5, dir.resolve("out"))).getMessage());
    assertEquals(prefix + missing + ": tensor 'b' is in the first and not in the second",
        assertThrows(IllegalArgumentException.class,
            () -> FineTuning.interpolate(a, missing, 0.5, dir.resolve("out"))).getMessage());
    assertEquals(prefix + extra + ": tensor 'extra' is in the second and not in the first",
        assertThrows(IllegalArgumentException.class,
            () -> FineTuning.interpolate(a, extra, 0.5, dir.resolve("out"))).getMessage());
    assertEquals("cannot interpolate " + ints + " and " + ints + ": tensor 'w' has dtype INT32;"
        + " only floating-point tensors are interpolated", assertThrows(
            IllegalArgumentException.class,
            () -> FineTuning.interpolate(ints, ints, 0.5, dir.resolve("out"))).getMessage());
    assertEquals("outDir must differ from first and second, found " + a, assertThrows(
        IllegalArgumentException.class, () -> FineTuning.interpolate(a, a, 0.5, a)).getMessage());
    assertFalse(Files.exists(dir.resolve("out")));
  }
}
