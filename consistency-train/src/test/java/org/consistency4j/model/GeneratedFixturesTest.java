package org.consistency4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.HalfFloats;
import org.consistency4j.graph.Tensor;
import org.consistency4j.safetensors.SafetensorsCheckpoint;
import org.consistency4j.safetensors.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fixtures generated from tiny-llama's weights for other configurations (tied embeddings, BF16
 * files), checked against the F32 / untied model they must equal.
 */
class GeneratedFixturesTest {
  static final Path FIXTURE = Path.of("src/test/resources/fixtures/tiny-llama");
  static final int[] IDS = {75, 340, 111, 114, 360, 370, 36, 87, 263};
  @TempDir Path dir;

  /** Writes a model directory with the fixture's tokenizer, a changed config and given weights. */
  static Path writeModel(Path dir, String name, String configEdit, Map<String, Tensor> weights)
      throws IOException {
    Path d = Files.createDirectories(dir.resolve(name));
    String config = Files.readString(FIXTURE.resolve("config.json"));
    if (configEdit != null) {
      config = config.replace("\"tie_word_embeddings\": false", configEdit);
    }
    Files.writeString(d.resolve("config.json"), config);
    Files.copy(FIXTURE.resolve("tokenizer.json"), d.resolve("tokenizer.json"));
    Files.copy(FIXTURE.resolve("tokenizer_config.json"), d.resolve("tokenizer_config.json"));
    SafetensorsWriter.write(d.resolve("model.safetensors"), weights);
    return d;
  }

