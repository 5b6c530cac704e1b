package org.consistency4j.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.consistency4j.ModelLoadException;
import org.consistency4j.graph.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsCheckpointTest {
  @TempDir Path dir;

  private void twoShards() throws Exception {
    SafetensorsWriter.write(
        dir.resolve("model-00001-of-00002.safetensors"),
        Map.of("a", Tensor.ofFloats(new float[] {1, 2}, 2), "extra", Tensor.scalar(9f)));
    SafetensorsWriter.write(
        dir.resolve("model-00002-of-00002.safetensors"), Map.of("b", Tensor.ofLongs(new long[] {3}, 1)));
  }

  private void index(String weightMap) throws Exception {
    Files.writeString(
        dir.resolve(SafetensorsCheckpoint.INDEX_FILE),
        "{\"metadata\": {\"total_size\": 16}, \"weight_map\": " + weightMap + "}");
  }

  @Test
  void a_sharded_directory_opens_through_its_index() throws Exception {
    twoShards();
    index("{\"a\": \"model-00001-of-00002.safetensors\", \"b\": \"model-00002-of-00002.safetensors\"}");
    try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
      assertEquals(List.of("a", "b"), c.names());
      assertArrayEquals(new float[] {1, 2}, c.floats("a"));
      assertArrayEquals(new long[] {3}, c.tensor("b").toLongArray());
      assertEquals(2, c.files().size());
      assertEquals(Map.of("total_size", "16"), c.metadata());
      assertEquals(false, c.contains("extra"));
    }
  }

  @Test
  void a_directory_with_one_file_opens_it() throws Exception {
    SafetensorsWriter.write(dir.resolve("model.safetensors"), Map.of("w", Tensor.scalar(1f)));
    try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
      assertEquals(List.of("w"), c.names());
    }
  }

  @Test
  void a_directory_without_weights_is_rejected() {
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> SafetensorsCheckpoint.open(dir));
    assertEquals(
        dir + ": no model.safetensors.index.json or model.safetensors in the model directory", e.getMessage());
  }

  @Test
  void a_missing_shard_is_reported_with_its_tensor() throws Exception {
    twoShards();
    index("{\"a\": \"model-00001-of-00002.safetensors\", \"c\": \"model-00003-of-00003.safetensors\"}");
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> SafetensorsCheckpoint.open(dir));
    assertEquals(
        dir.resolve(SafetensorsCheckpoint.INDEX_FILE)
            + ": shard 'model-00003-of-00003.safetensors' (for tensor 'c') does not exist",
        e.getMessage());
  }

  @Test
  void a_tensor_missing_from_its_shard_is_reported() throws Exception {
    twoShards();
    index("{\"b\": \"model-00001-of-00002.safetensors\"}");
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> SafetensorsCheckpoint.open(dir));
    assertEquals(
        dir.resolve(SafetensorsCheckpoint.INDEX_FILE)
            + ": tensor 'b' is mapped to shard 'model-00001-of-00002.safetensors', which does not contain it",
        e.getMessage());
  }

  @Test
  void shard_names_that_leave_the_directory_are_rejected() throws Exception {
    twoShards();
    index("{\"a\": \"../model-00001-of-00002.safetensors\"}");
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> SafetensorsCheckpoint.open(dir));
    assertEquals(
        dir.resolve(SafetensorsCheckpoint.INDEX_FILE)
            + ": weight_map entry 'a' names shard '../model-00001-of-00002.safetensors', which is not a file name in "
            + dir.toAbsolutePath(),
        e.getMessage());
  }

  @Test
  void an_index_without_weight_map_is_rejected() throws Exception {
    Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX_FILE), "{\"metadata\": {}}");
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> SafetensorsCheckpoint.open(dir));
    assertEquals(
        dir.resolve(SafetensorsCheckpoint.INDEX_FILE) + ": weight_map must be a non-empty object", e.getMessage());
  }

  @Test
  void sharded_writes_read_back_through_the_index() throws Exception {
    Map<String, Tensor> tensors = new java.util.LinkedHashMap<>();
    for (int i = 0; i < 5; i++) {
      tensors.put("layer." + i + ".w", Tensor.ofFloats(new float[] {i, i + 0.5f, -i}, 3));
    }
    tensors.put("big", Tensor.ofFloats(new float[10], 10));
    List<Path> shards = SafetensorsWriter.writeSharded(dir, tensors, Map.of("format", "pt"), 24);
    // name order: big (40 B, alone), layer.0 + layer.1 (24 B), layer.2 + layer.3, layer.4
    assertEquals(4, shards.size());
    assertEquals(dir.resolve("model-00001-of-00004.safetensors"), shards.get(0));
    try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
      assertEquals(new java.util.TreeSet<>(tensors.keySet()), new java.util.TreeSet<>(c.names()));
      for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
        assertArrayEquals(e.getValue().toFloatArray(), c.floats(e.getKey()), e.getKey());
      }
      assertEquals("100", c.metadata().get("total_size"));
      assertEquals(Map.of("format", "pt"), c.files().get(0).metadata());
    }
  }

  @Test
  void sharded_writes_reject_a_non_positive_shard_size() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> SafetensorsWriter.writeSharded(dir, Map.of("a", Tensor.scalar(1f)), Map.of(), 0));
    assertEquals("maxShardBytes must be > 0, found 0", e.getMessage());
  }
}
