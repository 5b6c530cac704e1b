package org.consistency4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.Tensor;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.safetensors.SafetensorsCheckpoint;
import org.consistency4j.safetensors.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Float32 inference with weights read in place reads the linear weights in one of two layouts
 * ({@link RuntimeOptions.LinearLayout}): {@code BATCHED} (the default) keeps every weight as stored
 * and puts it first for batches of rows ({@link LlamaGraphs#rowSwitchedLinear}); {@code
 * SINGLE_SEQUENCE} holds the widening ones transposed, {@code [in, out]}, for plain {@code MatMul}s
 * ({@link LlamaGraphs#loadWeightsTransposed}). Tested here: which weights are transposed, that each
 * is held once (a tied embedding table only transposed), that both layouts give the logits,
 * log-probabilities and greedy tokens (single and batched prompts) of the plain stored layout
 * ({@code FusedMatMul(transB = 1)}, no {@code If}) for untied and tied models, float32 and bfloat16
 * files, and that both match the PyTorch references of the fixtures.
 */
class TransposedLinearWeightsTest {
  private static final Path FIXTURES = FamilyFixturesTest.FIXTURES;
  private static final RuntimeOptions ONE_THREAD = RuntimeOptions.builder().intraOpThreads(1)
      .build();
  private static final RuntimeOptions SINGLE = ONE_THREAD.toBuilder()
      .linearLayout(RuntimeOptions.LinearLayout.SINGLE_SEQUENCE).build();
  @TempDir Path dir;

  /**
   * Changed with the batched layout (branch {@code left}): the default CPU options no longer hold
   * weights transposed; {@code SINGLE_SEQUENCE} does. Both put stored weights first for batches;
   * session-held, quantized and CUDA weights use neither.
   */
  @Test
  void the_default_cpu_options_use_the_batched_layout() {
    assertEquals(RuntimeOptions.LinearLayout.BATCHED, RuntimeOptions.cpu().linearLayout());
    assertFalse(OnnxLanguageModel.transposesLinearWeights(ONE_THREAD));
    assertFalse(OnnxLanguageModel.transposesLinearWeights(RuntimeOptions.cpu()));
    assertTrue(OnnxLanguageModel.transposesLinearWeights(SINGLE));
    assertEquals(LlamaGraphs.LeftRows.BATCHES, OnnxLanguageModel.leftRows(ONE_THREAD));
    assertEquals(LlamaGraphs.LeftRows.BATCHES, OnnxLanguageModel.leftRows(SINGLE));
    for (RuntimeOptions o : List.of(ONE_THREAD, SINGLE)) {
      RuntimeOptions session = o.toBuilder().weights(RuntimeOptions.WeightPlacement.SESSION)
          .build();
      RuntimeOptions int8 = o.toBuilder().quantization(Quantization.INT8).build();
      // CUDA resolves to session-held weights: its graphs are unchanged.
      RuntimeOptions cuda = o.toBuilder().device(RuntimeOptions.Device.CUDA).build();
      for (RuntimeOptions other : List.of(session, int8, cuda)) {
        assertFalse(OnnxLanguageModel.transposesLinearWeights(other), other.toString());
        assertEquals(LlamaGraphs.LeftRows.NEVER, OnnxLanguageModel.leftRows(other),
            other.toString());
      }
    }
  }

  @Test
  void the_linear_layout_is_validated_and_kept_by_the_builder() {
    var e = assertThrows(RuntimeException.class,
        () -> RuntimeOptions.builder().linearLayout(null).build());
    assertTrue(e.getMessage().contains("linearLayout"), e.getMessage());
    assertEquals(RuntimeOptions.LinearLayout.SINGLE_SEQUENCE,
        SINGLE.toBuilder().intraOpThreads(2).build().linearLayout());
  }

  /** Both layouts against the float64 PyTorch references (untied Llama 3 is tied; Phi-3 untied). */
  @ParameterizedTest
  @ValueSource(strings = {"tiny-llama3", "tiny-qwen3", "tiny-phi3", "tiny-gemma2"})
  void both_layouts_match_the_float64_pytorch_reference(String name) throws IOException {
    var ref = FamilyFixturesTest.reference(name);
    for (RuntimeOptions o : List.of(ONE_THREAD, SINGLE)) {
      double worst = FamilyFixturesTest.assertMatches(FIXTURES.resolve(name), ref.get("sequences"),
          o);
      assertTrue(worst > 0, "suspiciously exact");
    }
  }

  @Test
  void the_batched_layout_loads_every_weight_as_stored_and_single_sequence_transposes() {
    try (OnnxLanguageModel m = OnnxLanguageModel.load(FIXTURES.resolve("tiny-qwen3"),
        ONE_THREAD)) {
      assertTrue(m.weightInputs().containsKey("model.embed_tokens.weight"));
      assertTrue(m.weightInputs().keySet().stream().noneMatch(n -> n.endsWith(".transposed")));
    }
    try (OnnxLanguageModel m = OnnxLanguageModel.load(FIXTURES.resolve("tiny-qwen3"), SINGLE)) {
      assertTrue(m.weightInputs().keySet().stream().anyMatch(n -> n.endsWith(".transposed")));
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
    try (OnnxLanguageModel m = OnnxLanguageModel.load(d, SINGLE)) {
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
  void both_layouts_give_the_logits_logprobs_and_greedy_tokens_of_the_stored_layout(String name)
      throws IOException {
    assertLayoutsAgree(FIXTURES.resolve(name));
  }

  /** The same from bfloat16 files (upcast and transposed in one pass), untied and tied. */
  @ParameterizedTest
  @ValueSource(strings = {"tiny-llama", "tiny-qwen3"})
  void bf16_files_give_the_same_logits_in_every_layout(String name) throws IOException {
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

  /**
   * The plain stored layout ({@code FusedMatMul(transB = 1)} everywhere, no {@code If}) against
   * {@code BATCHED} (stored, {@code If}) and {@code SINGLE_SEQUENCE} (widening weights transposed,
   * {@code If} on the others): logits and log-probabilities of single sequences (one row for a
   * one-token sequence, several otherwise), logits of a padded batch, greedy tokens of one prompt
   * and of several prompts decoded together (every step several rows).
   */
  private static void assertLayoutsAgree(Path d) {
    int vocab = ModelConfig.parse(d.resolve("config.json")).vocabSize();
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
    List<int[]> sequences = List.of(rnd.ints(17, 0, vocab).toArray(),
        rnd.ints(5, 0, vocab).toArray(), rnd.ints(30, 0, vocab).toArray(),
        rnd.ints(1, 0, vocab).toArray());
    GenerationConfig greedy = GenerationConfig.builder().maxNewTokens(8).temperature(0)
        .stopAtEos(false).seed(0).build();
    try (OnnxLanguageModel s = OnnxLanguageModel.load(d, ONE_THREAD,
            OnnxLanguageModel.PromptOverflow.ERROR, false, LlamaGraphs.LeftRows.NEVER);
        OnnxLanguageModel b = OnnxLanguageModel.load(d, ONE_THREAD);
        OnnxLanguageModel t = OnnxLanguageModel.load(d, SINGLE)) {
      assertTrue(t.weightInputs().keySet().stream().anyMatch(n -> n.endsWith(".transposed")));
      assertTrue(s.weightInputs().keySet().stream().noneMatch(n -> n.endsWith(".transposed")));
      assertTrue(b.weightInputs().keySet().stream().noneMatch(n -> n.endsWith(".transposed")));
      List<int[]> prompts = List.of(sequences.get(0), sequences.get(1), sequences.get(2));
      List<float[][]> batchS = s.logitsBatch(prompts);
      List<List<Integer>> greedyS = s.generateIds(prompts, greedy).stream()
          .map(org.consistency4j.lm.Generation::tokenIds).toList();
      for (OnnxLanguageModel m : List.of(b, t)) {
        String what = d.getFileName() + (m == t ? " SINGLE_SEQUENCE" : " BATCHED");
        double worst = 0;
        for (int[] ids : sequences) {
          worst = Math.max(worst, assertLogitsClose(s.logits(ids), m.logits(ids), what));
          double[] la = m.logprobs(ids);
          double[] lb = s.logprobs(ids);
          assertEquals(lb.length, la.length);
          for (int i = 0; i < la.length; i++) {
            assertEquals(lb[i], la[i], 1e-5, what + " logprob " + i);
          }
          assertEquals(s.generateIds(ids, greedy, 0).tokenIds(), m.generateIds(ids, greedy, 0)
              .tokenIds(), what + " greedy tokens");
        }
        List<float[][]> batch = m.logitsBatch(prompts);
        for (int i = 0; i < prompts.size(); i++) {
          worst = Math.max(worst, assertLogitsClose(batchS.get(i), batch.get(i),
              what + " batch row " + i));
        }
        assertEquals(greedyS, m.generateIds(prompts, greedy).stream()
            .map(org.consistency4j.lm.Generation::tokenIds).toList(), what + " batched greedy");
        assertTrue(worst < 1e-4, what + ": largest logit difference " + worst);
      }
    }
  }

  static double assertLogitsClose(float[][] expected, float[][] actual, String what) {
    assertEquals(expected.length, actual.length, what);
    double worst = 0;
    for (int p = 0; p < expected.length; p++) {
      for (int v = 0; v < expected[p].length; v++) {
        worst = Math.max(worst, Math.abs(actual[p][v] - expected[p][v]));
        assertEquals(expected[p][v], actual[p][v], 1e-5f * Math.max(1f, Math.abs(expected[p][v])),
            what + " position " + p + " token " + v);
      }
    }
    return worst;
  }

  /** A copy of model directory {@code src} whose floating-point weights are bfloat16 (rounded). */
  private static Path bf16Copy(Path src, Path d) throws IOException {
    return halfCopy(src, d, DType.BFLOAT16);
  }

  /**
   * A copy of model directory {@code src} whose floating-point weights are {@code dtype} (FLOAT16
   * or BFLOAT16, rounded).
   */
  static Path halfCopy(Path src, Path d, DType dtype) throws IOException {
    Files.createDirectories(d);
    for (String f : Set.of("config.json", "tokenizer.json", "tokenizer_config.json")) {
      Files.copy(src.resolve(f), d.resolve(f));
    }
    Map<String, Tensor> out = new LinkedHashMap<>();
    try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(src)) {
      for (String n : ckpt.names()) {
        out.put(n, Tensor.ofHalfFloats(dtype, ckpt.floats(n),
            ckpt.info(n).orElseThrow().shapeArray()));
      }
    }
    SafetensorsWriter.write(d.resolve("model.safetensors"), out);
    return d;
  }
}
