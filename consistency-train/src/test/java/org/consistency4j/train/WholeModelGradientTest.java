package org.consistency4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.consistency4j.autodiff.Autodiff;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.GraphBuilder;
import org.consistency4j.graph.Value;
import java.nio.file.Path;
import org.consistency4j.graph.ExportedModel;
import org.consistency4j.graph.Graph;
import org.consistency4j.graph.ModelOptions;
import org.consistency4j.graph.Tensor;
import org.consistency4j.model.ModelSessions;
import org.consistency4j.model.RuntimeOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The SFT cross-entropy and its gradients for the whole tiny Llama, against PyTorch autograd in float64
 * ({@code reference_grads.json}), with the fixture README's tolerances for float32 (and far tighter ones
 * for float64).
 */
class WholeModelGradientTest {
  private static final String DIR = "/fixtures/tiny-llama/";

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"FLOAT", "DOUBLE"})
  void sft_loss_and_gradients_of_the_test_reference_graph_match_pytorch(DType dt) throws Exception {
    JsonNode sft = sft();
    Map<String, long[]> shapes = new LinkedHashMap<>();
    Map<String, float[]> weights;
    try (InputStream in = getClass().getResourceAsStream(DIR + "model.safetensors")) {
      weights = ReferenceLlama.readSafetensors(in, shapes);
    }
    int batch = sft.get("input_ids").size();
    int seq = sft.get("input_ids").get(0).size();
    GraphBuilder g = GraphBuilder.create("llama_sft", 18);
    Value idsV = g.input("input_ids", DType.INT64, batch, seq);
    Value logits = ReferenceLlama.forward(g, dt, idsV, batch, seq, weights, shapes);
    g.output("logits", logits);
    check(g.build().toModel(), dt, sft);
  }

  @Test
  void sft_loss_and_gradients_of_the_library_training_graph_match_pytorch() throws Exception {
    ExportedModel forward = LlamaTrainingGraph.load(
        Path.of(getClass().getResource(DIR).toURI()));
    assertTrue(forward.externalInitializers().size() > 0);
    check(forward, DType.FLOAT, sft());
  }

  private JsonNode sft() throws Exception {
    try (InputStream in = getClass().getResourceAsStream(DIR + "reference_grads.json")) {
      return new ObjectMapper().readTree(in).get("sft");
    }
  }

  private void check(ExportedModel forward, DType dt, JsonNode sft) throws Exception {
    int batch = sft.get("input_ids").size();
    int seq = sft.get("input_ids").get(0).size();
    long[] ids = new long[batch * seq];
    long[] labels = new long[batch * seq];
    for (int b = 0; b < batch; b++) {
      for (int t = 0; t < seq; t++) {
        ids[b * seq + t] = sft.get("input_ids").get(b).get(t).asLong();
        labels[b * seq + t] = sft.get("labels").get(b).get(t).asLong();
      }
    }
    GraphBuilder gp = Graph.fromModel(forward.model(), forward.externalInitializers()).toBuilder();
    gp.clearOutputs();
    Value labelsV = gp.input("labels", DType.INT64, batch, seq);
    gp.setNamePrefix("loss/");
    LmLosses.CrossEntropy ce =
        LmLosses.crossEntropy(gp, gp.value("logits").orElseThrow(), labelsV);
    List<String> names = new ArrayList<>();
    sft.get("grads_f64").fieldNames().forEachRemaining(names::add);
    Map<String, Value> grads = Autodiff.gradients(gp, ce.loss(),
        names.stream().map(n -> gp.value(n).orElseThrow()).toList());
    gp.output(ce.loss());
    for (String n : names) {
      gp.output(grads.get(n));
    }
    ExportedModel model = gp.build().toModel(ModelOptions.defaults()
        .withExternalInitializersAbove(forward.externalInitializers().isEmpty() ? Long.MAX_VALUE : 1024));
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (ModelSessions holder = new ModelSessions(RuntimeOptions.cpu())) {
      Map<String, OnnxTensor> ext = new LinkedHashMap<>();
      for (Map.Entry<String, Tensor> en : model.externalInitializers().entrySet()) {
        float[] f = en.getValue().toFloatArray();
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocateDirect(f.length * 4)
            .order(java.nio.ByteOrder.nativeOrder());
        bb.asFloatBuffer().put(f);
        ext.put(en.getKey(), holder.own(OnnxTensor.createTensor(env, bb.asFloatBuffer(),
            en.getValue().shape())));
      }
      OrtSession s = holder.create("sft", model.model().toByteArray(), ext);
      run(s, sft, names, ids, labels, batch, seq, dt);
    }
  }

  private static void run(OrtSession s, JsonNode sft, List<String> names, long[] ids,
      long[] labels, int batch, int seq, DType dt)
      throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    boolean f32 = dt == DType.FLOAT;
    double lossTol = f32 ? 1e-5 : 1e-10;
    double relTol = f32 ? 1e-3 : 1e-7;
    double absFloor = f32 ? 1e-6 : 1e-12;
    try (OnnxTensor idsT = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[] {batch, seq});
        OnnxTensor labelsT =
            OnnxTensor.createTensor(env, LongBuffer.wrap(labels), new long[] {batch, seq});
        OrtSession.Result r = s.run(Map.of("input_ids", idsT, "labels", labelsT))) {
      double loss = values((OnnxTensor) r.get(0))[0];
      assertEquals(sft.get("loss_f64").asDouble(), loss, lossTol, "loss");
      Map<String, double[]> got = new HashMap<>();
      for (int i = 0; i < names.size(); i++) {
        got.put(names.get(i), values((OnnxTensor) r.get(i + 1)));
      }
      for (String n : names) {
        JsonNode ref = sft.get("grads_f64").get(n);
        double[] gv = got.get(n);
        double sumAbs = 0;
        double sum = 0;
        for (double x : gv) {
          sumAbs += Math.abs(x);
          sum += x;
        }
        close(ref.get("sum_abs").asDouble(), sumAbs, relTol, absFloor, n + " sum_abs");
        for (int i = 0; i < 5; i++) {
          close(ref.get("first5").get(i).asDouble(), gv[i], relTol, absFloor, n + "[" + i + "]");
        }
        if (ref.has("full")) {
          for (int i = 0; i < gv.length; i++) {
            close(ref.get("full").get(i).asDouble(), gv[i], relTol, absFloor, n + " full[" + i + "]");
          }
        }
        if (ref.has("rows")) {
          int dim = ReferenceLlama.HIDDEN;
          Iterable<String> rows = ref.get("rows")::fieldNames;
          int count = 0;
          for (String row : rows) {
            int id = Integer.parseInt(row);
            for (int j = 0; j < dim; j++) {
              close(ref.get("rows").get(row).get(j).asDouble(), gv[id * dim + j], relTol, absFloor,
                  n + " row " + id + "[" + j + "]");
            }
            count++;
          }
          assertTrue(count > 0);
        }
        assertTrue(Double.isFinite(sum));
      }
    }
  }

  private static void close(double expected, double actual, double rel, double abs, String what) {
    double tol = Math.max(abs, rel * Math.abs(expected));
    assertTrue(Math.abs(expected - actual) <= tol,
        what + ": expected " + expected + " but was " + actual);
  }

  private static double[] values(OnnxTensor t) {
    if (t.getInfo().type == ai.onnxruntime.OnnxJavaType.DOUBLE) {
      java.nio.DoubleBuffer b = t.getDoubleBuffer();
      double[] out = new double[b.remaining()];
      b.get(out);
      return out;
    }
    java.nio.FloatBuffer b = t.getFloatBuffer();
    double[] out = new double[b.remaining()];
    for (int i = 0; i < out.length; i++) {
      out[i] = b.get(i);
    }
    return out;
  }
}
