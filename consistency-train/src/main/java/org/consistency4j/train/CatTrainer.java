package org.consistency4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntToDoubleFunction;
import java.util.stream.IntStream;
import org.consistency4j.InvalidInputException;
import org.consistency4j.internal.AtomicFiles;
import org.consistency4j.internal.Check;
import org.consistency4j.loss.LossValue;
import org.consistency4j.loss.Losses;
import org.consistency4j.loss.PairLogProbs;
import org.consistency4j.loss.PairwiseLoss;
import org.consistency4j.loss.PreferenceBatch;
import org.consistency4j.loss.StandardLoss;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consistency alignment training (stage 2 of arXiv 2403.14221): trains a {@link TrainingSession} on
 * preference pairs with a pairwise loss from {@link Losses} (the paper's ranking loss plus lambda times
 * SFT, DPO, IPO, SimPO, ORPO or hinge).
 *
 * <p>How a step works depends on the session. A session built with the configured loss ({@link
 * TrainingSession.Builder#pairwiseLoss}, as {@link FineTuning#cat} does)
 * computes the loss inside its gradient graph ({@link PairwiseLossGraph}): one forward and one backward
 * pass per micro-batch. Any other session is trained through the chain rule: it scores every chosen
 * and rejected sequence first (one forward pass), the pure-Java loss computes its exact gradient with
 * respect to each sequence log-probability, and those gradients become the row weights of the
 * session's weighted log-likelihood graph, whose backward pass yields the same parameter gradient.
 * Both paths give the same updates up to float rounding (tested), and the value logged is always the
 * one the pure-Java loss computes on the log-probabilities the step saw.
 *
 * <p>Reference log-probabilities (DPO, IPO, hinge with reference) are computed once, before the first
 * step, with the session's initial (stage-1) parameters, and cached in {@value #REFERENCE_FILE} of the
 * output directory so that a resumed run uses the same ones; the cache is keyed by the SHA-256 of the
 * tokenized pairs and the reference model's identity (run fields {@code model} and {@code adapter}) and
 * is computed again, never reused, when the key differs. Checkpoints, the comparison of a resumed run
 * with its checkpoint, and metrics follow {@link SftTrainer}: a resumed run ends bit-identical to an
 * uninterrupted one. Each metrics line holds {@code
 * step, loss, reward_accuracy} (share of the step's pairs with p(chosen) > p(rejected) under the policy,
 * before the update: see {@link PairwiseLoss#rewardAccuracy}), {@code margin_accuracy} (share with a
 * positive loss margin), {@code margin} (mean), {@code lr, grad_norm, tokens_per_s}, the loss's
 * named terms and, on validation steps, {@code val_loss, val_reward_accuracy, val_margin}. Not
 * thread-safe.
 */
public final class CatTrainer {
  /** File name of the checkpoint inside the output directory. */
  public static final String CHECKPOINT_FILE = TrainingLoop.CHECKPOINT_FILE;
  /** File name of the per-step metrics (JSONL) inside the output directory. */
  public static final String METRICS_FILE = TrainingLoop.METRICS_FILE;
  /** File name of the cached reference log-probabilities inside the output directory. */
  public static final String REFERENCE_FILE = "reference_logps.json";
  /** File name of the cached reference log-probabilities of the validation pairs. */
  public static final String VALIDATION_REFERENCE_FILE = "reference_logps_validation.json";
  /** Format tag written into checkpoints. */
  public static final String FORMAT = "consistency4j-cat-checkpoint-1";

  private static final Logger LOG = LoggerFactory.getLogger(CatTrainer.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final CatConfig config;
  private final StandardLoss loss;
  private final TrainingLoop loop;

  /** A trainer for {@code config}. */
  public CatTrainer(CatConfig config) {
    this(Check.notNull(config, "config"),
        new TrainingLoop(FORMAT, config.training(), config.toMap()));
  }

  private CatTrainer(CatConfig config, TrainingLoop loop) {
    this.config = config;
    this.loss = config.loss();
    this.loop = loop;
  }

  /**
   * A trainer that also records {@code fields} in its checkpoints, as {@link
   * SftTrainer#withRunFields}; the pairs are fingerprinted as {@code train_data}. The fields {@code
   * model} and {@code adapter}, when given, identify the reference model and are part of the key of
   * the reference log-probability cache.
   */
  public CatTrainer withRunFields(Map<String, String> fields) {
    return new CatTrainer(config, loop.withRunFields(fields));
  }

  /** As {@link SftTrainer#allowConfigChange}. */
  public CatTrainer allowConfigChange(boolean allow) {
    return new CatTrainer(config, loop.allowingConfigChange(allow));
  }

  /** The settings. */
  public CatConfig config() {
    return config;
  }

  /** The pairwise loss trained. */
  public StandardLoss loss() {
    return loss;
  }

  /**
   * Outcome of a run.
   *
   * @param steps optimizer steps done
   * @param lastLoss loss of the last step
   * @param checkpoint the final checkpoint
   * @param validation loss, reward accuracy and margin on the validation pairs after the last step,
   *     if validation pairs were given
   */
  public record Result(long steps, double lastLoss, Path checkpoint,
      Optional<Evaluation> validation) {}

  /**
   * The loss over a set of pairs with fixed parameters.
   *
   * @param loss the mean loss over the pairs
   * @param rewardAccuracy share of pairs with p(chosen) > p(rejected) under the policy ({@link
   *     PairwiseLoss#rewardAccuracy}: per-token means for length-normalized losses, sums otherwise)
   * @param marginAccuracy share of pairs with a positive loss margin (for DPO the implicit reward
   *     difference, for SimPO net of gamma)
   * @param meanMargin mean per-pair margin
   * @param pairs number of pairs
   */
  public record Evaluation(double loss, double rewardAccuracy, double marginAccuracy,
      double meanMargin, int pairs) {}

  /**
   * Reference log-probability sums, one per pair.
   *
   * @param chosen of the chosen responses
   * @param rejected of the rejected responses
   */
  public record ReferenceLogProbs(double[] chosen, double[] rejected) {
    /** Validates the lengths. */
    public ReferenceLogProbs {
      Check.notNull(chosen, "chosen");
      Check.notNull(rejected, "rejected");
      Check.sameSize(chosen.length, "chosen", rejected.length, "rejected");
      chosen = chosen.clone();
      rejected = rejected.clone();
    }
  }

  /** Optimizer steps of a run over {@code pairs} pairs. */
  public long totalSteps(int pairs) {
    return TrainingLoop.totalSteps(config.training(), pairs);
  }

  /**
   * Scores the pairs' chosen and rejected sequences with the session's current parameters, in
   * micro-batches of the configured size.
   */
  public ReferenceLogProbs logProbs(TrainingSession session, List<PreferenceExample> pairs, int padId) {
    Check.notNull(session, "session");
    Check.notEmpty(pairs, "pairs");
    double[] c = new double[pairs.size()];
    double[] r = new double[pairs.size()];
    int bs = config.training().batchSize();
    for (int i = 0; i < pairs.size(); i += bs) {
      List<PreferenceExample> chunk = pairs.subList(i, Math.min(pairs.size(), i + bs));
      double[][] s = session.sequenceLogProbs(PreferenceExample.collate(chunk, padId));
      for (int k = 0; k < chunk.size(); k++) {
        c[i + k] = s[0][k];
        r[i + k] = s[0][chunk.size() + k];
      }
    }
    return new ReferenceLogProbs(c, r);
  }

  /**
   * The loss, reward accuracy and margin over {@code pairs} with the session's current parameters (no
   * update).
   *
   * @param reference reference log-probabilities of the same pairs, required when the loss needs them
   *     (otherwise may be {@code null})
   */
  public Evaluation evaluate(
      TrainingSession session, List<PreferenceExample> pairs, int padId, ReferenceLogProbs reference) {
    ReferenceLogProbs policy = logProbs(session, pairs, padId);
    int[] all = IntStream.range(0, pairs.size()).toArray();
    PreferenceBatch b = batch(pairs, all, policy.chosen(), policy.rejected(), reference);
    LossValue v = loss.compute(b);
    return new Evaluation(v.value(), loss.rewardAccuracy(b), marginAccuracy(v), v.meanMargin(),
        pairs.size());
  }

  /**
   * Trains.
   *
   * @param session the session holding the trained tensors, at its initial (stage-1) parameters unless
   *     resuming (not closed here)
   * @param pairs training pairs (non-empty)
   * @param padId token id used for padding
   * @param outDir directory for checkpoint, metrics and reference cache (created if needed)
   * @param resume continue from {@code outDir}'s checkpoint if there is one
   * @param listener progress callbacks
   * @throws org.consistency4j.TrainingException if a step fails; the message names the step
   */
  public Result train(
      TrainingSession session,
      List<PreferenceExample> pairs,
      int padId,
      Path outDir,
      boolean resume,
      TrainingListener listener) {
    return train(session, pairs, List.of(), padId, outDir, resume, listener);
  }

  /**
   * Trains and validates: as {@link #train(TrainingSession, List, int, Path, boolean,
   * TrainingListener)}, plus, every {@link SftConfig#validateEvery()} steps and after the last step,
   * the loss, reward accuracy and margin on {@code validation} (logged as {@code val_loss,
   * val_reward_accuracy, val_margin} in the metrics line of that step and reported to the listener).
   * Reference log-probabilities of the validation pairs are computed with the initial parameters and
   * cached in {@value #VALIDATION_REFERENCE_FILE}.
   *
   * @param validation held-out pairs, may be empty
   */
  public Result train(
      TrainingSession session,
      List<PreferenceExample> pairs,
      List<PreferenceExample> validation,
      int padId,
      Path outDir,
      boolean resume,
      TrainingListener listener) {
    Check.notNull(session, "session");
    Check.notEmpty(pairs, "pairs");
    Check.notNull(validation, "validation");
    Check.notNull(outDir, "outDir");
    // The loss is computed inside the gradient graph when the session was built with it
    // (one forward pass per micro-batch); otherwise scored first and fed back as row weights.
    boolean inGraph = session.pairwiseLoss().filter(config.loss()::equals).isPresent();
    Evaluation[] lastValidation = new Evaluation[1];
    TrainingLoop.Task task = new TrainingLoop.Task(
        pairs.stream().mapToInt(PreferenceExample::length).toArray(), RunFingerprints.pairs(pairs),
        !validation.isEmpty()) {
      private ReferenceLogProbs reference;
      private ReferenceLogProbs valReference;

      @Override
      void beforeRestore(boolean resuming) throws IOException {
        if (loss.requiresReference()) {
          reference = reference(session, pairs, padId, outDir.resolve(REFERENCE_FILE), resuming);
          if (!validation.isEmpty()) {
            valReference = reference(session, validation, padId,
                outDir.resolve(VALIDATION_REFERENCE_FILE), resuming);
          }
        }
      }

      @Override
      TrainingLoop.Step step(List<int[]> microIdx, double lr) {
        return CatTrainer.this.step(session, pairs, microIdx, padId, lr, inGraph, reference);
      }

      @Override
      Map<String, Double> validate() {
        Evaluation v = evaluate(session, validation, padId, valReference);
        lastValidation[0] = v;
        Map<String, Double> fields = new LinkedHashMap<>();
        fields.put("val_loss", v.loss());
        fields.put("val_reward_accuracy", v.rewardAccuracy());
        fields.put("val_margin", v.meanMargin());
        return fields;
      }
    };
    TrainingLoop.Outcome r = loop.run(session, task, outDir, resume, listener);
    return new Result(r.steps(), r.lastLoss(), r.checkpoint(), Optional.ofNullable(lastValidation[0]));
  }

  /**
   * One optimizer step over pairs: the loss in the session's graph, or scored first and fed back
   * as row weights; the metrics are those of the pure-Java loss on the log-probabilities the step saw.
   */
  private TrainingLoop.Step step(TrainingSession session, List<PreferenceExample> pairs,
      List<int[]> microIdx, int padId, double lr, boolean inGraph, ReferenceLogProbs reference) {
    int stepPairs = 0;
    for (int[] idx : microIdx) {
      stepPairs += idx.length;
    }
    // The loss of every micro-batch on the policy's log-probabilities before the update.
    List<PreferenceBatch> seen = new ArrayList<>();
    List<LossValue> values = new ArrayList<>();
    List<TrainingSession.Batch> micro = new ArrayList<>();
    TrainingSession.StepResult r;
    if (inGraph) {
      for (int[] idx : microIdx) {
        TrainingSession.Batch rows = PreferenceExample.collate(
            Arrays.stream(idx).mapToObj(pairs::get).toList(), padId);
        float[] ref = reference == null ? null : rowValues(idx.length,
            k -> reference.chosen()[idx[k]], k -> reference.rejected()[idx[k]]);
        micro.add(new TrainingSession.Batch(rows.inputIds(), rows.labels(), rows.batchSize(),
            rows.seqLen(), null, ref));
      }
      TrainingSession.PairStepResult res = session.stepPairs(micro, lr, 1.0 / stepPairs);
      r = res.result();
      for (int m = 0; m < microIdx.size(); m++) {
        int n = microIdx.get(m).length;
        double[] rows = res.rowLogProbs().get(m);
        PreferenceBatch b = batch(pairs, microIdx.get(m), Arrays.copyOfRange(rows, 0, n),
            Arrays.copyOfRange(rows, n, 2 * n), reference);
        seen.add(b);
        values.add(loss.compute(b));
      }
    } else {
      for (int[] idx : microIdx) {
        TrainingSession.Batch rows = PreferenceExample.collate(
            Arrays.stream(idx).mapToObj(pairs::get).toList(), padId);
        double[][] sc = session.sequenceLogProbs(rows);
        int n = idx.length;
        PreferenceBatch b = batch(pairs, idx, Arrays.copyOfRange(sc[0], 0, n),
            Arrays.copyOfRange(sc[0], n, 2 * n), reference);
        LossValue v = loss.compute(b);
        seen.add(b);
        values.add(v);
        // Row weights -dL/dlogp, scaled by the micro-batch's share of the step's pairs.
        double share = (double) n / stepPairs;
        float[] w = rowValues(n, k -> -share * v.chosenGradients().get(k),
            k -> -share * v.rejectedGradients().get(k));
        micro.add(new TrainingSession.Batch(rows.inputIds(), rows.labels(), rows.batchSize(),
            rows.seqLen(), w));
      }
      r = session.step(micro, lr, 1.0);
    }
    double lossValue = 0;
    double margin = 0;
    int correct = 0;
    int marginCorrect = 0;
    Map<String, Double> terms = new LinkedHashMap<>();
    for (int m = 0; m < values.size(); m++) {
      LossValue v = values.get(m);
      int size = v.size();
      double share = (double) size / stepPairs;
      lossValue += share * v.value();
      margin += share * v.meanMargin();
      correct += (int) Math.round(loss.rewardAccuracy(seen.get(m)) * size);
      marginCorrect += (int) Math.round(marginAccuracy(v) * size);
      for (Map.Entry<String, Double> e : v.terms().entrySet()) {
        terms.merge(e.getKey(), share * e.getValue(), Double::sum);
      }
    }
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("reward_accuracy", (double) correct / stepPairs);
    metrics.put("margin_accuracy", (double) marginCorrect / stepPairs);
    metrics.put("margin", margin);
    return new TrainingLoop.Step(lossValue, r, metrics, terms);
  }

  /**
   * The reference log-probabilities of {@code examples}: read from {@code file} when resuming and the
   * file's key matches, otherwise scored with the session's initial parameters and cached there. The key
   * is the SHA-256 of the tokenized pairs and the reference model's identity (the run fields {@code
   * model} and {@code adapter}), so a cache is never reused for other pairs of the same count or
   * another model.
   */
  private ReferenceLogProbs reference(TrainingSession session, List<PreferenceExample> examples,
      int padId, Path file, boolean resuming) throws IOException {
    Map<String, String> run = loop.runFields();
    String key = RunFingerprints.sha256(RunFingerprints.pairs(examples),
        "model " + run.getOrDefault("model", "(unnamed)"),
        "adapter " + run.getOrDefault("adapter", "(none)"));
    if (resuming) {
      Optional<ReferenceLogProbs> cached = readReference(file, examples.size(), key);
      if (cached.isPresent()) {
        return cached.get();
      }
      LOG.warn("{} was computed for other pairs or another reference model; computing it again",
          file);
    }
    Check.argument(session.step() == 0,
        "reference log-probabilities need the initial parameters, but the session is at step "
            + session.step());
    ReferenceLogProbs r = logProbs(session, examples, padId);
    writeReference(file, r, key);
    return r;
  }

  /**
   * Per-row values of a micro-batch in {@link PreferenceExample#collate}'s layout: the {@code n}
   * chosen rows first, then the {@code n} rejected ones.
   */
  private static float[] rowValues(int n, IntToDoubleFunction chosen,
      IntToDoubleFunction rejected) {
    float[] out = new float[2 * n];
    for (int k = 0; k < n; k++) {
      out[k] = (float) chosen.applyAsDouble(k);
      out[n + k] = (float) rejected.applyAsDouble(k);
    }
    return out;
  }

  /** Share of pairs with a positive loss margin. */
  private static double marginAccuracy(LossValue v) {
    int n = 0;
    for (double m : v.pairMargins()) {
      if (m > 0) {
        n++;
      }
    }
    return (double) n / v.size();
  }

  private static PreferenceBatch batch(List<PreferenceExample> pairs, int[] idx, double[] pc,
      double[] pr, ReferenceLogProbs reference) {
    List<PairLogProbs> out = new ArrayList<>(idx.length);
    for (int k = 0; k < idx.length; k++) {
      PreferenceExample p = pairs.get(idx[k]);
      int ct = p.chosen().targetCount();
      int rt = p.rejected().targetCount();
      // float32 sums of log-softmax values are <= 0; clamp rounding noise of an exactly-zero sum.
      double c = Math.min(0, pc[k]);
      double r = Math.min(0, pr[k]);
      if (reference == null) {
        out.add(PairLogProbs.of(c, r, ct, rt));
      } else {
        int i = idx[k];
        out.add(PairLogProbs.withReference(c, r, ct, rt,
            Math.min(0, reference.chosen()[i]), Math.min(0, reference.rejected()[i])));
      }
    }
    return new PreferenceBatch(out);
  }

  private static void writeReference(Path file, ReferenceLogProbs ref, String key)
      throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("key", key);
    root.put("pairs", ref.chosen().length);
    ArrayNode c = root.putArray("chosen");
    ArrayNode r = root.putArray("rejected");
    for (int i = 0; i < ref.chosen().length; i++) {
      c.add(ref.chosen()[i]);
      r.add(ref.rejected()[i]);
    }
    AtomicFiles.writeString(file, JSON.writeValueAsString(root));
  }

  /** The cached values in {@code file} if its key is {@code key}; empty if it has another key. */
  private static Optional<ReferenceLogProbs> readReference(Path file, int pairs, String key)
      throws IOException {
    Check.input(Files.isRegularFile(file), file.toString(), 0,
        "missing: a resumed run needs the reference log-probabilities of its first run");
    Check.argument(Files.size(file) <= 64L * 1024 * 1024, file + ": larger than 64 MiB");
    JsonNode root = JSON.readTree(file.toFile());
    if (!key.equals(root.path("key").asText())) {
      return java.util.Optional.empty();
    }
    JsonNode c = root.path("chosen");
    JsonNode r = root.path("rejected");
    if (root.path("pairs").asInt(-1) != pairs || !c.isArray() || !r.isArray() || c.size() != pairs
        || r.size() != pairs) {
      throw new InvalidInputException(file.toString(), 0,
          "field \"pairs\" must be " + pairs + " with arrays chosen/rejected of that length, found "
              + root.path("pairs"));
    }
    double[] cv = new double[pairs];
    double[] rv = new double[pairs];
    for (int i = 0; i < pairs; i++) {
      cv[i] = c.get(i).asDouble();
      rv[i] = r.get(i).asDouble();
    }
    return java.util.Optional.of(new ReferenceLogProbs(cv, rv));
  }
}
