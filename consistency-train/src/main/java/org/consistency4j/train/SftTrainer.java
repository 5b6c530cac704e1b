package org.consistency4j.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.consistency4j.TrainingException;
import org.consistency4j.internal.Check;

/**
 * Runs supervised fine-tuning on a {@link TrainingSession} in the {@link TrainingLoop} it shares with
 * {@link CatTrainer}: seeded, length-bucketed batches ({@link Batching}), the configured learning-rate
 * schedule, gradient accumulation, periodic validation and checkpoints, and one line of {@value #METRICS_FILE} per step ({@code step, loss, lr, grad_norm,
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
  public static final String CHECKPOINT_FILE = TrainingLoop.CHECKPOINT_FILE;
  /** File name of the per-step metrics inside the output directory. */
  public static final String METRICS_FILE = TrainingLoop.METRICS_FILE;
  /** Value of the {@code format} metadata entry of checkpoints. */
  public static final String FORMAT = "consistency4j-sft-checkpoint-1";

  private final SftConfig config;
  private final TrainingLoop loop;

  /** A trainer with {@code config}. */
  public SftTrainer(SftConfig config) {
    this(Check.notNull(config, "config"),
        new TrainingLoop(FORMAT, config, config.toMap()));
  }

  private SftTrainer(SftConfig config, TrainingLoop loop) {
    this.config = config;
    this.loop = loop;
  }

  /**
   * A trainer that also records {@code fields} in its checkpoints: what identifies the run beyond its
   * configuration and its training data (which the trainer fingerprints itself as {@code train_data}),
   * such as the model and the LoRA settings ({@link FineTuning} records both). A resumed run must have
   * the same fields.
   */
  public SftTrainer withRunFields(Map<String, String> fields) {
    return new SftTrainer(config, loop.withRunFields(fields));
  }

  /**
   * A trainer that resumes even from a checkpoint whose configuration, data or run fields differ from
   * this run's, logging every difference; by default such a resume is refused with an {@link
   * IllegalArgumentException} naming each differing field with both values. The run's length ({@code
   * epochs}, {@code maxSteps}) and the validation and checkpoint intervals may always change.
   */
  public SftTrainer allowConfigChange(boolean allow) {
    return new SftTrainer(config, loop.allowingConfigChange(allow));
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
    return TrainingLoop.totalSteps(config, examples);
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
    TrainingLoop.Task task = new TrainingLoop.Task(
        train.stream().mapToInt(SftExample::length).toArray(), RunFingerprints.sft(train),
        !validation.isEmpty()) {
      @Override
      TrainingLoop.Step step(List<int[]> micro, double lr) {
        List<TrainingSession.Batch> batches = new ArrayList<>();
        for (int[] idx : micro) {
          batches.add(Batching.collate(Arrays.stream(idx).mapToObj(train::get).toList(), padId));
        }
        return new TrainingLoop.Step(session.step(batches, lr));
      }

      @Override
      Map<String, Double> validate() {
        List<TrainingSession.Batch> batches = new ArrayList<>();
        for (int i = 0; i < validation.size(); i += config.batchSize()) {
          batches.add(Batching.collate(
              validation.subList(i, Math.min(validation.size(), i + config.batchSize())), padId));
        }
        return Map.of("val_loss", session.evaluate(batches));
      }
    };
    TrainingLoop.Outcome r = loop.run(session, task, outDir, resume, listener);
    return new Result(r.steps(), r.lastLoss(), r.validationLoss(), r.checkpoint());
  }

  /**
   * Writes the session's state, the configuration and the run fields to {@code file}, atomically
   * (without a training-data fingerprint, which only {@link #train} knows).
   */
  public void saveCheckpoint(TrainingSession session, Path file) throws IOException {
    loop.save(session, file, loop.runFields());
  }

  /** Restores {@code session} from a checkpoint and returns its step. */
  public long loadCheckpoint(TrainingSession session, Path file) {
    return loop.load(session, file);
  }
}
