package org.consistency4j.train;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.consistency4j.ModelLoadException;
import org.consistency4j.TrainingException;
import org.consistency4j.graph.ExportedModel;
import org.consistency4j.internal.Check;
import org.consistency4j.loss.StandardLoss;
import org.consistency4j.model.ModelSessions;
import org.consistency4j.model.Quantization;
import org.consistency4j.model.RuntimeOptions;
import org.consistency4j.optim.AdamW;
import org.consistency4j.optim.AdamWConfig;

/**
 * Runs the graphs of one causal-LM training setup ({@link TrainingGraphs}: gradient, scoring and
 * update graphs, built from the forward model) on ONNX Runtime, and owns the training state. Trainable
 * tensors (float32) live in direct buffers that are fed to the sessions and written by them as pinned
 * outputs, double-buffered, so a step moves no weights across JNI; frozen weights are given to ONNX
 * Runtime as {@link RuntimeOptions#resolvedWeights()} says (by default on the CPU read in place, one
 * copy shared by the gradient and scoring sessions; see {@link ModelSessions#create(String,
 * ExportedModel)}). Create one with {@link #builder(ExportedModel)}.
 *
 * <p>A step whose loss or gradient norm is not finite throws {@link TrainingException} naming the step and
 * leaves parameters and optimizer state exactly as before the step. This object owns every ONNX Runtime
 * resource it creates; {@link #close()} releases them (idempotent). Not thread-safe.
 */
public final class TrainingSession implements AutoCloseable {
  private final OrtEnvironment env;
  private final ModelSessions sessions;
  private final OrtSession gradSession;
  private final OrtSession updateSession;
  /** The frozen weights each gradient run is given (empty when the session holds them). */
  private final Map<String, OnnxTensor> gradWeights;
  /** Created on the first {@link #sequenceLogProbs} call: with weights held by the sessions ONNX
   * Runtime copies the frozen weights into each session, so a session that only trains never pays
   * for the scoring one. */
  private OrtSession scoreSession;
  private Map<String, OnnxTensor> scoreWeights;
  private final TrainingGraphs graphs;
  private final List<String> names;
  private final Map<String, long[]> shapes;
  // [slot][param]: slot 0/1 double buffers
  private final Buf[][] params;
  private final Buf[][] ms;
  private final Buf[][] vs;
  private final Buf[][] accs;
  private final OnnxTensor accKeepOne;
  private final OnnxTensor accKeepZero;
  private final AuxiliaryInputs auxiliary;
  private final StandardLoss pairwise;
  private int current;
  private long step;
  private boolean closed;

  /**
   * Extra float32 inputs of the forward graph besides the token ids and the trained tensors (LoRA
   * dropout masks, {@link LoraDropout}), each shaped {@code [batch, seq, width]} and created per
   * micro-batch. Training values may be random but must be a function of the step and micro-batch, so
   * that a resumed run sees the same values.
   */
  public interface AuxiliaryInputs {
    /** The inputs, by name, with their last dimension. */
    Map<String, Long> widths();

    /**
     * Values of input {@code name} for micro-batch {@code micro} (0-based) of optimizer step {@code
     * step} (1-based), row-major {@code [batch, seq, width]}.
     */
    float[] training(String name, Batch batch, long step, int micro);

    /** Values of input {@code name} for scoring and evaluation (no randomness). */
    float[] inference(String name, Batch batch);

    /** No extra inputs. */
    static AuxiliaryInputs none() {
      return new AuxiliaryInputs() {
        @Override
        public Map<String, Long> widths() {
          return Map.of();
        }

        @Override
        public float[] training(String name, Batch batch, long step, int micro) {
          throw new IllegalArgumentException("no auxiliary input " + name);
        }

        @Override
        public float[] inference(String name, Batch batch) {
          throw new IllegalArgumentException("no auxiliary input " + name);
        }
      };
    }
  }

  /** A direct float32 buffer and the ONNX Runtime tensor viewing it. */
  private record Buf(FloatBuffer data, OnnxTensor tensor) {}

