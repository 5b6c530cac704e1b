package org.consistency4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.consistency4j.graph.ExportedModel;
import org.consistency4j.lora.Lora;
import org.consistency4j.lora.LoraConfig;
import org.consistency4j.model.ModelConfig;
import org.consistency4j.model.RuntimeOptions;
import org.consistency4j.optim.AdamWConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Qwen3's SFT gradients through the library's training API ({@link TrainingSession} over {@link
 * LlamaTrainingGraph}), full and LoRA, against PyTorch autograd in float64 ({@code
 * fixtures/tiny-qwen3/reference_grads.json}, written by {@code src/test/python/make_family_fixtures.py}),
 * with the fixture README's float32 tolerances: loss within 1e-5, each gradient entry and {@code
 * sum_abs} within 1e-3 relative (1e-6 absolute floor).
 */
class FamilyGradientTest {
  private static final Path DIR = Path.of("src/test/resources/fixtures/tiny-qwen3");
  private static JsonNode ref;
  private static TrainingSession.Batch batch;

  @BeforeAll
  static void load() throws Exception {
    ref = new ObjectMapper().readTree(DIR.resolve("reference_grads.json").toFile());
    JsonNode sft = ref.get("sft");
    int b = sft.get("input_ids").size();
    int t = sft.get("input_ids").get(0).size();
    long[] ids = new long[b * t];
    long[] labels = new long[b * t];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < t; j++) {
        ids[i * t + j] = sft.get("input_ids").get(i).get(j).asLong();
        labels[i * t + j] = sft.get("labels").get(i).get(j).asLong();
      }
    }
    batch = new TrainingSession.Batch(ids, labels, b, t);
  }

  static double close(double expected, double actual, String what) {
    double tol = Math.max(1e-6, 1e-3 * Math.abs(expected));
    double diff = Math.abs(expected - actual);
    assertTrue(diff <= tol, what + ": expected " + expected + " but was " + actual);
    return diff / Math.max(Math.abs(expected), 1e-6);
  }

  @Test
  void full_fine_tuning_gradients_of_every_weight_match_pytorch_autograd() {
    ModelConfig mc = ModelConfig.parse(DIR.resolve("config.json"));
    JsonNode sft = ref.get("sft");
    double worst = 0;
    try (TrainingSession s = new TrainingSession(LlamaTrainingGraph.load(DIR),
        LlamaTrainingGraph.INPUT_IDS, LlamaTrainingGraph.LOGITS, LlamaTrainingGraph.weightNames(mc),
        LlamaTrainingGraph.noDecay(mc), AdamWConfig.defaults(), RuntimeOptions.cpu())) {
      assertEquals(sft.get("loss_f64").asDouble(), s.evaluate(List.of(batch)), 1e-5, "loss");
      Map<String, float[]> grads = s.gradients(List.of(batch), Double.NaN);
      JsonNode expected = sft.get("grads_f64");
      assertEquals(expected.size(), grads.size());
      assertTrue(grads.containsKey("model.layers.1.self_attn.k_norm.weight"));
      for (Map.Entry<String, float[]> e : grads.entrySet()) {
        String n = e.getKey();
        JsonNode r = expected.get(n);
        float[] g = e.getValue();
        double sumAbs = 0;
        for (float v : g) {
          sumAbs += Math.abs(v);
        }
        worst = Math.max(worst, close(r.get("sum_abs").asDouble(), sumAbs, n + " sum_abs"));
        for (int i = 0; i < 5; i++) {
          worst = Math.max(worst, close(r.get("first5").get(i).asDouble(), g[i], n + "[" + i + "]"));
        }
        if (r.has("full")) {
          for (int i = 0; i < g.length; i++) {
            worst = Math.max(worst, close(r.get("full").get(i).asDouble(), g[i], n + "[" + i + "]"));
          }
        }
        if (r.has("rows")) {
          int width = (int) s.shape(n)[1];
          for (String row : (Iterable<String>) r.get("rows")::fieldNames) {
            int id = Integer.parseInt(row);
            for (int j = 0; j < width; j++) {
              worst = Math.max(worst, close(r.get("rows").get(row).get(j).asDouble(),
                  g[id * width + j], n + " row " + id + "[" + j + "]"));
            }
          }
        }
      }
    }
    assertTrue(worst < 1e-3, "max relative difference " + worst);
  }

  @Test
  void lora_gradients_with_given_adapter_values_match_pytorch_autograd() {
    JsonNode lora = ref.get("lora");
    List<String> targets = List.of("q_proj", "v_proj");
    LoraConfig config = new LoraConfig(lora.get("rank").asInt(), lora.get("alpha").asDouble(),
        targets, 0);
    ExportedModel forward = LlamaTrainingGraph.load(DIR);
    Lora.Adapted adapted = Lora.apply(forward, config);
    JsonNode adapters = lora.get("adapters");
    assertEquals(adapters.size(), adapted.adapters().size());
    try (TrainingSession s = new TrainingSession(adapted.model(), LlamaTrainingGraph.INPUT_IDS,
        LlamaTrainingGraph.LOGITS, adapted.adapters(), java.util.Set.of(), AdamWConfig.defaults(),
        RuntimeOptions.cpu())) {
      Map<String, float[]> state = new HashMap<>(s.state());
      for (String a : adapted.adapters()) {
        JsonNode values = adapters.get(a).get("value");
        float[] v = new float[values.size()];
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) values.get(i).asDouble();
        }
        assertEquals(v.length, s.parameter(a).length, a);
        state.put("p/" + a, v);
      }
      s.restore(state, 0);
      assertEquals(lora.get("loss_f64").asDouble(), s.evaluate(List.of(batch)), 1e-5, "loss");
      Map<String, float[]> grads = s.gradients(List.of(batch), Double.NaN);
      for (String a : adapted.adapters()) {
        JsonNode expected = adapters.get(a).get("grad");
        float[] g = grads.get(a);
        for (int i = 0; i < g.length; i++) {
          close(expected.get(i).asDouble(), g[i], a + "[" + i + "]");
        }
      }
    }
  }
}
