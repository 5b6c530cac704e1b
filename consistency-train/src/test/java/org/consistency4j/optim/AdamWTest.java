package org.consistency4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.consistency4j.autodiff.GradCheckAccess;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.GraphBuilder;
import org.consistency4j.graph.Value;
import org.junit.jupiter.api.Test;

class AdamWTest {
  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

  /** torch.optim.AdamW after clip_grad_norm_, written out directly. */
  private static void reference(
      AdamWConfig c, double lr, long step, double scale, double[][] p, double[][] g, double[][] m,
      double[][] v, boolean[] decay) {
    double sq = 0;
    for (double[] gi : g) {
      for (double x : gi) {
        sq += (x * scale) * (x * scale);
      }
    }
    double norm = Math.sqrt(sq);
    double coef = Math.min(1.0, c.maxGradNorm() / (norm + 1e-6));
    double bc1 = 1 - Math.pow(c.beta1(), step);
    double bc2 = 1 - Math.pow(c.beta2(), step);
    for (int i = 0; i < p.length; i++) {
      for (int j = 0; j < p[i].length; j++) {
        double gr = g[i][j] * scale * coef;
        if (decay[i]) {
          p[i][j] *= 1 - lr * c.weightDecay();
        }
        m[i][j] = c.beta1() * m[i][j] + (1 - c.beta1()) * gr;
        v[i][j] = c.beta2() * v[i][j] + (1 - c.beta2()) * gr * gr;
        double denom = Math.sqrt(v[i][j]) / Math.sqrt(bc2) + c.epsilon();
        p[i][j] -= lr / bc1 * m[i][j] / denom;
      }
    }
  }

  @Property(tries = 4)
  void three_graph_steps_equal_the_pytorch_formulas(
      @ForAll @IntRange(min = 1, max = 6) int n,
      @ForAll boolean clipHard,
      @ForAll long seed)
      throws Exception {
    SplittableRandom rng = new SplittableRandom(seed);
    AdamWConfig c = AdamWConfig.defaults().withWeightDecay(0.1).withMaxGradNorm(clipHard ? 0.05 : 1e3);
    int count = 2;
    GraphBuilder g = GraphBuilder.create("adamw", 18);
    List<AdamW.Param> params = new ArrayList<>();
    boolean[] decay = {true, false};
    for (int i = 0; i < count; i++) {
      Value[] pgmv = new Value[4];
      String[] kinds = {"p", "g", "m", "v"};
      for (int k = 0; k < 4; k++) {
        pgmv[k] = g.input(kinds[k] + i, DType.DOUBLE, "n");
      }
      params.add(new AdamW.Param(pgmv[0], pgmv[1], pgmv[2], pgmv[3], decay[i]));
    }
    Value scalars = g.input("scalars", DType.FLOAT, "four");
    g.setNamePrefix("opt/");
    AdamW.Outputs out = AdamW.append(g, params, scalars, c);
    for (int i = 0; i < count; i++) {
      g.output(out.values().get(i));
      g.output(out.m().get(i));
      g.output(out.v().get(i));
    }
    g.output(out.gradNorm());
    double[][] p = new double[count][n];
    double[][] m = new double[count][n];
    double[][] v = new double[count][n];
    double[][] p2 = new double[count][n];
    double[][] m2 = new double[count][n];
    double[][] v2 = new double[count][n];
    for (int i = 0; i < count; i++) {
      for (int j = 0; j < n; j++) {
        p[i][j] = p2[i][j] = rng.nextDouble() * 2 - 1;
      }
    }
    float lr = 0.01f;
    float scale = 0.5f;
    try (OrtSession s = ENV.createSession(GradCheckAccess.model(g.build()), new OrtSession.SessionOptions())) {
      for (long step = 1; step <= 3; step++) {
        double[][] grad = new double[count][n];
        for (int i = 0; i < count; i++) {
          for (int j = 0; j < n; j++) {
            grad[i][j] = rng.nextDouble() * 4 - 2;
          }
        }
        reference(c, lr, step, scale, p, grad, m, v, decay);
        Map<String, OnnxTensor> in = new HashMap<>();
        try {
          for (int i = 0; i < count; i++) {
            in.put("p" + i, tensor(p2[i]));
            in.put("g" + i, tensor(grad[i]));
            in.put("m" + i, tensor(m2[i]));
            in.put("v" + i, tensor(v2[i]));
          }
          float[] sc = AdamW.scalars(c, lr, step, scale);
          in.put("scalars", OnnxTensor.createTensor(ENV, FloatBuffer.wrap(sc), new long[] {4}));
          try (OrtSession.Result r = s.run(in)) {
            for (int i = 0; i < count; i++) {
              p2[i] = (double[]) r.get(3 * i).getValue();
              m2[i] = (double[]) r.get(3 * i + 1).getValue();
              v2[i] = (double[]) r.get(3 * i + 2).getValue();
            }
          }
        } finally {
          in.values().forEach(OnnxTensor::close);
        }
        for (int i = 0; i < count; i++) {
          for (int j = 0; j < n; j++) {
            // float32 scalars (lr, bias corrections) limit agreement to about 1e-7 relative
            assertEquals(p[i][j], p2[i][j], 1e-7 * Math.max(1, Math.abs(p[i][j])), "p" + i);
            assertEquals(m[i][j], m2[i][j], 1e-6 * Math.max(1e-3, Math.abs(m[i][j])), "m" + i);
            assertEquals(v[i][j], v2[i][j], 1e-6 * Math.max(1e-6, Math.abs(v[i][j])), "v" + i);
          }
        }
      }
    }
  }

  private static OnnxTensor tensor(double[] x) throws Exception {
    return OnnxTensor.createTensor(ENV, DoubleBuffer.wrap(x), new long[] {x.length});
  }

  @Test
  void invalid_hyper_parameters_are_rejected_with_the_field_name() {
    assertEquals(
        "beta1 must be in [0, 1), found 1.0",
        assertThrows(IllegalArgumentException.class, () -> new AdamWConfig(1, 0.9, 1e-8, 0, 1))
            .getMessage());
    assertEquals(
        "beta2 must be in [0, 1), found -0.1",
        assertThrows(IllegalArgumentException.class, () -> new AdamWConfig(0.9, -0.1, 1e-8, 0, 1))
            .getMessage());
    assertEquals(
        "epsilon must be > 0, found 0.0",
        assertThrows(IllegalArgumentException.class, () -> new AdamWConfig(0.9, 0.9, 0, 0, 1))
            .getMessage());
    assertEquals(
        "weightDecay must be >= 0, found -1.0",
        assertThrows(IllegalArgumentException.class, () -> new AdamWConfig(0.9, 0.9, 1e-8, -1, 1))
            .getMessage());
    assertEquals(
        "maxGradNorm must be > 0, found 0.0",
        assertThrows(IllegalArgumentException.class, () -> new AdamWConfig(0.9, 0.9, 1e-8, 0, 0))
            .getMessage());
    assertEquals(
        "step must be >= 1, found 0",
        assertThrows(
                IllegalArgumentException.class, () -> AdamW.scalars(AdamWConfig.defaults(), 1, 0, 1))
            .getMessage());
  }
}
