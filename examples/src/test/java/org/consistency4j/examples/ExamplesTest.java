package org.consistency4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import org.consistency4j.metrics.ConsistencyResult;
import org.consistency4j.model.OnnxLanguageModel;
import org.consistency4j.paraphrase.Paraphrase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExamplesTest {
  @Test
  void rouge_and_consistency_rate_in_a_few_lines() {
    // "the cats are sitting on the mat" vs "a cat sat on the mat", stemmed: cat, on, the, mat match.
    assertEquals(2 * (4.0 / 7) * (4.0 / 6) / (4.0 / 7 + 4.0 / 6),
        RougeAndConsistency.rougeL().fmeasure(), 1e-12);
    ConsistencyResult cr = RougeAndConsistency.consistency();
    // Group 1: all three normalize to "paris" -> 1; group 2: 1 of 3 pairs agree -> 1/3.
    assertEquals((1 + 1.0 / 3) / 2, cr.macro(), 1e-12);
    assertEquals(4.0 / 6, cr.pooled(), 1e-12);
  }

  @Test
  void paraphrasing_keeps_the_labels_and_placeholder_and_is_deterministic() {
    String text = "Classify the sentiment of the review as \"POS\" or \"NEG\": {input}";
    List<Paraphrase> ps = ParaphraseInstruction.paraphrase(text, 10, 42);
    assertEquals(10, ps.size());
    assertEquals(10, new HashSet<>(ps.stream().map(Paraphrase::text).toList()).size());
    for (Paraphrase p : ps) {
      assertTrue(p.text().contains("\"POS\"") && p.text().contains("\"NEG\"") && p.text().contains("{input}"),
          p.text());
      assertFalse(p.text().equals(text));
    }
    assertEquals(ps, ParaphraseInstruction.paraphrase(text, 10, 42));
  }

  @Test
  void a_hugging_face_directory_is_loaded_and_generates(@TempDir Path tiny) throws Exception {
    // The fixture lives in consistency-eval's test jar: copy the model directory out of it.
    for (String f : List.of("config.json", "model.safetensors", "tokenizer.json",
        "tokenizer_config.json")) {
      try (var in = getClass().getResourceAsStream("/fixtures/tiny-llama/" + f)) {
        Files.copy(in, tiny.resolve(f));
      }
    }
    GenerateWithHuggingFaceModel.Result r = GenerateWithHuggingFaceModel.run(tiny, "user: Hi\nassistant:");
    assertFalse(r.generation().tokenIds().isEmpty());
    assertTrue(r.continuationLogProb() < 0 && Double.isFinite(r.continuationLogProb()));
  }

  @Test
  void two_stage_training_produces_an_aligned_model_that_ranks_its_pairs_better(@TempDir Path work)
      throws Exception {
    TwoStageTraining.Result r = TwoStageTraining.run(work, 200, 7);
    assertTrue(r.pairs() > 0, "the stage-1 model disagrees with itself somewhere");
    // Stage 2 visibly moves the model on its pairs: lower ranking loss, wider margin, no pair lost.
    assertTrue(r.after().loss() < r.before().loss(), r.before() + " -> " + r.after());
    assertTrue(r.after().meanMargin() > r.before().meanMargin(), r.before() + " -> " + r.after());
    assertTrue(r.after().rewardAccuracy() >= r.before().rewardAccuracy(),
        r.before() + " -> " + r.after());
    assertTrue(Files.isRegularFile(r.stage2().resolve("model.safetensors")));
    try (OnnxLanguageModel lm = OnnxLanguageModel.load(r.stage2())) {
      assertTrue(lm.name().endsWith("model"));
    }
  }
}
