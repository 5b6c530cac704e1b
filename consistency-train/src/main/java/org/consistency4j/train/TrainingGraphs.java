package org.consistency4j.train;

import ai.onnx.proto.OnnxMl;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.consistency4j.autodiff.Autodiff;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.ExportedModel;
import org.consistency4j.graph.Graph;
import org.consistency4j.graph.GraphBuilder;
import org.consistency4j.graph.ModelOptions;
import org.consistency4j.graph.Node;
import org.consistency4j.graph.Shape;
import org.consistency4j.graph.Tensor;
import org.consistency4j.graph.Value;
import org.consistency4j.internal.Check;
import org.consistency4j.loss.StandardLoss;
import org.consistency4j.optim.AdamW;
import org.consistency4j.optim.AdamWConfig;

/**
 * The three graphs of a causal-LM training setup, built from a forward graph without ONNX Runtime:
 *
 * <ul>
 *   <li>the <b>gradient</b> graph: forward pass, the objective (the row-weighted summed token negative
 *       log-likelihood, or the summed pairwise loss of {@link PairwiseLossGraph}), its gradient with
 *       respect to every trained tensor ({@link Autodiff}), and accumulation over micro-batches ({@code
 *       acc_out = grad + keep * acc_in});
 *   <li>the <b>scoring</b> graph: per-sequence target log-probability sums and counts ({@link
 *       LmLosses#sequenceLogProbs}), no gradient;
 *   <li>the <b>update</b> graph: global-norm clipping and AdamW ({@link AdamW}).
 * </ul>
 *
 * <p>When the logits come from a linear head ({@code FusedMatMul} with {@code transB} or {@code
 * MatMul} over {@code [batch, seq, hidden]}), the gradient and scoring graphs apply that head and the
 * log-softmax to the target positions only ({@link LmLosses#targetLogProbs}), and the gradient of
 * the loss with respect to those logits is written directly ({@link LmLosses#logitsGradient});
 * other heads keep the all-positions form.
 *
 * <p>The trained tensors, float32 initializers of the forward graph, become graph inputs; their values
 * in the forward graph are the {@link #initialValues()}. Frozen weights stay initializers, external
 * ({@link ExportedModel#externalInitializers()}) where they were external in the forward model. {@link TrainingSession} runs these
 * graphs. Immutable and thread-safe (the initial values are copied out).
 */
public final class TrainingGraphs {
  /** Name of the labels input ({@code [batch, seq]} int64, {@code -100} = ignored). */
  public static final String LABELS = "labels";
  /** Gradient graph: scalar float32 input, 0 for the first micro-batch of a step and 1 after. */
  public static final String ACC_KEEP = "train/acc_keep";
  /** Gradient graph: per-row loss weights ({@code [batch]} float32), row-weighted objective only. */
  public static final String ROW_WEIGHTS = "train/row_weights";
  /** Gradient graph: per-row reference log-probability sums, pairwise losses that use them only. */
  public static final String ROW_REFERENCE = "train/row_reference";
  /** Update graph: the {@link AdamW#scalars} input. */
  public static final String SCALARS = "train/optimizer_scalars";

  /**
   * What to build.
   *
   * @param inputIds name of the forward graph's token-id input ({@code [batch, seq]} int64)
   * @param logits name of its logits value ({@code [batch, seq, vocab]})
   * @param trainable float32 initializers to train, in a fixed order
   * @param noDecay trainable names exempt from weight decay
   * @param optimizer AdamW settings
   * @param auxiliaryInputs other inputs the forward graph may have (LoRA dropout masks)
   * @param pairwiseLoss the in-graph pairwise loss, or empty for the row-weighted log-likelihood
   */
  public record Spec(String inputIds, String logits, List<String> trainable, Set<String> noDecay,
      AdamWConfig optimizer, Set<String> auxiliaryInputs, Optional<StandardLoss> pairwiseLoss) {
    /** Validates and copies the fields. */
    public Spec {
      Check.notNull(inputIds, "inputIds");
      Check.notNull(logits, "logits");
      Check.notEmpty(trainable, "trainable");
      trainable = List.copyOf(trainable);
      noDecay = Collections.unmodifiableSet(new LinkedHashSet<>(Check.notNull(noDecay, "noDecay")));
      Check.notNull(optimizer, "optimizer");
      auxiliaryInputs = Collections.unmodifiableSet(
          new LinkedHashSet<>(Check.notNull(auxiliaryInputs, "auxiliaryInputs")));
      Check.notNull(pairwiseLoss, "pairwiseLoss");
    }
  }