  /**
   * Outcome of one optimizer step.
   *
   * @param step 1-based step number just completed
   * @param loss mean cross-entropy over the step's target tokens
   * @param gradNorm global L2 norm of the gradient of that mean loss, before clipping
   * @param targetTokens number of target tokens in the step
   * @param tokens number of input tokens (including padding) in the step
   */
  public record StepResult(long step, double loss, double gradNorm, long targetTokens, long tokens) {}

  /**
   * One micro-batch: right-padded token ids and labels, row-major {@code [batchSize, seqLen]}.
   *
   * <p>The loss a step differentiates is {@code -sum_b w_b * sum_t log p(label_bt)} over target tokens;
   * the row weights {@code w} are 1 for supervised fine-tuning. Preference training sets {@code w_b =
   * -dL/d logp_b}, the gradient of a pairwise loss with respect to each sequence log-probability sum,
   * so that the backward pass yields exactly that loss's parameter gradient.
   *
   * @param inputIds token ids
   * @param labels labels with {@code -100} at positions that are not targets (prompt and padding)
   * @param rowWeights per-row loss weights ({@code batchSize} finite values), or {@code null} for all 1
   * @param rowReference for a session with an in-graph pairwise loss: each row's reference-model
   *     log-probability sum ({@code batchSize} finite values), or {@code null} when the loss needs none
   */
  public record Batch(long[] inputIds, long[] labels, int batchSize, int seqLen, float[] rowWeights,
      float[] rowReference) {
    /** A batch with all row weights 1 (plain cross-entropy). */
    public Batch(long[] inputIds, long[] labels, int batchSize, int seqLen) {
      this(inputIds, labels, batchSize, seqLen, null, null);
    }

    /** A batch with row weights and no reference log-probabilities. */
    public Batch(long[] inputIds, long[] labels, int batchSize, int seqLen, float[] rowWeights) {
      this(inputIds, labels, batchSize, seqLen, rowWeights, null);
    }

    /** Validates the sizes. */
    public Batch {
      Check.notNull(inputIds, "inputIds");
      Check.notNull(labels, "labels");
      Check.positive(batchSize, "batchSize");
      Check.positive(seqLen, "seqLen");
      Check.argument(
          inputIds.length == (long) batchSize * seqLen,
          "inputIds length (" + inputIds.length + ") != batchSize * seqLen (" + batchSize * seqLen
              + ")");
      Check.argument(
          labels.length == inputIds.length,
          "labels length (" + labels.length + ") != inputIds length (" + inputIds.length + ")");
      checkRows(rowWeights, batchSize, "rowWeights");
      checkRows(rowReference, batchSize, "rowReference");
    }

    private static void checkRows(float[] values, int batchSize, String name) {
      if (values != null) {
        Check.argument(values.length == batchSize,
            name + " length (" + values.length + ") != batchSize (" + batchSize + ")");
        for (int i = 0; i < values.length; i++) {
          Check.argument(Float.isFinite(values[i]),
              name + "[" + i + "] must be finite, found " + values[i]);
        }
      }
    }

    /** The row weights, all 1 when none were given. */
    float[] weightsOrOnes() {
      if (rowWeights != null) {
        return rowWeights;
      }
      float[] ones = new float[batchSize];
      java.util.Arrays.fill(ones, 1f);
      return ones;
    }
  }

  /**
   * A builder for a session training {@code forward} (see {@link TrainingGraphs#build} for what the
   * forward model must provide).
   */
  public static Builder builder(ExportedModel forward) {
    return new Builder(forward);
  }

  /**
   * Settings of a {@link TrainingSession}; {@link #trainable} is required, everything else has a
   * default. Not thread-safe.
   */
  public static final class Builder {
    private final ExportedModel forward;
    private String inputIds = LlamaTrainingGraph.INPUT_IDS;
    private String logits = LlamaTrainingGraph.LOGITS;
    private List<String> trainable;
    private Set<String> noDecay = Set.of();
    private AdamWConfig optimizer = AdamWConfig.defaults();
    private RuntimeOptions runtime = RuntimeOptions.cpu();
    private AuxiliaryInputs auxiliary = AuxiliaryInputs.none();
    private StandardLoss pairwiseLoss;

