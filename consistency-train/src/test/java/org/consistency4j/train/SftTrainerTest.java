package org.consistency4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.consistency4j.TrainingException;
import org.consistency4j.model.RuntimeOptions;
import org.consistency4j.optim.AdamWConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SftTrainerTest {
  private static final List<String> ALL = List.of("embed", "w1", "b1", "head");

  private static TrainingSession session() {
    return TrainingSession.builder(TinyLm.model(11, 100)).inputIds("input_ids").logits("logits")
        .trainable(ALL).noDecay(Set.of("b1")).optimizer(AdamWConfig.defaults())
        .runtime(RuntimeOptions.builder().intraOpThreads(1).build()).build();
  }

  static List<SftExample> data(int n, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    List<SftExample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int[] prompt = new int[1 + rng.nextInt(3)];
      int[] completion = new int[2 + rng.nextInt(4)];
      for (int j = 0; j < prompt.length; j++) {
        prompt[j] = 1 + rng.nextInt(TinyLm.VOCAB - 1);
      }
      for (int j = 0; j < completion.length; j++) {
        completion[j] = 1 + rng.nextInt(TinyLm.VOCAB - 1);
      }
      out.add(SftExample.of(prompt, completion));
    }
    return out;
  }

  /** Chains of a fixed successor permutation: learnable exactly by the bigram-like TinyLm. */
  static List<SftExample> chains(int n) {
    int[] next = {0, 4, 7, 1, 9, 2, 10, 3, 5, 8, 6};
    List<SftExample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int start = 1 + (i * 3) % (TinyLm.VOCAB - 1);
      int[] completion = new int[3 + i % 3];
      int t = start;
      for (int j = 0; j < completion.length; j++) {
        t = next[t];
        completion[j] = t;
      }
      out.add(SftExample.of(new int[] {start}, completion));
    }
    return out;
  }

  private static SftConfig.Builder base() {
    return SftConfig.builder().batchSize(2).learningRate(0.03).seed(7).bucketWindow(2)
        .schedule(SftConfig.Schedule.COSINE).warmupSteps(2);
  }

  @Test
  void full_fine_tuning_memorizes_a_few_sequences_and_logs_every_step(@TempDir Path dir)
      throws Exception {
    SftTrainer trainer = new SftTrainer(base().maxSteps(80).schedule(SftConfig.Schedule.CONSTANT)
        .learningRate(0.05).warmupSteps(0).build());
    List<SftExample> train = chains(4);
    try (TrainingSession s = session()) {
      double before = s.evaluate(List.of(Batching.collate(train, 0)));
      SftTrainer.Result r = trainer.train(s, train, train, 0, dir, false, TrainingListener.none());
      assertEquals(80, r.steps());
      assertTrue(before > 1.5, "initial loss " + before);
      assertTrue(r.validationLoss().getAsDouble() < 0.05, "final loss " + r.validationLoss());
    }
    List<String> lines = Files.readAllLines(dir.resolve(SftTrainer.METRICS_FILE));
    assertEquals(80, lines.size());
    JsonNode first = new ObjectMapper().readTree(lines.get(0));
    for (String f : List.of("step", "loss", "lr", "grad_norm", "tokens_per_s")) {
      assertTrue(first.has(f), f);
    }
    assertEquals(1, first.get("step").asLong());
    assertTrue(new ObjectMapper().readTree(lines.get(79)).has("val_loss"));
  }

  @Test
  void two_runs_with_the_same_seed_write_identical_checkpoints(@TempDir Path dir) throws Exception {
    SftConfig c = base().epochs(3).gradientAccumulation(2).build();
    List<SftExample> train = data(7, 2);
    for (String run : List.of("a", "b")) {
      try (TrainingSession s = session()) {
        new SftTrainer(c).train(s, train, List.of(), 0, dir.resolve(run), false,
            TrainingListener.none());
      }
    }
    assertArrayEquals(Files.readAllBytes(dir.resolve("a").resolve(SftTrainer.CHECKPOINT_FILE)),
        Files.readAllBytes(dir.resolve("b").resolve(SftTrainer.CHECKPOINT_FILE)));
  }

  @Test
  void an_interrupted_and_resumed_run_ends_bit_identical_to_an_uninterrupted_one(@TempDir Path dir)
      throws Exception {
    SftConfig c = base().maxSteps(8).gradientAccumulation(2).checkpointEvery(3).build();
    List<SftExample> train = data(7, 3);
    try (TrainingSession s = session()) {
      new SftTrainer(c).train(s, train, List.of(), 0, dir.resolve("full"), false,
          TrainingListener.none());
    }
    Path resumed = dir.resolve("resumed");
    class Crash extends RuntimeException {}
    try (TrainingSession s = session()) {
      assertThrows(Crash.class, () -> new SftTrainer(c).train(s, train, List.of(), 0, resumed, false,
          new TrainingListener() {
            @Override
            public void onStep(StepMetrics m) {
              if (m.step() == 5) {
                throw new Crash();
              }
            }
          }));
    }
    // The last checkpoint is from step 3; a new process resumes from it.
    try (TrainingSession s = session()) {
      SftTrainer.Result r = new SftTrainer(c).train(s, train, List.of(), 0, resumed, true,
          TrainingListener.none());
      assertEquals(8, r.steps());
    }
    assertArrayEquals(Files.readAllBytes(dir.resolve("full").resolve(SftTrainer.CHECKPOINT_FILE)),
        Files.readAllBytes(resumed.resolve(SftTrainer.CHECKPOINT_FILE)));
    List<String> lines = Files.readAllLines(resumed.resolve(SftTrainer.METRICS_FILE));
    assertEquals(8, lines.size());
    for (int i = 0; i < 8; i++) {
      assertEquals(i + 1, new ObjectMapper().readTree(lines.get(i)).get("step").asLong());
    }
  }

  @Test
  void a_non_finite_loss_stops_with_the_step_and_keeps_the_last_checkpoint(@TempDir Path dir)
      throws Exception {
    // An absurd learning rate blows the weights up after the first update.
    SftConfig c = base().maxSteps(5).learningRate(1e30).schedule(SftConfig.Schedule.CONSTANT)
        .warmupSteps(0).checkpointEvery(1).build();
    List<SftExample> train = data(4, 4);
    Path ckpt = dir.resolve(SftTrainer.CHECKPOINT_FILE);
    byte[][] saved = new byte[1][];
    try (TrainingSession s = session()) {
      TrainingException ex = assertThrows(TrainingException.class,
          () -> new SftTrainer(c).train(s, train, List.of(), 0, dir, false, new TrainingListener() {
            @Override
            public void onCheckpoint(long step, Path file) {
              try {
                saved[0] = Files.readAllBytes(file);
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            }
          }));
      assertTrue(ex.getMessage().startsWith("step 2: "), ex.getMessage());
      assertTrue(ex.getMessage().contains("not finite"), ex.getMessage());
    }
    assertArrayEquals(saved[0], Files.readAllBytes(ckpt));
    try (TrainingSession s = session()) {
      assertEquals(1, new SftTrainer(c).loadCheckpoint(s, ckpt));
    }
  }

  @Test
  void temporary_files_of_a_killed_run_are_removed_when_a_run_starts_in_its_directory(
      @TempDir Path dir) throws Exception {
    Path tmpFile = dir.resolve(".checkpoint.safetensors.0123456789abcdef.tmp");
    Path legacy = dir.resolve(".checkpoint.safetensors8812734651.tmp");
    Path tmpDir = dir.resolve(".adapter.0123456789abcdef.tmp");
    Files.write(tmpFile, new byte[1000]);
    Files.write(legacy, new byte[1000]);
    Files.createDirectories(tmpDir);
    Files.writeString(tmpDir.resolve("adapter_config.json"), "{");
    Path userFile = dir.resolve("notes.tmp");
    Files.writeString(userFile, "mine");
    try (TrainingSession s = session()) {
      new SftTrainer(base().maxSteps(1).build()).train(s, data(2, 5), List.of(), 0, dir, true,
          TrainingListener.none());
    }
    assertTrue(Files.exists(dir.resolve(SftTrainer.CHECKPOINT_FILE)));
    assertTrue(Files.exists(userFile));
    for (Path p : List.of(tmpFile, legacy, tmpDir)) {
      assertTrue(!Files.exists(p), p + " is left");
    }
  }

  @Test
  void a_checkpoint_of_another_seed_is_refused() throws Exception {
    Path dir = Files.createTempDirectory("sft");
    try (TrainingSession s = session()) {
      new SftTrainer(base().maxSteps(1).build()).train(s, data(2, 5), List.of(), 0, dir, false,
          TrainingListener.none());
    }
    try (TrainingSession s = session()) {
      IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
          () -> new SftTrainer(base().seed(8).maxSteps(2).build()).train(s, data(2, 5), List.of(), 0,
              dir, true, TrainingListener.none()));
      assertEquals(dir.resolve(SftTrainer.CHECKPOINT_FILE) + ": seed 7 != configured seed 8",
          ex.getMessage());
    }
  }

  @Test
  void a_resume_with_another_learning_rate_batch_size_or_data_is_refused_naming_each_field()
      throws Exception {
    Path dir = Files.createTempDirectory("sft");
    SftConfig c = base().maxSteps(1).build();
    try (TrainingSession s = session()) {
      new SftTrainer(c).withRunFields(java.util.Map.of("lora.alpha", "8.0")).train(s, data(2, 5),
          List.of(), 0, dir, false, TrainingListener.none());
    }
    Path ckpt = dir.resolve(SftTrainer.CHECKPOINT_FILE);
    byte[] saved = Files.readAllBytes(ckpt);
    try (TrainingSession s = session()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> new SftTrainer(base().maxSteps(2).learningRate(0.05).batchSize(1).build())
              .withRunFields(java.util.Map.of("lora.alpha", "16.0"))
              .train(s, data(2, 5), List.of(), 0, dir, true, TrainingListener.none()));
      assertEquals(ckpt + ": the checkpoint belongs to a run with other settings: batchSize:"
          + " checkpoint 2, this run 1; learningRate: checkpoint 0.03, this run 0.05; lora.alpha:"
          + " checkpoint 8.0, this run 16.0. Resume with the checkpoint's settings, or allow the"
          + " change explicitly (--allow-config-change)", e.getMessage());
      IllegalArgumentException d = assertThrows(IllegalArgumentException.class,
          () -> new SftTrainer(c).withRunFields(java.util.Map.of("lora.alpha", "8.0"))
              .train(s, data(3, 5), List.of(), 0, dir, true, TrainingListener.none()));
      assertTrue(d.getMessage().matches(java.util.regex.Pattern.quote(ckpt + ": the checkpoint"
          + " belongs to a run with other settings: train_data: checkpoint sha256:")
          + "[0-9a-f]{64} \\(2 examples\\), this run sha256:[0-9a-f]{64} \\(3 examples\\)\\..*"),
          d.getMessage());
    }
    assertArrayEquals(saved, Files.readAllBytes(ckpt), "a refused resume leaves the checkpoint");
    // Extending the run is a resume like any other; an explicit override accepts the rest.
    try (TrainingSession s = session()) {
      SftTrainer.Result r = new SftTrainer(base().maxSteps(3).learningRate(0.05).build())
          .withRunFields(java.util.Map.of("lora.alpha", "8.0")).allowConfigChange(true)
          .train(s, data(2, 5), List.of(), 0, dir, true, TrainingListener.none());
      assertEquals(3, r.steps());
    }
  }

  @Test
  void invalid_configuration_is_rejected_with_the_field_name() {
    assertEquals("batchSize must be in [1, 65536], found 0",
        assertThrows(IllegalArgumentException.class, () -> SftConfig.builder().batchSize(0).build())
            .getMessage());
    assertEquals("batchSize must be in [1, 65536], found 2147483647",
        assertThrows(IllegalArgumentException.class,
            () -> SftConfig.builder().batchSize(Integer.MAX_VALUE).build()).getMessage());
    assertEquals("gradientAccumulation must be in [1, 65536], found 65537",
        assertThrows(IllegalArgumentException.class,
            () -> SftConfig.builder().gradientAccumulation(65537).build()).getMessage());
    assertEquals("maxSteps must be >= 0, found -1",
        assertThrows(IllegalArgumentException.class, () -> SftConfig.builder().maxSteps(-1).build())
            .getMessage());
    assertEquals("minLearningRateRatio must be in [0.0, 1.0], found 2.0",
        assertThrows(IllegalArgumentException.class,
            () -> SftConfig.builder().minLearningRateRatio(2).build()).getMessage());
    assertEquals("learningRate must be > 0, found 0.0",
        assertThrows(IllegalArgumentException.class,
            () -> SftConfig.builder().learningRate(0).build()).getMessage());
  }
}
