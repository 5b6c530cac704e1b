package org.consistency4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.safetensors.SafetensorsCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The model families beyond Llama 2 (Llama 3.x RoPE scaling, Qwen3, Phi-3/Phi-4-mini, Gemma 2, Gemma 3) against the
 * float64 PyTorch re-implementation of {@code src/test/python/make_family_fixtures.py}: logits within
 * 1e-4, greedy tokens (decoded with the KV cache) equal to the reference's full recomputation, RoPE
 * inverse frequencies and attention factor as the reference computes them.
 */
class FamilyFixturesTest {
  static final Path FIXTURES = Path.of("src/test/resources/fixtures");
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  static JsonNode reference(String name) throws IOException {
    return JSON.readTree(FIXTURES.resolve(name).resolve("reference.json").toFile());
  }

  /** Logits and greedy continuations of {@code sequences} (reference.json layout) on {@code d}. */
  static double assertMatches(Path d, JsonNode sequences) {
    return assertMatches(d, sequences, RuntimeOptions.builder().intraOpThreads(1).build());
  }

  /** {@link #assertMatches(Path, JsonNode)} with the model loaded with {@code options}. */
  static double assertMatches(Path d, JsonNode sequences, RuntimeOptions options) {
    double worst = 0;
    try (OnnxLanguageModel m = OnnxLanguageModel.load(d, options)) {
      for (JsonNode s : sequences) {
        int[] ids = OnnxLanguageModelTest.ints(s.get("input_ids"));
        float[][] logits = m.logits(ids);
        JsonNode positions = s.get("last_positions");
        for (int p = 0; p < positions.size(); p++) {
          JsonNode expected = s.get("last_logits_f64").get(p);
          float[] row = logits[positions.get(p).asInt()];
          for (int v = 0; v < row.length; v++) {
            double diff = Math.abs(expected.get(v).asDouble() - row[v]);
            worst = Math.max(worst, diff);
            assertTrue(diff <= 1e-4, d.getFileName() + " seq " + s.get("index") + " position "
                + positions.get(p) + " token " + v + ": |diff| " + diff);
          }
        }
        int[] argmax = OnnxLanguageModelTest.ints(s.get("argmax_all_positions_f64"));
        for (int t = 0; t < argmax.length; t++) {
          assertEquals(argmax[t], argmaxOf(logits[t]), "argmax at position " + t);
        }
        JsonNode greedy = s.get("greedy_new_tokens");
        GenerationConfig config = GenerationConfig.builder().maxNewTokens(greedy.size())
            .stopAtEos(false).build();
        List<Integer> expected = new ArrayList<>();
        greedy.forEach(t -> expected.add(t.asInt()));
        assertEquals(expected, m.generateIds(ids, config, 0).tokenIds(),
            d.getFileName() + " greedy tokens of seq " + s.get("index"));
      }
    }
    return worst;
  }

  private static int argmaxOf(float[] row) {
    int best = 0;
    for (int i = 1; i < row.length; i++) {
      if (row[i] > row[best]) {
        best = i;
      }
    }
    return best;
  }

  static void assertInverseFrequencies(ModelConfig c, JsonNode ref) {
    float[] inv = c.ropeInverseFrequencies();
    JsonNode expected = ref.get("rope_inv_freq_f64");
    assertEquals(expected.size(), inv.length);
    for (int i = 0; i < inv.length; i++) {
      double e = expected.get(i).asDouble();
      assertEquals(e, inv[i], 1e-6 * e, "inv_freq[" + i + "]");
    }
    assertEquals(ref.get("rope_attention_scaling").asDouble(), c.ropeScaling().attentionFactor(),
        1e-12);
  }

