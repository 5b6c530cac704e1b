package org.consistency4j.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.ExportedModel;
import org.consistency4j.graph.GraphBuilder;
import org.consistency4j.graph.ModelOptions;
import org.consistency4j.graph.Tensor;
import org.consistency4j.graph.Value;
import org.consistency4j.model.ModelSessions;
import org.consistency4j.model.RuntimeOptions;
import org.consistency4j.optim.AdamWConfig;
import org.consistency4j.safetensors.SafetensorsFile;
import org.consistency4j.train.ReferenceLlamaAccess;
import org.consistency4j.train.TrainingSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoraTest {
  private static final int B = 2;
  private static final int T = 12;
  private static Map<String, float[]> weights;
  private static final Map<String, long[]> SHAPES = new LinkedHashMap<>();
  private static long[] ids;
  private static long[] labels;

  @BeforeAll
  static void load() throws Exception {
    try (InputStream in = LoraTest.class.getResourceAsStream("/fixtures/tiny-llama/model.safetensors")) {
      weights = ReferenceLlamaAccess.readSafetensors(in, SHAPES);
    }
    JsonNode sft;
    try (InputStream in = LoraTest.class.getResourceAsStream("/fixtures/tiny-llama/reference_grads.json")) {
      sft = new ObjectMapper().readTree(in).get("sft");
    }
    ids = new long[B * T];
    labels = new long[B * T];
    for (int b = 0; b < B; b++) {
      for (int t = 0; t < T; t++) {
        ids[b * T + t] = sft.get("input_ids").get(b).get(t).asLong();
        labels[b * T + t] = sft.get("labels").get(b).get(t).asLong();
      }
    }
  }

  private static ExportedModel forward(Map<String, float[]> w) {
    GraphBuilder g = GraphBuilder.create("llama", 18);
    Value x = g.input("input_ids", DType.INT64, B, T);
    g.output("logits", ReferenceLlamaAccess.forward(g, DType.FLOAT, x, B, T, w, SHAPES));
    return g.build().toModel(ModelOptions.defaults().withExternalInitializersAbove(4096));
  }

  private static float[] logits(ExportedModel m) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (ModelSessions s = new ModelSessions(RuntimeOptions.cpu())) {
      Map<String, OnnxTensor> ext = new LinkedHashMap<>();
      for (Map.Entry<String, Tensor> e : m.externalInitializers().entrySet()) {
        float[] f = e.getValue().toFloatArray();
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocateDirect(f.length * 4)
            .order(java.nio.ByteOrder.nativeOrder());
        bb.asFloatBuffer().put(f);
        ext.put(e.getKey(), s.own(OnnxTensor.createTensor(env, bb.asFloatBuffer(),
            e.getValue().shape())));
      }
      OrtSession session = s.create("f", m.toByteArray(), ext);
      try (OnnxTensor in = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[] {B, T});
          OrtSession.Result r = session.run(Map.of("input_ids", in))) {
        FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
        float[] out = new float[fb.remaining()];
        fb.get(out);
        return out;
      }
    }
  }

  @Test
  void fresh_adapters_leave_the_logits_unchanged() throws Exception {
    ExportedModel base = forward(weights);
    Lora.Adapted adapted = Lora.apply(base, new LoraConfig(4, 8, List.of("q_proj", "v_proj",
        "down_proj"), 1));
    assertEquals(12, adapted.adapters().size());
    assertEquals("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
        adapted.adapters().get(0));
    assertArrayEquals(logits(base), logits(adapted.model()), 0f);
  }

  @Test
  void lora_training_lowers_the_loss_keeps_base_weights_and_exports_peft_and_merged_weights(
      @TempDir Path dir) throws Exception {
    LoraConfig config = new LoraConfig(4, 8, List.of("q_proj", "v_proj", "o_proj", "up_proj"), 3);
    ExportedModel base = forward(weights);
    Lora.Adapted adapted = Lora.apply(base, config);
    Map<String, float[]> trained = new LinkedHashMap<>();
    Map<String, long[]> shapes = new LinkedHashMap<>();
    TrainingSession.Batch batch = new TrainingSession.Batch(ids, labels, B, T);
    try (TrainingSession s = TrainingSession.builder(adapted.model()).inputIds("input_ids").logits("logits")
        .trainable(adapted.adapters()).noDecay(Set.of()).optimizer(AdamWConfig.defaults())
        .runtime(RuntimeOptions.cpu()).build()) {
      double before = s.evaluate(List.of(batch));
      for (int i = 0; i < 15; i++) {
        s.step(List.of(batch), 1e-2);
      }
      double after = s.evaluate(List.of(batch));
      assertTrue(after < before - 0.5, before + " -> " + after);
      for (String a : adapted.adapters()) {
        trained.put(a, s.parameter(a));
        shapes.put(a, s.shape(a));
      }
    }
    // PEFT adapter directory.
    Path peft = dir.resolve("adapter");
    Lora.writePeft(peft, config, trained, shapes, "tiny-llama");
    JsonNode cfg = new ObjectMapper().readTree(peft.resolve("adapter_config.json").toFile());
    assertEquals("LORA", cfg.get("peft_type").asText());
    assertEquals(4, cfg.get("r").asInt());
    assertEquals(8.0, cfg.get("lora_alpha").asDouble());
    assertEquals(4, cfg.get("target_modules").size());
    try (SafetensorsFile f = SafetensorsFile.open(peft.resolve("adapter_model.safetensors"))) {
      assertEquals(Set.copyOf(adapted.adapters()), Set.copyOf(f.names()));
      String a0 = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight";
      assertArrayEquals(trained.get(a0), f.floats(a0));
      assertEquals(List.of(4L, 64L), f.info(a0).orElseThrow().shape());
    }
    // Merged weights: targets change, everything else is bit-identical to the base file.
    Map<String, float[]> merged = new LinkedHashMap<>(weights);
    for (String target : adapted.targets()) {
      long[] s = SHAPES.get(target);
      merged.put(target, Lora.merge(weights.get(target), trained.get(Lora.loraA(target)),
          trained.get(Lora.loraB(target)), (int) s[0], (int) s[1], 4, config.scale()));
    }
    List<String> untouched = new ArrayList<>(weights.keySet());
    untouched.removeAll(adapted.targets());
    for (String n : untouched) {
      assertArrayEquals(weights.get(n), merged.get(n), n);
    }
    float[] loraLogits;
    Map<String, Tensor> adapterInits = new LinkedHashMap<>();
    for (String a : adapted.adapters()) {
      adapterInits.put(a, Tensor.ofFloats(trained.get(a), shapes.get(a)));
    }
    loraLogits = logits(withInitializers(adapted.model(), adapterInits));
    float[] mergedLogits = logits(forward(merged));
    for (int i = 0; i < loraLogits.length; i++) {
      assertEquals(loraLogits[i], mergedLogits[i], 2e-5f, "logit " + i);
    }
  }

  @Test
  void an_adapter_directory_is_replaced_whole_and_a_failed_write_leaves_the_earlier_one(
      @TempDir Path dir) throws Exception {
    LoraConfig config = new LoraConfig(2, 4, List.of("q_proj"), 0);
    String a = Lora.PEFT_PREFIX + "model.layers.0.self_attn.q_proj.lora_A.weight";
    String b = Lora.PEFT_PREFIX + "model.layers.0.self_attn.q_proj.lora_B.weight";
    Map<String, long[]> shapes = Map.of(a, new long[] {2, 3}, b, new long[] {3, 2});
    Path adapter = dir.resolve("adapter");
    Lora.writePeft(adapter, config, Map.of(a, new float[6], b, new float[6]), shapes, "m");
    Files.writeString(adapter.resolve("README.md"), "left by an earlier run");
    Map<String, float[]> second = new LinkedHashMap<>();
    second.put(a, new float[] {1, 2, 3, 4, 5, 6});
    second.put(b, new float[] {6, 5, 4, 3, 2, 1});
    Lora.writePeft(adapter, config, second, shapes, "m");
    assertEquals(Set.of("adapter_config.json", "adapter_model.safetensors"), list(adapter));
    byte[] weightsBytes = Files.readAllBytes(adapter.resolve("adapter_model.safetensors"));
    byte[] configBytes = Files.readAllBytes(adapter.resolve("adapter_config.json"));
    // A write that fails midway (a tensor without a shape) changes nothing.
    Map<String, float[]> broken = new LinkedHashMap<>(second);
    broken.put(Lora.PEFT_PREFIX + "model.layers.0.self_attn.v_proj.lora_A.weight", new float[6]);
    assertThrows(RuntimeException.class,
        () -> Lora.writePeft(adapter, config, broken, shapes, "m"));
    assertArrayEquals(weightsBytes, Files.readAllBytes(adapter.resolve("adapter_model.safetensors")));
    assertArrayEquals(configBytes, Files.readAllBytes(adapter.resolve("adapter_config.json")));
    assertEquals(Set.of("adapter"), list(dir));
  }

  private static Set<String> list(Path d) throws java.io.IOException {
    try (var s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet());
    }
  }

  private static ExportedModel withInitializers(ExportedModel m, Map<String, Tensor> values) {
    var g = m.model().getGraph().toBuilder();
    for (int i = 0; i < g.getInitializerCount(); i++) {
      Tensor t = values.get(g.getInitializer(i).getName());
      if (t != null) {
        java.nio.ByteBuffer data = t.data();
        byte[] bytes = new byte[data.remaining()];
        data.duplicate().get(bytes);
        g.setInitializer(i, g.getInitializer(i).toBuilder()
            .setRawData(com.google.protobuf.ByteString.copyFrom(bytes)));
      }
    }
    return new ExportedModel(m.model().toBuilder().setGraph(g).build(), m.externalInitializers());
  }

  @Test
  void configuration_errors_name_the_field() {
    assertEquals("rank must be > 0, found 0", assertThrows(IllegalArgumentException.class,
        () -> new LoraConfig(0, 1, List.of("q_proj"), 0)).getMessage());
    assertEquals("alpha must be > 0, found -1.0", assertThrows(IllegalArgumentException.class,
        () -> new LoraConfig(2, -1, List.of("q_proj"), 0)).getMessage());
    assertEquals("targets must be among [down_proj, gate_proj, k_proj, o_proj, q_proj, up_proj,"
        + " v_proj], found lm_head", assertThrows(IllegalArgumentException.class,
            () -> new LoraConfig(2, 1, List.of("lm_head"), 0)).getMessage());
    assertEquals("targets must not repeat, found [q_proj, q_proj]",
        assertThrows(IllegalArgumentException.class,
            () -> new LoraConfig(2, 1, List.of("q_proj", "q_proj"), 0)).getMessage());
    ExportedModel tiny = forward(weights);
    assertEquals(8, Lora.apply(tiny, LoraConfig.of(2)).adapters().size());
    GraphBuilder g = GraphBuilder.create("plain", 18);
    Value x = g.input("x", DType.FLOAT, 2, 3);
    g.output("y", g.matMul(x, g.initializer("w", Tensor.ofFloats(new float[9], 3, 3))));
    ExportedModel plain = g.build().toModel();
    assertEquals("no initializer matches the LoRA targets [q_proj, v_proj]",
        assertThrows(IllegalArgumentException.class, () -> Lora.apply(plain, LoraConfig.of(2)))
            .getMessage());
  }
}
