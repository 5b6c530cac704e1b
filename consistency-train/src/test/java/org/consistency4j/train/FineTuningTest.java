package org.consistency4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.consistency4j.lora.LoraConfig;
import org.consistency4j.model.RuntimeOptions;
import org.consistency4j.optim.AdamWConfig;
import org.consistency4j.safetensors.SafetensorsFile;
import org.consistency4j.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FineTuningTest {
  static Path modelDir() throws Exception {
    return Path.of(FineTuningTest.class.getResource("/fixtures/tiny-llama").toURI());
  }

  static Path data(Path dir) throws Exception {
    Path f = dir.resolve("train.jsonl");
    Files.writeString(f, String.join("\n",
        "{\"prompt\": \"user: What is two plus two?\\nassistant: \", \"completion\": \"Four.\"}",
        "{\"prompt\": \"user: Name a color.\\nassistant: \", \"completion\": \"Blue.\"}",
        "{\"messages\": [{\"role\": \"user\", \"content\": \"Say hi.\"},"
            + " {\"role\": \"assistant\", \"content\": \"Hi!\"}]}",
        "{\"prompt\": \"user: Capital of France?\\nassistant: \", \"completion\": \"Paris.\"}"));
    return f;
  }

  private static SftConfig config() {
    return SftConfig.builder().batchSize(2).maxSteps(12).learningRate(3e-3)
        .schedule(SftConfig.Schedule.CONSTANT).seed(1).build();
  }

  @Test
  void examples_are_never_longer_than_the_context_the_model_runs_exactly(@TempDir Path dir)
      throws Exception {
    // A model whose context is 20 tokens trains exactly like maxLength 20 on the full context model.
    Path small = Files.createDirectories(dir.resolve("small"));
    for (String f : List.of("model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
      Files.copy(modelDir().resolve(f), small.resolve(f));
    }
    Files.writeString(small.resolve("config.json"), Files.readString(modelDir()
        .resolve("config.json")).replace("\"max_position_embeddings\": 256",
        "\"max_position_embeddings\": 20"));
    Path data = data(dir);
    SftConfig one = config().toBuilder().maxSteps(1).build();
    FineTuning.sft(new FineTuning.Options(small, data, Optional.empty(), dir.resolve("a"), one,
        Optional.empty(), RuntimeOptions.cpu(), Optional.empty()), TrainingListener.none());
    FineTuning.sft(new FineTuning.Options(modelDir(), data, Optional.empty(), dir.resolve("b"),
        one.toBuilder().maxLength(20).build(), Optional.empty(), RuntimeOptions.cpu(),
        Optional.empty()), TrainingListener.none());
    FineTuning.sft(new FineTuning.Options(modelDir(), data, Optional.empty(), dir.resolve("c"),
        one, Optional.empty(), RuntimeOptions.cpu(), Optional.empty()), TrainingListener.none());
    double a = firstLoss(dir.resolve("a"));
    assertEquals(firstLoss(dir.resolve("b")), a, 1e-6);
    assertTrue(Math.abs(firstLoss(dir.resolve("c")) - a) > 1e-3, "truncation had no effect");
  }

  private static double firstLoss(Path out) throws Exception {
    return new ObjectMapper().readTree(Files.readAllLines(out.resolve(SftTrainer.METRICS_FILE))
        .get(0)).get("loss").asDouble();
  }

  @Test
  void full_fine_tuning_exports_a_model_directory_that_loads_again(@TempDir Path dir)
      throws Exception {
    Path data = data(dir);
    FineTuning.Result r = FineTuning.sft(new FineTuning.Options(modelDir(), data, Optional.of(data),
        dir.resolve("out"), config(), Optional.empty(), RuntimeOptions.cpu(), Optional.empty()),
        TrainingListener.none());
    Path model = dir.resolve("out").resolve("model");
    assertEquals(model, r.exported());
    for (String f : List.of("model.safetensors", "config.json", "tokenizer.json",
        "tokenizer_config.json")) {
      assertTrue(Files.isRegularFile(model.resolve(f)), f);
    }
    double first = new ObjectMapper().readTree(
        Files.readAllLines(dir.resolve("out").resolve(SftTrainer.METRICS_FILE)).get(0))
        .get("loss").asDouble();
    double trained = r.training().validationLoss().getAsDouble();
    assertTrue(trained < first - 1.0, first + " -> " + trained);
    // The exported directory is a model again: its loss on the data is the trained loss.
    try (Tokenizer tok = Tokenizer.load(model);
        TrainingSession s = TrainingSession.builder(LlamaTrainingGraph.load(model))
            .inputIds(LlamaTrainingGraph.INPUT_IDS).logits(LlamaTrainingGraph.LOGITS)
            .trainable(List.of("model.norm.weight")).noDecay(Set.of())
            .optimizer(AdamWConfig.defaults()).runtime(RuntimeOptions.cpu()).build()) {
      List<SftExample> ex = SftData.read(data, tok, 512, true);
      double reloaded = s.evaluate(List.of(Batching.collate(ex.subList(0, 2), 2),
          Batching.collate(ex.subList(2, 4), 2)));
      assertEquals(trained, reloaded, 1e-4);
    }
  }

  @Test
  void lora_fine_tuning_writes_a_peft_adapter_and_lowers_the_loss(@TempDir Path dir)
      throws Exception {
    Path data = data(dir);
    byte[] baseWeights = Files.readAllBytes(modelDir().resolve("model.safetensors"));
    FineTuning.Result r = FineTuning.sft(new FineTuning.Options(modelDir(), data, Optional.of(data),
        dir.resolve("out"), config().toBuilder().learningRate(1e-2).build(),
        Optional.of(new LoraConfig(4, 8, List.of("q_proj", "v_proj"), 0)), RuntimeOptions.cpu(),
        Optional.empty()), TrainingListener.none());
    Path adapter = dir.resolve("out").resolve("adapter");
    assertEquals(adapter, r.exported());
    assertTrue(Files.isRegularFile(adapter.resolve("adapter_config.json")));
    try (SafetensorsFile f = SafetensorsFile.open(adapter.resolve("adapter_model.safetensors"))) {
      assertTrue(f.contains("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"));
      assertTrue(f.contains("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight"));
      assertEquals(8, f.names().size());
    }
    double first = new ObjectMapper().readTree(
        Files.readAllLines(dir.resolve("out").resolve(SftTrainer.METRICS_FILE)).get(0))
        .get("loss").asDouble();
    assertTrue(r.training().validationLoss().getAsDouble() < first - 0.3);
    assertTrue(java.util.Arrays.equals(baseWeights,
        Files.readAllBytes(modelDir().resolve("model.safetensors"))));
  }
}
