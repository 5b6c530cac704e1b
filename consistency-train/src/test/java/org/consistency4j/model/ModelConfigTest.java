package org.consistency4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.consistency4j.ModelLoadException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelConfigTest {
  @TempDir Path dir;

  private static final String BASE =
      "\"vocab_size\": 100, \"hidden_size\": 32, \"intermediate_size\": 64,"
          + " \"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"max_position_embeddings\": 128";

  private Path write(String json) throws IOException {
    Path f = dir.resolve("config.json");
    Files.writeString(f, json);
    return f;
  }

  private ModelLoadException rejects(String json) throws IOException {
    Path f = write(json);
    return assertThrows(ModelLoadException.class, () -> ModelConfig.parse(f));
  }

  @Test
  void the_fixture_config_is_read_completely() {
    ModelConfig c =
        ModelConfig.parse(Path.of("src/test/resources/fixtures/tiny-llama/config.json"));
    assertEquals(
        new ModelConfig(
            "llama", 384, 64, 2, 4, 2, 16, 160, 1e-6, 10000.0, false, false, false, 256,
            Optional.of(1), List.of(2)),
        c);
    assertEquals(2, c.groupSize());
  }

  @Test
  void input_ids_are_validated_against_the_vocabulary_and_the_context_naming_the_bad_value() {
    ModelConfig c =
        ModelConfig.parse(Path.of("src/test/resources/fixtures/tiny-llama/config.json"));
    c.validateInputIds(new int[] {0, 383}, "ids");
    c.validateInputIds(new int[256], "ids");
    assertEquals("line 3 input_ids must not be empty (the model has no BOS token to start from)",
        assertThrows(IllegalArgumentException.class,
            () -> c.validateInputIds(new int[0], "line 3 input_ids")).getMessage());
    assertEquals("ids length must be <= max_position_embeddings (256), found 257",
        assertThrows(IllegalArgumentException.class,
            () -> c.validateInputIds(new int[257], "ids")).getMessage());
    assertEquals("ids[1] must be in [0, 384), found 384", assertThrows(IllegalArgumentException.class,
        () -> c.validateInputIds(new int[] {5, 384}, "ids")).getMessage());
    assertEquals("ids[0] must be in [0, 384), found -1", assertThrows(IllegalArgumentException.class,
        () -> c.validateInputIds(new int[] {-1}, "ids")).getMessage());
    assertEquals("ids must not be null", assertThrows(NullPointerException.class,
        () -> c.validateInputIds(null, "ids")).getMessage());
  }

  @Test
  void sizes_above_the_library_limits_are_refused_naming_the_field_before_anything_is_built()
      throws IOException {
    String huge = BASE.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 1000000000");
    assertEquals(dir.resolve("config.json") + ": num_hidden_layers must be <= 1024 (the library's"
        + " limit), found 1000000000", rejects("{\"model_type\": \"llama\", " + huge + "}").getMessage());
    String wide = BASE.replace("\"intermediate_size\": 64", "\"intermediate_size\": 2000000");
    assertEquals(dir.resolve("config.json") + ": intermediate_size must be <= 1048576 (the library's"
        + " limit), found 2000000", rejects("{\"model_type\": \"llama\", " + wide + "}").getMessage());
    String vocab = BASE.replace("\"vocab_size\": 100", "\"vocab_size\": 2000000000");
    assertEquals(dir.resolve("config.json") + ": vocab_size must be <= 16777216 (the library's"
        + " limit), found 2000000000", rejects("{\"model_type\": \"llama\", " + vocab + "}").getMessage());
    assertEquals("numHiddenLayers must be <= 1024, found 1025", assertThrows(
        IllegalArgumentException.class, () -> new ModelConfig("llama", 384, 64, 1025, 4, 2, 16, 160,
            1e-6, 10000.0, false, false, false, 256, Optional.of(1), List.of(2))).getMessage());
  }

  @Test
  void a_config_file_above_1_mib_is_refused_before_it_is_read() throws IOException {
    Path f = dir.resolve("config.json");
    try (java.io.RandomAccessFile r = new java.io.RandomAccessFile(f.toFile(), "rw")) {
      r.setLength(3L << 30); // sparse: 3 GiB of nothing
    }
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> ModelConfig.parse(f));
    assertEquals(f + ": file is 3221225472 bytes, above the limit of 1048576"
        + " (ModelConfig.MAX_CONFIG_BYTES)", e.getMessage());
  }

  @Test
  void a_config_claiming_more_than_the_weights_hold_is_refused_before_loading() throws IOException {
    Path fixture = Path.of("src/test/resources/fixtures/tiny-llama");
    Path model = dir.resolve("model");
    Files.createDirectories(model);
    Files.copy(fixture.resolve("model.safetensors"), model.resolve("model.safetensors"));
    String config = Files.readString(fixture.resolve("config.json"));
    Files.writeString(model.resolve("config.json"),
        config.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 1000"));
    ModelConfig c = ModelConfig.parse(model.resolve("config.json"));
    ModelLoadException e = assertThrows(ModelLoadException.class,
        () -> LlamaGraphs.loadWeights(model, c));
    assertEquals(model.resolve("config.json") + ": num_hidden_layers is 1000, but the checkpoint has"
        + " weights for 2 layers (model.layers.0 to model.layers.1)", e.getMessage());
    // Also when the file holds more tensors than a layer needs: layers are counted, not tensors.
    java.util.Map<String, org.consistency4j.graph.Tensor> tensors = new java.util.LinkedHashMap<>();
    try (org.consistency4j.safetensors.SafetensorsCheckpoint ckpt =
        org.consistency4j.safetensors.SafetensorsCheckpoint.open(fixture)) {
      for (String n : ckpt.names()) {
        tensors.put(n, ckpt.tensor(n));
      }
    }
    for (int i = 0; i < 20; i++) {
      tensors.put("extra." + i, org.consistency4j.graph.Tensor.ofFloats(new float[8], 8));
    }
    org.consistency4j.safetensors.SafetensorsWriter.write(model.resolve("model.safetensors"), tensors);
    Files.writeString(model.resolve("config.json"),
        config.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3"));
    ModelConfig three = ModelConfig.parse(model.resolve("config.json"));
    e = assertThrows(ModelLoadException.class, () -> LlamaGraphs.loadWeights(model, three));
    assertEquals(model.resolve("config.json") + ": num_hidden_layers is 3, but the checkpoint has"
        + " weights for 2 layers (model.layers.0 to model.layers.1)", e.getMessage());
  }

  @Test
  void defaults_follow_hugging_face() throws IOException {
    ModelConfig c = ModelConfig.parse(write("{\"model_type\": \"llama\", " + BASE + "}"));
    assertEquals(4, c.numKeyValueHeads());
    assertEquals(8, c.headDim());
    assertEquals(1e-6, c.rmsNormEps());
    assertEquals(10000.0, c.ropeTheta());
    assertFalse(c.tieWordEmbeddings());
    assertFalse(c.qkvBias());
    assertEquals(Optional.empty(), c.bosTokenId());
    assertEquals(List.of(), c.eosTokenIds());
  }

  @Test
  void qwen2_has_qkv_biases_but_no_output_bias() throws IOException {
    ModelConfig c =
        ModelConfig.parse(
            write("{\"model_type\": \"qwen2\", \"use_sliding_window\": false, " + BASE + "}"));
    assertTrue(c.qkvBias());
    assertFalse(c.outputBias());
  }

  @Test
  void llama_attention_bias_sets_all_four_projection_biases() throws IOException {
    ModelConfig c =
        ModelConfig.parse(
            write("{\"model_type\": \"llama\", \"attention_bias\": true, " + BASE + "}"));
    assertTrue(c.qkvBias());
    assertTrue(c.outputBias());
  }

  @Test
  void eos_may_be_a_list_and_head_dim_explicit() throws IOException {
    ModelConfig c =
        ModelConfig.parse(
            write(
                "{\"model_type\": \"llama\", \"eos_token_id\": [2, 7], \"head_dim\": 16,"
                    + " \"num_key_value_heads\": 1, " + BASE + "}"));
    assertEquals(List.of(2, 7), c.eosTokenIds());
    assertEquals(16, c.headDim());
    assertEquals(4, c.groupSize());
  }

  @Test
  void mistral_sliding_window_shorter_than_the_context_caps_the_context() throws IOException {
    ModelConfig c =
        ModelConfig.parse(write("{\"model_type\": \"mistral\", \"sliding_window\": 64, " + BASE + "}"));
    assertEquals(64, c.maxPositionEmbeddings());
  }

  @Test
  void parameter_count_matches_the_fixture_weights() {
    ModelConfig c =
        ModelConfig.parse(Path.of("src/test/resources/fixtures/tiny-llama/config.json"));
    // embed + lm_head + 2 * (q 64x64 + k,v 2 x 64x32 + o 64x64 + mlp 3x64x160 + 2 norms) + norm
    assertEquals(384 * 64 * 2 + 2 * (64 * 64 * 2 + 2 * 64 * 32 + 3 * 64 * 160 + 128) + 64,
        c.parameterCount());
  }

  @Test
  void unknown_model_type_is_rejected() throws IOException {
    Path f = write("{\"model_type\": \"gpt2\", " + BASE + "}");
    var e = assertThrows(ModelLoadException.class, () -> ModelConfig.parse(f));
    assertEquals(
        f + ": model_type must be one of [llama, qwen2, mistral, qwen3, phi3, gemma2, gemma3_text],"
            + " found \"gpt2\"",
        e.getMessage());
  }

  @Test
  void rope_scaling_types_not_implemented_are_rejected_naming_the_value() throws IOException {
    Path f = write(
        "{\"model_type\": \"llama\", \"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4.0},"
            + " " + BASE + "}");
    var e = assertThrows(ModelLoadException.class, () -> ModelConfig.parse(f));
    assertEquals(
        f + ": rope_scaling type \"yarn\" is not implemented by this runtime (implemented: default,"
            + " linear, dynamic, llama3, longrope), found {\"rope_type\":\"yarn\",\"factor\":4.0}",
        e.getMessage());
    var su = rejects("{\"model_type\": \"phi3\", \"rope_scaling\": {\"type\": \"su\"}, " + BASE + "}");
    assertEquals(dir.resolve("config.json") + ": rope_scaling type \"su\" is not implemented by this"
        + " runtime (implemented: default, linear, dynamic, llama3, longrope), found {\"type\":\"su\"}",
        su.getMessage());
  }

  @Test
  void rope_scaling_kind_is_read_from_rope_type_or_type_preferring_rope_type() throws IOException {
    ModelConfig a = ModelConfig.parse(write("{\"model_type\": \"llama\", \"rope_scaling\":"
        + " {\"type\": \"linear\", \"factor\": 2.0}, " + BASE + "}"));
    assertEquals(RopeScaling.linear(2.0), a.ropeScaling());
    ModelConfig b = ModelConfig.parse(write("{\"model_type\": \"llama\", \"rope_scaling\":"
        + " {\"rope_type\": \"dynamic\", \"type\": \"linear\", \"factor\": 2.0}, " + BASE + "}"));
    assertEquals(RopeScaling.Type.DYNAMIC, b.ropeScaling().type());
    // Linear scaling divides every inverse frequency by the factor.
    float[] plain = RopeScaling.none().inverseFrequencies(10000, 8);
    float[] linear = a.ropeInverseFrequencies();
    for (int i = 0; i < plain.length; i++) {
      assertEquals(plain[i] / 2, linear[i], 1e-7 * plain[i]);
    }
    // Dynamic NTK is default RoPE within max_position_embeddings, the longest sequence that runs.
    assertEquals(128, b.maxPositionEmbeddings());
    assertTrue(java.util.Arrays.equals(plain, b.ropeInverseFrequencies()));
  }

  @Test
  void llama3_rope_scaling_is_read_with_its_four_fields() throws IOException {
    ModelConfig c = ModelConfig.parse(Path.of("src/test/resources/fixtures/tiny-llama3/config.json"));
    assertEquals(RopeScaling.llama3(32.0, 1.0, 4.0, 8192), c.ropeScaling());
    assertEquals(131072, c.maxPositionEmbeddings());
    assertTrue(c.tieWordEmbeddings());
    var e = rejects("{\"model_type\": \"llama\", \"rope_scaling\": {\"rope_type\": \"llama3\","
        + " \"factor\": 8.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0}, " + BASE + "}");
    assertEquals(dir.resolve("config.json") + ": rope_scaling.original_max_position_embeddings is"
        + " required for rope_scaling type \"llama3\", found {\"rope_type\":\"llama3\",\"factor\":8.0,"
        + "\"low_freq_factor\":1.0,\"high_freq_factor\":4.0}", e.getMessage());
    var f = rejects("{\"model_type\": \"llama\", \"rope_scaling\": {\"type\": \"linear\","
        + " \"factor\": -2}, " + BASE + "}");
    assertEquals(dir.resolve("config.json") + ": rope_scaling.factor must be a positive number,"
        + " found -2", f.getMessage());
  }

  @Test
  void phi4_mini_longrope_caps_the_context_at_the_original_length_with_its_attention_factor() {
    ModelConfig c = ModelConfig.parse(Path.of("src/test/resources/fixtures/tiny-phi3/config.json"));
    assertEquals(RopeScaling.Type.LONGROPE, c.ropeScaling().type());
    assertEquals(4096, c.maxPositionEmbeddings());
    assertEquals(12, c.rotaryDim());
    assertEquals(16, c.headDim());
    assertEquals(Math.sqrt(1 + Math.log(32) / Math.log(4096)), c.ropeScaling().attentionFactor(),
        1e-15);
    assertTrue(c.fusedProjections());
    assertFalse(c.qkvBias());
  }

  @Test
  void longrope_factors_must_have_one_entry_per_rotated_pair() throws IOException {
    var e = rejects("{\"model_type\": \"phi3\", \"original_max_position_embeddings\": 64,"
        + " \"rope_scaling\": {\"type\": \"longrope\", \"short_factor\": [1.0, 2.0],"
        + " \"long_factor\": [1.0, 2.0]}, " + BASE + "}");
    assertEquals(dir.resolve("config.json") + ": rope_scaling.short_factor must be a list of"
        + " rotary_dim / 2 = 4 positive numbers, found [1.0,2.0]", e.getMessage());
  }

  @Test
  void phi3_mini_sliding_window_caps_the_context_and_partial_rotary_must_give_an_even_width()
      throws IOException {
    ModelConfig c = ModelConfig.parse(write("{\"model_type\": \"phi3\", \"sliding_window\": 47,"
        + " \"original_max_position_embeddings\": 128, \"rope_scaling\": null,"
        + " \"tie_word_embeddings\": false, " + BASE + "}"));
    assertEquals(47, c.maxPositionEmbeddings());
    assertEquals(8, c.rotaryDim());
    var e = rejects("{\"model_type\": \"phi3\", \"partial_rotary_factor\": 0.375, " + BASE + "}");
    assertEquals(dir.resolve("config.json") + ": partial_rotary_factor 0.375 gives an odd or empty"
        + " rotary width int(head_dim 8 * factor) = 3; it must be even and > 0", e.getMessage());
    var llama = rejects("{\"model_type\": \"llama\", \"partial_rotary_factor\": 0.5, " + BASE + "}");
    assertEquals(dir.resolve("config.json")
        + ": partial_rotary_factor must be 1.0 (the only one implemented), found 0.5",
        llama.getMessage());
    var bias = rejects("{\"model_type\": \"phi3\", \"attention_bias\": true, " + BASE + "}");
    assertEquals(dir.resolve("config.json")
        + ": attention_bias must be false (not implemented by this runtime), found true",
        bias.getMessage());
    var head = rejects("{\"model_type\": \"phi3\", \"lm_head_bias\": true, " + BASE + "}");
    assertEquals(dir.resolve("config.json")
        + ": lm_head_bias must be false (not implemented by this runtime), found true",
        head.getMessage());
  }

  @Test
  void qwen3_reads_head_dim_and_caps_the_context_only_at_an_active_sliding_window()
      throws IOException {
    ModelConfig c = ModelConfig.parse(Path.of("src/test/resources/fixtures/tiny-qwen3/config.json"));
    assertEquals(32, c.headDim());
    assertEquals(32, c.rotaryDim());
    assertTrue(c.qkNorm());
    assertFalse(c.qkvBias());
    assertFalse(c.outputBias());
    assertEquals(40960, c.maxPositionEmbeddings());
    String window = "\"sliding_window\": 32, \"use_sliding_window\": true, ";
    assertEquals(128, ModelConfig.parse(write("{\"model_type\": \"qwen3\", " + window
        + "\"max_window_layers\": 2, " + BASE + "}")).maxPositionEmbeddings());
    assertEquals(32, ModelConfig.parse(write("{\"model_type\": \"qwen3\", " + window
        + "\"max_window_layers\": 1, " + BASE + "}")).maxPositionEmbeddings());
    ModelConfig biased = ModelConfig.parse(write("{\"model_type\": \"qwen3\","
        + " \"attention_bias\": true, " + BASE + "}"));
    assertTrue(biased.qkvBias());
    assertTrue(biased.outputBias());
    // q_norm and k_norm: 2 * head_dim more parameters per layer.
    assertEquals(biased.parameterCount() - 2 * 2 * 8, new ModelConfig("llama", 100, 32, 2, 4, 4, 8,
        64, 1e-6, 1e4, true, true, false, 128, Optional.empty(), List.of()).parameterCount());
  }

  @Test
  void gemma_configs_read_their_settings_with_hugging_faces_defaults() throws IOException {
    ModelConfig g2 = ModelConfig.parse(Path.of("src/test/resources/fixtures/tiny-gemma2/config.json"));
    assertEquals(new ModelConfig.Gemma(5.0, 3.0, 24, 0, 8, List.of(0)), g2.gemma().orElseThrow());
    assertEquals(8192, g2.maxPositionEmbeddings());
    assertEquals(1 / Math.sqrt(24), g2.attentionScale(), 1e-15);
    assertFalse(g2.qkNorm());
    ModelConfig g3 = ModelConfig.parse(Path.of("src/test/resources/fixtures/tiny-gemma3/config.json"));
    assertEquals(new ModelConfig.Gemma(0, 0, 32, 10000, 8, List.of(0)), g3.gemma().orElseThrow());
    assertTrue(g3.gemma().orElseThrow().localRope(0));
    assertEquals(RopeScaling.linear(8.0), g3.ropeScaling());
    assertTrue(g3.qkNorm());
    // head_dim 256, tied embeddings, query_pre_attn_scalar 256 and sliding_window_pattern 6 by default.
    ModelConfig d = ModelConfig.parse(write("{\"model_type\": \"gemma3_text\", \"sliding_window\": 4,"
        + " " + BASE.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 7") + "}"));
    assertEquals(256, d.headDim());
    assertTrue(d.tieWordEmbeddings());
    assertEquals(new ModelConfig.Gemma(0, 0, 256, 10000, 4, List.of(0, 1, 2, 3, 4, 6)),
        d.gemma().orElseThrow());
    assertEquals(128, d.maxPositionEmbeddings());
    // A window covering the whole context slides nothing.
    ModelConfig wide = ModelConfig.parse(write("{\"model_type\": \"gemma2\", \"sliding_window\": 128, "
        + BASE + "}"));
    assertEquals(List.of(), wide.gemma().orElseThrow().slidingLayers());
    ModelConfig typed = ModelConfig.parse(write("{\"model_type\": \"gemma3_text\", \"layer_types\":"
        + " [\"full_attention\", \"sliding_attention\"], \"sliding_window\": 16, " + BASE + "}"));
    assertEquals(List.of(1), typed.gemma().orElseThrow().slidingLayers());
    assertEquals(128, typed.maxPositionEmbeddings());
  }

  @Test
  void gemma_settings_the_runtime_does_not_implement_are_rejected_naming_the_value()
      throws IOException {
    var act = rejects("{\"model_type\": \"gemma2\", \"hidden_activation\": \"gelu\", " + BASE + "}");
    assertEquals(dir.resolve("config.json") + ": hidden_activation must be \"gelu_pytorch_tanh\" (the"
        + " only one implemented), found \"gelu\"", act.getMessage());
    var types = rejects("{\"model_type\": \"gemma3_text\", \"layer_types\": [\"full_attention\"], "
        + BASE + "}");
    assertEquals(dir.resolve("config.json") + ": layer_types must list num_hidden_layers (2)"
        + " entries, found [\"full_attention\"]", types.getMessage());
    var kind = rejects("{\"model_type\": \"gemma3_text\", \"layer_types\": [\"full_attention\","
        + " \"chunked_attention\"], " + BASE + "}");
    assertEquals(dir.resolve("config.json") + ": layer_types entries must be \"sliding_attention\" or"
        + " \"full_attention\", found \"chunked_attention\"", kind.getMessage());
    var cap = rejects("{\"model_type\": \"gemma2\", \"final_logit_softcapping\": -1, " + BASE + "}");
    assertEquals(dir.resolve("config.json") + ": final_logit_softcapping must be a positive number,"
        + " found -1", cap.getMessage());
    var gemma1 = rejects("{\"model_type\": \"gemma\", " + BASE + "}");
    assertTrue(gemma1.getMessage().endsWith("found \"gemma\""), gemma1.getMessage());
  }

  @Test
  void default_rope_type_is_accepted() throws IOException {
    ModelConfig c = ModelConfig.parse(write(
        "{\"model_type\": \"llama\", \"rope_scaling\": {\"rope_type\": \"default\"}, " + BASE + "}"));
    assertEquals("llama", c.modelType());
  }

  @Test
  void qwen2_sliding_window_is_rejected() throws IOException {
    Path f = write("{\"model_type\": \"qwen2\", \"use_sliding_window\": true, " + BASE + "}");
    var e = assertThrows(ModelLoadException.class, () -> ModelConfig.parse(f));
    assertEquals(
        f + ": use_sliding_window must be false (not implemented by this runtime), found true",
        e.getMessage());
  }

  @Test
  void mlp_bias_is_rejected() throws IOException {
    var e = rejects("{\"model_type\": \"llama\", \"mlp_bias\": true, " + BASE + "}");
    assertEquals(
        dir.resolve("config.json")
            + ": mlp_bias must be false (not implemented by this runtime), found true",
        e.getMessage());
  }

  @Test
  void activation_other_than_silu_is_rejected() throws IOException {
    var e = rejects("{\"model_type\": \"llama\", \"hidden_act\": \"gelu\", " + BASE + "}");
    assertEquals(
        dir.resolve("config.json")
            + ": hidden_act must be \"silu\" (the only one implemented), found \"gelu\"",
        e.getMessage());
  }

  @Test
  void quantization_config_is_rejected() throws IOException {
    var e = rejects(
        "{\"model_type\": \"llama\", \"quantization_config\": {\"bits\": 4}, " + BASE + "}");
    assertEquals(
        dir.resolve("config.json")
            + ": quantization_config is not supported by this runtime, found {\"bits\":4}",
        e.getMessage());
  }

  @Test
  void mistral_attention_bias_is_rejected() throws IOException {
    var e = rejects("{\"model_type\": \"mistral\", \"attention_bias\": true, " + BASE + "}");
    assertEquals(
        dir.resolve("config.json")
            + ": attention_bias must be false (not implemented by this runtime), found true",
        e.getMessage());
  }

  @Test
  void heads_not_divisible_by_kv_heads_are_rejected() throws IOException {
    var e = rejects("{\"model_type\": \"llama\", \"num_key_value_heads\": 3, " + BASE + "}");
    assertEquals(
        dir.resolve("config.json")
            + ": num_attention_heads (4) must be a multiple of num_key_value_heads (3)",
        e.getMessage());
  }

  @Test
  void missing_required_field_is_named() throws IOException {
    var e = rejects("{\"model_type\": \"llama\", \"vocab_size\": 10}");
    assertEquals(dir.resolve("config.json") + ": hidden_size is required", e.getMessage());
  }

  @Test
  void non_integer_size_is_rejected_with_its_value() throws IOException {
    var e = rejects("{\"model_type\": \"llama\", " + BASE.replace("\"vocab_size\": 100",
        "\"vocab_size\": \"big\"") + "}");
    assertEquals(
        dir.resolve("config.json") + ": vocab_size must be a positive integer, found \"big\"",
        e.getMessage());
  }

  @Test
  void eos_outside_the_vocabulary_is_rejected() throws IOException {
    var e = rejects("{\"model_type\": \"llama\", \"eos_token_id\": [2, 100], " + BASE + "}");
    assertEquals(
        dir.resolve("config.json") + ": eos_token_id must be a token id in [0, 100), found 100",
        e.getMessage());
  }

  @Test
  void odd_head_dim_is_rejected() throws IOException {
    var e = rejects("{\"model_type\": \"llama\", \"head_dim\": 7, " + BASE + "}");
    assertEquals(
        dir.resolve("config.json")
            + ": head_dim must be even (rotary embeddings rotate pairs), found 7",
        e.getMessage());
  }

  @Test
  void missing_file_is_named() {
    Path f = dir.resolve("nope/config.json");
    var e = assertThrows(ModelLoadException.class, () -> ModelConfig.parse(f));
    assertEquals(f + ": file not found", e.getMessage());
  }

  @Test
  void invalid_json_is_reported_with_the_file() throws IOException {
    var e = rejects("{\"model_type\": ");
    assertTrue(e.getMessage().startsWith(dir.resolve("config.json") + ": not valid JSON: "),
        e.getMessage());
  }

  @Test
  void constructor_rejects_kv_heads_that_do_not_divide_heads() {
    var e = assertThrows(IllegalArgumentException.class, () -> new ModelConfig(
        "llama", 10, 8, 1, 4, 3, 2, 8, 1e-6, 1e4, false, false, false, 8, Optional.empty(),
        List.of()));
    assertEquals("numAttentionHeads (4) must be a multiple of numKeyValueHeads (3)",
        e.getMessage());
  }
}
