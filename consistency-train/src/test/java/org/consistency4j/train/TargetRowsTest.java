package org.consistency4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.consistency4j.graph.ExportedModel;
import org.consistency4j.graph.Graph;
import org.consistency4j.graph.Node;
import org.consistency4j.graph.Tensor;
import org.consistency4j.loss.Losses;
import org.consistency4j.loss.StandardLoss;
import org.consistency4j.lora.Lora;
import org.consistency4j.lora.LoraConfig;
import org.consistency4j.optim.AdamWConfig;
import org.junit.jupiter.api.Test;

/**
 * The training graphs apply a linear LM head to the target positions only ({@link
 * LmLosses#targetLogProbs}); here they are run by ONNX Runtime next to the graphs that apply it to
 * every position ({@code TrainingGraphs.build(forward, spec, false)}, the form before the rewrite)
 * on batches with prompt tokens, padding and a row without any target, and every output must agree.
 */
class TargetRowsTest {
  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
  private static final long IGNORE = LmLosses.IGNORE_INDEX;

  @Test
  void a_tiny_lm_with_a_matmul_head_gives_the_losses_gradients_and_scores_of_all_positions()
      throws OrtException {
    ExportedModel forward = TinyLm.model(3, 100);
    List<String> all = List.of("embed", "w1", "b1", "head");
    // 4 rows of 5: a prompt, padding, a row without targets, a full row.
    long[] ids = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 2, 4, 6, 8, 10, 3, 5, 7, 9, 1};
    long[] labels = {IGNORE, IGNORE, 3, 4, 5, 6, 7, 8, IGNORE, IGNORE, IGNORE, IGNORE, IGNORE,
        IGNORE, IGNORE, 3, 5, 7, 9, 1};
    compare(forward, all, ids, labels, 4, 5, "input_ids", "logits");
  }

  @Test
  void a_llama_family_model_with_lora_gives_the_losses_gradients_and_scores_of_all_positions()
      throws OrtException {
    ExportedModel forward = LlamaTrainingGraph.load(Path.of("src/test/resources/fixtures/tiny-qwen3"));
    Lora.Adapted a = Lora.apply(forward, new LoraConfig(4, 8, List.of("q_proj", "v_proj"), 0));
    long[] ids = {5, 9, 14, 3, 8, 21, 7, 2, 30, 4, 11, 6, 19, 25, 1, 16};
    long[] labels = {IGNORE, IGNORE, IGNORE, 3, 8, 21, 7, 2, IGNORE, IGNORE, IGNORE, IGNORE,
        19, 25, 1, IGNORE};
    compare(a.model(), a.adapters(), ids, labels, 2, 8, LlamaTrainingGraph.INPUT_IDS,
        LlamaTrainingGraph.LOGITS);
  }

  private static void compare(ExportedModel forward, List<String> trainable, long[] ids,
      long[] labels, int rows, int seq, String idsName, String logitsName) throws OrtException {
    for (Optional<StandardLoss> loss :
        List.of(Optional.<StandardLoss>empty(), Optional.of(Losses.byName("dpo")))) {
      TrainingGraphs.Spec spec = new TrainingGraphs.Spec(idsName, logitsName, trainable, Set.of(),
          AdamWConfig.defaults(), Set.of(), loss);
      TrainingGraphs targets = TrainingGraphs.build(forward, spec, true);
      TrainingGraphs full = TrainingGraphs.build(forward, spec, false);
      assertEquals(2, logSoftmaxRank(targets.gradient().model()), "rewritten gradient graph");
      assertEquals(3, logSoftmaxRank(full.gradient().model()), "reference gradient graph");
      assertEquals(2, logSoftmaxRank(targets.score().model()), "rewritten scoring graph");
      Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
      try {
        feeds.put(idsName, longs(ids, rows, seq));
        feeds.put(TrainingGraphs.LABELS, longs(labels, rows, seq));
        feeds.put(TrainingGraphs.ACC_KEEP, floats(new float[] {0f}));
        float[] weights = new float[rows];
        float[] reference = new float[rows];
        for (int r = 0; r < rows; r++) {
          weights[r] = 0.5f + r;
          reference[r] = -3f - r;
        }
        feeds.put(TrainingGraphs.ROW_WEIGHTS, floats(weights, rows));
        feeds.put(TrainingGraphs.ROW_REFERENCE, floats(reference, rows));
        Map<String, long[]> shapes = full.shapes();
        full.initialValues().forEach((name, v) -> {
          feeds.put(name, floats(v, shapes.get(name)));
          feeds.put(TrainingGraphs.accumulatorInput(name),
              floats(new float[v.length], shapes.get(name)));
        });
        String what = loss.map(l -> "pairwise loss").orElse("row-weighted NLL");
        assertClose(run(full.gradient().model(), feeds), run(targets.gradient().model(), feeds),
            what + " gradient graph");
        assertClose(run(full.score().model(), feeds), run(targets.score().model(), feeds),
            what + " scoring graph");
      } finally {
        feeds.values().forEach(OnnxTensor::close);
      }
    }
  }

  private static int logSoftmaxRank(ExportedModel m) {
    Graph g = Graph.fromModel(m.model(), m.externalInitializers());
    List<Node> ls = g.nodes().stream().filter(n -> n.opType().equals("LogSoftmax")).toList();
    assertEquals(1, ls.size(), "LogSoftmax nodes");
    return g.value(ls.get(0).inputs().get(0)).orElseThrow().rank();
  }

  private static void assertClose(List<float[]> expected, List<float[]> actual, String what) {
    assertEquals(expected.size(), actual.size(), what + ": outputs");
    for (int i = 0; i < expected.size(); i++) {
      float[] e = expected.get(i);
      float[] a = actual.get(i);
      assertEquals(e.length, a.length, what + ": output " + i + " size");
      double scale = 0;
      for (float x : e) {
        scale = Math.max(scale, Math.abs(x));
      }
      for (int k = 0; k < e.length; k++) {
        double tol = 1e-5 * Math.max(scale, 1e-3) + 1e-4 * Math.abs(e[k]);
        assertTrue(Math.abs(e[k] - a[k]) <= tol, what + ": output " + i + "[" + k + "]: expected "
            + e[k] + ", found " + a[k] + " (tolerance " + tol + ")");
      }
      assertTrue(scale > 0 || i > 0, what + ": output " + i + " is all zero");
    }
  }

  /** Runs {@code m} on the feeds it declares and returns its outputs in order. */
  private static List<float[]> run(ExportedModel m, Map<String, OnnxTensor> feeds)
      throws OrtException {
    List<OnnxTensor> ext = new ArrayList<>();
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      so.setIntraOpNumThreads(1);
      Map<String, OnnxTensorLike> init = new LinkedHashMap<>();
      for (Map.Entry<String, Tensor> e : m.externalInitializers().entrySet()) {
        OnnxTensor t = floats(e.getValue().toFloatArray(), e.getValue().shape());
        ext.add(t);
        init.put(e.getKey(), t);
      }
      if (!init.isEmpty()) {
        so.addExternalInitializers(init);
      }
      try (OrtSession s = ENV.createSession(m.toByteArray(), so)) {
        Map<String, OnnxTensor> in = new LinkedHashMap<>();
        for (String n : s.getInputNames()) {
          in.put(n, feeds.get(n));
        }
        try (OrtSession.Result r = s.run(in)) {
          List<float[]> out = new ArrayList<>();
          for (Map.Entry<String, OnnxValue> e : r) {
            FloatBuffer fb = ((OnnxTensor) e.getValue()).getFloatBuffer();
            float[] f = new float[fb.remaining()];
            fb.get(f);
            out.add(f);
          }
          return out;
        }
      }
    } finally {
      ext.forEach(OnnxTensor::close);
    }
  }

  private static OnnxTensor longs(long[] v, long... shape) throws OrtException {
    return OnnxTensor.createTensor(ENV, LongBuffer.wrap(v), shape);
  }

  private static OnnxTensor floats(float[] v, long... shape) {
    try {
      FloatBuffer b = ByteBuffer.allocateDirect(v.length * 4).order(ByteOrder.nativeOrder())
          .asFloatBuffer().put(v);
      b.rewind();
      return OnnxTensor.createTensor(ENV, b, shape);
    } catch (OrtException e) {
      throw new IllegalStateException(e);
    }
  }
}
