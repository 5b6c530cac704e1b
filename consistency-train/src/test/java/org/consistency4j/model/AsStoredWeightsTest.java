package org.consistency4j.model;

import static org.consistency4j.model.TransposedLinearWeightsTest.assertLogitsClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.Tensor;
import org.consistency4j.lm.Generation;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.safetensors.SafetensorsCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link RuntimeOptions.WeightPrecision#AS_STORED}: a float16/bfloat16 checkpoint's linear weights
 * read as stored, in row chunks cast to float32 on every run. Tested: the same logits,
 * log-probabilities and greedy tokens (one prompt and a batch, decoded with the key/value cache) as
 * the float32 copy of the same file, for every family, with chunks small enough that every weight
 * has several; that the weights ONNX Runtime reads are 16-bit views of the mapped file (no float32
 * copy in direct memory, no copy by ONNX Runtime); that a float32 file loads as without the mode;
 * and that the combinations that cannot work are refused by name.
 */
class AsStoredWeightsTest {
  private static final Path FIXTURES = FamilyFixturesTest.FIXTURES;
  private static final RuntimeOptions FLOAT32 = RuntimeOptions.builder().intraOpThreads(1)
      .build();
  /** 1,000 elements: 15 rows of the fixtures' 64 columns, so every linear weight has 2 to 26. */
  private static final RuntimeOptions AS_STORED = FLOAT32.toBuilder()
      .weightPrecision(RuntimeOptions.WeightPrecision.AS_STORED).asStoredChunkElements(1000)
      .build();
  @TempDir Path dir;

  /**
   * Llama (untied), Llama 3 (tied, rope scaling), Qwen2 (q/k/v biases), Qwen3 (tied, q/k norms),
   * Phi-3 (fused projections, partial rotary), Gemma 2 and 3 (tied, soft-capping, sliding layers),
   * each as a bfloat16 and a float16 file.
   */
  @ParameterizedTest
  @CsvSource({"tiny-llama, BFLOAT16", "tiny-llama3, BFLOAT16", "qwen2, BFLOAT16",
      "tiny-qwen3, BFLOAT16", "tiny-phi3, BFLOAT16", "tiny-gemma2, BFLOAT16",
      "tiny-gemma3, BFLOAT16", "tiny-llama, FLOAT16", "qwen2, FLOAT16", "tiny-qwen3, FLOAT16",
      "tiny-phi3, FLOAT16", "tiny-gemma2, FLOAT16"})
  void as_stored_weights_give_the_logits_logprobs_and_greedy_tokens_of_the_float32_copy(
      String name, DType dtype) throws IOException {
    Path src = name.equals("qwen2") ? GeneratedFixturesTest.qwen2(dir) : FIXTURES.resolve(name);
    Path d = TransposedLinearWeightsTest.halfCopy(src, dir.resolve(name + "-" + dtype), dtype);
    ModelConfig c = ModelConfig.parse(d.resolve("config.json"));
    SplittableRandom rnd = new SplittableRandom(11);
    List<int[]> sequences = List.of(rnd.ints(17, 0, c.vocabSize()).toArray(),
        rnd.ints(5, 0, c.vocabSize()).toArray(), rnd.ints(30, 0, c.vocabSize()).toArray(),
        rnd.ints(1, 0, c.vocabSize()).toArray());
    GenerationConfig greedy = GenerationConfig.builder().maxNewTokens(8).temperature(0)
        .stopAtEos(false).seed(0).build();
    try (OnnxLanguageModel f = OnnxLanguageModel.load(d, FLOAT32);
        OnnxLanguageModel h = OnnxLanguageModel.load(d, AS_STORED)) {
      String head = c.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight";
      long headChunks = h.weightInputs().keySet().stream()
          .filter(n -> n.startsWith(head + LlamaGraphs.ROWS)).count();
      assertEquals((c.vocabSize() + 14) / 15, headChunks, "LM head chunks of 15 rows");
      for (String n : LlamaGraphs.quantizedWeights(c)) {
        long chunks = h.weightInputs().keySet().stream()
            .filter(k -> k.startsWith(n + LlamaGraphs.ROWS)).count();
        assertTrue(chunks >= 2, n + " has " + chunks + " chunks");
      }
      double worst = 0;
      for (int[] ids : sequences) {
        worst = Math.max(worst, assertLogitsClose(f.logits(ids), h.logits(ids), name + " logits"));
        worst = Math.max(worst, assertLogitsClose(f.cachedLogits(ids), h.cachedLogits(ids),
            name + " cached logits"));
        double[] a = f.logprobs(ids);
        double[] b = h.logprobs(ids);
        for (int i = 0; i < a.length; i++) {
          assertEquals(a[i], b[i], 1e-5, name + " logprob " + i);
        }
        assertEquals(f.generateIds(ids, greedy, 0).tokenIds(), h.generateIds(ids, greedy, 0)
            .tokenIds(), name + " greedy tokens");
      }
      List<int[]> prompts = sequences.subList(0, 3);
      List<float[][]> fb = f.logitsBatch(prompts);
      List<float[][]> hb = h.logitsBatch(prompts);
      for (int i = 0; i < prompts.size(); i++) {
        worst = Math.max(worst, assertLogitsClose(fb.get(i), hb.get(i), name + " batch row " + i));
      }
      assertEquals(f.generateIds(prompts, greedy).stream().map(Generation::tokenIds).toList(),
          h.generateIds(prompts, greedy).stream().map(Generation::tokenIds).toList(),
          name + " batched greedy tokens");
      assertTrue(worst < 1e-4, name + ": largest logit difference " + worst);
    }
  }

