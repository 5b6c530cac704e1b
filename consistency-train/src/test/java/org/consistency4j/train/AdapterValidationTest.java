package org.consistency4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.consistency4j.InvalidInputException;
import org.consistency4j.ModelLoadException;
import org.consistency4j.graph.Tensor;
import org.consistency4j.lora.Lora;
import org.consistency4j.lora.LoraConfig;
import org.consistency4j.model.LlamaGraphs;
import org.consistency4j.model.ModelConfig;
import org.consistency4j.safetensors.SafetensorsCheckpoint;
import org.consistency4j.safetensors.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adapters and weights that would silently give wrong numbers are refused whole, before anything is
 * merged or loaded. The crafted adapters are written with the project's own writers.
 */
class AdapterValidationTest {
  private static final LoraConfig CONFIG = new LoraConfig(2, 4, List.of("q_proj", "v_proj"), 0);
  private static final String Q0 = "model.layers.0.self_attn.q_proj.weight";
  private static final String V1 = "model.layers.1.self_attn.v_proj.weight";

  @TempDir Path dir;

  private static Map<String, long[]> baseShapes() throws Exception {
    return LlamaTrainingGraph.expectedShapes(
        ModelConfig.parse(FineTuningTest.modelDir().resolve("config.json")));
  }

  /** A valid adapter's tensors (small non-zero values) for {@link #CONFIG}. */
  private static Map<String, long[]> validShapes() throws Exception {
    return new LinkedHashMap<>(Lora.peftShapes(baseShapes(), CONFIG));
  }

