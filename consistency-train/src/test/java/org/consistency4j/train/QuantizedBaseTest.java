package org.consistency4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.ExportedModel;
import org.consistency4j.graph.Graph;
import org.consistency4j.graph.Tensor;
import org.consistency4j.lora.Lora;
import org.consistency4j.lora.LoraConfig;
import org.consistency4j.model.LlamaGraphs;
import org.consistency4j.model.ModelConfig;
import org.consistency4j.model.Quantization;
import org.consistency4j.model.RuntimeOptions;
import org.consistency4j.optim.AdamWConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * QLoRA-style training ({@link QuantizedBase}): LoRA on a quantized frozen base has the gradients and
 * the losses of float32 LoRA on a model whose weights are the dequantized values.
 */
class QuantizedBaseTest {
  private static final Path FIXTURES = Path.of("src/test/resources/fixtures");
  private static final LoraConfig LORA = new LoraConfig(4, 8, List.of("q_proj", "v_proj",
      "down_proj"), 7, 0);

  private static Quantization quantization(String name) {
    return switch (name) {
      case "int8" -> Quantization.INT8;
      case "int4" -> Quantization.INT4;
      // 160 input features of down_proj in blocks of 64: a padded last block.
      case "int8/block=64" -> Quantization.INT8.withBlockSize(64);
      case "int4/block=64" -> Quantization.INT4.withBlockSize(64);
      default -> throw new IllegalArgumentException(name);
    };
  }