  @ParameterizedTest
  @ValueSource(strings = {"tiny-llama3", "tiny-qwen3", "tiny-phi3", "tiny-gemma2", "tiny-gemma3"})
  void logits_and_greedy_tokens_match_the_float64_pytorch_reference(String name) throws IOException {
    JsonNode ref = reference(name);
    Path d = FIXTURES.resolve(name);
    ModelConfig c = ModelConfig.parse(d.resolve("config.json"));
    assertEquals(ref.get("rotary_dim").asInt(), c.rotaryDim());
    assertInverseFrequencies(c, ref);
    if (ref.has("rope_local_inv_freq_f64")) {
      // Gemma 3's sliding layers: default RoPE with rope_local_base_freq.
      List<Integer> sliding = new ArrayList<>();
      ref.get("sliding_layers").forEach(n -> sliding.add(n.asInt()));
      ModelConfig.Gemma gemma = c.gemma().orElseThrow();
      assertEquals(sliding, gemma.slidingLayers());
      assertEquals(8, gemma.slidingWindow());
      float[] local = RopeScaling.none().inverseFrequencies(gemma.localRopeTheta(), c.rotaryDim());
      for (int i = 0; i < local.length; i++) {
        double e = ref.get("rope_local_inv_freq_f64").get(i).asDouble();
        assertEquals(e, local[i], 1e-6 * e);
      }
    }
    double worst = assertMatches(d, ref.get("sequences"));
    assertTrue(worst > 0, "suspiciously exact");
  }

  @ParameterizedTest
  @ValueSource(strings = {"tiny-llama3", "tiny-qwen3", "tiny-phi3", "tiny-gemma2", "tiny-gemma3"})
  void cached_decoding_equals_full_recomputation(String name) {
    GeneratedFixturesTest.assertCachedEqualsFull(FIXTURES.resolve(name));
  }

  @ParameterizedTest
  @ValueSource(strings = {"linear", "dynamic"})
  void llama_rope_scaling_variants_match_the_reference(String variant) throws IOException {
    JsonNode v = reference("tiny-llama3").get("variants").get(variant);
    Path src = FIXTURES.resolve("tiny-llama3");
    Path d = Files.createDirectories(dir.resolve(variant));
    ObjectNode config = (ObjectNode) JSON.readTree(src.resolve("config.json").toFile());
    config.setAll((ObjectNode) v.get("config_patch"));
    JSON.writeValue(d.resolve("config.json").toFile(), config);
    for (String f : List.of("model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
      Files.copy(src.resolve(f), d.resolve(f));
    }
    ModelConfig c = ModelConfig.parse(d.resolve("config.json"));
    assertEquals(RopeScaling.Type.valueOf(variant.toUpperCase(java.util.Locale.ROOT)),
        c.ropeScaling().type());
    assertInverseFrequencies(c, v);
    assertMatches(d, v.get("sequences"));
  }

  @Test
  void phi3_fused_projections_are_split_in_row_order_and_fused_back_bit_for_bit() {
    Path d = FIXTURES.resolve("tiny-phi3");
    ModelConfig c = ModelConfig.parse(d.resolve("config.json"));
    Map<String, float[]> split = new LinkedHashMap<>();
    LlamaGraphs.loadWeights(d, c).forEach((n, t) -> split.put(n, t.toFloatArray()));
    assertEquals(LlamaGraphs.expectedShapes(c).keySet(), split.keySet());
    try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(d)) {
      float[] qkv = ckpt.floats("model.layers.1.self_attn.qkv_proj.weight");
      float[] k = split.get("model.layers.1.self_attn.k_proj.weight");
      // k rows follow the 4 * 16 q rows of 64 columns.
      assertArrayEquals(java.util.Arrays.copyOfRange(qkv, 64 * 64, 64 * 64 + k.length), k);
      float[] gateUp = ckpt.floats("model.layers.0.mlp.gate_up_proj.weight");
      float[] up = split.get("model.layers.0.mlp.up_proj.weight");
      assertArrayEquals(java.util.Arrays.copyOfRange(gateUp, up.length, 2 * up.length), up);
      Map<String, float[]> fused = LlamaGraphs.toFileLayout(c, split);
      assertEquals(LlamaGraphs.fileShapes(c).keySet(), fused.keySet());
      assertEquals(java.util.Set.copyOf(ckpt.names()), fused.keySet());
      for (Map.Entry<String, float[]> e : fused.entrySet()) {
        assertArrayEquals(ckpt.floats(e.getKey()), e.getValue(), 0f, e.getKey());
      }
    }
  }
}
