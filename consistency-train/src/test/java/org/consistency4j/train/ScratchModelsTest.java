package org.consistency4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.model.OnnxLanguageModel;
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
}