  /**
   * The gradient graph. Inputs: the token ids, {@link #LABELS}, {@link #ACC_KEEP}, {@link
   * #ROW_WEIGHTS} (row-weighted) or {@link #ROW_REFERENCE} (pairwise losses with a reference), the
   * trained tensors under their own names, {@link #accumulatorInput} per trainable, the auxiliary
   * inputs.
   *
   * @param model the graph
   * @param lossSum output: the summed objective of the micro-batch (scalar)
   * @param targetCount output: the number of target tokens of the micro-batch (scalar)
   * @param rowLogProbs output with a pairwise loss: each row's target log-probability sum
   * @param accumulated outputs: the accumulated gradient of each trainable, in order
   */
  public record Gradient(ExportedModel model, String lossSum, String targetCount,
      Optional<String> rowLogProbs, List<String> accumulated) {}

  /**
   * The scoring graph. Inputs: the token ids, {@link #LABELS}, the trained tensors, the auxiliary
   * inputs.
   *
   * @param model the graph
   * @param sum output: per-row target log-probability sums
   * @param count output: per-row target counts
   */
  public record Score(ExportedModel model, String sum, String count) {}

  /**
   * The update graph. Inputs: per trainable its {@link #parameterInput}, {@link #gradientInput},
   * {@link #firstMomentInput}, {@link #secondMomentInput}; {@link #SCALARS}.
   *
   * @param model the graph
   * @param newParameters outputs: the new value of each trainable, in order
   * @param newFirstMoments outputs: the new first moment of each trainable, in order
   * @param newSecondMoments outputs: the new second moment of each trainable, in order
   * @param gradNorm output: the global L2 norm of the scaled gradients before clipping (scalar)
   */
  public record Update(ExportedModel model, List<String> newParameters,
      List<String> newFirstMoments, List<String> newSecondMoments, String gradNorm) {}

  private final Spec spec;
  private final Gradient gradient;
  private final Score score;
  private final Update update;
  private final Map<String, long[]> shapes;
  private final Map<String, float[]> initial;

  /**
   * Builds the graphs around {@code forward}.
   *
   * @param forward forward model (opset 18 or later) with input {@link Spec#inputIds} and value {@link
   *     Spec#logits}; its initializers may be external
   * @throws IllegalArgumentException if a name is unknown, a trainable is not float32, or the forward
   *     graph has other inputs than the token ids and the auxiliary inputs
   */
  public static TrainingGraphs build(ExportedModel forward, Spec spec) {
    return new TrainingGraphs(forward, spec, true);
  }

  /**
   * As {@link #build}; with {@code targetRowsOnly} false the LM head and the log-softmax always run
   * over every position (the graphs before the target-rows rewrite, kept for tests that compare the
   * two).
   */
  static TrainingGraphs build(ExportedModel forward, Spec spec, boolean targetRowsOnly) {
    return new TrainingGraphs(forward, spec, targetRowsOnly);
  }