  /**
   * The weights the session reads: the linear ones and the embedding table 16-bit, read-only views
   * of the mapped file that ONNX Runtime does not copy, and the direct memory the load allocates a
   * small fraction of the float32 copy the default load makes (tied Qwen3, fused Phi-3, untied
   * Llama).
   */
  @ParameterizedTest
  @CsvSource({"tiny-qwen3, BFLOAT16", "tiny-phi3, BFLOAT16", "tiny-llama, FLOAT16"})
  void the_linear_weights_are_16_bit_views_of_the_file(String name, DType dtype)
      throws IOException {
    Path d = TransposedLinearWeightsTest.halfCopy(FIXTURES.resolve(name),
        dir.resolve(name + "-" + dtype), dtype);
    ModelConfig c = ModelConfig.parse(d.resolve("config.json"));
    long linearAndTable = 0;
    for (String n : LlamaGraphs.quantizedWeights(c)) {
      linearAndTable += elements(LlamaGraphs.expectedShapes(c).get(n));
    }
    if (!c.tieWordEmbeddings()) {
      linearAndTable += elements(LlamaGraphs.expectedShapes(c).get("model.embed_tokens.weight"));
    }
    long before = directBytes();
    try (OnnxLanguageModel f = OnnxLanguageModel.load(d, FLOAT32)) {
      long float32Load = directBytes() - before;
      // The control: the default load upcasts into direct buffers; those it reads in place (the
      // weights above the 64 KiB external threshold) stay allocated while the model is open.
      long upcast = 0;
      for (OnnxTensor t : f.weightInputs().values()) {
        assertEquals(OnnxJavaType.FLOAT, t.getInfo().type);
        upcast += 4 * t.getInfo().getNumElements();
      }
      assertTrue(upcast > 0 && float32Load >= upcast, "float32 load allocated " + float32Load
          + " direct bytes, its float32 inputs take " + upcast);
    }
    before = directBytes();
    try (OnnxLanguageModel h = OnnxLanguageModel.load(d, AS_STORED);
        SafetensorsCheckpoint file = SafetensorsCheckpoint.open(d)) {
      long asStoredLoad = directBytes() - before;
      assertTrue(asStoredLoad < 0.05 * 4 * linearAndTable, "as-stored load allocated "
          + asStoredLoad + " direct bytes, float32 linear weights take " + 4 * linearAndTable);
      long halfBytes = 0;
      for (Map.Entry<String, OnnxTensor> e : h.weightInputs().entrySet()) {
        String n = e.getKey();
        int rows = n.indexOf(LlamaGraphs.ROWS);
        boolean half = rows >= 0 || n.equals("model.embed_tokens.weight");
        OnnxJavaType type = e.getValue().getInfo().type;
        assertEquals(half ? (dtype == DType.BFLOAT16 ? OnnxJavaType.BFLOAT16
            : OnnxJavaType.FLOAT16) : OnnxJavaType.FLOAT, type, n);
        if (!half) {
          continue;
        }
        assertFalse(e.getValue().ownsBuffer(), n + ": ONNX Runtime copied it");
        Buffer b = e.getValue().getBufferRef().orElseThrow();
        assertTrue(b.isDirect() && b.isReadOnly(), n + " must be a view of the mapped file");
        long count = e.getValue().getInfo().getNumElements();
        halfBytes += 2 * count;
        // Its bytes are the file's, at the chunk's first row.
        String weight = rows < 0 ? n : n.substring(0, rows);
        long first = rows < 0 ? 0 : Long.parseLong(n.substring(rows + LlamaGraphs.ROWS.length()));
        ByteBuffer expected = fileRows(file, c, weight, first, count);
        assertEquals(expected, ((ByteBuffer) b).duplicate().clear(), n);
      }
      long tiedTwice = c.tieWordEmbeddings() ? (long) c.vocabSize() * c.hiddenSize() : 0;
      assertEquals(2 * (linearAndTable + tiedTwice), halfBytes,
          "16-bit inputs: every linear weight and the table once (a tied table also in chunks)");
    }
  }

