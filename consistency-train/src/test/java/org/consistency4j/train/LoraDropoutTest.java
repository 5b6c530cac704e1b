package org.consistency4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.consistency4j.lora.Lora;
import org.consistency4j.lora.LoraConfig;
import org.consistency4j.model.RuntimeOptions;
import org.consistency4j.optim.AdamWConfig;
import org.consistency4j.safetensors.SafetensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LoRA dropout: seeded masks during training only, bit-identical resume, PEFT export. */
class LoraDropoutTest {
  @TempDir Path dir;

  private Path model() throws Exception {
    return Path.of(getClass().getResource("/fixtures/tiny-llama").toURI());
  }

  private Path data() throws Exception {
    Path f = dir.resolve("train.jsonl");
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 12; i++) {
      sb.append("{\"prompt\": \"user: count ").append(i).append("\\nassistant:\", \"completion\": \" ")
          .append(i + 1).append(" and ").append(i + 2).append("\"}\n");
    }
    return Files.writeString(f, sb.toString());
  }

  private float[] adapterWeights(Path out) throws Exception {
    try (SafetensorsFile f = SafetensorsFile.open(out.resolve("adapter/adapter_model.safetensors"))) {
      float[] all = new float[0];
      for (String n : f.names().stream().sorted().toList()) {
        float[] v = f.floats(n);
        float[] joined = Arrays.copyOf(all, all.length + v.length);
        System.arraycopy(v, 0, joined, all.length, v.length);
        all = joined;
      }
      return all;
    }
  }

  private FineTuning.Result train(Path out, double dropout, long steps, long checkpointEvery,
      Optional<Path> resume) throws Exception {
    // A constant learning rate: the 2-step first half then follows the same schedule as 4 steps.
    SftConfig c = SftConfig.builder().maxSteps(steps).batchSize(4).learningRate(1e-2).seed(3)
        .schedule(SftConfig.Schedule.CONSTANT)
        .checkpointEvery(checkpointEvery).build();
    LoraConfig lora = new LoraConfig(2, 4, List.of("q_proj", "v_proj"), 5, dropout);
    return FineTuning.sft(new FineTuning.Options(model(), data(), Optional.empty(), out, c,
        Optional.of(lora), RuntimeOptions.cpu(), resume), TrainingListener.none());
  }

  @Test
  void dropout_changes_training_deterministically_and_is_exported_to_peft() throws Exception {
    train(dir.resolve("none"), 0.0, 4, 0, Optional.empty());
    train(dir.resolve("a"), 0.3, 4, 0, Optional.empty());
    train(dir.resolve("b"), 0.3, 4, 0, Optional.empty());
    assertArrayEquals(adapterWeights(dir.resolve("a")), adapterWeights(dir.resolve("b")));
    assertFalse(Arrays.equals(adapterWeights(dir.resolve("none")), adapterWeights(dir.resolve("a"))));
    var cfg = new ObjectMapper().readTree(dir.resolve("a/adapter/adapter_config.json").toFile());
    assertEquals(0.3, cfg.get("lora_dropout").asDouble());
  }

  @Test
  void an_interrupted_and_resumed_run_with_dropout_is_bit_identical() throws Exception {
    train(dir.resolve("straight"), 0.2, 4, 0, Optional.empty());
    train(dir.resolve("half"), 0.2, 2, 2, Optional.empty());
    Path resumed = dir.resolve("resumed");
    train(resumed, 0.2, 4, 0, Optional.of(dir.resolve("half")));
    assertArrayEquals(adapterWeights(dir.resolve("straight")), adapterWeights(resumed));
  }

  @Test
  void evaluation_uses_no_dropout() throws Exception {
    var forward = LlamaTrainingGraph.load(model());
    LoraConfig withDropout = new LoraConfig(2, 4, List.of("q_proj"), 1, 0.5);
    Lora.Adapted a = Lora.apply(forward, withDropout);
    Lora.Adapted plain = Lora.apply(forward, withDropout.withDropout(0));
    assertEquals(2, a.dropoutInputs().size(), "one mask per adapted q_proj (2 layers)");
    assertTrue(plain.dropoutInputs().isEmpty());
    TrainingSession.Batch batch = Batching.collate(List.of(SftExample.of(new int[] {5, 6, 7},
        new int[] {8, 9, 10})), 0);
    try (TrainingSession s = TrainingSession.builder(a.model()).inputIds(LlamaTrainingGraph.INPUT_IDS)
            .logits(LlamaTrainingGraph.LOGITS).trainable(a.adapters()).noDecay(Set.of())
            .optimizer(AdamWConfig.defaults()).runtime(RuntimeOptions.cpu())
            .auxiliary(new LoraDropout(a, withDropout)).build();
        TrainingSession t = TrainingSession.builder(plain.model()).inputIds(LlamaTrainingGraph.INPUT_IDS)
            .logits(LlamaTrainingGraph.LOGITS).trainable(plain.adapters()).noDecay(Set.of())
            .optimizer(AdamWConfig.defaults()).runtime(RuntimeOptions.cpu()).build()) {
      s.step(List.of(batch), 1e-2);
      t.restore(s.state(), s.step());
      assertEquals(t.evaluate(List.of(batch)), s.evaluate(List.of(batch)), 0.0);
      // Training-time gradients do see the masks.
      float[] gs = s.gradients(List.of(batch), Double.NaN).get(a.adapters().get(1));
      float[] gt = t.gradients(List.of(batch), Double.NaN).get(plain.adapters().get(1));
      assertFalse(Arrays.equals(gs, gt));
    }
  }

  @Test
  void a_dropout_outside_0_to_1_is_rejected() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> new LoraConfig(2, 4, List.of("q_proj"), 1, 1.0));
    assertEquals("dropout must be in [0, 1), found 1.0", e.getMessage());
  }
}