    private Builder(ExportedModel forward) {
      this.forward = Check.notNull(forward, "forward");
    }

    /** Name of the token-id input; default {@code input_ids}. */
    public Builder inputIds(String inputIds) {
      this.inputIds = Check.notNull(inputIds, "inputIds");
      return this;
    }

    /** Name of the logits value; default {@code logits}. */
    public Builder logits(String logits) {
      this.logits = Check.notNull(logits, "logits");
      return this;
    }

    /** The float32 initializers to train (they become inputs of the training graphs); required. */
    public Builder trainable(List<String> trainable) {
      this.trainable = List.copyOf(Check.notNull(trainable, "trainable"));
      return this;
    }

    /** Trainable names exempt from weight decay; default none. */
    public Builder noDecay(Set<String> noDecay) {
      this.noDecay = Set.copyOf(Check.notNull(noDecay, "noDecay"));
      return this;
    }

    /** Optimizer settings; default {@link AdamWConfig#defaults()}. */
    public Builder optimizer(AdamWConfig optimizer) {
      this.optimizer = Check.notNull(optimizer, "optimizer");
      return this;
    }

    /**
     * Device and threads; default {@link RuntimeOptions#cpu()}. With a {@link
     * RuntimeOptions#quantization()} the frozen linear weights are quantized and dequantized in the
     * graphs ({@link QuantizedBase}, QLoRA-style): the trainables must then be adapters, never a
     * linear weight.
     */
    public Builder runtime(RuntimeOptions runtime) {
      this.runtime = Check.notNull(runtime, "runtime");
      return this;
    }

    /** Extra inputs of the forward graph (see {@link AuxiliaryInputs}); default none. */
    public Builder auxiliary(AuxiliaryInputs auxiliary) {
      this.auxiliary = Check.notNull(auxiliary, "auxiliary");
      return this;
    }

    /**
     * Trains a pairwise preference loss computed in the graph ({@link PairwiseLossGraph}) instead of
     * the row-weighted log-likelihood; {@code null} (the default) for the latter. Each micro-batch then
     * holds {@code 2P} rows, the chosen responses of its {@code P} pairs followed by the rejected ones
     * (as {@link PreferenceExample#collate} lays them out), with {@link Batch#rowReference()} when the
     * loss needs reference log-probabilities. The differentiated objective is the <em>sum</em> of the
     * per-pair losses; pass {@code 1 / pairs in the step} as the gradient scale to train on their
     * mean ({@link #stepPairs}). One forward and one backward pass per micro-batch, where the
     * row-weighted path needs a scoring pass first.
     */
    public Builder pairwiseLoss(StandardLoss pairwiseLoss) {
      this.pairwiseLoss = pairwiseLoss;
      return this;
    }

    /**
     * Builds the graphs ({@link TrainingGraphs}) and opens the sessions.
     *
     * @throws IllegalArgumentException if a name is unknown or a trainable is not float32
     * @throws ModelLoadException if ONNX Runtime rejects a graph
     */
    public TrainingSession build() {
      ExportedModel base = forward;
      RuntimeOptions sessionOptions = runtime;
      QuantizedBase.Result quantized = null;
      if (runtime.quantization().enabled()) {
        quantized = QuantizedBase.apply(forward, runtime.quantization(),
            Set.copyOf(Check.notNull(trainable, "trainable")));
        base = quantized.model();
        // The graphs now dequantize the codes themselves: the sessions see plain operators, and the
        // codes are read in place (AUTO) rather than folded into float32 session initializers.
        sessionOptions = runtime.toBuilder().quantization(Quantization.NONE).build();
      } else {
        QuantizedBase.requireFloatLinearWeights(forward);
      }
      TrainingGraphs graphs = TrainingGraphs.build(base, new TrainingGraphs.Spec(inputIds, logits,
          trainable, noDecay, optimizer, auxiliary.widths().keySet(),
          java.util.Optional.ofNullable(pairwiseLoss)));
      return new TrainingSession(graphs, sessionOptions, auxiliary, quantized);
    }
  }

