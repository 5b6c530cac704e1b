package org.consistency4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.consistency4j.graph.ExportedModel;
import org.consistency4j.graph.Graph;
import org.consistency4j.graph.Node;
import org.consistency4j.graph.Value;
import org.consistency4j.loss.Losses;
import org.consistency4j.model.ModelConfig;
import org.consistency4j.loss.StandardLoss;
import org.consistency4j.optim.AdamW;
import org.consistency4j.optim.AdamWConfig;
import org.junit.jupiter.api.Test;

/** The training graphs are plain graphs: built and inspected here without ONNX Runtime. */
class TrainingGraphsTest {
  private static final List<String> ALL = List.of("embed", "w1", "b1", "head");

  private static TrainingGraphs build(List<String> trainable, Optional<StandardLoss> loss) {
    return TrainingGraphs.build(TinyLm.model(3, 100), new TrainingGraphs.Spec("input_ids", "logits",
        trainable, Set.of("b1"), AdamWConfig.defaults(), Set.of(), loss));
  }

  private static List<String> names(List<Value> values) {
    return values.stream().map(Value::name).toList();
  }

  private static Graph graph(ExportedModel m) {
    return Graph.fromModel(m.model(), m.externalInitializers());
  }

  @Test
  void trained_initializers_become_inputs_of_the_gradient_graph_and_seed_the_initial_values() {
    ExportedModel forward = TinyLm.model(3, 100);
    TrainingGraphs t = build(List.of("w1", "head"), Optional.empty());
    Graph grad = graph(t.gradient().model());
    assertEquals(List.of("input_ids", "w1", "head", TrainingGraphs.LABELS, TrainingGraphs.ACC_KEEP,
        TrainingGraphs.ROW_WEIGHTS, TrainingGraphs.accumulatorInput("w1"),
        TrainingGraphs.accumulatorInput("head")), names(grad.inputs()));
    assertTrue(grad.isInitializer("embed") && !grad.isInitializer("w1"));
    List<String> outputs =
        new ArrayList<>(List.of(t.gradient().lossSum(), t.gradient().targetCount()));
    outputs.addAll(t.gradient().accumulated());
    assertEquals(outputs, names(grad.outputs()));
    Graph source = graph(forward);
    assertArrayEquals(source.initializers().get("head").toFloatArray(),
        t.initialValues().get("head"));
    assertArrayEquals(new long[] {8, 11}, t.shapes().get("head"));
    assertEquals(Optional.empty(), t.gradient().rowLogProbs());

    Graph score = graph(t.score().model());
    assertEquals(List.of("input_ids", "w1", "head", TrainingGraphs.LABELS), names(score.inputs()));
    assertEquals(List.of(t.score().sum(), t.score().count()), names(score.outputs()));
  }

  @Test
  void a_llama_gradient_graph_decides_its_reductions_while_building() {
    // Shapes flow through the FusedMatMul linear layers and the grouped-query key/value repeat, so
    // their gradients need no run-time broadcast-reduction fallback (an If node each). With the
    // FusedMatMul output shapes unknown, a training step of the demo's model was about 30% slower
    // (benchmarks/README.md, "Training step"). The one fallback left is in the loss, on the
    // [batch, seq - 1] per-token values (a Slice to seq - 1 leaves that length unknown).
    Path dir = Path.of("src/test/resources/fixtures/tiny-llama");
    ModelConfig c = ModelConfig.parse(dir.resolve("config.json"));
    assertTrue(c.numKeyValueHeads() < c.numAttentionHeads(), "the fixture uses grouped-query attention");
    ExportedModel forward = LlamaTrainingGraph.build(c, LlamaTrainingGraph.loadWeights(dir, c));
    TrainingGraphs t = TrainingGraphs.build(forward, new TrainingGraphs.Spec(
        LlamaTrainingGraph.INPUT_IDS, LlamaTrainingGraph.LOGITS,
        List.copyOf(LlamaTrainingGraph.weightNames(c)), LlamaTrainingGraph.noDecay(c),
        AdamWConfig.defaults(), Set.of(), Optional.empty()));
    List<String> ops = graph(t.gradient().model()).nodes().stream().map(Node::opType).toList();
    assertTrue(ops.contains("FusedMatMul"), "linear layers: " + ops);
    assertEquals(1, ops.stream().filter("If"::equals).count(), "run-time shape fallbacks (If nodes)");
  }

  @Test
  void the_update_graph_reads_parameter_gradient_and_moments_per_trainable_and_the_scalars() {
    TrainingGraphs t = build(ALL, Optional.empty());
    Graph update = graph(t.update().model());
    List<String> inputs = new ArrayList<>();
    for (String n : ALL) {
      inputs.addAll(List.of(TrainingGraphs.parameterInput(n), TrainingGraphs.gradientInput(n),
          TrainingGraphs.firstMomentInput(n), TrainingGraphs.secondMomentInput(n)));
    }
    inputs.add(TrainingGraphs.SCALARS);
    assertEquals(inputs, names(update.inputs()));
    assertEquals(List.of((long) AdamW.SCALARS_LENGTH),
        List.of(update.inputs().get(inputs.size() - 1).shape().orElseThrow().sizes()[0]));
    List<String> outputs = new ArrayList<>(t.update().newParameters());
    outputs.addAll(t.update().newFirstMoments());
    outputs.addAll(t.update().newSecondMoments());
    outputs.add(t.update().gradNorm());
    assertEquals(outputs, names(update.outputs()));
  }

  @Test
  void a_pairwise_loss_reads_reference_sums_only_when_it_needs_them_and_outputs_row_sums() {
    TrainingGraphs dpo = build(ALL, Optional.of(Losses.byName("dpo")));
    List<String> dpoInputs = names(graph(dpo.gradient().model()).inputs());
    assertTrue(dpoInputs.contains(TrainingGraphs.ROW_REFERENCE));
    assertTrue(!dpoInputs.contains(TrainingGraphs.ROW_WEIGHTS));
    assertTrue(dpo.gradient().rowLogProbs().isPresent());
    assertTrue(names(graph(dpo.gradient().model()).outputs())
        .contains(dpo.gradient().rowLogProbs().get()));
    TrainingGraphs rank = build(ALL, Optional.of(Losses.rank(1)));
    List<String> rankInputs = names(graph(rank.gradient().model()).inputs());
    assertTrue(!rankInputs.contains(TrainingGraphs.ROW_REFERENCE)
        && !rankInputs.contains(TrainingGraphs.ROW_WEIGHTS));
  }

  @Test
  void unknown_trainables_and_unexpected_forward_inputs_are_refused_by_name() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> build(List.of("nope"), Optional.empty()));
    assertEquals("trainable must name initializers of the forward graph, found nope", e.getMessage());
    IllegalArgumentException ids = assertThrows(IllegalArgumentException.class,
        () -> TrainingGraphs.build(TinyLm.model(3, 100), new TrainingGraphs.Spec("ids", "logits",
            ALL, Set.of(), AdamWConfig.defaults(), Set.of(), Optional.empty())));
    assertEquals("inputIds must name an input of the forward graph, found ids", ids.getMessage());
  }
}