  /**
   * A linear LM head producing the logits: {@code FusedMatMul(hidden, W, transB = 1)} (or a plain
   * {@code MatMul(hidden, W)}), possibly behind Identity nodes, over a rank-3 {@code hidden}.
   */
  private record Head(Node node, Value hidden, long hiddenSize, Value weight) {
    static Optional<Head> find(Graph fwd, Value logits) {
      Optional<Node> p = fwd.producer(logits.name());
      while (p.isPresent() && p.get().opType().equals("Identity") && p.get().domain().isEmpty()) {
        p = fwd.producer(p.get().inputs().get(0));
      }
      if (p.isEmpty() || p.get().inputs().size() != 2) {
        return Optional.empty();
      }
      Node n = p.get();
      boolean fused = n.opType().equals("FusedMatMul") && n.domain().equals("com.microsoft")
          && n.intAttribute("transA", 0) == 0 && n.intAttribute("transBatchA", 0) == 0
          && n.intAttribute("transBatchB", 0) == 0 && n.floatAttribute("alpha", 1f) == 1f;
      boolean plain = n.opType().equals("MatMul") && n.domain().isEmpty();
      Value hidden = fwd.value(n.inputs().get(0)).orElseThrow();
      Value weight = fwd.value(n.inputs().get(1)).orElseThrow();
      long[] ws = weight.shape().filter(Shape::isStatic).map(Shape::sizes).orElse(null);
      if (!(fused || plain) || hidden.rank() != 3 || ws == null || ws.length != 2) {
        return Optional.empty();
      }
      boolean transB = fused && n.intAttribute("transB", 0) != 0;
      return Optional.of(new Head(n, hidden, transB ? ws[1] : ws[0], weight));
    }

    /** The head applied to {@code [n, hidden]} rows in {@code g}. */
    Value apply(GraphBuilder g, Value rows) {
      return g.op(node.domain(), node.opType(), List.of(rows, weight), node.attributes(),
          List.of(g.dtypeOf(hidden))).get(0);
    }
  }

