package org.consistency4j.embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.consistency4j.ModelLoadException;
import org.consistency4j.metrics.ConsistencyRate;
import org.consistency4j.metrics.ConsistencyResult;
import org.consistency4j.metrics.ResponseGroup;
import org.consistency4j.model.RuntimeOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingSimilarityTest {
  private static EmbeddingSimilarity miniLm;

  @BeforeAll
  static void load() {
    miniLm = EmbeddingSimilarity.miniLm();
  }

  @AfterAll
  static void close() {
    miniLm.close();
  }

  private static double norm(float[] v) {
    double s = 0;
    for (float x : v) {
      s += x * x;
    }
    return Math.sqrt(s);
  }

  @Test
  void minilm_gives_unit_vectors_of_384_dimensions() {
    float[] v = miniLm.embed("Classify the review as positive or negative.");
    assertEquals(384, v.length);
    assertEquals(1.0, norm(v), 1e-5);
  }

  @Test
  void paraphrases_are_close_and_unrelated_texts_are_not() {
    double para = miniLm.cosine(
        "Classify the movie review as positive or negative.",
        "Decide whether the film review is positive or negative.");
    double unrelated = miniLm.cosine(
        "Classify the movie review as positive or negative.",
        "The train to Berlin leaves at noon from platform four.");
    assertTrue(para > 0.8, "paraphrase cosine " + para);
    assertTrue(unrelated < 0.3, "unrelated cosine " + unrelated);
    assertEquals(1.0, miniLm.similarity("same text", "same text"));
  }

  @Test
  void list_embeddings_equal_single_ones_since_each_text_runs_alone() {
    List<String> texts = List.of("Short.", "A much longer sentence with many more tokens than the first.");
    List<float[]> batch = miniLm.embed(texts);
    for (int i = 0; i < texts.size(); i++) {
      assertArrayEquals(miniLm.embed(texts.get(i)), batch.get(i), 1e-4f);
    }
  }

  @Test
  void pairwise_matches_similarity_and_values_are_in_unit_range() {
    List<String> texts = List.of("Answer yes or no.", "Reply with yes or no.", "Bake the bread.");
    double[] pw = miniLm.pairwise(texts);
    assertEquals(3, pw.length);
    assertEquals(miniLm.similarity(texts.get(0), texts.get(1)), pw[0], 1e-5);
    assertEquals(miniLm.similarity(texts.get(1), texts.get(2)), pw[2], 1e-5);
    for (double d : pw) {
      assertTrue(d >= 0 && d <= 1);
    }
    assertEquals("embedding:all-MiniLM-L6-v2-q", miniLm.name());
  }

  @Test
  void texts_longer_than_the_limit_are_truncated_not_rejected() {
    String longText = "word ".repeat(2000);
    assertEquals(384, miniLm.embed(longText).length);
  }

  @Test
  void an_encoder_loaded_from_a_directory_gives_the_same_similarities_as_the_jar(@TempDir Path dir)
      throws IOException {
    Path model = dir.resolve("model.onnx");
    try (InputStream in = EmbeddingSimilarity.class.getResourceAsStream(
        EmbeddingSimilarity.MINILM_MODEL_RESOURCE)) {
      Files.copy(in, model);
    }
    try (InputStream in = EmbeddingSimilarity.class.getResourceAsStream(
        EmbeddingSimilarity.MINILM_TOKENIZER_RESOURCE)) {
      Files.copy(in, dir.resolve("tokenizer.json"));
    }
    List<String> texts = List.of(
        "Classify the movie review as positive or negative.",
        "Decide whether the film review is positive or negative.",
        "The train to Berlin leaves at noon from platform four.");
    try (EmbeddingSimilarity fromPath = EmbeddingSimilarity.load(model, dir,
        EmbeddingSimilarity.Pooling.MEAN, 256, 1, RuntimeOptions.builder().intraOpThreads(1).build())) {
      assertEquals("embedding:" + model, fromPath.name());
      assertEquals(384, fromPath.embed(texts.get(0)).length);
      assertArrayEquals(miniLm.pairwise(texts), fromPath.pairwise(texts), 1e-6);
      assertEquals(miniLm.cosine(texts.get(0), texts.get(2)),
          fromPath.cosine(texts.get(0), texts.get(2)), 1e-6);
      assertTrue(fromPath.similarity(texts.get(0), texts.get(1)) > 0.8);
    }
  }

  @Test
  void as_a_response_similarity_it_drives_the_consistency_rate() {
    // A group of paraphrased answers scores higher than a group of unrelated ones; the rate of a
    // group is the mean clamped cosine over its pairs.
    List<String> agreeing = List.of("The review is positive.", "It is a positive review.",
        "Positive: the reviewer liked the film.");
    List<String> disagreeing = List.of("The review is positive.", "Bake the bread for an hour.",
        "Berlin is the capital of Germany.");
    ConsistencyResult cr = ConsistencyRate.of(miniLm).compute(List.of(
        ResponseGroup.of("agree", agreeing), ResponseGroup.of("disagree", disagreeing),
        ResponseGroup.of("single", List.of("only one"))));
    double[] rates = cr.rates();
    assertEquals(2, rates.length);
    assertEquals(1, cr.excluded());
    double expectedAgree = mean(miniLm.pairwise(agreeing));
    double expectedDisagree = mean(miniLm.pairwise(disagreeing));
    assertEquals(expectedAgree, rates[0], 1e-9);
    assertEquals(expectedDisagree, rates[1], 1e-9);
    assertTrue(rates[0] > 0.5 && rates[1] < 0.3, java.util.Arrays.toString(rates));
    assertEquals((expectedAgree + expectedDisagree) / 2, cr.macro(), 1e-9);
    assertEquals(miniLm.name(), cr.similarity());
    assertEquals(1.0, ConsistencyRate.rate(List.of("same", "same"), miniLm), 0);
  }

  private static double mean(double[] values) {
    double s = 0;
    for (double v : values) {
      s += v;
    }
    return s / values.length;
  }

  @Test
  void close_is_idempotent_and_use_after_close_fails() {
    EmbeddingSimilarity e = EmbeddingSimilarity.miniLm(RuntimeOptions.builder().intraOpThreads(1).build());
    e.close();
    e.close();
    IllegalStateException ex = assertThrows(IllegalStateException.class, () -> e.embed("x"));
    assertEquals("all-MiniLM-L6-v2-q: EmbeddingSimilarity is closed", ex.getMessage());
  }

  @Test
  void missing_files_and_bad_settings_are_reported(@TempDir Path dir) {
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> EmbeddingSimilarity.load(
        dir.resolve("model.onnx"), dir, EmbeddingSimilarity.Pooling.MEAN, 128, 8,
        RuntimeOptions.cpu()));
    assertTrue(e.getMessage().startsWith(dir.resolve("model.onnx") + ": cannot read the encoder"),
        e.getMessage());
    assertEquals("batchSize must be > 0, found 0", assertThrows(IllegalArgumentException.class,
        () -> EmbeddingSimilarity.load(dir.resolve("m.onnx"), dir, EmbeddingSimilarity.Pooling.MEAN,
            128, 0, RuntimeOptions.cpu())).getMessage());
    assertEquals("maxTokens must be >= 2, found 1", assertThrows(IllegalArgumentException.class,
        () -> EmbeddingSimilarity.load(dir.resolve("m.onnx"), dir, EmbeddingSimilarity.Pooling.MEAN,
            1, 1, RuntimeOptions.cpu())).getMessage());
  }
}