  /** Two micro-batches of random tokens (seeded), some labels ignored. */
  private static List<TrainingSession.Batch> batches(int vocab, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    List<TrainingSession.Batch> out = new ArrayList<>();
    for (int m = 0; m < 2; m++) {
      int b = 2;
      int t = 9;
      long[] ids = new long[b * t];
      long[] labels = new long[b * t];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = rng.nextInt(vocab);
        labels[i] = i % t < 3 ? -100 : ids[i];
      }
      out.add(new TrainingSession.Batch(ids, labels, b, t));
    }
    return out;
  }

  private static TrainingSession open(ExportedModel forward, Quantization q) {
    Lora.Adapted adapted = Lora.apply(forward, LORA);
    return TrainingSession.builder(adapted.model()).trainable(adapted.adapters())
        .optimizer(AdamWConfig.defaults())
        .runtime(RuntimeOptions.builder().intraOpThreads(1).quantization(q).build()).build();
  }

  @ParameterizedTest
  @ValueSource(strings = {"int8", "int4", "int8/block=64", "int4/block=64"})
  void lora_on_a_quantized_base_equals_float_lora_on_the_dequantized_weights(String label) {
    Quantization q = quantization(label);
    Path dir = FIXTURES.resolve("tiny-llama");
    ModelConfig mc = ModelConfig.parse(dir.resolve("config.json"));
    Map<String, Tensor> weights = new LinkedHashMap<>(LlamaTrainingGraph.loadWeights(dir, mc));
    Map<String, Tensor> dequantized = new LinkedHashMap<>(weights);
    for (String n : LlamaGraphs.quantizedWeights(mc)) {
      Tensor t = weights.get(n);
      dequantized.put(n, Tensor.ofFloats(q.dequantize(q.quantize(n, t)), t.shape()));
    }
    List<TrainingSession.Batch> data = batches(mc.vocabSize(), 11);
    try (TrainingSession qlora = open(LlamaTrainingGraph.build(mc, weights), q);
        TrainingSession reference = open(LlamaTrainingGraph.build(mc, dequantized),
            Quantization.NONE);
        TrainingSession original = open(LlamaTrainingGraph.build(mc, weights),
            Quantization.NONE)) {
      // One step first: LoRA's B starts at zero, which makes A's first gradient zero.
      original.step(data, 1e-2);
      assertEquals(reference.step(data, 1e-2).loss(), qlora.step(data, 1e-2).loss(), 1e-5,
          label + " loss 0");
      Map<String, float[]> gq = qlora.gradients(data, Double.NaN);
      Map<String, float[]> gr = reference.gradients(data, Double.NaN);
      Map<String, float[]> go = original.gradients(data, Double.NaN);
      assertEquals(gr.keySet(), gq.keySet());
      double worst = 0;
      double quantizationEffect = 0;
      for (String n : gr.keySet()) {
        float[] a = gq.get(n);
        float[] r = gr.get(n);
        double scale = 0;
        for (float v : r) {
          scale = Math.max(scale, Math.abs(v));
        }
        assertTrue(scale > 0, n + " has a zero gradient");
        for (int i = 0; i < r.length; i++) {
          worst = Math.max(worst, Math.abs(a[i] - r[i]) / scale);
          quantizationEffect = Math.max(quantizationEffect, Math.abs(go.get(n)[i] - r[i]) / scale);
        }
      }
      // Float rounding only (the same products in another graph), far below the quantization's own
      // effect on the gradients.
      assertTrue(worst <= 1e-5, label + ": gradients differ by " + worst + " of their max");
      assertTrue(quantizationEffect > 100 * Math.max(worst, 1e-7),
          label + ": quantization changed the gradients by only " + quantizationEffect);
      for (int step = 0; step < 3; step++) {
        TrainingSession.StepResult a = qlora.step(data, 1e-2);
        TrainingSession.StepResult r = reference.step(data, 1e-2);
        assertEquals(r.loss(), a.loss(), 1e-5 * Math.abs(r.loss()), label + " loss " + (step + 1));
        assertEquals(r.gradNorm(), a.gradNorm(), 1e-4 * r.gradNorm(),
            label + " grad norm " + (step + 1));
        assertNotEquals(original.step(data, 1e-2).loss(), a.loss(), label + " step " + (step + 1));
      }
      for (String n : qlora.trainableNames()) {
        float[] a = qlora.parameter(n);
        float[] r = reference.parameter(n);
        for (int i = 0; i < r.length; i++) {
          assertEquals(r[i], a[i], 1e-5, n + "[" + i + "]");
        }
      }
    }
  }

  @Test
  void the_rewrite_keeps_codes_not_float_weights_and_leaves_the_tied_embedding_float32() {
    Path dir = FIXTURES.resolve("tiny-qwen3");
    ModelConfig mc = ModelConfig.parse(dir.resolve("config.json"));
    Lora.Adapted adapted = Lora.apply(LlamaTrainingGraph.load(dir, mc), LORA);
    QuantizedBase.Result r = QuantizedBase.apply(adapted.model(), Quantization.INT4,
        Set.copyOf(adapted.adapters()));
    Set<String> expected = new HashSet<>(LlamaGraphs.quantizedWeights(mc));
    // The tied embedding is read by the token lookup too: it stays float32, for the head as well.
    assertTrue(expected.remove("model.embed_tokens.weight"));
    assertEquals(expected, new HashSet<>(r.quantized()));
    Graph g = Graph.fromModel(r.model().model(), r.model().externalInitializers());
    for (String n : r.quantized()) {
      Tensor codes = r.model().externalInitializers().get(n + QuantizedBase.CODES);
      assertTrue(codes != null && codes.dtype() == DType.UINT8,
          n + " codes are external UINT8 (fed as inputs, never folded)");
      assertEquals(DType.FLOAT, g.initializers().get(n + QuantizedBase.SCALES).dtype());
      assertTrue(!g.initializers().containsKey(n), n + " has no float32 copy");
    }
    assertEquals(DType.FLOAT, g.initializers().get("model.embed_tokens.weight").dtype());
    for (String a : adapted.adapters()) {
      assertEquals(DType.FLOAT, g.initializers().get(a).dtype(), a + " is untouched");
    }
    // The tied model trains: finite loss that changes over steps.
    List<TrainingSession.Batch> data = batches(mc.vocabSize(), 3);
    try (TrainingSession s = open(LlamaTrainingGraph.load(dir, mc), Quantization.INT4)) {
      double first = s.step(data, 1e-2).loss();
      double second = s.step(data, 1e-2).loss();
      assertTrue(Double.isFinite(first) && second < first, first + " then " + second);
    }
  }

  /**
   * {@link QuantizedBase#loadForward} keeps the linear weights as the file stores them (a bfloat16
   * copy of tiny-llama, untied, and the float32 tiny-qwen3, tied) and never makes a float32 copy of
   * them; LoRA finds the same targets, and the rewritten base has the same codes and scales, hence
   * the same losses, as quantizing the float32 graph after loading it.
   */
  @ParameterizedTest
  @ValueSource(strings = {"tiny-llama/bf16/int4", "tiny-llama/bf16/int8", "tiny-qwen3/f32/int4"})
  void quantizing_from_the_mapped_file_equals_quantizing_the_float32_graph(String label,
      @org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    String[] parts = label.split("/");
    Path dir = FIXTURES.resolve(parts[0]);
    DType stored = DType.FLOAT;
    if (parts[1].equals("bf16")) {
      java.nio.file.Files.copy(dir.resolve("config.json"), tmp.resolve("config.json"));
      ScratchModels.writeRandomWeights(tmp, DType.BFLOAT16, 17);
      dir = tmp;
      stored = DType.BFLOAT16;
    }
    Quantization q = quantization(parts[2]);
    ModelConfig mc = ModelConfig.parse(dir.resolve("config.json"));
    ExportedModel atLoad = QuantizedBase.loadForward(dir, mc);
    Map<String, Tensor> loaded =
        Graph.fromModel(atLoad.model(), atLoad.externalInitializers()).initializers();
    Set<String> linear = new HashSet<>(LlamaGraphs.quantizedWeights(mc));
    linear.remove("model.embed_tokens.weight");
    for (String n : linear) {
      assertEquals(stored, loaded.get(n).dtype(), n + " is kept as the file stores it");
    }
    Lora.Adapted a = Lora.apply(LlamaTrainingGraph.load(dir, mc), LORA);
    Lora.Adapted b = Lora.apply(atLoad, LORA);
    assertEquals(a.targets(), b.targets());
    assertEquals(a.adapters(), b.adapters());
    QuantizedBase.Result after = QuantizedBase.apply(a.model(), q, Set.copyOf(a.adapters()));
    QuantizedBase.Result during = QuantizedBase.apply(b.model(), q, Set.copyOf(b.adapters()));
    assertEquals(after.quantized(), during.quantized());
    assertEquals(linear, new HashSet<>(during.quantized()));
    Map<String, Tensor> ea = after.model().externalInitializers();
    Map<String, Tensor> eb = during.model().externalInitializers();
    Graph ga = Graph.fromModel(after.model().model(), ea);
    Graph gb = Graph.fromModel(during.model().model(), eb);
    for (String n : after.quantized()) {
      for (String part : List.of(n + QuantizedBase.CODES, n + QuantizedBase.SCALES)) {
        Tensor x = ga.initializers().get(part);
        Tensor y = gb.initializers().get(part);
        assertEquals(x.dtype(), y.dtype(), part);
        assertTrue(java.util.Arrays.equals(x.shape(), y.shape()), part);
        assertEquals(x.data(), y.data(), part + " differs");
      }
      assertTrue(!gb.initializers().containsKey(n), n + " is gone after the rewrite");
    }
    List<TrainingSession.Batch> data = batches(mc.vocabSize(), 5);
    try (TrainingSession x = open(LlamaTrainingGraph.load(dir, mc), q);
        TrainingSession y = open(QuantizedBase.loadForward(dir, mc), q)) {
      for (int step = 0; step < 3; step++) {
        TrainingSession.StepResult rx = x.step(data, 1e-2);
        TrainingSession.StepResult ry = y.step(data, 1e-2);
        assertEquals(rx.loss(), ry.loss(), label + " loss " + step);
        assertEquals(rx.gradNorm(), ry.gradNorm(), label + " grad norm " + step);
      }
    }
  }

  @Test
  void a_bfloat16_graph_loaded_for_a_quantized_base_is_refused_without_quantization(
      @org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    java.nio.file.Files.copy(FIXTURES.resolve("tiny-llama/config.json"), tmp.resolve("config.json"));
    ScratchModels.writeRandomWeights(tmp, DType.BFLOAT16, 3);
    ModelConfig mc = ModelConfig.parse(tmp.resolve("config.json"));
    Lora.Adapted a = Lora.apply(QuantizedBase.loadForward(tmp, mc), LORA);
    TrainingSession.Builder b = TrainingSession.builder(a.model()).trainable(a.adapters())
        .runtime(RuntimeOptions.builder().intraOpThreads(1).build());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
    assertEquals("linear weight model.layers.0.self_attn.q_proj.weight is BFLOAT16: the graph was"
        + " loaded for a quantized base (QuantizedBase.loadForward); train it with"
        + " RuntimeOptions.quantization int8 or int4, or load it with LlamaTrainingGraph.load for"
        + " float32 training", e.getMessage());
  }

  @Test
  void full_fine_tuning_on_a_quantized_base_is_refused() {
    Path dir = FIXTURES.resolve("tiny-llama");
    ModelConfig mc = ModelConfig.parse(dir.resolve("config.json"));
    TrainingSession.Builder b = TrainingSession.builder(LlamaTrainingGraph.load(dir, mc))
        .trainable(LlamaTrainingGraph.weightNames(mc))
        .runtime(RuntimeOptions.builder().quantization(Quantization.INT8).build());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
    assertTrue(e.getMessage().contains("quantized base") && e.getMessage().contains("int8")
        && e.getMessage().contains("model.layers.0.self_attn.q_proj.weight")
        && e.getMessage().contains("adapters"), e.getMessage());
  }
}
