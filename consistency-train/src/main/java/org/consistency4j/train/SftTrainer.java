package org.consistency4j.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.consistency4j.TrainingException;
import org.consistency4j.internal.AtomicFiles;
import org.consistency4j.internal.Check;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs supervised fine-tuning on a {@link TrainingSession}: seeded, length-bucketed batches ({@link
 * Batching}), the configured learning-rate schedule, gradient accumulation, periodic validation and
 * checkpoints, and one line of {@value #METRICS_FILE} per step ({@code step, loss, lr, grad_norm,
 * tokens_per_s}, plus {@code val_loss} on validation steps).
 *
 * <p>A checkpoint ({@value #CHECKPOINT_FILE}) holds the trained tensors, both AdamW moments and, as
 * metadata, the step, seed, trainable names, the full configuration and the run's identity (a SHA-256
 * fingerprint of the tokenized training data plus the {@linkplain #withRunFields run fields}); it is
 * replaced atomically and durably, and temporary files left in the output directory by a killed run are
 * removed when a run starts there. A run resumes only from a checkpoint of the same run: another
 * configuration, data or run field is refused naming each difference, unless {@link
 * #allowConfigChange}. The data order is a pure function of seed and step, so a run resumed from a
 * checkpoint ends bit-identical to an uninterrupted one. A non-finite loss or gradient stops the run with a {@link TrainingException} naming
 * the step and leaves the last checkpoint untouched. Stateless apart from its configuration; one run at a
 * time per session.
 */
public final class SftTrainer {
  /** File name of the checkpoint inside the output directory. */
  public static final String CHECKPOINT_FILE = "checkpoint.safetensors";
  /** File name of the per-step metrics inside the output directory. */
  public static final String METRICS_FILE = "metrics.jsonl";
  /** Value of the {@code format} metadata entry of checkpoints. */
  public static final String FORMAT = "consistency4j-sft-checkpoint-1";

  private static final Logger LOG = LoggerFactory.getLogger(SftTrainer.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SftConfig config;
  private final Map<String, String> run;
  private final boolean allowConfigChange;

  /** A trainer with {@code config}. */
  public SftTrainer(SftConfig config) {
    this(config, Map.of(), false);
  }

  private SftTrainer(SftConfig config, Map<String, String> run, boolean allowConfigChange) {
    this.config = Check.notNull(config, "config");
    this.run = Map.copyOf(Check.notNull(run, "run"));
    this.allowConfigChange = allowConfigChange;
  }

  /**
   * A trainer that also records {@code fields} in its checkpoints: what identifies the run beyond its
   * configuration and its training data (which the trainer fingerprints itself as {@code train_data}),
   * such as the model and the LoRA settings ({@link FineTuning} records both). A resumed run must have
   * the same fields.
   */
  public SftTrainer withRunFields(Map<String, String> fields) {
    return new SftTrainer(config, fields, allowConfigChange);
  }

  /**
   * A trainer that resumes even from a checkpoint whose configuration, data or run fields differ from
   * this run's, logging every difference; by default such a resume is refused with an {@link
   * IllegalArgumentException} naming each differing field with both values. The run's length ({@code
   * epochs}, {@code maxSteps}) and the validation and checkpoint intervals may always change.
   */
  public SftTrainer allowConfigChange(boolean allow) {
    return new SftTrainer(config, run, allow);
  }

  /** The configuration. */
  public SftConfig config() {
    return config;
  }

  /**
   * Outcome of a run.
   *
   * @param steps optimizer steps completed in total (including those before a resume)
   * @param lastLoss training loss of the last step (NaN if no step ran)
   * @param validationLoss final validation loss, if validation data was given
   * @param checkpoint the checkpoint file written at the end
   */
  public record Result(long steps, double lastLoss, OptionalDouble validationLoss, Path checkpoint) {}

  /** Number of optimizer steps a run over {@code examples} examples takes with this configuration. */
  public long totalSteps(int examples) {
    int batchesPerEpoch = (int) Math.ceil(examples / (double) config.batchSize());
    if (config.maxSteps() > 0) {
      return config.maxSteps();
    }
    long micro = (long) config.epochs() * batchesPerEpoch;
    return (micro + config.gradientAccumulation() - 1) / config.gradientAccumulation();
  }

  /**
   * Trains.
   *
   * @param session the session holding the trained tensors (not closed here)
   * @param train training examples (non-empty)
   * @param validation validation examples (may be empty)
   * @param padId token id used for padding (its labels are ignored)
   * @param outDir directory for the checkpoint and metrics (created if needed)
   * @param resume continue from {@code outDir}'s checkpoint if there is one
   * @param listener progress callbacks
   * @throws TrainingException if a step fails; the message names the step
   * @throws IllegalArgumentException if a resumed checkpoint does not belong to this run: another
   *     format, seed or trained tensors, or (unless {@link #allowConfigChange}) another configuration,
   *     training data or run fields
   */
  public Result train(
      TrainingSession session,
      List<SftExample> train,
      List<SftExample> validation,
      int padId,
      Path outDir,
      boolean resume,
      TrainingListener listener) {
    Check.notNull(session, "session");
    Check.notEmpty(train, "train");
    Check.notNull(validation, "validation");
    Check.notNull(outDir, "outDir");
    Check.notNull(listener, "listener");
    try {
      Files.createDirectories(outDir);
      AtomicFiles.cleanLeftovers(outDir);
      Path checkpoint = outDir.resolve(CHECKPOINT_FILE);
      Path metrics = outDir.resolve(METRICS_FILE);
      Map<String, String> identity = new LinkedHashMap<>(run);
      identity.put("train_data", RunFingerprints.sft(train));
      if (resume && Files.exists(checkpoint)) {
        Checkpoints.checkResume(checkpoint, FORMAT, config.seed(), config.toMap(), identity,
            allowConfigChange);
        long step = loadCheckpoint(session, checkpoint);
        Checkpoints.keepMetricsUpTo(metrics, step);
        LOG.info("resumed from {} at step {}", checkpoint, step);
      } else {
        Files.deleteIfExists(metrics);
      }
      int[] lengths = train.stream().mapToInt(SftExample::length).toArray();
      long totalSteps = totalSteps(train.size());
      var schedule = config.learningRateSchedule(totalSteps);
      int cachedEpoch = -1;
      List<int[]> epochBatches = List.of();
      double lastLoss = Double.NaN;
      OptionalDouble valLoss = OptionalDouble.empty();
      long lastValidated = -1;
      long lastSaved = session.step();
      try (BufferedWriter out = Files.newBufferedWriter(metrics, StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
        while (session.step() < totalSteps) {
          long step = session.step() + 1;
          List<TrainingSession.Batch> micro = new ArrayList<>();
          for (int k = 0; k < config.gradientAccumulation(); k++) {
            long g = (step - 1) * config.gradientAccumulation() + k;
            int perEpoch = (lengths.length + config.batchSize() - 1) / config.batchSize();
            int epoch = (int) (g / perEpoch);
            if (epoch != cachedEpoch) {
              epochBatches = Batching.epoch(lengths, config.batchSize(), config.bucketWindow(),
                  config.seed(), epoch);
              cachedEpoch = epoch;
            }
            int[] idx = epochBatches.get((int) (g % perEpoch));
            List<SftExample> ex = new ArrayList<>();
            for (int i : idx) {
              ex.add(train.get(i));
            }
            micro.add(Batching.collate(ex, padId));
          }
          double lr = schedule.at(step);
          long t0 = System.nanoTime();
          TrainingSession.StepResult r = session.step(micro, lr);
          double seconds = Math.max(1e-9, (System.nanoTime() - t0) / 1e9);
          lastLoss = r.loss();
          var m = new TrainingListener.StepMetrics(step, totalSteps, r.loss(), lr, r.gradNorm(),
              r.tokens() / seconds);
          ObjectNode line = JSON.createObjectNode();
          line.put("step", step);
          line.put("loss", r.loss());
          line.put("lr", lr);
          line.put("grad_norm", r.gradNorm());
          line.put("tokens_per_s", m.tokensPerSecond());
          boolean validateNow = !validation.isEmpty()
              && (step == totalSteps
                  || (config.validateEvery() > 0 && step % config.validateEvery() == 0));
          if (validateNow) {
            double v = session.evaluate(validationBatches(validation, padId));
            valLoss = OptionalDouble.of(v);
            lastValidated = step;
            line.put("val_loss", v);
          }
          out.write(JSON.writeValueAsString(line));
          out.newLine();
          out.flush();
          listener.onStep(m);
          if (validateNow) {
            listener.onValidation(step, valLoss.getAsDouble());
          }
          if (config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0) {
            Checkpoints.save(session, checkpoint, FORMAT, config.seed(), config.toMap(), identity);
            lastSaved = step;
            listener.onCheckpoint(step, checkpoint);
          }
        }
      }
      if (!validation.isEmpty() && lastValidated != session.step()) {
        valLoss = OptionalDouble.of(session.evaluate(validationBatches(validation, padId)));
        listener.onValidation(session.step(), valLoss.getAsDouble());
      }
      if (lastSaved != session.step() || !Files.exists(checkpoint)) {
        Checkpoints.save(session, checkpoint, FORMAT, config.seed(), config.toMap(), identity);
        listener.onCheckpoint(session.step(), checkpoint);
      }
      return new Result(session.step(), lastLoss, valLoss, checkpoint);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write into " + outDir, e);
    }
  }

  private List<TrainingSession.Batch> validationBatches(List<SftExample> validation, int padId) {
    List<TrainingSession.Batch> out = new ArrayList<>();
    for (int i = 0; i < validation.size(); i += config.batchSize()) {
      out.add(Batching.collate(validation.subList(i, Math.min(validation.size(), i + config.batchSize())),
          padId));
    }
    return out;
  }

  /**
   * Writes the session's state, the configuration and the run fields to {@code file}, atomically
   * (without a training-data fingerprint, which only {@link #train} knows).
   */
  public void saveCheckpoint(TrainingSession session, Path file) throws IOException {
    Checkpoints.save(session, file, FORMAT, config.seed(), config.toMap(), run);
  }

  /** Restores {@code session} from a checkpoint and returns its step. */
  public long loadCheckpoint(TrainingSession session, Path file) {
    return Checkpoints.load(session, file, FORMAT, config.seed());
  }
}
