package org.consistency4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.consistency4j.ModelLoadException;
import org.consistency4j.lm.Generation;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.lm.YesNoTokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxLanguageModelTest {
  static final Path FIXTURE = Path.of("src/test/resources/fixtures/tiny-llama");
  static OnnxLanguageModel model;
  static JsonNode reference;

  @BeforeAll
  static void load() throws IOException {
    model = OnnxLanguageModel.load(FIXTURE, RuntimeOptions.builder().intraOpThreads(1).build());
    reference = new ObjectMapper().readTree(FIXTURE.resolve("reference.json").toFile());
  }

  @AfterAll
  static void close() {
    model.close();
    model.close();
  }

  static int[] ints(JsonNode a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).asInt();
    }
    return out;
  }

  @Test
  void logits_at_the_last_positions_match_the_float64_reference_within_1e_4() {
    for (JsonNode s : reference.get("sequences")) {
      float[][] logits = model.logits(ints(s.get("input_ids")));
      JsonNode positions = s.get("last_positions");
      for (int p = 0; p < positions.size(); p++) {
        JsonNode expected = s.get("last_logits_f64").get(p);
        float[] row = logits[positions.get(p).asInt()];
        for (int v = 0; v < row.length; v++) {
          assertEquals(expected.get(v).asDouble(), row[v], 1e-4, "seq " + s.get("index") + " v " + v);
        }
      }
    }
  }

  @Test
  void per_token_logprobs_and_their_sums_match_the_reference() {
    for (JsonNode s : reference.get("sequences")) {
      double[] lp = model.logprobs(ints(s.get("input_ids")));
      JsonNode expected = s.get("next_token_logprobs_f64");
      assertEquals(expected.size(), lp.length);
      double sum = 0;
      for (int t = 0; t < lp.length; t++) {
        assertEquals(expected.get(t).asDouble(), lp[t], 1e-4);
        sum += lp[t];
      }
      assertEquals(s.get("sum_logprob_f64").asDouble(), sum, 1e-3);
    }
  }

  @Test
  void greedy_continuations_equal_the_reference_tokens() {
    GenerationConfig greedy = GenerationConfig.builder().maxNewTokens(16).stopAtEos(false).build();
    for (JsonNode s : reference.get("sequences")) {
      Generation g = model.generateIds(ints(s.get("input_ids")), greedy, 0);
      List<Integer> expected = new ArrayList<>();
      s.get("greedy_new_tokens").forEach(n -> expected.add(n.asInt()));
      assertEquals(expected, g.tokenIds(), "sequence " + s.get("index"));
      assertEquals(Generation.FinishReason.LENGTH, g.finishReason());
    }
  }

  /** The reference prompts plus random ones: more than one generation batch, many lengths. */
  static List<int[]> mixedPrompts() {
    List<int[]> prompts = new ArrayList<>();
    for (JsonNode s : reference.get("sequences")) {
      prompts.add(ints(s.get("input_ids")));
    }
    java.util.SplittableRandom rng = new java.util.SplittableRandom(11);
    while (prompts.size() < OnnxLanguageModel.GENERATION_BATCH + 5) {
      prompts.add(rng.ints(1 + rng.nextInt(30), 3, 384).toArray());
    }
    return prompts;
  }

  @Test
  void batched_greedy_generation_equals_each_prompt_decoded_alone_and_the_reference() {
    GenerationConfig greedy = GenerationConfig.builder().maxNewTokens(16).stopAtEos(false).build();
    List<int[]> prompts = mixedPrompts();
    List<Generation> batched = model.generateIds(prompts, greedy);
    assertEquals(prompts.size(), batched.size());
    for (int i = 0; i < prompts.size(); i++) {
      Generation alone = model.generateIds(prompts.get(i), greedy, i);
      assertEquals(alone.tokenIds(), batched.get(i).tokenIds(), "prompt " + i);
      assertEquals(alone.text(), batched.get(i).text(), "prompt " + i);
    }
    int i = 0;
    for (JsonNode s : reference.get("sequences")) {
      List<Integer> expected = new ArrayList<>();
      s.get("greedy_new_tokens").forEach(n -> expected.add(n.asInt()));
      assertEquals(expected, batched.get(i++).tokenIds(), "sequence " + s.get("index"));
    }
  }

  @Test
  void batched_sampling_draws_each_prompt_from_its_own_stream_and_rows_finish_independently() {
    List<int[]> prompts = mixedPrompts();
    GenerationConfig sample =
        GenerationConfig.builder().maxNewTokens(12).temperature(1.0).topP(0.9).seed(3).build();
    // A stop string taken from one prompt's own output makes that row finish early.
    String early = model.generateIds(prompts.get(4), sample, 4).text();
    assertTrue(early.length() > 3, early);
    GenerationConfig stopping = sample.toBuilder().stopStrings(List.of(early.substring(1, 3))).build();
    for (GenerationConfig config : List.of(sample, stopping)) {
      List<Generation> batched = model.generateIds(prompts, config);
      for (int i = 0; i < prompts.size(); i++) {
        Generation alone = model.generateIds(prompts.get(i), config, i);
        assertEquals(alone.tokenIds(), batched.get(i).tokenIds(), "prompt " + i);
        assertEquals(alone.text(), batched.get(i).text(), "prompt " + i);
        assertEquals(alone.finishReason(), batched.get(i).finishReason(), "prompt " + i);
      }
    }
    assertEquals(Generation.FinishReason.STOP_STRING,
        model.generateIds(prompts, stopping).get(4).finishReason());
  }

  @Test
  void prompts_longer_than_the_context_are_refused_or_truncated_left_when_scoring_and_judging() {
    // The fixture's context is 256 tokens; this prompt has more.
    String longPrompt = "user: " + "How do I ".repeat(120);
    assertTrue(model.tokenizer().encode(longPrompt).length > 256);
    var e = assertThrows(IllegalArgumentException.class,
        () -> model.nextTokenDistribution(List.of("Hi", longPrompt), 3));
    assertTrue(e.getMessage().matches("prompts\\[1\\] has \\d+ prompt tokens, the model's .*"),
        e.getMessage());
    assertTrue(e.getMessage().contains("the model's context (max_position_embeddings) is 256"),
        e.getMessage());
    var s = assertThrows(IllegalArgumentException.class, () -> model.score(List.of(
        new org.consistency4j.lm.Continuation(longPrompt, " there"))));
    assertTrue(s.getMessage().matches("requests\\[0\\] has \\d+ prompt tokens and needs room for \\d+"
        + " more, the model's context \\(max_position_embeddings\\) is 256; .*"), s.getMessage());
    try (OnnxLanguageModel t = OnnxLanguageModel.load(FIXTURE, RuntimeOptions.cpu(),
        OnnxLanguageModel.PromptOverflow.TRUNCATE_LEFT)) {
      int[] ids = t.tokenizer().encode(longPrompt);
      int[] last = java.util.Arrays.copyOfRange(ids, ids.length - 256, ids.length);
      float[] expected = t.logits(last)[255];
      double[] lp = org.consistency4j.lm.Sampling.logSoftmax(expected);
      var top = t.nextTokenDistribution(List.of(longPrompt), 1).get(0).get(0);
      assertEquals(lp[top.tokenId()], top.logProb(), 1e-4, "judged on the prompt's last 256 tokens");
      var scored = t.score(List.of(new org.consistency4j.lm.Continuation(longPrompt, " there")));
      assertTrue(scored.get(0).tokenLogProbs().size() >= 1);
    }
  }

  @Test
  void kv_cached_decoding_equals_full_recomputation() {
    int[] ids = ints(reference.get("sequences").get(2).get("input_ids"));
    float[][] full = model.logits(ids);
    float[][] cached = model.cachedLogits(ids);
    for (int t = 0; t < ids.length; t++) {
      for (int v = 0; v < full[t].length; v++) {
        assertEquals(full[t][v], cached[t][v], 1e-5, "position " + t + " token " + v);
      }
    }
  }

  /**
   * The decoding cache is held once: one direct buffer per layer and kind, exactly the size of the
   * generation's cache ({@code rows x positions x kv_heads x head_dim} floats), into which ONNX
   * Runtime writes every step's new keys and values after the past it reads from the same buffer;
   * a second generation of the same shape reuses the buffers and gives the same tokens. Before,
   * every step returned a new tensor holding the past again plus the new position, alive next to
   * the past while the step ran (benchmarks/README.md, "A key/value cache held once").
   */
  @Test
  void a_cache_too_large_for_one_buffer_is_refused_by_name_before_anything_is_allocated()
      throws Exception {
    try (OnnxLanguageModel m =
        OnnxLanguageModel.load(FIXTURE, RuntimeOptions.builder().intraOpThreads(1).build())) {
      KvCache cache = m.kvCache();
      cache.reset(16, 1, Integer.MAX_VALUE);
      long before = cache.bytes();
      Map<String, ai.onnxruntime.OnnxTensor> inputs = new java.util.HashMap<>();
      List<ai.onnxruntime.OnnxTensor> created = new ArrayList<>();
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> cache.bind(ai.onnxruntime.OrtEnvironment.getEnvironment(), 1 << 30, inputs,
              created));
      assertTrue(e.getMessage().contains("16 rows") && e.getMessage().contains("1073741824 positions")
          && e.getMessage().contains("at most " + Integer.MAX_VALUE + " bytes"), e.getMessage());
      assertEquals(before, cache.bytes());
      assertTrue(created.isEmpty() && inputs.isEmpty());
      // The model still generates afterwards.
      List<Generation> g = m.generateIds(List.of(new int[] {5, 6, 7}),
          GenerationConfig.builder().maxNewTokens(3).stopAtEos(false).build());
      assertEquals(3, g.get(0).tokenIds().size());
    }
  }

  @Test
  void the_decoding_cache_is_one_buffer_per_layer_and_kind_written_in_place_and_reused() {
    int rows = OnnxLanguageModel.GENERATION_BATCH;
    int width = 5;
    int newTokens = 6;
    java.util.SplittableRandom rng = new java.util.SplittableRandom(18);
    List<int[]> prompts = new ArrayList<>();
    for (int r = 0; r < rows; r++) {
      prompts.add(rng.ints(width, 3, 384).toArray());
    }
    GenerationConfig config =
        GenerationConfig.builder().maxNewTokens(newTokens).stopAtEos(false).build();
    try (OnnxLanguageModel m =
        OnnxLanguageModel.load(FIXTURE, RuntimeOptions.builder().intraOpThreads(1).build())) {
      List<Generation> first = m.generateIds(prompts, config);
      KvCache cache = m.kvCache();
      ModelConfig c = m.config();
      int perPosition = rows * c.numKeyValueHeads() * c.headDim();
      int capacity = width + newTokens;
      assertEquals(2L * c.numHiddenLayers() * capacity * perPosition * Float.BYTES, cache.bytes());
      // The prompt pass and 5 one-token steps ran: positions 0-9 written in place, 10 never.
      int ran = width + newTokens - 1;
      assertEquals(ran, cache.positions());
      List<java.nio.FloatBuffer> buffers = new ArrayList<>();
      for (int l = 0; l < c.numHiddenLayers(); l++) {
        for (boolean value : new boolean[] {false, true}) {
          java.nio.FloatBuffer b = cache.buffer(l, value);
          buffers.add(b);
          assertEquals(capacity * perPosition, b.capacity());
          for (int p = 0; p < capacity; p++) {
            boolean written = false;
            for (int i = p * perPosition; i < (p + 1) * perPosition; i++) {
              written |= b.get(i) != 0f;
            }
            assertEquals(p < ran, written, "layer " + l + (value ? " values" : " keys")
                + ", position " + p);
          }
        }
      }
      List<Generation> second = m.generateIds(prompts, config);
      for (int r = 0; r < rows; r++) {
        assertEquals(first.get(r).tokenIds(), second.get(r).tokenIds(), "row " + r);
        assertEquals(newTokens, second.get(r).tokenIds().size());
      }
      int i = 0;
      for (int l = 0; l < c.numHiddenLayers(); l++) {
        for (boolean value : new boolean[] {false, true}) {
          org.junit.jupiter.api.Assertions.assertSame(buffers.get(i++), cache.buffer(l, value));
        }
      }
    }
  }

  /**
   * A sequence longer than the room reserved at the start ({@code 1 + KvCache.INITIAL_NEW_POSITIONS}
   * positions here) grows the cache (its valid positions copied into the larger buffers), and the
   * cached logits still equal the full forward pass's.
   */
  @Test
  void a_cache_grown_past_its_first_reservation_still_equals_full_recomputation() {
    int n = KvCache.INITIAL_NEW_POSITIONS + 30;
    int[] ids = new java.util.SplittableRandom(19).ints(n, 3, 384).toArray();
    try (OnnxLanguageModel m =
        OnnxLanguageModel.load(FIXTURE, RuntimeOptions.builder().intraOpThreads(1).build())) {
      float[][] full = m.logits(ids);
      float[][] cached = m.cachedLogits(ids);
      for (int t = 0; t < n; t++) {
        for (int v = 0; v < full[t].length; v++) {
          assertEquals(full[t][v], cached[t][v], 1e-5, "position " + t + " token " + v);
        }
      }
      ModelConfig c = m.config();
      // Reserved 65 positions, doubled to 130, capped at the sequence's 94.
      assertEquals(2L * c.numHiddenLayers() * n * c.numKeyValueHeads() * c.headDim() * Float.BYTES,
          m.kvCache().bytes());
    }
  }

  /**
   * Each decoding step's logits land in one buffer the model reuses (a pinned output) and are read
   * a row at a time, so a step allocates far less Java heap than one copy of its logits. Before,
   * every step copied {@code [rows, 1, vocab]} floats into new arrays, on which G1 grew its heap by
   * about 400 MiB at batch 16 over a 151,936-token vocabulary (benchmarks/README.md, "Where batched
   * decoding's memory goes"). The model: random weights, a 20,004-token vocabulary, batch 16.
   */
  @Test
  void a_batched_decoding_step_allocates_less_java_heap_than_a_quarter_of_its_logits(
      @TempDir Path dir) {
    var threads = java.lang.management.ManagementFactory.getThreadMXBean();
    org.junit.jupiter.api.Assumptions.assumeTrue(
        threads instanceof com.sun.management.ThreadMXBean t && t.isThreadAllocatedMemoryEnabled(),
        "this JVM does not count the bytes a thread allocates");
    var counter = (com.sun.management.ThreadMXBean) threads;
    List<String> words = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      words.add("w" + i);
    }
    int vocab = org.consistency4j.train.ScratchModels.writeWordLevelTokenizer(dir, words, 128);
    org.consistency4j.train.ScratchModels.writeRandomLlama(
        dir, vocab, new org.consistency4j.train.ScratchModels.LlamaShape(16, 1, 2, 32, 128), 5);
    int rows = OnnxLanguageModel.GENERATION_BATCH;
    java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
    List<int[]> prompts = new ArrayList<>();
    for (int r = 0; r < rows; r++) {
      prompts.add(rng.ints(4, 4, vocab).toArray());
    }
    int extra = 32;
    GenerationConfig few = GenerationConfig.builder().maxNewTokens(2).stopAtEos(false).build();
    GenerationConfig more = few.toBuilder().maxNewTokens(2 + extra).build();
    try (OnnxLanguageModel m =
        OnnxLanguageModel.load(dir, RuntimeOptions.builder().intraOpThreads(1).build())) {
      m.generateIds(prompts, more);
      long start = counter.getCurrentThreadAllocatedBytes();
      m.generateIds(prompts, few);
      long mid = counter.getCurrentThreadAllocatedBytes();
      List<Generation> out = m.generateIds(prompts, more);
      long end = counter.getCurrentThreadAllocatedBytes();
      assertEquals(2 + extra, out.get(rows - 1).tokenIds().size());
      double perStep = ((end - mid) - (mid - start)) / (double) extra;
      double logits = (double) rows * vocab * Float.BYTES;
      assertTrue(perStep < logits / 4, "a decoding step allocated " + Math.round(perStep)
          + " bytes of Java heap; one copy of its logits is " + Math.round(logits));
    }
  }

  /**
   * The default model reads its weights in place (graph inputs); one whose session holds them
   * (ONNX Runtime's copy, pre-packed) computes the same logits and the same greedy tokens.
   */
  @Test
  void weights_held_by_the_session_give_the_logits_and_tokens_of_weights_read_in_place() {
    assertEquals(RuntimeOptions.WeightPlacement.IN_PLACE,
        RuntimeOptions.builder().intraOpThreads(1).build().resolvedWeights());
    RuntimeOptions held = RuntimeOptions.builder().intraOpThreads(1)
        .weights(RuntimeOptions.WeightPlacement.SESSION).build();
    GenerationConfig greedy = GenerationConfig.builder().maxNewTokens(12).temperature(0)
        .stopAtEos(false).seed(0).build();
    try (OnnxLanguageModel other = OnnxLanguageModel.load(FIXTURE, held)) {
      for (JsonNode s : reference.get("sequences")) {
        int[] ids = ints(s.get("input_ids"));
        float[][] a = model.logits(ids);
        float[][] b = other.logits(ids);
        for (int t = 0; t < a.length; t++) {
          for (int v = 0; v < a[t].length; v++) {
            assertEquals(a[t][v], b[t][v], 1e-5f * Math.max(1f, Math.abs(a[t][v])),
                "seq " + s.get("index") + " position " + t + " token " + v);
          }
        }
        assertEquals(model.generateIds(ids, greedy, 0).tokenIds(),
            other.generateIds(ids, greedy, 0).tokenIds(), "seq " + s.get("index"));
      }
    }
  }

  @Test
  void float32_weights_are_loaded_as_views_of_the_memory_mapped_file() {
    ModelConfig c = ModelConfig.parse(FIXTURE.resolve("config.json"));
    var weights = org.consistency4j.train.LlamaTrainingGraph.loadWeights(FIXTURE, c);
    assertEquals(org.consistency4j.train.LlamaTrainingGraph.expectedShapes(c).keySet(), weights.keySet());
    for (var e : weights.entrySet()) {
      assertTrue(e.getValue().data().isDirect(), e.getKey() + " is a mapped view, not a heap copy");
    }
  }

  @Test
  void right_padded_batches_give_the_logits_of_each_sequence_alone() {
    java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
    java.util.List<int[]> seqs = new java.util.ArrayList<>();
    for (int i = 0; i < 21; i++) {
      seqs.add(rng.ints(1 + rng.nextInt(40), 3, 384).toArray());
    }
    java.util.List<float[][]> batched = model.logitsBatch(seqs);
    assertEquals(seqs.size(), batched.size());
    for (int i = 0; i < seqs.size(); i++) {
      float[][] alone = model.logits(seqs.get(i));
      assertEquals(alone.length, batched.get(i).length);
      for (int t = 0; t < alone.length; t++) {
        for (int v = 0; v < alone[t].length; v++) {
          assertEquals(alone[t][v], batched.get(i)[t][v], 1e-4, "sequence " + i + " position " + t);
        }
      }
    }
    // Scoring and next-token probabilities go through the batches and agree with single sequences.
    var scored = model.score(java.util.List.of(
        new org.consistency4j.lm.Continuation("user: Hi", " there"),
        new org.consistency4j.lm.Continuation("user: What is the capital of France?", " Paris")));
    int[] p = model.tokenizer().encode("user: Hi");
    int[] c = model.tokenizer().encode(" there", false);
    int[] all = java.util.Arrays.copyOf(p, p.length + c.length);
    System.arraycopy(c, 0, all, p.length, c.length);
    double[] lp = model.logprobs(all);
    double sum = 0;
    for (int t = p.length; t < all.length; t++) {
      sum += lp[t - 1];
    }
    assertEquals(sum, scored.get(0).sum(), 1e-4);
  }

  @Test
  void sampling_is_reproducible_for_a_seed_and_index() {
    GenerationConfig c =
        GenerationConfig.builder().maxNewTokens(6).temperature(0.8).topP(0.9).seed(7).build();
    List<Generation> a = model.generate(List.of("user: Hi\nassistant: ", "How"), c);
    List<Generation> b = model.generate(List.of("user: Hi\nassistant: ", "How"), c);
    assertEquals(a, b);
    assertEquals(a.get(1), model.generate(List.of("x", "How"), c).get(1));
  }

  @Test
  void stop_strings_end_generation_and_are_removed() {
    GenerationConfig greedy = GenerationConfig.builder().maxNewTokens(12).build();
    Generation full = model.generate("The capital", greedy);
    String text = full.text();
    if (text.length() >= 3) {
      String stop = text.substring(1, 3);
      Generation g = model.generate("The capital", greedy.toBuilder()
          .stopStrings(List.of(stop)).build());
      assertEquals(Generation.FinishReason.STOP_STRING, g.finishReason());
      assertEquals(text.substring(0, text.indexOf(stop)), g.text());
    }
  }

  @Test
  void scoring_a_continuation_sums_its_token_logprobs() {
    var score = model.score("Hello", " world");
    int[] p = model.tokenizer().encode("Hello");
    int[] c = model.tokenizer().encode(" world", false);
    int[] all = new int[p.length + c.length];
    System.arraycopy(p, 0, all, 0, p.length);
    System.arraycopy(c, 0, all, p.length, c.length);
    double[] lp = model.logprobs(all);
    double expected = 0;
    for (int t = p.length - 1; t < lp.length; t++) {
      expected += lp[t];
    }
    assertEquals(c.length, score.tokenCount());
    assertEquals(expected, score.sum(), 1e-9);
  }

  @Test
  void next_token_distribution_and_candidate_logprobs_agree() {
    var top = model.nextTokenDistribution(List.of("How do I"), 5).get(0);
    assertEquals(5, top.size());
    assertTrue(top.get(0).logProb() >= top.get(4).logProb());
    String best = top.get(0).text();
    Map<String, Double> lp =
        model.nextTokenLogProbs(List.of("How do I"), List.of(best, "not one token")).get(0);
    assertEquals(top.get(0).logProb(), lp.get(best), 1e-9);
    assertEquals(1, lp.size());
    // The fixture vocabulary has no "Yes" token; single letters are single tokens.
    double pYes = model.probabilityOfYes(
        List.of("Is it?"), new YesNoTokens(List.of("Y"), List.of("N")))[0];
    assertTrue(pYes > 0 && pYes < 1, "P(yes) " + pYes);
  }

  @Test
  void token_ids_out_of_range_are_rejected_naming_the_position() {
    var e = assertThrows(IllegalArgumentException.class, () -> model.logits(new int[] {5, 384}));
    assertEquals("input_ids[1] must be in [0, 384), found 384", e.getMessage());
  }

  @Test
  void inputs_longer_than_max_position_embeddings_are_rejected() {
    var e = assertThrows(IllegalArgumentException.class, () -> model.logits(new int[257]));
    assertEquals("input_ids length must be <= max_position_embeddings (256), found 257",
        e.getMessage());
  }

  @Test
  void a_missing_config_is_named(@TempDir Path dir) {
    var e = assertThrows(ModelLoadException.class, () -> OnnxLanguageModel.load(dir));
    assertEquals(dir.resolve("config.json") + ": file not found", e.getMessage());
  }

  @Test
  void a_missing_weight_file_is_a_model_load_exception(@TempDir Path dir) throws IOException {
    Files.copy(FIXTURE.resolve("config.json"), dir.resolve("config.json"));
    Files.copy(FIXTURE.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
    assertThrows(ModelLoadException.class, () -> OnnxLanguageModel.load(dir));
  }

  @Test
  void use_after_close_is_an_illegal_state() {
    OnnxLanguageModel m = OnnxLanguageModel.load(FIXTURE);
    m.close();
    var e = assertThrows(IllegalStateException.class, () -> m.logits(new int[] {5}));
    assertEquals(FIXTURE + " is closed", e.getMessage());
  }
}
