package org.consistency4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.HalfFloats;
import org.consistency4j.graph.Tensor;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.safetensors.SafetensorsCheckpoint;
import org.consistency4j.safetensors.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Float32 inference with weights read in place holds the linear weights transposed, {@code [in,
 * out]}, for plain {@code MatMul}s ({@link LlamaGraphs#loadWeightsTransposed}): which weights, that
 * each is held once (a tied embedding table only transposed), and that the logits, log-probabilities
 * and greedy tokens equal those of the stored layout ({@code FusedMatMul(transB = 1)}) for untied
 * and tied models, float32 and bfloat16 files. The PyTorch references of every fixture are checked
 * with the default (transposed) layout by {@link FamilyFixturesTest} and {@link
 * OnnxLanguageModelTest}; {@link #the_default_cpu_options_use_the_transposed_layout} pins that
 * they do.
 */
class TransposedLinearWeightsTest {
  private static final Path FIXTURES = FamilyFixturesTest.FIXTURES;
  private static final RuntimeOptions ONE_THREAD = RuntimeOptions.builder().intraOpThreads(1)
      .build();
  @TempDir Path dir;

  @Test
  void the_default_cpu_options_use_the_transposed_layout() {
    assertTrue(OnnxLanguageModel.transposesLinearWeights(ONE_THREAD));
    assertTrue(OnnxLanguageModel.transposesLinearWeights(RuntimeOptions.cpu()));
    assertFalse(OnnxLanguageModel.transposesLinearWeights(ONE_THREAD.toBuilder()
        .weights(RuntimeOptions.WeightPlacement.SESSION).build()));
    assertFalse(OnnxLanguageModel.transposesLinearWeights(ONE_THREAD.toBuilder()
        .quantization(Quantization.INT8).build()));
    // CUDA resolves to session-held weights: its graphs are unchanged.
    assertFalse(OnnxLanguageModel.transposesLinearWeights(ONE_THREAD.toBuilder()
        .device(RuntimeOptions.Device.CUDA).build()));
  }

  @Test
  void the_linear_layout_property_keeps_the_stored_layout() {
    String key = OnnxLanguageModel.LINEAR_LAYOUT_PROPERTY;
    assertEquals("consistency4j.linearLayout", key);
    String before = System.getProperty(key);
    try {
      System.setProperty(key, "stored");
      assertFalse(OnnxLanguageModel.transposesLinearWeights(ONE_THREAD));
      try (OnnxLanguageModel m = OnnxLanguageModel.load(FIXTURES.resolve("tiny-qwen3"),
          ONE_THREAD)) {
        assertTrue(m.weightInputs().containsKey("model.embed_tokens.weight"));
        assertTrue(m.weightInputs().keySet().stream().noneMatch(n -> n.endsWith(".transposed")));
      }
      System.setProperty(key, "transposed");
      assertTrue(OnnxLanguageModel.transposesLinearWeights(ONE_THREAD));
    } finally {
      if (before == null) {
        System.clearProperty(key);
      } else {
        System.setProperty(key, before);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"tiny-llama", "tiny-qwen3", "tiny-phi3"})
  void every_linear_weight_is_held_once_transposed_and_the_rest_as_stored(String name) {
    Path d = FIXTURES.resolve(name);
    ModelConfig c = ModelConfig.parse(d.resolve("config.json"));
    Map<String, long[]> shapes = LlamaGraphs.expectedShapes(c);
    List<String> transposed = LlamaGraphs.transposedWeights(c);
    Map<String, Tensor> weights = LlamaGraphs.loadWeightsTransposed(d, c);
    Map<String, float[]> stored = new LinkedHashMap<>();
    LlamaGraphs.loadWeights(d, c).forEach((n, t) -> stored.put(n, t.toFloatArray()));
    long oneCopy = 0;
    long held = 0;
    for (Map.Entry<String, long[]> e : shapes.entrySet()) {
      String n = e.getKey();
      long[] s = e.getValue();
      oneCopy += 4 * java.util.Arrays.stream(s).reduce(1, (a, b) -> a * b);
      boolean linear = n.endsWith("_proj.weight") || n.equals("lm_head.weight")
          || (c.tieWordEmbeddings() && n.equals("model.embed_tokens.weight"));
      boolean widening = linear && s[0] > s[1];
      assertEquals(widening, transposed.contains(n), n);
      if (widening) {
        assertFalse(weights.containsKey(n), n + " is held only transposed");
        Tensor t = weights.get(n + LlamaGraphs.TRANSPOSED);
        assertArrayEquals(new long[] {s[1], s[0]}, t.shape(), n);
        assertEquals(DType.FLOAT, t.dtype());
        assertTrue(t.data().isDirect(), n);
        float[] w = stored.get(n);
        float[] wt = t.toFloatArray();
        for (int r = 0; r < s[0]; r++) {
          for (int col = 0; col < s[1]; col++) {
            assertEquals(w[(int) (r * s[1] + col)], wt[(int) (col * s[0] + r)], 0f,
                n + " [" + r + ", " + col + "]");
          }
        }
      } else {
        assertArrayEquals(s, weights.get(n).shape(), n);
        assertFalse(weights.containsKey(n + LlamaGraphs.TRANSPOSED), n);
      }
    }
    String head = c.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight";
    assertTrue(transposed.containsAll(List.of(head, "model.layers.0.mlp.gate_proj.weight",
        "model.layers.0.mlp.up_proj.weight")), transposed.toString());
    assertFalse(transposed.contains("model.layers.0.mlp.down_proj.weight"));
    assertFalse(transposed.contains("model.layers.0.self_attn.k_proj.weight"));
    // Qwen3's q_proj widens (4 heads x 32 > hidden 64); Llama's and Phi-3's is square.
    assertEquals(name.equals("tiny-qwen3"),
        transposed.contains("model.layers.0.self_attn.q_proj.weight"));
    assertEquals(shapes.size(), weights.size(), "one tensor per weight: " + weights.keySet());
    for (Tensor t : weights.values()) {
      held += t.byteSize();
    }
    assertEquals(oneCopy, held, "float32 bytes held");
  }

  /**
   * What the session reads on every run: one float32 tensor per weight, the linear ones {@code [in,
   * out]}; a tied embedding table is one {@code [hidden, vocab]} tensor that the token lookup and the
   * LM head share.
   */
  @ParameterizedTest
  @ValueSource(strings = {"tiny-llama", "tiny-qwen3"})
  void the_model_reads_one_float32_copy_of_its_weights_in_place(String name) throws Exception {
    Path d = FIXTURES.resolve(name);
    ModelConfig c = ModelConfig.parse(d.resolve("config.json"));
    long oneCopy = 0;
    for (long[] s : LlamaGraphs.expectedShapes(c).values()) {
      oneCopy += 4 * java.util.Arrays.stream(s).reduce(1, (a, b) -> a * b);
    }
    try (OnnxLanguageModel m = OnnxLanguageModel.load(d, ONE_THREAD)) {
      Map<String, OnnxTensor> inputs = m.weightInputs();
      long bytes = 0;
      for (Map.Entry<String, OnnxTensor> e : inputs.entrySet()) {
        TensorInfo info = e.getValue().getInfo();
        assertEquals(ai.onnxruntime.OnnxJavaType.FLOAT, info.type, e.getKey());
        bytes += 4 * info.getNumElements();
      }
      // Only the weights above the external-initializer threshold (64 KiB) are inputs, here the
      // embedding table and LM head; the rest are in the graph's bytes: count them from the config.
      long small = 0;
      for (Map.Entry<String, long[]> e : LlamaGraphs.expectedShapes(c).entrySet()) {
        String n = e.getKey();
        if (!inputs.containsKey(n) && !inputs.containsKey(n + LlamaGraphs.TRANSPOSED)) {
          small += 4 * java.util.Arrays.stream(e.getValue()).reduce(1, (a, b) -> a * b);
        }
      }
      assertEquals(oneCopy, bytes + small, "float32 bytes of one copy");
      String head = c.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight";
      long[] table = inputs.get(head + LlamaGraphs.TRANSPOSED).getInfo().getShape();
      assertArrayEquals(new long[] {c.hiddenSize(), c.vocabSize()}, table);
      assertFalse(inputs.containsKey(head));
      assertEquals(!c.tieWordEmbeddings(), inputs.containsKey("model.embed_tokens.weight"));
    }
  }

  /** Untied float32 (tiny-llama), tied float32 (Qwen3, Llama 3, Gemma 2 with its soft-capping). */
  @ParameterizedTest
  @ValueSource(strings = {"tiny-llama", "tiny-qwen3", "tiny-llama3", "tiny-gemma2", "tiny-phi3"})
  void transposed_and_stored_layouts_give_the_same_logits_logprobs_and_greedy_tokens(String name)
      throws IOException {
    assertLayoutsAgree(FIXTURES.resolve(name));
  }

  /** The same from bfloat16 files (upcast and transposed in one pass), untied and tied. */
  @ParameterizedTest
  @ValueSource(strings = {"tiny-llama", "tiny-qwen3"})
  void bf16_files_give_the_same_logits_in_both_layouts(String name) throws IOException {
    Path d = bf16Copy(FIXTURES.resolve(name), dir.resolve(name));
    ModelConfig c = ModelConfig.parse(d.resolve("config.json"));
    try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(d)) {
      assertEquals(DType.BFLOAT16, ckpt.info("model.layers.0.mlp.up_proj.weight").orElseThrow()
          .dtype());
    }
    Map<String, Tensor> weights = LlamaGraphs.loadWeightsTransposed(d, c);
    assertTrue(weights.containsKey("model.layers.0.mlp.up_proj.weight" + LlamaGraphs.TRANSPOSED));
    assertLayoutsAgree(d);
  }

  @Test
  void a_weight_given_both_as_stored_and_transposed_is_refused() {
    Path d = FIXTURES.resolve("tiny-llama");
    ModelConfig c = ModelConfig.parse(d.resolve("config.json"));
    Map<String, Tensor> weights = new LinkedHashMap<>(LlamaGraphs.loadWeightsTransposed(d, c));
    weights.putAll(LlamaGraphs.loadWeights(d, c));
    var e = assertThrows(IllegalArgumentException.class,
        () -> LlamaGraphs.decode(c, weights, Quantization.NONE));
    assertEquals("weights must hold model.layers.0.mlp.gate_proj.weight once, found it both as"
        + " stored and as model.layers.0.mlp.gate_proj.weight.transposed", e.getMessage());
    Map<String, Tensor> wrong = new LinkedHashMap<>(LlamaGraphs.loadWeightsTransposed(d, c));
    String up = "model.layers.1.mlp.up_proj.weight";
    wrong.put(up + LlamaGraphs.TRANSPOSED, LlamaGraphs.loadWeights(d, c).get(up));
    var s = assertThrows(IllegalArgumentException.class,
        () -> LlamaGraphs.decode(c, wrong, Quantization.NONE));
    assertEquals(up + ".transposed must have shape [64, 160] (the transpose of [160, 64]), found"
        + " [160, 64]", s.getMessage());
  }

  private static void assertLayoutsAgree(Path d) {
    int vocab = ModelConfig.parse(d.resolve("config.json")).vocabSize();
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
    List<int[]> sequences = List.of(rnd.ints(17, 0, vocab).toArray(),
        rnd.ints(5, 0, vocab).toArray(), rnd.ints(30, 0, vocab).toArray());
    GenerationConfig greedy = GenerationConfig.builder().maxNewTokens(8).temperature(0)
        .stopAtEos(false).seed(0).build();
    try (OnnxLanguageModel t = OnnxLanguageModel.load(d, ONE_THREAD,
            OnnxLanguageModel.PromptOverflow.ERROR, true);
        OnnxLanguageModel s = OnnxLanguageModel.load(d, ONE_THREAD,
            OnnxLanguageModel.PromptOverflow.ERROR, false)) {
      assertTrue(t.weightInputs().keySet().stream().anyMatch(n -> n.endsWith(".transposed")));
      assertTrue(s.weightInputs().keySet().stream().noneMatch(n -> n.endsWith(".transposed")));
      double worst = 0;
      for (int[] ids : sequences) {
        float[][] a = t.logits(ids);
        float[][] b = s.logits(ids);
        for (int p = 0; p < a.length; p++) {
          for (int v = 0; v < a[p].length; v++) {
            double diff = Math.abs(a[p][v] - b[p][v]);
            worst = Math.max(worst, diff);
            assertEquals(b[p][v], a[p][v], 1e-5f * Math.max(1f, Math.abs(b[p][v])),
                d.getFileName() + " position " + p + " token " + v);
          }
        }
        double[] la = t.logprobs(ids);
        double[] lb = s.logprobs(ids);
        assertEquals(lb.length, la.length);
        for (int i = 0; i < la.length; i++) {
          assertEquals(lb[i], la[i], 1e-5, d.getFileName() + " logprob " + i);
        }
        assertEquals(s.generateIds(ids, greedy, 0).tokenIds(), t.generateIds(ids, greedy, 0)
            .tokenIds(), d.getFileName() + " greedy tokens");
      }
      assertTrue(worst < 1e-4, "largest logit difference " + worst);
    }
  }

  /** A copy of model directory {@code src} whose floating-point weights are bfloat16 (rounded). */
  private static Path bf16Copy(Path src, Path d) throws IOException {
    Files.createDirectories(d);
    for (String f : Set.of("config.json", "tokenizer.json", "tokenizer_config.json")) {
      Files.copy(src.resolve(f), d.resolve(f));
    }
    Map<String, Tensor> out = new LinkedHashMap<>();
    try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(src)) {
      for (String n : ckpt.names()) {
        float[] v = ckpt.floats(n);
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
          b.putShort(HalfFloats.floatToBfloat16(x));
        }
        out.put(n, Tensor.of(DType.BFLOAT16, b.flip(),
            ckpt.info(n).orElseThrow().shapeArray()));
      }
    }
    SafetensorsWriter.write(d.resolve("model.safetensors"), out);
    return d;
  }
}
