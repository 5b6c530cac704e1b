package org.consistency4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.consistency4j.graph.DType;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.model.LlamaGraphs;
import org.consistency4j.model.ModelConfig;
import org.consistency4j.model.OnnxLanguageModel;
import org.consistency4j.safetensors.SafetensorsFile;
import org.consistency4j.safetensors.TensorInfo;
import org.consistency4j.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScratchModelsTest {
  @TempDir Path dir;

  @Test
  void a_word_level_model_from_scratch_loads_tokenizes_by_word_and_generates(@TempDir Path dir)
      throws Exception {
    int vocab = ScratchModels.writeWordLevelTokenizer(dir,
        List.of("is", "the", "number", "even", "or", "odd", "?", ":", "7", "Answer"), 64);
    assertEquals(14, vocab);
    ScratchModels.writeRandomLlama(dir, vocab, new ScratchModels.LlamaShape(16, 1, 2, 32, 64), 3);
    try (Tokenizer tok = Tokenizer.load(dir)) {
      int[] ids = tok.encode("Is the number 7 even or odd? answer:", false);
      assertArrayEquals(new int[] {4, 5, 6, 12, 7, 8, 9, 10, 13, 11}, ids);
      assertEquals(0, tok.encode("zebra", false)[0], "unknown words map to <unk>");
      assertEquals("even or odd", tok.decode(new int[] {7, 8, 9}));
      assertEquals(2, tok.tokenToId(tok.eosToken().orElseThrow()).getAsInt());
    }
    try (OnnxLanguageModel lm = OnnxLanguageModel.load(dir)) {
      var g = lm.generate("is the number 7 even or odd ?", GenerationConfig.greedy(3));
      assertTrue(g.tokenIds().size() <= 3);
    }
  }

  @Test
  void the_same_seed_writes_the_same_weights(@TempDir Path a, @TempDir Path b) throws Exception {
    var shape = new ScratchModels.LlamaShape(8, 1, 2, 16, 32);
    ScratchModels.writeRandomLlama(a, 20, shape, 9);
    ScratchModels.writeRandomLlama(b, 20, shape, 9);
    assertArrayEquals(Files.readAllBytes(a.resolve("model.safetensors")),
        Files.readAllBytes(b.resolve("model.safetensors")));
  }

  @Test
  void shapes_and_words_are_validated_with_the_parameter_name() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> new ScratchModels.LlamaShape(10, 1, 4, 16, 32));
    assertEquals("hidden must be a multiple of heads, found hidden=10, heads=4", e.getMessage());
    var w = assertThrows(IllegalArgumentException.class,
        () -> ScratchModels.writeWordLevelTokenizer(dir, List.of("two words"), 8));
    assertEquals("words must be single tokens without whitespace, found \"two words\"", w.getMessage());
  }

  @Test
  void random_weights_for_a_real_config_are_bf16_deterministic_and_load(@TempDir Path a,
      @TempDir Path b) throws Exception {
    Path fixture = Path.of("src/test/resources/fixtures/tiny-qwen3");
    for (Path d : List.of(a, b)) {
      Files.copy(fixture.resolve("config.json"), d.resolve("config.json"));
      Files.copy(fixture.resolve("tokenizer.json"), d.resolve("tokenizer.json"));
      ScratchModels.writeRandomWeights(d, DType.BFLOAT16, 5);
    }
    assertArrayEquals(Files.readAllBytes(a.resolve("model.safetensors")),
        Files.readAllBytes(b.resolve("model.safetensors")));
    ModelConfig config = ModelConfig.parse(a.resolve("config.json"));
    try (SafetensorsFile f = SafetensorsFile.open(a.resolve("model.safetensors"))) {
      var shapes = LlamaGraphs.fileShapes(config);
      assertEquals(new java.util.TreeSet<>(shapes.keySet()), new java.util.TreeSet<>(f.names()));
      for (var e : shapes.entrySet()) {
        TensorInfo info = f.info(e.getKey()).orElseThrow();
        assertEquals(DType.BFLOAT16, info.dtype(), e.getKey());
        assertArrayEquals(e.getValue(), info.shapeArray(), e.getKey());
      }
      float[] norm = f.floats("model.norm.weight");
      for (float v : norm) {
        assertEquals(1f, v);
      }
      float[] q = f.floats("model.layers.0.self_attn.q_proj.weight");
      double sum = 0;
      double sq = 0;
      for (float v : q) {
        sum += v;
        sq += v * v;
      }
      double sd = Math.sqrt(sq / q.length - (sum / q.length) * (sum / q.length));
      assertEquals(0.02, sd, 0.004, "standard deviation of a random matrix");
    }
    try (OnnxLanguageModel lm = OnnxLanguageModel.load(a)) {
      float[][] logits = lm.logits(new int[] {5, 6, 7});
      assertEquals(config.vocabSize(), logits[0].length);
    }
    var e = assertThrows(IllegalArgumentException.class,
        () -> ScratchModels.writeRandomWeights(a, DType.INT8, 1));
    assertEquals("dtype must be FLOAT, FLOAT16 or BFLOAT16, found INT8", e.getMessage());
  }
}