  /** A float32 file is read as without the mode: the same inputs, the same logits. */
  @Test
  void a_float32_file_loads_as_without_the_mode() {
    Path d = FIXTURES.resolve("tiny-qwen3");
    int[] ids = {5, 77, 301, 12, 9};
    try (OnnxLanguageModel f = OnnxLanguageModel.load(d, FLOAT32);
        OnnxLanguageModel h = OnnxLanguageModel.load(d, AS_STORED)) {
      assertEquals(f.weightInputs().keySet(), h.weightInputs().keySet());
      float[][] a = f.logits(ids);
      float[][] b = h.logits(ids);
      for (int t = 0; t < a.length; t++) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(a[t], b[t], 0f, "position " + t);
      }
    }
  }

  @Test
  void the_mode_is_refused_with_quantization_session_weights_and_cuda() {
    RuntimeOptions.Builder b = RuntimeOptions.builder()
        .weightPrecision(RuntimeOptions.WeightPrecision.AS_STORED);
    var q = assertThrows(IllegalArgumentException.class,
        () -> b.quantization(Quantization.INT4).build());
    assertEquals("weightPrecision AS_STORED feeds the file's 16-bit weights to every run from"
        + " memory on the CPU and cannot be combined with quantization int4; use quantization"
        + " none, or weightPrecision FLOAT32 to quantize", q.getMessage());
    b.quantization(Quantization.NONE);
    var s = assertThrows(IllegalArgumentException.class,
        () -> b.weights(RuntimeOptions.WeightPlacement.SESSION).build());
    assertEquals("weightPrecision AS_STORED feeds the file's 16-bit weights to every run from"
        + " memory on the CPU and cannot be combined with weights SESSION (ONNX Runtime would"
        + " copy them into the session); use weights AUTO or IN_PLACE", s.getMessage());
    b.weights(RuntimeOptions.WeightPlacement.AUTO);
    var cuda = assertThrows(IllegalArgumentException.class,
        () -> b.device(RuntimeOptions.Device.CUDA).build());
    assertEquals("weightPrecision AS_STORED feeds the file's 16-bit weights to every run from"
        + " memory on the CPU and cannot run on device CUDA (every run would copy every weight to"
        + " the device); use device CPU, or weightPrecision FLOAT32 on CUDA", cuda.getMessage());
    b.device(RuntimeOptions.Device.CPU);
    var chunk = assertThrows(IllegalArgumentException.class,
        () -> b.asStoredChunkElements(0).build());
    assertEquals("asStoredChunkElements must be > 0, found 0", chunk.getMessage());
    var none = assertThrows(RuntimeException.class, () -> b.weightPrecision(null)
        .asStoredChunkElements(1).build());
    assertTrue(none.getMessage().contains("weightPrecision"), none.getMessage());
    RuntimeOptions ok = RuntimeOptions.builder()
        .weightPrecision(RuntimeOptions.WeightPrecision.AS_STORED)
        .weights(RuntimeOptions.WeightPlacement.IN_PLACE).asStoredChunkElements(7).build();
    assertEquals(RuntimeOptions.WeightPrecision.AS_STORED, ok.toBuilder().build()
        .weightPrecision());
    assertEquals(7, ok.toBuilder().build().asStoredChunkElements());
    assertEquals(RuntimeOptions.WeightPrecision.FLOAT32, RuntimeOptions.cpu().weightPrecision());
    assertEquals(RuntimeOptions.DEFAULT_AS_STORED_CHUNK_ELEMENTS,
        RuntimeOptions.cpu().asStoredChunkElements());
  }

  @Test
  void row_chunks_out_of_order_or_not_covering_the_weight_are_refused(@TempDir Path tmp)
      throws IOException {
    Path d = TransposedLinearWeightsTest.halfCopy(FIXTURES.resolve("tiny-llama"), tmp.resolve("h"),
        DType.BFLOAT16);
    ModelConfig c = ModelConfig.parse(d.resolve("config.json"));
    String up = "model.layers.0.mlp.up_proj.weight";
    Map<String, Tensor> w = new java.util.LinkedHashMap<>(
        LlamaGraphs.loadWeightsInRowChunks(d, c, 1000, java.util.Set.of()));
    w.remove(up + LlamaGraphs.ROWS + "15");
    var gap = assertThrows(IllegalArgumentException.class,
        () -> LlamaGraphs.decode(c, w, Quantization.NONE));
    assertEquals(up + ".rows.30 must be the chunk starting at row 15 of " + up
        + " (chunks in row order, without gaps)", gap.getMessage());
    Map<String, Tensor> w2 = new java.util.LinkedHashMap<>(
        LlamaGraphs.loadWeightsInRowChunks(d, c, 1000, java.util.Set.of()));
    w2.keySet().removeIf(k -> k.startsWith(up + LlamaGraphs.ROWS) && !k.endsWith(".rows.0"));
    var cover = assertThrows(IllegalArgumentException.class,
        () -> LlamaGraphs.decode(c, w2, Quantization.NONE));
    assertEquals("the row chunks of " + up + " cover 15 of its 160 rows", cover.getMessage());
  }

  /** The file's bytes of {@code count} elements of {@code weight} from row {@code first}. */
  private static ByteBuffer fileRows(SafetensorsCheckpoint file, ModelConfig c, String weight,
      long first, long count) {
    String stored = weight;
    long offsetRows = first;
    if (c.fusedProjections() && !file.contains(weight)) {
      // Phi-3: q, k, v are rows of qkv_proj; gate, up rows of gate_up_proj.
      Map<String, long[]> shapes = LlamaGraphs.expectedShapes(c);
      String[][] fused = {{"q_proj", "qkv_proj"}, {"k_proj", "qkv_proj"}, {"v_proj", "qkv_proj"},
          {"gate_proj", "gate_up_proj"}, {"up_proj", "gate_up_proj"}};
      for (String[] f : fused) {
        if (weight.contains("." + f[0] + ".")) {
          stored = weight.replace(f[0], f[1]);
          for (String[] before : fused) {
            if (before[0].equals(f[0])) {
              break;
            }
            if (before[1].equals(f[1])) {
              offsetRows += shapes.get(weight.replace(f[0], before[0]))[0];
            }
          }
        }
      }
    }
    Tensor t = file.tensor(stored);
    int rowBytes = (int) (t.shape()[1] * 2);
    return t.data().slice((int) (offsetRows * rowBytes), (int) (count * 2));
  }

  private static long elements(long[] shape) {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    return n;
  }

  /**
   * Bytes of live direct buffers (mapped files are another pool), once collections free no more
   * (the cleaners that free unreachable buffers run after a collection, on their own thread).
   */
  private static long directBytes() {
    BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)
        .stream().filter(p -> p.getName().equals("direct")).findFirst().orElseThrow();
    long last = -1;
    for (int i = 0; i < 50; i++) {
      System.gc();
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      long now = direct.getMemoryUsed();
      if (now == last) {
        return now;
      }
      last = now;
    }
    return last;
  }
}
