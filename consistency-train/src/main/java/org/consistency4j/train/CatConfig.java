package org.consistency4j.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.consistency4j.internal.Check;
import org.consistency4j.loss.StandardLoss;

/**
 * Settings of a consistency alignment training (stage 2) run: the pairwise loss and the optimization
 * settings, which are those of supervised fine-tuning with a batch counted in preference pairs.
 *
 * @param loss the pairwise loss with its parameters ({@link StandardLoss.Rank} with {@code lambda},
 *     {@link StandardLoss.Dpo} with {@code beta}, ...; {@link org.consistency4j.loss.Losses#byName}
 *     parses CLI names)
 * @param training epochs or steps, pairs per micro-batch ({@code batchSize}), accumulation, learning rate
 *     and schedule, AdamW, seed (shuffling), maximum tokens per sequence, EOS handling and checkpoint
 *     interval; {@code bucketWindow} groups pairs of similar length, {@code validateEvery} paces the
 *     validation passes
 */
public record CatConfig(StandardLoss loss, SftConfig training) {
  /** Validates that both parts are present. */
  public CatConfig {
    Check.notNull(loss, "loss");
    Check.notNull(training, "training");
  }

  /**
   * Every field as strings, for checkpoints and reports: {@code loss} (the CLI name), the loss's own
   * parameters ({@link StandardLoss#parameters()}) and {@code training.*}.
   */
  public Map<String, String> toMap() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("loss", loss.loss());
    m.putAll(loss.parameters());
    training.toMap().forEach((k, v) -> m.put("training." + k, v));
    return m;
  }
}
