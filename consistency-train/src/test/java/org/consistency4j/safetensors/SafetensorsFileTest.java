package org.consistency4j.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.consistency4j.ModelLoadException;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.HalfFloats;
import org.consistency4j.graph.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {
  @TempDir Path dir;

  static Path tinyLlama() throws URISyntaxException {
    return Path.of(SafetensorsFileTest.class.getResource("/fixtures/tiny-llama/model.safetensors").toURI());
  }

  /** A file with the given header JSON (unpadded) and {@code dataLen} zero bytes of data. */
  static byte[] raw(String header, int dataLen) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataLen).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h);
    return b.array();
  }

  private Path file(byte[] bytes) throws IOException {
    Path p = dir.resolve("t.safetensors");
    Files.write(p, bytes);
    return p;
  }

  private String failure(byte[] bytes) throws IOException {
    Path p = file(bytes);
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> SafetensorsFile.open(p));
    assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
    return e.getMessage().substring((p + ": ").length());
  }

  /**
   * The failure message of a file whose header holds one tensor {@code w} with these fields (shape
   * and offsets as JSON) and which has {@code dataLen} bytes of data.
   */
  private String failureOfW(String dtype, String shape, String offsets, int dataLen)
      throws IOException {
    return failure(raw("{\"w\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape
        + ",\"data_offsets\":" + offsets + "}}", dataLen));
  }

  @Test
  void the_tiny_llama_fixture_reads_with_the_shapes_of_its_config() throws Exception {
    try (SafetensorsFile f = SafetensorsFile.open(tinyLlama())) {
      TensorInfo embed = f.info("model.embed_tokens.weight").orElseThrow();
      assertEquals(DType.FLOAT, embed.dtype());
      assertEquals(List.of(384L, 64L), embed.shape());
      assertEquals(List.of(32L, 64L), f.info("model.layers.0.self_attn.k_proj.weight").orElseThrow().shape());
      assertEquals(List.of(160L, 64L), f.info("model.layers.1.mlp.gate_proj.weight").orElseThrow().shape());
      assertEquals(List.of(384L, 64L), f.info("lm_head.weight").orElseThrow().shape());
      // 2 layers x 9 tensors + embed + norm + lm_head
      assertEquals(21, f.names().size());
      float[] norm = f.floats("model.norm.weight");
      assertEquals(64, norm.length);
      float[] e = f.floats("model.embed_tokens.weight");
      assertEquals(384 * 64, e.length);
      for (float v : e) {
        assertTrue(Float.isFinite(v));
      }
      Tensor t = f.tensor("model.embed_tokens.weight");
      assertArrayEquals(new long[] {384, 64}, t.shape());
      assertEquals(e[70], t.data().getFloat(70 * 4));
    }
  }

  @Test
  void every_dtype_round_trips_through_writer_and_reader() throws Exception {
    Map<String, Tensor> in = new LinkedHashMap<>();
    in.put("f32", Tensor.ofFloats(new float[] {1.5f, -2, 3, 4}, 2, 2));
    in.put("f64", Tensor.ofDoubles(new double[] {0.1, 0.2, 0.3}, 3));
    in.put("i64", Tensor.ofLongs(new long[] {Long.MIN_VALUE, 7}, 2));
    in.put("i32", Tensor.ofInts(new int[] {-1, 2, 3}, 3, 1));
    in.put("bool", Tensor.ofBooleans(new boolean[] {true, false, true}, 3));
    in.put("scalar", Tensor.scalar(2.5f));
    in.put("empty", Tensor.ofFloats(new float[0], 0, 4));
    ByteBuffer f16 = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer bf16 = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN);
    float[] halves = {1.0f, -0.5f, 65504f};
    for (float h : halves) {
      f16.putShort(HalfFloats.floatToFloat16(h));
      bf16.putShort(HalfFloats.floatToBfloat16(h));
    }
    in.put("f16", Tensor.of(DType.FLOAT16, f16.flip(), 3));
    in.put("bf16", Tensor.of(DType.BFLOAT16, bf16.flip(), 3));
    Path p = dir.resolve("all.safetensors");
    SafetensorsWriter.write(p, in, Map.of("format", "pt"));
    try (SafetensorsFile f = SafetensorsFile.open(p)) {
      assertEquals(Map.of("format", "pt"), f.metadata());
      assertEquals(in.keySet(), f.tensors().keySet());
      for (String n : in.keySet()) {
        assertEquals(in.get(n).dtype(), f.tensor(n).dtype(), n);
        assertArrayEquals(in.get(n).shape(), f.tensor(n).shape(), n);
        assertEquals(in.get(n).data(), f.tensor(n).data(), n);
        // every tensor starts at a multiple of its element size
        assertEquals(0, f.info(n).orElseThrow().begin() % in.get(n).dtype().byteSize(), n);
      }
      assertArrayEquals(halves, f.floats("f16"));
      assertArrayEquals(new float[] {1.0f, -0.5f, 65536f}, f.floats("bf16"));
      assertArrayEquals(new float[] {1.5f, -2, 3, 4}, f.floats("f32"));
      assertArrayEquals(new long[] {Long.MIN_VALUE, 7}, f.tensor("i64").toLongArray());
    }
  }

  @Test
  void the_header_is_padded_with_spaces_to_a_multiple_of_8() throws Exception {
    byte[] bytes = SafetensorsWriter.toBytes(Map.of("a", Tensor.ofFloats(new float[] {1}, 1)), Map.of());
    long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    assertEquals(0, n % 8);
    String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
    assertEquals("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", header.strip());
    assertTrue(header.endsWith(" ") || header.endsWith("}"));
    assertEquals(8 + n + 4, bytes.length);
  }

  @Test
  void writing_is_deterministic_whatever_the_insertion_order() {
    Map<String, Tensor> a = new LinkedHashMap<>();
    a.put("z", Tensor.ofFloats(new float[] {1}, 1));
    a.put("a", Tensor.ofLongs(new long[] {2}, 1));
    a.put("m", Tensor.ofFloats(new float[] {3}, 1));
    Map<String, Tensor> b = new LinkedHashMap<>();
    b.put("m", a.get("m"));
    b.put("a", a.get("a"));
    b.put("z", a.get("z"));
    assertArrayEquals(SafetensorsWriter.toBytes(a, Map.of("k", "v")), SafetensorsWriter.toBytes(b, Map.of("k", "v")));
  }

  @Test
  void writing_replaces_the_target_atomically_and_leaves_no_temporary_files() throws Exception {
    Path p = dir.resolve("w.safetensors");
    Files.writeString(p, "old");
    SafetensorsWriter.write(p, Map.of("x", Tensor.ofFloats(new float[] {1, 2}, 2)));
    try (var s = Files.list(dir)) {
      assertEquals(List.of(p), s.toList());
    }
    try (SafetensorsFile f = SafetensorsFile.open(p)) {
      assertArrayEquals(new float[] {1, 2}, f.floats("x"));
    }
  }

  @Test
  void writer_rejects_the_reserved_metadata_name() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> SafetensorsWriter.toBytes(Map.of("__metadata__", Tensor.scalar(1f)), Map.of()));
    assertEquals("tensor names must be non-empty and not __metadata__, found '__metadata__'", e.getMessage());
  }

  @Test
  void a_file_shorter_than_8_bytes_is_rejected() throws Exception {
    assertEquals("file is 3 bytes, too short for the 8-byte header length", failure(new byte[3]));
  }

  @Test
  void a_header_length_above_the_cap_is_rejected_before_allocating() throws Exception {
    ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 200L * 1024 * 1024);
    assertEquals("header length must be in [0, 16777216] bytes, found 209715200", failure(b.array()));
    ByteBuffer neg = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1);
    assertEquals("header length must be in [0, 16777216] bytes, found 18446744073709551615", failure(neg.array()));
  }

  @Test
  void a_100_mb_header_is_refused_from_its_length_without_being_read() throws Exception {
    // The hostile file of the issue: a 100 MB header (1.5M empty tensors). Sparse here: only the
    // length field is written, so the test needs no 100 MB of disk.
    Path p = dir.resolve("huge.safetensors");
    try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(p.toFile(), "rw")) {
      f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 100_000_000L).array());
      f.setLength(8 + 100_000_000L);
    }
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> SafetensorsFile.open(p));
    assertEquals(p + ": header length must be in [0, 16777216] bytes, found 100000000",
        e.getMessage());
  }

  private static String emptyTensors(int n) {
    StringBuilder h = new StringBuilder("{");
    for (int i = 0; i < n; i++) {
      h.append(i == 0 ? "" : ",").append("\"t").append(i)
          .append("\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}");
    }
    return h.append('}').toString();
  }

  @Test
  void a_header_listing_more_than_100000_tensors_is_refused() throws Exception {
    String header = emptyTensors(SafetensorsFile.MAX_TENSORS + 1);
    assertTrue(header.length() < SafetensorsFile.MAX_HEADER_BYTES, "within the size limit");
    assertEquals("header lists more than 100000 tensors, the limit (SafetensorsFile.MAX_TENSORS)",
        failure(raw(header, 0)));
    try (SafetensorsFile f = SafetensorsFile.open(file(raw(emptyTensors(1000), 0)))) {
      assertEquals(1000, f.names().size());
    }
  }

  @Test
  void smaller_limits_apply_to_header_size_and_tensor_count() throws Exception {
    Path p = file(raw(emptyTensors(4), 0));
    assertEquals(p + ": header lists more than 3 tensors, the limit (SafetensorsFile.MAX_TENSORS)",
        assertThrows(ModelLoadException.class, () -> SafetensorsFile.open(p, 1 << 20, 3))
            .getMessage());
    long len = Files.size(p) - 8;
    assertEquals(p + ": header length must be in [0, 100] bytes, found " + len,
        assertThrows(ModelLoadException.class, () -> SafetensorsFile.open(p, 100, 10))
            .getMessage());
    try (SafetensorsFile f = SafetensorsFile.open(p, 1 << 20, 4)) {
      assertEquals(4, f.names().size());
    }
  }

  @Test
  void a_header_length_beyond_the_file_is_rejected() throws Exception {
    ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 100);
    assertEquals("header length 100 exceeds the 12 bytes after the length field", failure(b.array()));
  }

  @Test
  void invalid_json_is_rejected() throws Exception {
    assertTrue(failure(raw("{\"a\": ", 0)).startsWith("header is not valid JSON: "));
    assertTrue(failure(raw("{} x", 0)).startsWith("header is not valid JSON: "));
    assertEquals("header must be a JSON object, found ARRAY", failure(raw("[1, 2]", 0)));
  }

  @Test
  void duplicate_tensor_names_are_rejected() throws Exception {
    String t = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";
    assertTrue(failure(raw("{\"a\":" + t + ",\"a\":" + t + "}", 4)).contains("Duplicate field 'a'"));
  }

  @Test
  void unknown_dtypes_are_rejected_naming_the_tensor() throws Exception {
    assertEquals("tensor 'w': unsupported dtype 'F8_E4M3'",
        failureOfW("F8_E4M3", "[1]", "[0,1]", 1));
  }

  @Test
  void negative_and_fractional_dims_are_rejected() throws Exception {
    assertEquals("tensor 'w': shape entries must be integers in [0, 2^63), found -2",
        failureOfW("F32", "[-2]", "[0,0]", 0));
    assertEquals("tensor 'w': shape entries must be integers in [0, 2^63), found 1.5",
        failureOfW("F32", "[1.5]", "[0,0]", 0));
    assertEquals(
        "tensor 'w': shape entries must be integers in [0, 2^63), found 99999999999999999999999",
        failureOfW("F32", "[99999999999999999999999]", "[0,0]", 0));
  }

  @Test
  void shapes_whose_size_overflows_are_rejected() throws Exception {
    assertEquals("tensor 'w': shape [4294967296,4294967296] has more than 2^63 elements",
        failureOfW("F32", "[4294967296,4294967296]", "[0,4]", 4));
    assertEquals("tensor 'w': shape [4611686018427387904] needs more than 2^63 bytes",
        failureOfW("F32", "[4611686018427387904]", "[0,4]", 4));
  }

  @Test
  void offsets_outside_the_data_section_are_rejected() throws Exception {
    assertEquals("tensor 'w': data_offsets [0, 8] exceed the data section (4 bytes)",
        failureOfW("F32", "[2]", "[0,8]", 4));
    assertEquals("tensor 'w': data_offsets [8, 4] end before begin",
        failureOfW("F32", "[1]", "[8,4]", 8));
    assertEquals("tensor 'w': data_offsets must be an array of 2 integers, found [0]",
        failureOfW("F32", "[1]", "[0]", 8));
  }

  @Test
  void offsets_that_disagree_with_dtype_and_shape_are_rejected() throws Exception {
    assertEquals("tensor 'w': data_offsets [0, 6] span 6 bytes, but F32 [2] needs 8",
        failureOfW("F32", "[2]", "[0,6]", 8));
  }

  @Test
  void overlapping_tensors_are_rejected() throws Exception {
    assertEquals(
        "tensor 'b' data_offsets [4, 12] overlap tensor 'a' [0, 8]",
        failure(
            raw(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                    + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                12)));
  }

  @Test
  void metadata_must_be_an_object_of_strings() throws Exception {
    assertEquals(
        "__metadata__ value of 'n' must be a string, found NUMBER",
        failure(raw("{\"__metadata__\":{\"n\":1}}", 0)));
    assertEquals(
        "__metadata__ must be an object of strings, found STRING",
        failure(raw("{\"__metadata__\":\"x\"}", 0)));
  }

  @Test
  void missing_files_and_tensors_are_reported_by_name() throws Exception {
    Path missing = dir.resolve("nope.safetensors");
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> SafetensorsFile.open(missing));
    assertEquals(missing + ": safetensors file not found", e.getMessage());
    try (SafetensorsFile f = SafetensorsFile.open(tinyLlama())) {
      ModelLoadException t = assertThrows(ModelLoadException.class, () -> f.tensor("nope"));
      assertEquals(tinyLlama() + ": no tensor named 'nope'", t.getMessage());
      assertFalse(f.contains("nope"));
    }
  }

  @Test
  void use_after_close_throws_illegal_state_and_close_is_idempotent() throws Exception {
    SafetensorsFile f = SafetensorsFile.open(tinyLlama());
    Tensor before = f.tensor("model.norm.weight");
    f.close();
    f.close();
    assertThrows(IllegalStateException.class, () -> f.tensor("model.norm.weight"));
    assertEquals(64, before.toFloatArray().length);
  }

  @Test
  void float_tensor_reads_f32_f16_and_bf16_into_native_float32_equal_to_floats(@TempDir Path dir)
      throws IOException {
    float[] v = {1.5f, -2.25f, 3.0e-3f, 65504f, -0f, 7.1f};
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("f32", Tensor.ofFloats(v, 2, 3));
    for (DType dt : List.of(DType.FLOAT16, DType.BFLOAT16)) {
      ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
      for (float x : v) {
        b.putShort(dt == DType.FLOAT16 ? HalfFloats.floatToFloat16(x) : HalfFloats.floatToBfloat16(x));
      }
      m.put(dt.name(), Tensor.of(dt, b.flip(), 3, 2));
    }
    m.put("ints", Tensor.ofLongs(new long[] {1, 2}, 2));
    Path p = dir.resolve("m.safetensors");
    SafetensorsWriter.write(p, m);
    try (SafetensorsFile f = SafetensorsFile.open(p)) {
      for (String n : List.of("f32", "FLOAT16", "BFLOAT16")) {
        Tensor t = f.floatTensor(n);
        assertEquals(DType.FLOAT, t.dtype());
        assertTrue(t.data().isDirect(), n);
        assertArrayEquals(f.info(n).orElseThrow().shapeArray(), t.shape());
        assertArrayEquals(f.floats(n), t.toFloatArray(), n);
      }
      ModelLoadException e = assertThrows(ModelLoadException.class, () -> f.floatTensor("ints"));
      assertEquals(p + ": tensor 'ints' has dtype I64; a float32 weight is read from F32, F16 or BF16",
          e.getMessage());
    }
  }

  /**
   * A 700 x 1000 matrix is 2.8 MB in float32 (1.4 MB in 16 bits): read in blocks of about 256 KiB
   * of file rows, so the transpose crosses block boundaries, with a short last block.
   */
  @Test
  void transposed_float_tensor_is_the_exact_transpose_in_f32_f16_and_bf16(@TempDir Path dir)
      throws IOException {
    int rows = 700;
    int cols = 1000;
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(11);
    float[] v = new float[rows * cols];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) rnd.nextGaussian();
    }
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("f32", Tensor.ofFloats(v, rows, cols));
    for (DType dt : List.of(DType.FLOAT16, DType.BFLOAT16)) {
      ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
      for (float x : v) {
        b.putShort(dt == DType.FLOAT16 ? HalfFloats.floatToFloat16(x) : HalfFloats.floatToBfloat16(x));
      }
      m.put(dt.name(), Tensor.of(dt, b.flip(), rows, cols));
    }
    m.put("vector", Tensor.ofFloats(new float[] {1, 2}, 2));
    Path p = dir.resolve("m.safetensors");
    SafetensorsWriter.write(p, m);
    try (SafetensorsFile f = SafetensorsFile.open(p)) {
      for (String n : List.of("f32", "FLOAT16", "BFLOAT16")) {
        float[] stored = f.floats(n);
        Tensor t = f.transposedFloatTensor(n);
        assertEquals(DType.FLOAT, t.dtype());
        assertTrue(t.data().isDirect(), n);
        assertArrayEquals(new long[] {cols, rows}, t.shape(), n);
        float[] got = t.toFloatArray();
        for (int r = 0; r < rows; r++) {
          for (int c = 0; c < cols; c++) {
            assertEquals(Float.floatToRawIntBits(stored[r * cols + c]),
                Float.floatToRawIntBits(got[c * rows + r]), n + " [" + r + ", " + c + "]");
          }
        }
      }
      ModelLoadException e = assertThrows(ModelLoadException.class,
          () -> f.transposedFloatTensor("vector"));
      assertEquals(p + ": tensor 'vector' has shape [2]; only a matrix (rank 2) is read transposed",
          e.getMessage());
    }
  }

  @Test
  void streaming_writer_writes_the_same_file_as_the_in_memory_writer(@TempDir Path dir)
      throws IOException {
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("b", Tensor.ofFloats(new float[] {1, 2, 3, 4}, 2, 2));
    m.put("a", Tensor.ofFloats(new float[] {5, 6}, 2));
    m.put("c", Tensor.ofLongs(new long[] {7}, 1));
    SafetensorsWriter.write(dir.resolve("mem.safetensors"), m, Map.of("format", "pt"));
    List<SafetensorsWriter.Spec> specs = new java.util.ArrayList<>();
    m.forEach((n, t) -> specs.add(new SafetensorsWriter.Spec(n, t.dtype(), t.shape())));
    SafetensorsWriter.writeStreaming(dir.resolve("stream.safetensors"), specs,
        Map.of("format", "pt"), (spec, out) -> out.write(m.get(spec.name()).data()));
    assertArrayEquals(Files.readAllBytes(dir.resolve("mem.safetensors")),
        Files.readAllBytes(dir.resolve("stream.safetensors")));
    IOException e = assertThrows(IOException.class, () -> SafetensorsWriter.writeStreaming(
        dir.resolve("short.safetensors"), specs, Map.of(),
        (spec, out) -> out.write(ByteBuffer.allocate(4))));
    assertTrue(e.getMessage().endsWith("tensor 'c' needs 8 bytes of data, the producer wrote 4"),
        e.getMessage());
    assertFalse(Files.exists(dir.resolve("short.safetensors")));
    IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
        () -> SafetensorsWriter.writeStreaming(dir.resolve("d.safetensors"),
            List.of(specs.get(0), specs.get(0)), Map.of(), (spec, out) -> { }));
    assertEquals("tensor names must be non-empty, unique and not __metadata__, found 'b'",
        dup.getMessage());
  }
}