  private Path write(Map<String, long[]> shapes, Map<String, Tensor> replaced) throws Exception {
    Path adapter = dir.resolve("adapter");
    Map<String, float[]> values = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : shapes.entrySet()) {
      float[] v = new float[(int) (e.getValue()[0] * e.getValue()[1])];
      java.util.Arrays.fill(v, 0.01f);
      values.put(e.getKey(), v);
    }
    Lora.writePeft(adapter, CONFIG, values, shapes, "tiny-llama");
    if (!replaced.isEmpty()) {
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      for (Map.Entry<String, float[]> e : values.entrySet()) {
        tensors.put(e.getKey(), Tensor.ofFloats(e.getValue(), shapes.get(e.getKey())));
      }
      tensors.putAll(replaced);
      SafetensorsWriter.write(adapter.resolve("adapter_model.safetensors"), tensors);
    }
    return adapter;
  }

  private String mergeFails(Path adapter) throws Exception {
    Path out = dir.resolve("merged");
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> FineTuning.mergeAdapter(FineTuningTest.modelDir(), adapter, out));
    assertFalse(Files.exists(out), "nothing may be written for a broken adapter");
    return e.getMessage();
  }

  private String file(Path adapter) {
    return adapter.resolve("adapter_model.safetensors") + ": ";
  }

  @Test
  void a_complete_adapter_merges_into_every_targeted_weight() throws Exception {
    Path adapter = write(validShapes(), Map.of());
    Path out = FineTuning.mergeAdapter(FineTuningTest.modelDir(), adapter, dir.resolve("merged"));
    try (SafetensorsCheckpoint base = SafetensorsCheckpoint.open(FineTuningTest.modelDir());
        SafetensorsCheckpoint merged = SafetensorsCheckpoint.open(out)) {
      for (String w : List.of(Q0, V1)) {
        assertFalse(java.util.Arrays.equals(base.floats(w), merged.floats(w)), w);
      }
      String k0 = "model.layers.0.self_attn.k_proj.weight";
      assertTrue(java.util.Arrays.equals(base.floats(k0), merged.floats(k0)));
    }
  }

  @Test
  void an_adapter_missing_one_lora_b_is_refused_naming_the_tensor() throws Exception {
    Map<String, long[]> shapes = validShapes();
    shapes.remove(Lora.loraB(V1));
    Path adapter = write(shapes, Map.of());
    assertEquals(file(adapter) + "tensor " + Lora.loraB(V1) + " is missing: every targeted module"
        + " needs both lora_A and lora_B (target_modules [q_proj, v_proj])", mergeFails(adapter));
  }

  @Test
  void an_adapter_missing_a_whole_targeted_module_is_refused() throws Exception {
    Map<String, long[]> shapes = validShapes();
    shapes.remove(Lora.loraA(Q0));
    shapes.remove(Lora.loraB(Q0));
    Path adapter = write(shapes, Map.of());
    assertEquals(file(adapter) + "tensor " + Lora.loraA(Q0) + " is missing: every targeted module"
        + " needs both lora_A and lora_B (target_modules [q_proj, v_proj])", mergeFails(adapter));
  }

  @Test
  void a_transposed_lora_a_is_refused_although_it_has_the_right_number_of_values()
      throws Exception {
    Map<String, long[]> shapes = validShapes();
    shapes.put(Lora.loraA(Q0), new long[] {64, 2});
    Path adapter = write(shapes, Map.of());
    assertEquals(file(adapter) + "tensor " + Lora.loraA(Q0) + " has shape [64, 2], expected"
        + " [2, 64] (PEFT layout: lora_A is [r, in], lora_B is [out, r], r = 2)",
        mergeFails(adapter));
  }

  @Test
  void tensors_of_another_rank_than_adapter_config_are_refused() throws Exception {
    Map<String, long[]> shapes = new LinkedHashMap<>(
        Lora.peftShapes(baseShapes(), new LoraConfig(4, 4, CONFIG.targets(), 0)));
    Path adapter = write(shapes, Map.of());
    assertEquals(file(adapter) + "tensor " + Lora.loraA(Q0) + " has shape [4, 64], expected"
        + " [2, 64] (PEFT layout: lora_A is [r, in], lora_B is [out, r], r = 2)",
        mergeFails(adapter));
  }

  @Test
  void a_tensor_of_a_module_that_is_not_targeted_is_refused() throws Exception {
    Map<String, long[]> shapes = validShapes();
    String k0 = "model.layers.0.self_attn.k_proj.weight";
    shapes.put(Lora.loraA(k0), new long[] {2, 64});
    Path adapter = write(shapes, Map.of());
    assertEquals(file(adapter) + "tensor " + Lora.loraA(k0) + " is not the lora_A or lora_B of a"
        + " weight of this model that the adapter targets (target_modules [q_proj, v_proj])",
        mergeFails(adapter));
  }

  @Test
  void an_integer_adapter_tensor_is_refused_naming_its_dtype() throws Exception {
    Path adapter = write(validShapes(),
        Map.of(Lora.loraB(Q0), Tensor.ofInts(new int[64 * 2], 64, 2)));
    assertEquals(file(adapter) + "tensor " + Lora.loraB(Q0) + " has dtype INT32, an adapter weight"
        + " must be floating-point", mergeFails(adapter));
  }

  @Test
  void integer_weights_in_a_model_are_refused_naming_file_tensor_and_dtype() throws Exception {
    Path model = dir.resolve("model");
    Files.createDirectories(model);
    for (String f : List.of("config.json", "tokenizer.json", "tokenizer_config.json")) {
      Files.copy(FineTuningTest.modelDir().resolve(f), model.resolve(f));
    }
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    try (SafetensorsCheckpoint base = SafetensorsCheckpoint.open(FineTuningTest.modelDir())) {
      for (String n : base.names()) {
        tensors.put(n, Tensor.ofFloats(base.floats(n), base.info(n).orElseThrow().shapeArray()));
      }
    }
    tensors.put(Q0, Tensor.ofInts(new int[64 * 64], 64, 64));
    SafetensorsWriter.write(model.resolve("model.safetensors"), tensors);
    ModelConfig config = ModelConfig.parse(model.resolve("config.json"));
    ModelLoadException e = assertThrows(ModelLoadException.class,
        () -> LlamaGraphs.loadWeights(model, config));
    assertEquals(model.resolve("model.safetensors") + ": tensor '" + Q0 + "' has dtype I32; a float"
        + " parameter needs F32, F16, BF16 or F64 (integer and boolean tensors are not converted to"
        + " weights)", e.getMessage());
  }
}
