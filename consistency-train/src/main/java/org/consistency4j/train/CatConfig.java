package org.consistency4j.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.consistency4j.internal.Check;
import org.consistency4j.loss.LossConfig;

/**
 * Settings of a consistency alignment training (stage 2) run: the pairwise loss and the optimization
 * settings, which are those of supervised fine-tuning with a batch counted in preference pairs.
 *
 * @param loss the pairwise loss and its parameters ({@code rank} with {@code lambda}, {@code dpo} with
 *     {@code beta}, ...; see {@link org.consistency4j.loss.Losses})
 * @param training epochs or steps, pairs per micro-batch ({@code batchSize}), accumulation, learning rate
 *     and schedule, AdamW, seed (shuffling), maximum tokens per sequence, EOS handling and checkpoint
 *     interval; {@code bucketWindow} groups pairs of similar length, {@code validateEvery} is unused
 */
public record CatConfig(LossConfig loss, SftConfig training) {
  /** Validates that both parts are present. */
  public CatConfig {
    Check.notNull(loss, "loss");
    Check.notNull(training, "training");
  }

  /** Every field as strings, for checkpoints and reports. */
  public Map<String, String> toMap() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("loss", loss.loss());
    m.put("lambda", Double.toString(loss.lambda()));
    m.put("beta", Double.toString(loss.beta()));
    m.put("tau", Double.toString(loss.tau()));
    m.put("gamma", Double.toString(loss.gamma()));
    m.put("margin", Double.toString(loss.margin()));
    m.put("useReference", Boolean.toString(loss.useReference()));
    training.toMap().forEach((k, v) -> m.put("training." + k, v));
    return m;
  }
}