  private TrainingGraphs(ExportedModel forward, Spec spec, boolean targetRowsOnly) {
    Check.notNull(forward, "forward");
    this.spec = Check.notNull(spec, "spec");
    long opset =
        forward.model().getOpsetImportList().stream()
            .filter(o -> o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx"))
            .mapToLong(OnnxMl.OperatorSetIdProto::getVersion)
            .findFirst()
            .orElse(0);
    Check.argument(opset >= 18, "forward opset must be >= 18, found " + opset);

    // Trainable initializers become graph inputs; their values are the initial parameters.
    Graph source = Graph.fromModel(forward.model(), forward.externalInitializers());
    GraphBuilder base = source.toBuilder();
    base.clearOutputs();
    Map<String, long[]> shapeMap = new LinkedHashMap<>();
    Map<String, float[]> initialMap = new LinkedHashMap<>();
    List<Value> trained = new ArrayList<>();
    for (String name : spec.trainable()) {
      Tensor t = source.initializers().get(name);
      Check.argument(t != null, "trainable must name initializers of the forward graph, found " + name);
      Check.argument(t.dtype() == DType.FLOAT,
          "trainable " + name + " must be FLOAT, found data type " + t.dtype().onnxCode());
      initialMap.put(name, t.toFloatArray());
      shapeMap.put(name, t.shape());
      trained.add(base.initializerToInput(name));
    }
    this.shapes = Collections.unmodifiableMap(shapeMap);
    this.initial = Collections.unmodifiableMap(initialMap);
    Check.argument(
        source.inputs().stream().anyMatch(v -> v.name().equals(spec.inputIds())),
        "inputIds must name an input of the forward graph, found " + spec.inputIds());
    for (Value in : source.inputs()) {
      Check.argument(
          in.name().equals(spec.inputIds()) || spec.auxiliaryInputs().contains(in.name()),
          "the forward graph must have no inputs besides inputIds, trainables and auxiliary inputs,"
              + " found "
              + in.name());
    }
    Graph fwd = base.build();
    ModelOptions export = ModelOptions.defaults().withExternalInitializersLike(forward);
    Value logits = fwd.value(spec.logits()).orElseThrow(() -> new IllegalArgumentException(
        "logits must name a value of the forward graph, found " + spec.logits()));
    // With a linear head the losses compute the logits of the target positions only (the full
    // logits node is then left unread and removed).
    Optional<Head> head = targetRowsOnly ? Head.find(fwd, logits) : Optional.empty();

    // Scoring graph: per-sequence target log-probability sums and counts, no gradient.
    GraphBuilder sg = fwd.toBuilder();
    sg.setNamePrefix("score/");
    Value scoreLabels = sg.input(LABELS, DType.INT64, "batch", "seq");
    LmLosses.SequenceLogProbs seq = head.isPresent()
        ? LmLosses.sequenceLogProbs(sg, targets(sg, head.get(), scoreLabels))
        : LmLosses.sequenceLogProbs(sg, logits, scoreLabels);
    String scoreSum = sg.output(seq.sum()).name();
    String scoreCount = sg.output(seq.count()).name();
    sg.removeUnusedNodes();
    this.score = new Score(sg.build().toModel(export), scoreSum, scoreCount);

    // Gradient graph: row-weighted summed token NLL (exact over micro-batches) or the summed
    // pairwise loss, its gradients, accumulation.
    GraphBuilder g = fwd.toBuilder();
    g.setNamePrefix("train/");
    Value labels = g.input(LABELS, DType.INT64, "batch", "seq");
    Value accKeep = g.input(ACC_KEEP, DType.FLOAT, Shape.scalar());
    Value objective;
    Value count;
    Optional<String> rowLogProbs;
    LmLosses.TargetLogProbs targetLp = null;
    if (spec.pairwiseLoss().isEmpty()) {
      Value rowWeights = g.input(ROW_WEIGHTS, DType.FLOAT, "batch");
      LmLosses.TokenLogProbs tlp;
      if (head.isPresent()) {
        targetLp = targets(g, head.get(), labels);
        tlp = targetLp.perPosition();
      } else {
        tlp = LmLosses.tokenLogProbs(g, logits, labels);
      }
      Value weighted = g.mul(tlp.tokenLogProbs(), g.unsqueeze(rowWeights, -1));
      objective = g.neg(g.reduceSum(weighted, false));
      count = g.reduceSum(tlp.mask(), false);
      rowLogProbs = Optional.empty();
    } else {
      StandardLoss loss = spec.pairwiseLoss().get();
      Value rowReference =
          loss.requiresReference() ? g.input(ROW_REFERENCE, DType.FLOAT, "batch") : null;
      // Rows [0, P) are the chosen responses, [P, 2P) the rejected ones.
      if (head.isPresent()) {
        targetLp = targets(g, head.get(), labels);
      }
      LmLosses.SequenceLogProbs seqLp = head.isPresent()
          ? LmLosses.sequenceLogProbs(g, targetLp)
          : LmLosses.sequenceLogProbs(g, logits, labels);
      List<Value> sums = g.splitEqually(seqLp.sum(), 0, 2);
      List<Value> counts = g.splitEqually(seqLp.count(), 0, 2);
      List<Value> refs = rowReference == null
          ? java.util.Arrays.asList(null, null) : g.splitEqually(rowReference, 0, 2);
      PairwiseLossGraph.Outputs lo = PairwiseLossGraph.append(g, loss,
          new PairwiseLossGraph.Inputs(sums.get(0), sums.get(1), counts.get(0), counts.get(1),
              refs.get(0), refs.get(1)));
      objective = g.reduceSum(lo.perPair(), false);
      count = g.reduceSum(seqLp.count(), false);
      rowLogProbs = Optional.of(g.output(seqLp.sum()).name());
    }
    Map<String, Value> grads;
    if (targetLp == null) {
      grads = Autodiff.gradients(g, objective, trained);
    } else {
      // The objective reads the trained tensors only through the target log-probabilities: its
      // gradient with respect to them, then the logits' gradient written directly, then the rest.
      Value lp = targetLp.logProbs();
      Value gLp = Autodiff.gradients(g, objective, List.of(lp)).get(lp.name());
      grads = Autodiff.gradients(g, targetLp.logits(), trained,
          LmLosses.logitsGradient(g, targetLp, gLp));
    }
    String lossSum = g.output(objective).name();
    String targetCount = g.output(count).name();
    List<String> acc = new ArrayList<>();
    for (String name : spec.trainable()) {
      Value accIn = g.input(accumulatorInput(name), DType.FLOAT, Shape.of(shapeMap.get(name)));
      acc.add(g.output(g.add(grads.get(name), g.mul(accIn, accKeep))).name());
    }
    g.removeUnusedNodes();
    this.gradient = new Gradient(g.build().toModel(export), lossSum, targetCount, rowLogProbs,
        List.copyOf(acc));

    // Update graph: clipping + AdamW.
    GraphBuilder u = GraphBuilder.create("update", 18);
    u.setNamePrefix("adamw/");
    List<AdamW.Param> ps = new ArrayList<>();
    for (String name : spec.trainable()) {
      Shape shape = Shape.of(shapeMap.get(name));
      ps.add(new AdamW.Param(u.input(parameterInput(name), DType.FLOAT, shape),
          u.input(gradientInput(name), DType.FLOAT, shape),
          u.input(firstMomentInput(name), DType.FLOAT, shape),
          u.input(secondMomentInput(name), DType.FLOAT, shape),
          !spec.noDecay().contains(name)));
    }
    Value scalars = u.input(SCALARS, DType.FLOAT, Shape.of(AdamW.SCALARS_LENGTH));
    AdamW.Outputs out = AdamW.append(u, ps, scalars, spec.optimizer());
    List<String> newParams = out.values().stream().map(v -> u.output(v).name()).toList();
    List<String> newM = out.m().stream().map(v -> u.output(v).name()).toList();
    List<String> newV = out.v().stream().map(v -> u.output(v).name()).toList();
    String gradNorm = u.output(out.gradNorm()).name();
    this.update = new Update(u.build().toModel(ModelOptions.defaults()), newParams, newM, newV,
        gradNorm);
  }

  private static LmLosses.TargetLogProbs targets(GraphBuilder g, Head head, Value labels) {
    return LmLosses.targetLogProbs(g, g.value(head.hidden().name()).orElseThrow(), head.hiddenSize(),
        rows -> head.apply(g, rows), labels);
  }

  /** Gradient graph: the accumulated gradient of trainable {@code name} read from the last step. */
  public static String accumulatorInput(String name) {
    return "train/acc_in/" + name;
  }

  /** Update graph: the current value of trainable {@code name}. */
  public static String parameterInput(String name) {
    return "p/" + name;
  }

  /** Update graph: the (unscaled) gradient of trainable {@code name}. */
  public static String gradientInput(String name) {
    return "g/" + name;
  }

  /** Update graph: the first moment of trainable {@code name}. */
  public static String firstMomentInput(String name) {
    return "m/" + name;
  }

  /** Update graph: the second moment of trainable {@code name}. */
  public static String secondMomentInput(String name) {
    return "v/" + name;
  }

  /** What was built. */
  public Spec spec() {
    return spec;
  }

  /** The gradient graph and its outputs. */
  public Gradient gradient() {
    return gradient;
  }

  /** The scoring graph and its outputs. */
  public Score score() {
    return score;
  }

  /** The update graph and its outputs. */
  public Update update() {
    return update;
  }

  /** The shape of each trainable, in {@link Spec#trainable} order. */
  public Map<String, long[]> shapes() {
    Map<String, long[]> out = new LinkedHashMap<>();
    shapes.forEach((k, v) -> out.put(k, v.clone()));
    return out;
  }

  /** The initial value of each trainable (its forward-graph initializer), copied. */
  public Map<String, float[]> initialValues() {
    Map<String, float[]> out = new LinkedHashMap<>();
    initial.forEach((k, v) -> out.put(k, v.clone()));
    return out;
  }
}
