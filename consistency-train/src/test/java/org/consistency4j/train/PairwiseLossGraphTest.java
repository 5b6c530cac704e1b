package org.consistency4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.DoubleBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.consistency4j.autodiff.Autodiff;
import org.consistency4j.autodiff.GradCheckAccess;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.GraphBuilder;
import org.consistency4j.graph.Value;
import org.consistency4j.loss.LossValue;
import org.consistency4j.loss.Losses;
import org.consistency4j.loss.StandardLoss;
import org.consistency4j.loss.PairLogProbs;
import org.consistency4j.loss.PreferenceBatch;
import org.junit.jupiter.api.Test;

/** The graph fragments against the pure-Java losses: value, margins and gradients, in float64. */
class PairwiseLossGraphTest {
  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
  private static final String[] NAMES = {"pc", "pr", "ct", "rt", "refc", "refr"};

  @Provide
  Arbitrary<StandardLoss> configs() {
    return Arbitraries.of(
        Losses.rank(0.5),
        Losses.rank(0),
        Losses.dpo(0.3),
        Losses.ipo(0.5),
        Losses.simpo(2, 0.4),
        Losses.orpo(0.3),
        Losses.hinge(1),
        Losses.hingeWithReference(0.5));
  }

  @Property(tries = 40)
  void each_fragment_equals_the_java_loss_in_value_margins_and_gradients(
      @ForAll("configs") StandardLoss config,
      @ForAll @IntRange(min = 1, max = 7) int pairs,
      @ForAll long seed)
      throws Exception {
    SplittableRandom rng = new SplittableRandom(seed);
    double[][] v = new double[6][pairs];
    List<PairLogProbs> list = new ArrayList<>();
    for (int i = 0; i < pairs; i++) {
      v[2][i] = 1 + rng.nextInt(6);
      v[3][i] = 1 + rng.nextInt(6);
      v[0][i] = -v[2][i] * (0.2 + 3 * rng.nextDouble());
      v[1][i] = -v[3][i] * (0.2 + 3 * rng.nextDouble());
      v[4][i] = -v[2][i] * (0.2 + 3 * rng.nextDouble());
      v[5][i] = -v[3][i] * (0.2 + 3 * rng.nextDouble());
      list.add(PairLogProbs.withReference(v[0][i], v[1][i], (int) v[2][i], (int) v[3][i],
          v[4][i], v[5][i]));
    }
    LossValue expected = config.compute(new PreferenceBatch(list));

    GraphBuilder g = GraphBuilder.create("pairwise", 18);
    Value[] in = new Value[NAMES.length];
    for (int k = 0; k < NAMES.length; k++) {
      in[k] = g.input(NAMES[k], DType.DOUBLE, "pairs");
    }
    g.setNamePrefix("loss/");
    PairwiseLossGraph.Outputs out = PairwiseLossGraph.append(g, config,
        new PairwiseLossGraph.Inputs(in[0], in[1], in[2], in[3], in[4], in[5]));
    Map<String, Value> grads = Autodiff.gradients(g, out.loss(), List.of(in[0], in[1]));
    for (Value o : List.of(out.loss(), out.margins(), grads.get("pc"), grads.get("pr"))) {
      g.output(o);
    }
    Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
    try (OrtSession session =
        ENV.createSession(GradCheckAccess.model(g.build()), new OrtSession.SessionOptions())) {
      for (int k = 0; k < NAMES.length; k++) {
        inputs.put(NAMES[k], OnnxTensor.createTensor(ENV, DoubleBuffer.wrap(v[k]),
            new long[] {pairs}));
      }
      try (OrtSession.Result r = session.run(inputs)) {
        String what = config + " on " + pairs + " pairs";
        assertEquals(expected.value(), ((OnnxTensor) r.get(0)).getDoubleBuffer().get(0), 1e-10, what);
        double[] margins = (double[]) r.get(1).getValue();
        double[] dc = (double[]) r.get(2).getValue();
        double[] dr = (double[]) r.get(3).getValue();
        for (int i = 0; i < pairs; i++) {
          assertEquals(expected.pairMargins().get(i), margins[i], 1e-10, what + " margin " + i);
          assertEquals(expected.chosenGradients().get(i), dc[i], 1e-9, what + " dChosen " + i);
          assertEquals(expected.rejectedGradients().get(i), dr[i], 1e-9, what + " dRejected " + i);
        }
      }
    } finally {
      inputs.values().forEach(OnnxTensor::close);
    }
  }

  @Test
  void a_reference_loss_without_reference_inputs_is_refused_naming_the_loss() {
    GraphBuilder g = GraphBuilder.create("pairwise", 18);
    Value[] in = new Value[NAMES.length];
    for (int k = 0; k < NAMES.length; k++) {
      in[k] = g.input(NAMES[k], DType.DOUBLE, "pairs");
    }
    var ex = assertThrows(IllegalArgumentException.class, () -> PairwiseLossGraph.append(
        g, Losses.byName("dpo"),
        new PairwiseLossGraph.Inputs(in[0], in[1], in[2], in[3], null, null)));
    assertEquals("loss dpo needs reference log-probabilities; the inputs have none", ex.getMessage());
  }
}
