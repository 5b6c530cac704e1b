package org.consistency4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.consistency4j.InvalidInputException;
import org.consistency4j.internal.AtomicFiles;
import org.consistency4j.internal.Check;
import org.consistency4j.loss.LossValue;
import org.consistency4j.loss.Losses;
import org.consistency4j.loss.PairLogProbs;
import org.consistency4j.loss.PairwiseLoss;
import org.consistency4j.loss.PreferenceBatch;
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
  public static final String CHECKPOINT_FILE = "checkpoint.safetensors";
  /** File name of the per-step metrics (JSONL) inside the output directory. */
  public static final String METRICS_FILE = "metrics.jsonl";
  /** File name of the cached reference log-probabilities inside the output directory. */
  public static final String REFERENCE_FILE = "reference_logps.json";
  /** File name of the cached reference log-probabilities of the validation pairs. */
  public static final String VALIDATION_REFERENCE_FILE = "reference_logps_validation.json";
  /** Format tag written into checkpoints. */
  public static final String FORMAT = "consistency4j-cat-checkpoint-1";

  private static final Logger LOG = LoggerFactory.getLogger(CatTrainer.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final CatConfig config;
  private final PairwiseLoss loss;
  private final Map<String, String> run;
  private final boolean allowConfigChange;

  /** A trainer for {@code config}. */
  public CatTrainer(CatConfig config) {
    this(config, Map.of(), false);
  }

  private CatTrainer(CatConfig config, Map<String, String> run, boolean allowConfigChange) {
    this.config = Check.notNull(config, "config");
    this.loss = Losses.create(config.loss());
    this.run = Map.copyOf(Check.notNull(run, "run"));
    this.allowConfigChange = allowConfigChange;
  }

  /**
   * A trainer that also records {@code fields} in its checkpoints, as {@link
   * SftTrainer#withRunFields}; the pairs are fingerprinted as {@code train_data}. The fields {@code
   * model} and {@code adapter}, when given, identify the reference model and are part of the key of
   * the reference log-probability cache.
   */
  public CatTrainer withRunFields(Map<String, String> fields) {
    return new CatTrainer(config, fields, allowConfigChange);
  }

  /** As {@link SftTrainer#allowConfigChange}. */
  public CatTrainer allowConfigChange(boolean allow) {
    return new CatTrainer(config, run, allow);
  }

  /** The settings. */
  public CatConfig config() {
    return config;
  }

  /** The pairwise loss trained. */
  public PairwiseLoss loss() {
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
      java.util.Optional<Evaluation> validation) {}

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
    SftConfig t = config.training();
    if (t.maxSteps() > 0) {
      return t.maxSteps();
    }
    long batches = (pairs + t.batchSize() - 1) / t.batchSize();
    long micro = t.epochs() * batches;
    return (micro + t.gradientAccumulation() - 1) / t.gradientAccumulation();
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
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < pairs.size(); i++) {
      all.add(i);
    }
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
    Check.notNull(listener, "listener");
    SftConfig t = config.training();
    try {
      Files.createDirectories(outDir);
      AtomicFiles.cleanLeftovers(outDir);
      Path checkpoint = outDir.resolve(CHECKPOINT_FILE);
      Path metrics = outDir.resolve(METRICS_FILE);
      Path refFile = outDir.resolve(REFERENCE_FILE);
      boolean resuming = resume && Files.exists(checkpoint);
      Map<String, String> identity = new java.util.LinkedHashMap<>(run);
      identity.put("train_data", RunFingerprints.pairs(pairs));
      if (resuming) {
        Checkpoints.checkResume(checkpoint, FORMAT, t.seed(), config.toMap(), identity,
            allowConfigChange);
      }
      ReferenceLogProbs reference = loss.requiresReference()
          ? reference(session, pairs, padId, refFile, resuming) : null;
      ReferenceLogProbs valReference = loss.requiresReference() && !validation.isEmpty()
          ? reference(session, validation, padId, outDir.resolve(VALIDATION_REFERENCE_FILE),
              resuming)
          : null;
      java.util.Optional<Evaluation> valEval = java.util.Optional.empty();
      long lastValidated = -1;
      if (resuming) {
        long step = Checkpoints.load(session, checkpoint, FORMAT, t.seed());
        Checkpoints.keepMetricsUpTo(metrics, step);
        LOG.info("resumed from {} at step {}", checkpoint, step);
      } else {
        Files.deleteIfExists(metrics);
      }
      int[] lengths = pairs.stream().mapToInt(PreferenceExample::length).toArray();
      long totalSteps = totalSteps(pairs.size());
      var schedule = t.learningRateSchedule(totalSteps);
      int perEpoch = (lengths.length + t.batchSize() - 1) / t.batchSize();
      int cachedEpoch = -1;
      List<int[]> epochBatches = List.of();
      double lastLoss = Double.NaN;
      long lastSaved = session.step();
      // The loss is computed inside the gradient graph when the session was built with it
      // (one forward pass per micro-batch); otherwise scored first and fed back as row weights.
      boolean inGraph = session.pairwiseLoss().filter(config.loss()::equals).isPresent();
      try (BufferedWriter out = Files.newBufferedWriter(metrics, StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
        while (session.step() < totalSteps) {
          long step = session.step() + 1;
          List<List<Integer>> microIdx = new ArrayList<>();
          int stepPairs = 0;
          for (int k = 0; k < t.gradientAccumulation(); k++) {
            long g = (step - 1) * t.gradientAccumulation() + k;
            int epoch = (int) (g / perEpoch);
            if (epoch != cachedEpoch) {
              epochBatches = Batching.epoch(lengths, t.batchSize(), t.bucketWindow(), t.seed(), epoch);
              cachedEpoch = epoch;
            }
            List<Integer> idx = new ArrayList<>();
            for (int i : epochBatches.get((int) (g % perEpoch))) {
              idx.add(i);
            }
            microIdx.add(idx);
            stepPairs += idx.size();
          }
          long t0 = System.nanoTime();
          double lr = schedule.at(step);
          // The loss of every micro-batch on the policy's log-probabilities before the update.
          List<PreferenceBatch> seen = new ArrayList<>();
          List<LossValue> values = new ArrayList<>();
          TrainingSession.StepResult r;
          if (inGraph) {
            List<TrainingSession.Batch> micro = new ArrayList<>();
            for (List<Integer> idx : microIdx) {
              TrainingSession.Batch rows =
                  PreferenceExample.collate(idx.stream().map(pairs::get).toList(), padId);
              float[] ref = reference == null ? null : rowValues(idx.size(),
                  k -> reference.chosen()[idx.get(k)], k -> reference.rejected()[idx.get(k)]);
              micro.add(new TrainingSession.Batch(rows.inputIds(), rows.labels(), rows.batchSize(),
                  rows.seqLen(), null, ref));
            }
            TrainingSession.PairStepResult res = session.stepPairs(micro, lr, 1.0 / stepPairs);
            r = res.result();
            for (int m = 0; m < microIdx.size(); m++) {
              List<Integer> idx = microIdx.get(m);
              double[] rows = res.rowLogProbs().get(m);
              PreferenceBatch b = batch(pairs, idx, Arrays.copyOfRange(rows, 0, idx.size()),
                  Arrays.copyOfRange(rows, idx.size(), 2 * idx.size()), reference);
              seen.add(b);
              values.add(loss.compute(b));
            }
          } else {
            List<TrainingSession.Batch> micro = new ArrayList<>();
            for (List<Integer> idx : microIdx) {
              List<PreferenceExample> chunk = idx.stream().map(pairs::get).toList();
              TrainingSession.Batch rows = PreferenceExample.collate(chunk, padId);
              double[][] sc = session.sequenceLogProbs(rows);
              PreferenceBatch b = batch(pairs, idx, Arrays.copyOfRange(sc[0], 0, chunk.size()),
                  Arrays.copyOfRange(sc[0], chunk.size(), 2 * chunk.size()), reference);
              LossValue v = loss.compute(b);
              seen.add(b);
              values.add(v);
              // Row weights -dL/dlogp, scaled by the micro-batch's share of the step's pairs.
              double share = (double) chunk.size() / stepPairs;
              float[] w = rowValues(chunk.size(), k -> -share * v.chosenGradients().get(k),
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
          Map<String, Double> terms = new java.util.LinkedHashMap<>();
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
          double seconds = Math.max(1e-9, (System.nanoTime() - t0) / 1e9);
          lastLoss = lossValue;
          double rewardAccuracy = (double) correct / stepPairs;
          var m = new TrainingListener.StepMetrics(step, totalSteps, lossValue, lr, r.gradNorm(),
              r.tokens() / seconds);
          ObjectNode line = JSON.createObjectNode();
          line.put("step", step);
          line.put("loss", lossValue);
          line.put("reward_accuracy", rewardAccuracy);
          line.put("margin_accuracy", (double) marginCorrect / stepPairs);
          line.put("margin", margin);
          line.put("lr", lr);
          line.put("grad_norm", r.gradNorm());
          line.put("tokens_per_s", m.tokensPerSecond());
          terms.forEach(line::put);
          boolean validateNow = !validation.isEmpty() && (step == totalSteps
              || (t.validateEvery() > 0 && step % t.validateEvery() == 0));
          if (validateNow) {
            Evaluation v = evaluate(session, validation, padId, valReference);
            valEval = java.util.Optional.of(v);
            lastValidated = step;
            line.put("val_loss", v.loss());
            line.put("val_reward_accuracy", v.rewardAccuracy());
            line.put("val_margin", v.meanMargin());
          }
          out.write(JSON.writeValueAsString(line));
          out.newLine();
          out.flush();
          listener.onStep(m);
          if (validateNow) {
            listener.onValidation(step, valEval.get().loss());
          }
          if (t.checkpointEvery() > 0 && step % t.checkpointEvery() == 0) {
            Checkpoints.save(session, checkpoint, FORMAT, t.seed(), config.toMap(), identity);
            lastSaved = step;
            listener.onCheckpoint(step, checkpoint);
          }
        }
      }
      if (lastSaved != session.step() || !Files.exists(checkpoint)) {
        Checkpoints.save(session, checkpoint, FORMAT, t.seed(), config.toMap(), identity);
        listener.onCheckpoint(session.step(), checkpoint);
      }
      if (!validation.isEmpty() && lastValidated != session.step()) {
        valEval = java.util.Optional.of(evaluate(session, validation, padId, valReference));
        listener.onValidation(session.step(), valEval.get().loss());
      }
      return new Result(session.step(), lastLoss, checkpoint, valEval);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write into " + outDir, e);
    }
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
    String key = RunFingerprints.sha256(RunFingerprints.pairs(examples),
        "model " + run.getOrDefault("model", "(unnamed)"),
        "adapter " + run.getOrDefault("adapter", "(none)"));
    if (resuming) {
      java.util.Optional<ReferenceLogProbs> cached = readReference(file, examples.size(), key);
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
  private static float[] rowValues(int n, java.util.function.IntToDoubleFunction chosen,
      java.util.function.IntToDoubleFunction rejected) {
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

  private static PreferenceBatch batch(List<PreferenceExample> pairs, List<Integer> idx, double[] pc,
      double[] pr, ReferenceLogProbs reference) {
    List<PairLogProbs> out = new ArrayList<>(idx.size());
    for (int k = 0; k < idx.size(); k++) {
      PreferenceExample p = pairs.get(idx.get(k));
      int ct = p.chosen().targetCount();
      int rt = p.rejected().targetCount();
      // float32 sums of log-softmax values are <= 0; clamp rounding noise of an exactly-zero sum.
      double c = Math.min(0, pc[k]);
      double r = Math.min(0, pr[k]);
      if (reference == null) {
        out.add(PairLogProbs.of(c, r, ct, rt));
      } else {
        int i = idx.get(k);
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
  private static java.util.Optional<ReferenceLogProbs> readReference(Path file, int pairs, String key)
      throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new InvalidInputException(file.toString(), 0,
          "missing: a resumed run needs the reference log-probabilities of its first run");
    }
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
