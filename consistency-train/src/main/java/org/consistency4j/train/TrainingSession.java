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
  /** Name of the labels input ({@code [batch, seq]} int64, {@code -100} = ignored). */
  public static final String LABELS = TrainingGraphs.LABELS;

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
  private final ExportedModel scoreModel;
  private final TrainingGraphs graphs;
  private final String inputIds;
  private final List<String> names;
  private final Map<String, long[]> shapes = new LinkedHashMap<>();
  private final AdamWConfig config;
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
      if (rowWeights != null) {
        Check.argument(rowWeights.length == batchSize,
            "rowWeights length (" + rowWeights.length + ") != batchSize (" + batchSize + ")");
        for (int i = 0; i < rowWeights.length; i++) {
          Check.argument(Float.isFinite(rowWeights[i]),
              "rowWeights[" + i + "] must be finite, found " + rowWeights[i]);
        }
      }
      if (rowReference != null) {
        Check.argument(rowReference.length == batchSize,
            "rowReference length (" + rowReference.length + ") != batchSize (" + batchSize + ")");
        for (int i = 0; i < rowReference.length; i++) {
          Check.argument(Float.isFinite(rowReference[i]),
              "rowReference[" + i + "] must be finite, found " + rowReference[i]);
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

    /** Device and threads; default {@link RuntimeOptions#cpu()}. */
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
      Check.notNull(trainable, "trainable");
      TrainingGraphs graphs = TrainingGraphs.build(forward, new TrainingGraphs.Spec(inputIds, logits,
          trainable, noDecay, optimizer, auxiliary.widths().keySet(),
          java.util.Optional.ofNullable(pairwiseLoss)));
      return new TrainingSession(graphs, runtime, auxiliary);
    }
  }

  /**
   * Opens the sessions of {@code graphs} and fills the parameter buffers with their initial values.
   *
   * @param auxiliary the values of the graphs' auxiliary inputs (their names must match)
   * @throws ModelLoadException if ONNX Runtime rejects a graph
   * @throws IllegalArgumentException if {@code options} ask for a quantized model (training is float32)
   */
  public TrainingSession(TrainingGraphs graphs, RuntimeOptions options, AuxiliaryInputs auxiliary) {
    this.graphs = Check.notNull(graphs, "graphs");
    Check.notNull(options, "options");
    options.requireUnquantized("a training session");
    this.auxiliary = Check.notNull(auxiliary, "auxiliary");
    Check.argument(auxiliary.widths().keySet().equals(graphs.spec().auxiliaryInputs()),
        "auxiliary inputs " + auxiliary.widths().keySet() + " != the graphs' auxiliary inputs "
            + graphs.spec().auxiliaryInputs());
    this.pairwise = graphs.spec().pairwiseLoss().orElse(null);
    this.config = graphs.spec().optimizer();
    this.inputIds = graphs.spec().inputIds();
    this.names = graphs.spec().trainable();
    this.shapes.putAll(graphs.shapes());
    this.env = OrtEnvironment.getEnvironment();
    ExportedModel gradModel = graphs.gradient();
    ExportedModel scoreModel = graphs.score();
    ExportedModel updateModel = graphs.update();
    Map<String, float[]> initial = graphs.initialValues();
    // No memory patterns: they cost the LoRA step of a 0.5B model 1.9 GiB of peak memory.
    this.sessions = new ModelSessions(options, false);
    try {
      this.gradSession = sessions.create("grad", gradModel);
      this.gradWeights = sessions.weightInputs("grad");
      this.updateSession = sessions.create("update", updateModel.model().toByteArray(), Map.of());
      this.scoreModel = scoreModel;
      int n = names.size();
      params = new Buf[2][n];
      ms = new Buf[2][n];
      vs = new Buf[2][n];
      accs = new Buf[2][n];
      for (int slot = 0; slot < 2; slot++) {
        for (int i = 0; i < n; i++) {
          long[] shape = shapes.get(names.get(i));
          params[slot][i] = buffer(shape);
          ms[slot][i] = buffer(shape);
          vs[slot][i] = buffer(shape);
          accs[slot][i] = buffer(shape);
        }
      }
      for (int i = 0; i < n; i++) {
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

  private Buf buffer(long[] shape) throws OrtException {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    Check.argument(n <= Integer.MAX_VALUE / 4, "tensor too large for one buffer: " + n + " elements");
    FloatBuffer fb = ByteBuffer.allocateDirect((int) n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
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
    return stepWithRows(microBatches, lr, gradientScale).result();
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
    Stepped s = stepWithRows(microBatches, lr, gradientScale);
    return new PairStepResult(s.result(), s.rowLogProbs());
  }

  /** The in-graph pairwise loss of this session, if it was built with one. */
  public java.util.Optional<StandardLoss> pairwiseLoss() {
    return java.util.Optional.ofNullable(pairwise);
  }

  private record Stepped(StepResult result, List<double[]> rowLogProbs) {}

  private Stepped stepWithRows(List<Batch> microBatches, double lr, double gradientScale) {
    ensureOpen();
    Check.notEmpty(microBatches, "microBatches");
    Check.finite(lr, "lr");
    Check.argument(Double.isNaN(gradientScale) || Double.isFinite(gradientScale),
        "gradientScale must be finite or NaN, found " + gradientScale);
    long next = step + 1;
    int n = names.size();
    try {
      Accumulated acc = accumulate(microBatches);
      double lossSum = acc.lossSum();
      double count = acc.count();
      long tokens = acc.tokens();
      int accSlot = acc.slot();
      double scale = Double.isNaN(gradientScale) ? (count > 0 ? 1.0 / count : 0.0) : gradientScale;
      double loss = lossSum * scale;
      if (!Double.isFinite(loss)) {
        throw new TrainingException("step " + next + ": loss is not finite (" + loss + ")");
      }
      float[] scalars = AdamW.scalars(config, lr, next, scale);
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
          in.put(TrainingGraphs.gradientInput(name), accs[accSlot][i].tensor());
          in.put(TrainingGraphs.firstMomentInput(name), ms[current][i].tensor());
          in.put(TrainingGraphs.secondMomentInput(name), vs[current][i].tensor());
          pinned.put(graphs.newParameters().get(i), params[nextSlot][i].tensor());
          pinned.put(graphs.newFirstMoments().get(i), ms[nextSlot][i].tensor());
          pinned.put(graphs.newSecondMoments().get(i), vs[nextSlot][i].tensor());
        }
        try (OrtSession.Result r = updateSession.run(in, Set.of(graphs.gradNorm()), pinned)) {
          gradNorm = scalar(r, graphs.gradNorm());
        }
      }
      if (!Double.isFinite(gradNorm)) {
        throw new TrainingException("step " + next + ": gradient norm is not finite (" + gradNorm + ")");
      }
      current = nextSlot;
      step = next;
      return new Stepped(new StepResult(next, loss, gradNorm, (long) count, tokens),
          acc.rowLogProbs());
    } catch (OrtException ex) {
      throw new TrainingException("step " + next + ": ONNX Runtime failed: " + ex.getMessage(), ex);
    }
  }

  /**
   * Summed loss, target count, input tokens, the buffer slot holding the summed gradient, and (in
   * pairwise mode) each micro-batch's per-row log-probability sums.
   */
  private record Accumulated(double lossSum, double count, long tokens, int slot,
      List<double[]> rowLogProbs) {}

  private Accumulated accumulate(List<Batch> microBatches) throws OrtException {
    double lossSum = 0;
    double count = 0;
    long tokens = 0;
    int n = names.size();
    int accSlot = 0;
    List<double[]> rowLogProbs = new ArrayList<>();
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
      Map<String, OnnxTensor> in = new HashMap<>();
      Map<String, OnnxTensor> pinned = new HashMap<>();
      try (OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(b.inputIds()),
              new long[] {b.batchSize(), b.seqLen()});
          OnnxTensor labels = OnnxTensor.createTensor(env, LongBuffer.wrap(b.labels()),
              new long[] {b.batchSize(), b.seqLen()})) {
        in.put(inputIds, ids);
        in.put(LABELS, labels);
        in.put(TrainingGraphs.ACC_KEEP, k == 0 ? accKeepZero : accKeepOne);
        for (int i = 0; i < n; i++) {
          in.put(names.get(i), params[current][i].tensor());
          in.put(TrainingGraphs.accumulatorInput(names.get(i)), accs[accSlot][i].tensor());
          pinned.put(graphs.accumulated().get(i), accs[1 - accSlot][i].tensor());
        }
        List<OnnxTensor> extra = new ArrayList<>();
        try {
          // Per-row values: loss weights, or the pairwise loss's reference log-probabilities.
          float[] rowValues = pairwise == null ? b.weightsOrOnes() : b.rowReference();
          if (rowValues != null) {
            OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(rowValues),
                new long[] {b.batchSize()});
            extra.add(t);
            in.put(pairwise == null ? TrainingGraphs.ROW_WEIGHTS : TrainingGraphs.ROW_REFERENCE, t);
          }
          for (Map.Entry<String, Long> a : auxiliary.widths().entrySet()) {
            OnnxTensor t = auxTensor(b, a.getValue(), auxiliary.training(a.getKey(), b, step + 1, k));
            extra.add(t);
            in.put(a.getKey(), t);
          }
          String rowSumsOut = graphs.rowLogProbs().orElse(null);
          Set<String> wanted = rowSumsOut == null
              ? Set.of(graphs.lossSum(), graphs.targetCount())
              : Set.of(graphs.lossSum(), graphs.targetCount(), rowSumsOut);
          in.putAll(gradWeights);
          try (OrtSession.Result r = gradSession.run(in, wanted, pinned)) {
            lossSum += scalar(r, graphs.lossSum());
            count += scalar(r, graphs.targetCount());
            if (rowSumsOut != null) {
              FloatBuffer fb = ((OnnxTensor) r.get(rowSumsOut).orElseThrow()).getFloatBuffer();
              double[] rows = new double[b.batchSize()];
              for (int i = 0; i < rows.length; i++) {
                rows[i] = fb.get(i);
              }
              rowLogProbs.add(rows);
            }
          }
        } finally {
          extra.forEach(OnnxTensor::close);
        }
      }
      accSlot = 1 - accSlot;
    }
    return new Accumulated(lossSum, count, tokens, accSlot, rowLogProbs);
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
      double scale = Double.isNaN(gradientScale)
          ? (acc.count() > 0 ? 1.0 / acc.count() : 0.0) : gradientScale;
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

  private static double scalar(OrtSession.Result r, String name) throws OrtException {
    OnnxTensor t = (OnnxTensor) r.get(name).orElseThrow();
    return t.getFloatBuffer().get(0);
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
    Map<String, OnnxTensor> in = new HashMap<>();
    try (OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(batch.inputIds()),
            new long[] {batch.batchSize(), batch.seqLen()});
        OnnxTensor labels = OnnxTensor.createTensor(env, LongBuffer.wrap(batch.labels()),
            new long[] {batch.batchSize(), batch.seqLen()})) {
      in.put(inputIds, ids);
      in.put(LABELS, labels);
      for (int i = 0; i < names.size(); i++) {
        in.put(names.get(i), params[current][i].tensor());
      }
      List<OnnxTensor> extra = new ArrayList<>();
      for (Map.Entry<String, Long> a : auxiliary.widths().entrySet()) {
        OnnxTensor t = auxTensor(batch, a.getValue(), auxiliary.inference(a.getKey(), batch));
        extra.add(t);
        in.put(a.getKey(), t);
      }
      if (scoreSession == null) {
        scoreSession = sessions.create("score", scoreModel);
        scoreWeights = sessions.weightInputs("score");
      }
      in.putAll(scoreWeights);
      try (OrtSession.Result r =
          scoreSession.run(in, Set.of(graphs.scoreSum(), graphs.scoreCount()))) {
        FloatBuffer s = ((OnnxTensor) r.get(graphs.scoreSum()).orElseThrow()).getFloatBuffer();
        FloatBuffer c = ((OnnxTensor) r.get(graphs.scoreCount()).orElseThrow()).getFloatBuffer();
        double[][] out = new double[2][batch.batchSize()];
        for (int i = 0; i < batch.batchSize(); i++) {
          out[0][i] = s.get(i);
          out[1][i] = c.get(i);
        }
        return out;
      } finally {
        extra.forEach(OnnxTensor::close);
      }
    } catch (OrtException ex) {
      throw new TrainingException("scoring failed: " + ex.getMessage(), ex);
    }
  }

  private OnnxTensor auxTensor(Batch b, long width, float[] values) throws OrtException {
    long size = (long) b.batchSize() * b.seqLen() * width;
    Check.argument(values != null && values.length == size,
        "auxiliary input values must have batch * seq * width = " + size + " elements, found "
            + (values == null ? "null" : values.length));
    return OnnxTensor.createTensor(env, FloatBuffer.wrap(values),
        new long[] {b.batchSize(), b.seqLen(), width});
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
