package org.consistency4j.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.consistency4j.ModelLoadException;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.Tensor;

/** Fuzzes the parser with mutated and truncated valid files, and round-trips random checkpoints. */
class SafetensorsFuzzTest {
  private static Path dir;

  @BeforeContainer
  static void makeDir() throws IOException {
    dir = Files.createTempDirectory("safetensors-fuzz");
  }

  @AfterContainer
  static void removeDir() throws IOException {
    try (var s = Files.list(dir)) {
      for (Path p : s.toList()) {
        Files.deleteIfExists(p);
      }
    }
    Files.deleteIfExists(dir);
  }

  private static final DType[] TYPES = {
    DType.FLOAT, DType.DOUBLE, DType.FLOAT16, DType.BFLOAT16, DType.INT64, DType.INT32, DType.BOOL
  };

  @Provide
  Arbitrary<Map<String, Tensor>> checkpoints() {
    Arbitrary<Tensor> tensor =
        Combinators.combine(
                Arbitraries.of(TYPES),
                Arbitraries.longs().between(0, 4).list().ofMaxSize(3),
                Arbitraries.bytes().list().ofSize(256))
            .as(
                (dt, dims, bytes) -> {
                  long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
                  long n = 1;
                  for (long d : shape) {
                    n *= d;
                  }
                  byte[] data = new byte[(int) n * dt.byteSize()];
                  for (int i = 0; i < data.length; i++) {
                    data[i] = bytes.get(i % bytes.size());
                  }
                  if (dt == DType.BOOL) {
                    for (int i = 0; i < data.length; i++) {
                      data[i] = (byte) (data[i] & 1);
                    }
                  }
                  return Tensor.of(dt, java.nio.ByteBuffer.wrap(data), shape);
                });
    return Arbitraries.maps(
            Arbitraries.strings().withCharRange('a', 'z').withChars('.', '_', 'é').ofMinLength(1).ofMaxLength(12),
            tensor)
        .ofMaxSize(6)
        .map(LinkedHashMap::new);
  }

  private static Path write(byte[] bytes) throws IOException {
    Path p = Files.createTempFile(dir, "f", ".safetensors");
    Files.write(p, bytes);
    return p;
  }

  /** Opens and reads everything; only ModelLoadException may escape. Returns the outcome. */
  private static String readAll(Path p) {
    try (SafetensorsFile f = SafetensorsFile.open(p)) {
      for (String n : f.names()) {
        f.tensor(n).data();
        if (f.info(n).orElseThrow().dtype().isFloatingPoint()) {
          f.floats(n);
        } else {
          // integer and boolean tensors are never read as float weights
          assertThrows(ModelLoadException.class, () -> f.floats(n));
        }
      }
      return "accepted";
    } catch (ModelLoadException expected) {
      return "rejected";
    }
  }

  @Property(tries = 60)
  void written_checkpoints_read_back_identically(
      @ForAll("checkpoints") Map<String, Tensor> tensors) throws IOException {
    Path p = write(SafetensorsWriter.toBytes(tensors, Map.of("seed", "1")));
    try (SafetensorsFile f = SafetensorsFile.open(p)) {
      assertEquals(tensors.keySet(), f.tensors().keySet());
      for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
        Tensor t = f.tensor(e.getKey());
        assertEquals(e.getValue().dtype(), t.dtype());
        assertArrayEquals(e.getValue().shape(), t.shape());
        assertEquals(e.getValue().data(), t.data());
      }
      assertEquals(Map.of("seed", "1"), f.metadata());
    } finally {
      Files.delete(p);
    }
  }

  @Property(tries = 1000)
  void mutated_files_fail_only_with_model_load_exception(
      @ForAll("checkpoints") Map<String, Tensor> tensors,
      @ForAll("mutations") List<int[]> mutations)
      throws IOException {
    byte[] bytes = SafetensorsWriter.toBytes(tensors, Map.of());
    for (int[] m : mutations) {
      int pos = Math.floorMod(m[0], bytes.length);
      bytes[pos] = (byte) m[1];
    }
    Path p = write(bytes);
    try {
      String outcome = readAll(p);
      Statistics.collect(outcome);
      // both outcomes must occur, so the property really exercises the validation
      Statistics.coverage(
          c -> {
            c.check("rejected").percentage(pct -> pct > 20);
            c.check("accepted").percentage(pct -> pct > 1);
          });
    } finally {
      Files.delete(p);
    }
  }

  @Provide
  Arbitrary<List<int[]>> mutations() {
    Arbitrary<int[]> one =
        Combinators.combine(
                Arbitraries.integers().between(0, 40).injectDuplicates(0.3), // header bytes are hit often
                Arbitraries.integers().between(0, 4000),
                Arbitraries.integers().between(0, 255),
                Arbitraries.of(true, false))
            .as((near, far, value, nearStart) -> new int[] {nearStart ? near : far, value});
    return one.list().ofMinSize(1).ofMaxSize(4);
  }

  @Property(tries = 100)
  void truncated_files_fail_only_with_model_load_exception(
      @ForAll("checkpoints") Map<String, Tensor> tensors, @ForAll double fraction) throws IOException {
    byte[] bytes = SafetensorsWriter.toBytes(tensors, Map.of());
    int keep = (int) Math.floor(Math.abs(fraction % 1.0) * bytes.length);
    Path p = write(java.util.Arrays.copyOf(bytes, keep));
    try {
      readAll(p);
    } finally {
      Files.delete(p);
    }
  }

  @Property(tries = 100)
  void header_texts_built_from_json_fragments_fail_only_with_model_load_exception(
      @ForAll("headers") String header) throws IOException {
    Path p = write(SafetensorsFileTest.raw(header, 64));
    try {
      readAll(p);
    } finally {
      Files.delete(p);
    }
  }

  @Provide
  Arbitrary<String> headers() {
    Arbitrary<String> fragment =
        Arbitraries.of(
            "{", "}", "[", "]", ",", ":", "\"w\"", "\"dtype\"", "\"F32\"", "\"BF16\"", "\"shape\"",
            "\"data_offsets\"", "\"__metadata__\"", "0", "4", "-1", "1e400", "99999999999999999999",
            "1.5", "null", "true", "\"\\ud800\"", " ");
    return fragment.list().ofMaxSize(40).map(l -> String.join("", l));
  }
}