  static Map<String, float[]> fixtureWeights(Map<String, long[]> shapes) {
    Map<String, float[]> w = new LinkedHashMap<>();
    try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(FIXTURE)) {
      for (String n : c.names()) {
        w.put(n, c.floats(n));
        shapes.put(n, c.info(n).orElseThrow().shape().stream().mapToLong(Long::longValue).toArray());
      }
    }
    return w;
  }

  static float[][] logits(Path d) {
    try (OnnxLanguageModel m = OnnxLanguageModel.load(d)) {
      return m.logits(IDS);
    }
  }

  @Test
  void bf16_file_equals_the_f32_file_of_the_rounded_weights() throws IOException {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    Map<String, float[]> w = fixtureWeights(shapes);
    Map<String, Tensor> bf16 = new LinkedHashMap<>();
    Map<String, Tensor> rounded = new LinkedHashMap<>();
    for (var e : w.entrySet()) {
      float[] v = e.getValue();
      ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
      float[] r = new float[v.length];
      for (int i = 0; i < v.length; i++) {
        short s = HalfFloats.floatToBfloat16(v[i]);
        b.putShort(s);
        r[i] = HalfFloats.bfloat16ToFloat(s);
      }
      b.flip();
      bf16.put(e.getKey(), Tensor.of(DType.BFLOAT16, b, shapes.get(e.getKey())));
      rounded.put(e.getKey(), Tensor.ofFloats(r, shapes.get(e.getKey())));
    }
    float[][] a = logits(writeModel(dir, "bf16", null, bf16));
    float[][] b = logits(writeModel(dir, "f32", null, rounded));
    for (int t = 0; t < a.length; t++) {
      for (int v = 0; v < a[t].length; v++) {
        assertEquals(b[t][v], a[t][v], 0f);
      }
    }
  }

  @Test
  void tied_embeddings_equal_an_untied_model_whose_head_is_the_embedding() throws IOException {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    Map<String, float[]> w = fixtureWeights(shapes);
    Map<String, Tensor> tied = new LinkedHashMap<>();
    Map<String, Tensor> untied = new LinkedHashMap<>();
    for (var e : w.entrySet()) {
      if (!e.getKey().equals("lm_head.weight")) {
        tied.put(e.getKey(), Tensor.ofFloats(e.getValue(), shapes.get(e.getKey())));
        untied.put(e.getKey(), Tensor.ofFloats(e.getValue(), shapes.get(e.getKey())));
      }
    }
    untied.put("lm_head.weight", Tensor.ofFloats(w.get("model.embed_tokens.weight"),
        shapes.get("model.embed_tokens.weight")));
    float[][] a = logits(writeModel(dir, "tied", "\"tie_word_embeddings\": true", tied));
    float[][] b = logits(writeModel(dir, "untied", null, untied));
    for (int t = 0; t < a.length; t++) {
      for (int v = 0; v < a[t].length; v++) {
        assertEquals(b[t][v], a[t][v], 1e-6f);
      }
    }
  }

  @Test
  void a_weight_whose_shape_contradicts_the_config_is_named_with_both_shapes() throws IOException {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    Map<String, float[]> w = fixtureWeights(shapes);
    Map<String, Tensor> bad = new LinkedHashMap<>();
    for (var e : w.entrySet()) {
      bad.put(e.getKey(), Tensor.ofFloats(e.getValue(), shapes.get(e.getKey())));
    }
    bad.put("model.norm.weight", Tensor.ofFloats(new float[32], 32));
    Path d = writeModel(dir, "bad", null, bad);
    var e = org.junit.jupiter.api.Assertions.assertThrows(
        org.consistency4j.ModelLoadException.class, () -> OnnxLanguageModel.load(d));
    assertEquals(d + ": weight model.norm.weight has shape [32], config implies [64]",
        e.getMessage());
  }

  static void assertCachedEqualsFull(Path d) {
    try (OnnxLanguageModel m = OnnxLanguageModel.load(d)) {
      float[][] full = m.logits(IDS);
      float[][] cached = m.cachedLogits(IDS);
      for (int t = 0; t < IDS.length; t++) {
        for (int v = 0; v < full[t].length; v++) {
          assertEquals(full[t][v], cached[t][v], 1e-5f, "position " + t);
        }
      }
      // Left-padded batched decoding gives each prompt's own greedy continuation.
      var greedy = org.consistency4j.lm.GenerationConfig.builder().maxNewTokens(6)
          .stopAtEos(false).build();
      java.util.List<int[]> prompts = java.util.List.of(IDS,
          java.util.Arrays.copyOf(IDS, 2), java.util.Arrays.copyOfRange(IDS, 1, IDS.length - 1));
      var batched = m.generateIds(prompts, greedy);
      for (int i = 0; i < prompts.size(); i++) {
        assertEquals(m.generateIds(prompts.get(i), greedy, i).tokenIds(), batched.get(i).tokenIds(),
            "prompt " + i);
      }
    }
  }

  @Test
  void qwen2_with_qkv_biases_decodes_with_the_cache_like_full_recomputation() throws IOException {
    Path d = qwen2(dir);
    assertCachedEqualsFull(d);
    float[][] withBias = logits(d);
    float[][] without = logits(FIXTURE);
    double diff = 0;
    for (int v = 0; v < without[0].length; v++) {
      diff = Math.max(diff, Math.abs(withBias[8][v] - without[8][v]));
    }
    org.junit.jupiter.api.Assertions.assertTrue(diff > 1e-3, "biases had no effect: " + diff);
  }

  /** A Qwen2 model directory {@code dir/qwen2}: tiny-llama's weights plus random q/k/v biases. */
  static Path qwen2(Path dir) throws IOException {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    Map<String, float[]> w = fixtureWeights(shapes);
    Map<String, Tensor> t = new LinkedHashMap<>();
    w.forEach((n, v) -> t.put(n, Tensor.ofFloats(v, shapes.get(n))));
    java.util.SplittableRandom rng = new java.util.SplittableRandom(5005);
    for (int l = 0; l < 2; l++) {
      for (String proj : new String[] {"q_proj", "k_proj", "v_proj"}) {
        int rows = (int) shapes.get("model.layers." + l + ".self_attn." + proj + ".weight")[0];
        float[] b = new float[rows];
        for (int i = 0; i < rows; i++) {
          b[i] = (float) (rng.nextDouble() - 0.5);
        }
        t.put("model.layers." + l + ".self_attn." + proj + ".bias", Tensor.ofFloats(b, rows));
      }
    }
    Path d = writeModel(dir, "qwen2", "\"tie_word_embeddings\": false", t);
    Files.writeString(d.resolve("config.json"), Files.readString(d.resolve("config.json"))
        .replace("\"model_type\": \"llama\"", "\"model_type\": \"qwen2\""));
    return d;
  }

  @Test
  void one_key_value_head_decodes_with_the_cache_like_full_recomputation() throws IOException {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    Map<String, float[]> w = fixtureWeights(shapes);
    Map<String, Tensor> t = new LinkedHashMap<>();
    for (var e : w.entrySet()) {
      String n = e.getKey();
      if (n.endsWith("k_proj.weight") || n.endsWith("v_proj.weight")) {
        // keep kv head 0: rows 0..15 of [32, 64]
        t.put(n, Tensor.ofFloats(java.util.Arrays.copyOf(e.getValue(), 16 * 64), 16, 64));
      } else {
        t.put(n, Tensor.ofFloats(e.getValue(), shapes.get(n)));
      }
    }
    Path d = writeModel(dir, "mqa", "\"tie_word_embeddings\": false", t);
    Files.writeString(d.resolve("config.json"), Files.readString(d.resolve("config.json"))
        .replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 1"));
    assertCachedEqualsFull(d);
  }
}