  /** Opens the sessions of {@code graphs} and fills the parameter buffers with their initial values. */
  private TrainingSession(TrainingGraphs graphs, RuntimeOptions options, AuxiliaryInputs auxiliary,
      QuantizedBase.Result quantized) {
    this.graphs = graphs;
    this.auxiliary = auxiliary;
    this.pairwise = graphs.spec().pairwiseLoss().orElse(null);
    this.names = graphs.spec().trainable();
    this.shapes = graphs.shapes();
    this.env = OrtEnvironment.getEnvironment();
    // No memory patterns: they cost the LoRA step of a 0.5B model 1.9 GiB of peak memory.
    this.sessions = new ModelSessions(options, false);
    try {
      // On a quantized base the backward pass dequantizes each weight again (one layer's float32
      // weight alive at a time instead of all of them from the forward to the backward pass).
      this.gradSession = sessions.create("grad", quantized == null ? graphs.gradient().model()
          : QuantizedBase.recomputeInBackward(graphs.gradient().model(), quantized));
      this.gradWeights = sessions.weightInputs("grad");
      this.updateSession = sessions.create("update", graphs.update().model().model().toByteArray(),
          Map.of());
      Map<String, float[]> initial = graphs.initialValues();
      params = new Buf[2][names.size()];
      ms = new Buf[2][names.size()];
      vs = new Buf[2][names.size()];
      accs = new Buf[2][names.size()];
      // Per slot and trainable, its parameter, moment and gradient buffers are allocated together.
      for (int slot = 0; slot < 2; slot++) {
        for (int i = 0; i < names.size(); i++) {
          for (Buf[][] b : List.of(params, ms, vs, accs)) {
            b[slot][i] = buffer(initial.get(names.get(i)).length, shapes.get(names.get(i)));
          }
        }
      }
      for (int i = 0; i < names.size(); i++) {
        params[0][i].data().put(0, initial.get(names.get(i)));
      }
      accKeepOne = sessions.own(OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[] {1f}),
          new long[0]));
      accKeepZero = sessions.own(OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[] {0f}),
          new long[0]));
    } catch (OrtException | RuntimeException ex) {
      try {
        sessions.close();
      } catch (RuntimeException suppressed) {
        ex.addSuppressed(suppressed);
      }
      if (ex instanceof OrtException oe) {
        throw new ModelLoadException("could not create training tensors: " + oe.getMessage(), oe);
      }
      throw (RuntimeException) ex;
    }
  }

  /** A direct float32 buffer of {@code n} elements viewed as a tensor of {@code shape}. */
  private Buf buffer(int n, long[] shape) throws OrtException {
    Check.argument(n <= Integer.MAX_VALUE / 4, "tensor too large for one buffer: " + n + " elements");
    FloatBuffer fb = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    return new Buf(fb, sessions.own(OnnxTensor.createTensor(env, fb, shape)));
  }

  /** Names of the trained tensors, in a fixed order. */
  public List<String> trainableNames() {
    return names;
  }

  /** Number of optimizer steps taken so far. */
  public long step() {
    return step;
  }

  /**
   * One optimizer step over the micro-batches (gradients accumulated exactly: the loss is the mean over
   * all their target tokens).
   *
   * @param microBatches one or more batches
   * @param lr learning rate of this step
   * @throws TrainingException if the loss or the gradient norm is not finite (state unchanged)
   */
  public StepResult step(List<Batch> microBatches, double lr) {
    return step(microBatches, lr, Double.NaN);
  }

  /**
   * One optimizer step on the gradient of {@code gradientScale * -sum_b w_b * logp_b} (see {@link
   * Batch}): use it when the row weights already carry the loss's normalization, as in preference
   * training where they are the per-sequence gradients of a mean-over-pairs loss. The returned {@code
   * loss} is the scaled weighted sum.
   *
   * @param microBatches one or more batches
   * @param lr learning rate of this step
   * @param gradientScale factor applied to the summed weighted gradient, finite; {@code NaN} means
   *     {@code 1 / target tokens} (the mean cross-entropy of {@link #step(List, double)})
   * @throws TrainingException if the loss or the gradient norm is not finite (state unchanged)
   */
  public StepResult step(List<Batch> microBatches, double lr, double gradientScale) {
    return update(microBatches, lr, gradientScale).result();
  }

  /**
   * Outcome of a step of a session with an in-graph pairwise loss.
   *
   * @param result the step (its {@code loss} is the scaled sum of the per-pair losses)
   * @param rowLogProbs per micro-batch, each row's target log-probability sum under the parameters
   *     <em>before</em> the update (chosen rows, then rejected rows)
   */
  public record PairStepResult(StepResult result, List<double[]> rowLogProbs) {}

  /**
   * One optimizer step of a session built with a pairwise loss: the gradient of {@code gradientScale
   * * sum over the micro-batches' pairs of the per-pair loss}; pass {@code 1 / pairs} to train on the
   * mean. Also returns the policy's log-probabilities the loss saw, so that callers can log the
   * loss's value, margins and reward accuracy without another forward pass.
   *
   * @throws IllegalStateException if the session has no pairwise loss
   * @throws TrainingException if the loss or the gradient norm is not finite (state unchanged)
   */
  public PairStepResult stepPairs(List<Batch> microBatches, double lr, double gradientScale) {
    if (pairwise == null) {
      throw new IllegalStateException("this session has no pairwise loss; use step(...)");
    }
    Check.finite(gradientScale, "gradientScale");
    return update(microBatches, lr, gradientScale);
  }

  /** The in-graph pairwise loss of this session, if it was built with one. */
  public java.util.Optional<StandardLoss> pairwiseLoss() {
    return java.util.Optional.ofNullable(pairwise);
  }

  private PairStepResult update(List<Batch> microBatches, double lr, double gradientScale) {
    ensureOpen();
    Check.notEmpty(microBatches, "microBatches");
    Check.finite(lr, "lr");
    Check.argument(Double.isNaN(gradientScale) || Double.isFinite(gradientScale),
        "gradientScale must be finite or NaN, found " + gradientScale);
    long next = step + 1;
    int n = names.size();
    try {
      Accumulated acc = accumulate(microBatches);
      double scale = acc.scale(gradientScale);
      double loss = acc.lossSum() * scale;
      if (!Double.isFinite(loss)) {
        throw new TrainingException("step " + next + ": loss is not finite (" + loss + ")");
      }
      float[] scalars = AdamW.scalars(graphs.spec().optimizer(), lr, next, scale);
      int nextSlot = 1 - current;
      Map<String, OnnxTensor> in = new HashMap<>();
      Map<String, OnnxTensor> pinned = new HashMap<>();
      double gradNorm;
      try (OnnxTensor sc = OnnxTensor.createTensor(env, FloatBuffer.wrap(scalars),
          new long[] {AdamW.SCALARS_LENGTH})) {
        in.put(TrainingGraphs.SCALARS, sc);
        for (int i = 0; i < n; i++) {
          String name = names.get(i);
          in.put(TrainingGraphs.parameterInput(name), params[current][i].tensor());
          in.put(TrainingGraphs.gradientInput(name), accs[acc.slot()][i].tensor());
          in.put(TrainingGraphs.firstMomentInput(name), ms[current][i].tensor());
          in.put(TrainingGraphs.secondMomentInput(name), vs[current][i].tensor());
          pinned.put(graphs.update().newParameters().get(i), params[nextSlot][i].tensor());
          pinned.put(graphs.update().newFirstMoments().get(i), ms[nextSlot][i].tensor());
          pinned.put(graphs.update().newSecondMoments().get(i), vs[nextSlot][i].tensor());
        }
        String norm = graphs.update().gradNorm();
        try (OrtSession.Result r = updateSession.run(in, Set.of(norm), pinned)) {
          gradNorm = rows(r, norm, 1)[0];
        }
      }
      if (!Double.isFinite(gradNorm)) {
        throw new TrainingException("step " + next + ": gradient norm is not finite (" + gradNorm + ")");
      }
      current = nextSlot;
      step = next;
      return new PairStepResult(
          new StepResult(next, loss, gradNorm, (long) acc.count(), acc.tokens()), acc.rowLogProbs());
    } catch (OrtException ex) {
      throw new TrainingException("step " + next + ": ONNX Runtime failed: " + ex.getMessage(), ex);
    }
  }

  /**
   * Summed loss, target count, input tokens, the buffer slot holding the summed gradient, and (in
   * pairwise mode) each micro-batch's per-row log-probability sums.
   */
  private record Accumulated(double lossSum, double count, long tokens, int slot,
      List<double[]> rowLogProbs) {
    /** {@code gradientScale}, or {@code 1 / target tokens} (0 without targets) when it is NaN. */
    double scale(double gradientScale) {
      return Double.isNaN(gradientScale) ? (count > 0 ? 1.0 / count : 0.0) : gradientScale;
    }
  }

  private Accumulated accumulate(List<Batch> microBatches) throws OrtException {
    double lossSum = 0;
    double count = 0;
    long tokens = 0;
    int accSlot = 0;
    List<double[]> rowLogProbs = new ArrayList<>();
    String rowSumsOut = graphs.gradient().rowLogProbs().orElse(null);
    Set<String> wanted = rowSumsOut == null
        ? Set.of(graphs.gradient().lossSum(), graphs.gradient().targetCount())
        : Set.of(graphs.gradient().lossSum(), graphs.gradient().targetCount(), rowSumsOut);
    for (int k = 0; k < microBatches.size(); k++) {
      Batch b = microBatches.get(k);
      tokens += b.inputIds().length;
      if (pairwise != null) {
        Check.argument(b.batchSize() % 2 == 0, "microBatches[" + k + "] must hold 2 rows per pair"
            + " (chosen rows, then rejected rows) for the pairwise loss, found " + b.batchSize()
            + " rows");
        Check.argument(pairwise.requiresReference() == (b.rowReference() != null),
            "microBatches[" + k + "]" + (pairwise.requiresReference()
                ? " needs rowReference: loss " + pairwise.loss() + " uses reference log-probabilities"
                : " has rowReference, but loss " + pairwise.loss() + " uses none"));
      }
      List<OnnxTensor> created = new ArrayList<>();
      try {
        Map<String, OnnxTensor> in = feed(b, k, created);
        Map<String, OnnxTensor> pinned = new HashMap<>();
        in.put(TrainingGraphs.ACC_KEEP, k == 0 ? accKeepZero : accKeepOne);
        for (int i = 0; i < names.size(); i++) {
          in.put(TrainingGraphs.accumulatorInput(names.get(i)), accs[accSlot][i].tensor());
          pinned.put(graphs.gradient().accumulated().get(i), accs[1 - accSlot][i].tensor());
        }
        // Per-row values: loss weights, or the pairwise loss's reference log-probabilities.
        float[] rowValues = pairwise == null ? b.weightsOrOnes() : b.rowReference();
        if (rowValues != null) {
          in.put(pairwise == null ? TrainingGraphs.ROW_WEIGHTS : TrainingGraphs.ROW_REFERENCE,
              created(created, OnnxTensor.createTensor(env, FloatBuffer.wrap(rowValues),
                  new long[] {b.batchSize()})));
        }
        in.putAll(gradWeights);
        try (OrtSession.Result r = gradSession.run(in, wanted, pinned)) {
          lossSum += rows(r, graphs.gradient().lossSum(), 1)[0];
          count += rows(r, graphs.gradient().targetCount(), 1)[0];
          if (rowSumsOut != null) {
            rowLogProbs.add(rows(r, rowSumsOut, b.batchSize()));
          }
        }
      } finally {
        created.forEach(OnnxTensor::close);
      }
      accSlot = 1 - accSlot;
    }
    return new Accumulated(lossSum, count, tokens, accSlot, rowLogProbs);
  }

  /**
   * The inputs shared by the gradient and the scoring graph: {@code b}'s token ids and labels, the
   * current parameters, and the auxiliary inputs' values for micro-batch {@code micro} of the next step
   * (their inference values when {@code micro} is negative). Adds the tensors it creates to {@code
   * created}.
   */
  private Map<String, OnnxTensor> feed(Batch b, int micro, List<OnnxTensor> created)
      throws OrtException {
    Map<String, OnnxTensor> in = new HashMap<>();
    long[] shape = {b.batchSize(), b.seqLen()};
    in.put(graphs.spec().inputIds(),
        created(created, OnnxTensor.createTensor(env, LongBuffer.wrap(b.inputIds()), shape)));
    in.put(TrainingGraphs.LABELS,
        created(created, OnnxTensor.createTensor(env, LongBuffer.wrap(b.labels()), shape)));
    for (int i = 0; i < names.size(); i++) {
      in.put(names.get(i), params[current][i].tensor());
    }
    for (Map.Entry<String, Long> a : auxiliary.widths().entrySet()) {
      float[] values = micro < 0
          ? auxiliary.inference(a.getKey(), b) : auxiliary.training(a.getKey(), b, step + 1, micro);
      long size = (long) b.batchSize() * b.seqLen() * a.getValue();
      Check.argument(values != null && values.length == size,
          "auxiliary input values must have batch * seq * width = " + size + " elements, found "
              + (values == null ? "null" : values.length));
      in.put(a.getKey(), created(created, OnnxTensor.createTensor(env, FloatBuffer.wrap(values),
          new long[] {b.batchSize(), b.seqLen(), a.getValue()})));
    }
    return in;
  }

  private static OnnxTensor created(List<OnnxTensor> created, OnnxTensor t) {
    created.add(t);
    return t;
  }

  /** The first {@code n} values of float32 output {@code name}. */
  private static double[] rows(OrtSession.Result r, String name, int n) throws OrtException {
    FloatBuffer fb = ((OnnxTensor) r.get(name).orElseThrow()).getFloatBuffer();
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = fb.get(i);
    }
    return out;
  }

  /**
   * The gradient that {@link #step(List, double, double)} would apply (before clipping), without
   * updating anything: {@code gradientScale} times the gradient of {@code -sum_b w_b * logp_b} summed
   * over the micro-batches; {@code NaN} scales by {@code 1 / target tokens} (mean cross-entropy).
   *
   * @return per trained tensor, its gradient (row-major, the tensor's shape)
   */
  public Map<String, float[]> gradients(List<Batch> microBatches, double gradientScale) {
    ensureOpen();
    Check.notEmpty(microBatches, "microBatches");
    try {
      Accumulated acc = accumulate(microBatches);
      double scale = acc.scale(gradientScale);
      Map<String, float[]> out = new LinkedHashMap<>();
      for (int i = 0; i < names.size(); i++) {
        FloatBuffer fb = accs[acc.slot()][i].data();
        float[] g = new float[fb.capacity()];
        fb.get(0, g);
        for (int j = 0; j < g.length; j++) {
          g[j] = (float) (g[j] * scale);
        }
        out.put(names.get(i), g);
      }
      return out;
    } catch (OrtException ex) {
      throw new TrainingException("gradient computation failed: " + ex.getMessage(), ex);
    }
  }

  /**
   * Mean loss over the target tokens of {@code batches} with the current parameters (no update).
   */
  public double evaluate(List<Batch> batches) {
    ensureOpen();
    Check.notNull(batches, "batches");
    // The scoring graph computes the same masked token log-probabilities without the backward pass.
    double lossSum = 0;
    double count = 0;
    for (Batch b : batches) {
      double[][] s = sequenceLogProbs(b);
      for (int i = 0; i < b.batchSize(); i++) {
        lossSum -= s[0][i];
        count += s[1][i];
      }
    }
    return count > 0 ? lossSum / count : 0;
  }

  /**
   * Per-row target log-probability sums and target counts of {@code batch} under the current
   * parameters (no update, row weights ignored). The first call opens the scoring session (ONNX
   * Runtime then holds one more copy of the frozen weights).
   *
   * @return {@code [0]} the sums (natural log), {@code [1]} the counts, each of length {@code
   *     batchSize}
   * @throws org.consistency4j.ModelLoadException if ONNX Runtime rejects the scoring graph
   */
  public double[][] sequenceLogProbs(Batch batch) {
    ensureOpen();
    Check.notNull(batch, "batch");
    List<OnnxTensor> created = new ArrayList<>();
    try {
      Map<String, OnnxTensor> in = feed(batch, -1, created);
      if (scoreSession == null) {
        scoreSession = sessions.create("score", graphs.score().model());
        scoreWeights = sessions.weightInputs("score");
      }
      in.putAll(scoreWeights);
      try (OrtSession.Result r =
          scoreSession.run(in, Set.of(graphs.score().sum(), graphs.score().count()))) {
        return new double[][] {rows(r, graphs.score().sum(), batch.batchSize()),
            rows(r, graphs.score().count(), batch.batchSize())};
      }
    } catch (OrtException ex) {
      throw new TrainingException("scoring failed: " + ex.getMessage(), ex);
    } finally {
      created.forEach(OnnxTensor::close);
    }
  }

  /** A copy of the current value of trainable {@code name}. */
  public float[] parameter(String name) {
    return copy(params, name);
  }

  /** Shape of trainable {@code name}. */
  public long[] shape(String name) {
    long[] s = shapes.get(name);
    Check.argument(s != null, "name must be a trainable, found " + name);
    return s.clone();
  }

  /**
   * The full optimizer state (parameters and both moments, keys {@code p/NAME}, {@code m/NAME}, {@code
   * v/NAME}), copied.
   */
  public Map<String, float[]> state() {
    ensureOpen();
    Map<String, float[]> out = new LinkedHashMap<>();
    for (String name : names) {
      out.put("p/" + name, copy(params, name));
      out.put("m/" + name, copy(ms, name));
      out.put("v/" + name, copy(vs, name));
    }
    return Collections.unmodifiableMap(out);
  }

  /**
   * Restores a state from {@link #state()} and the step counter.
   *
   * @throws IllegalArgumentException if an entry is missing or has the wrong size
   */
  public void restore(Map<String, float[]> state, long step) {
    ensureOpen();
    Check.argument(step >= 0, "step must be >= 0, found " + step);
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      put(params[current][i], state, "p/" + name);
      put(ms[current][i], state, "m/" + name);
      put(vs[current][i], state, "v/" + name);
    }
    this.step = step;
  }

  private static void put(Buf b, Map<String, float[]> state, String key) {
    float[] v = state.get(key);
    Check.argument(v != null, "state must contain " + key);
    Check.argument(
        v.length == b.data().capacity(),
        key + " size (" + v.length + ") != parameter size (" + b.data().capacity() + ")");
    b.data().put(0, v);
  }

  private float[] copy(Buf[][] bufs, String name) {
    ensureOpen();
    int i = names.indexOf(name);
    Check.argument(i >= 0, "name must be a trainable, found " + name);
    FloatBuffer fb = bufs[current][i].data();
    float[] out = new float[fb.capacity()];
    fb.get(0, out);
    return out;
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("training session is closed");
    }
  }

  /** Releases the sessions and every tensor (idempotent). */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      sessions.close();
    }
  }
}
