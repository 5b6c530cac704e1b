package org.consistency4j.train;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.consistency4j.internal.Check;
import org.consistency4j.lora.Lora;
import org.consistency4j.lora.LoraConfig;

/**
 * The dropout masks of LoRA adapters ({@link LoraConfig#dropout()}), fed to a {@link TrainingSession}
 * as {@link TrainingSession.AuxiliaryInputs}: during training each input feature of each adapter is
 * kept with probability {@code 1 - p} and scaled by {@code 1 / (1 - p)}; for scoring and evaluation all
 * masks are 1. A training mask is a function of the LoRA seed, the adapter, the optimizer step and the
 * micro-batch, so that an interrupted and resumed run is bit-identical to an uninterrupted one.
 * Immutable and thread-safe.
 */
public final class LoraDropout implements TrainingSession.AuxiliaryInputs {
  private final Map<String, Long> widths;
  private final List<String> order;
  private final double p;
  private final long seed;

  /** The masks of {@code adapted}'s dropout inputs, with {@code config}'s probability and seed. */
  public LoraDropout(Lora.Adapted adapted, LoraConfig config) {
    Check.notNull(adapted, "adapted");
    Check.notNull(config, "config");
    this.widths = adapted.dropoutInputs();
    this.order = List.copyOf(widths.keySet());
    this.p = config.dropout();
    this.seed = config.seed();
  }

  @Override
  public Map<String, Long> widths() {
    return widths;
  }

  @Override
  public float[] training(String name, TrainingSession.Batch batch, long step, int micro) {
    int index = order.indexOf(name);
    Check.argument(index >= 0, "name must be a LoRA dropout input, found " + name);
    SplittableRandom rng = new SplittableRandom(
        mix(mix(mix(seed ^ 0x4c6f526144726f70L, step), micro), index));
    float keep = (float) (1.0 / (1.0 - p));
    float[] mask = new float[size(batch, name)];
    for (int i = 0; i < mask.length; i++) {
      mask[i] = rng.nextDouble() < p ? 0f : keep;
    }
    return mask;
  }

  @Override
  public float[] inference(String name, TrainingSession.Batch batch) {
    Check.argument(widths.containsKey(name), "name must be a LoRA dropout input, found " + name);
    float[] ones = new float[size(batch, name)];
    Arrays.fill(ones, 1f);
    return ones;
  }

  private int size(TrainingSession.Batch batch, String name) {
    return Math.toIntExact((long) batch.batchSize() * batch.seqLen() * widths.get(name));
  }

  private static long mix(long a, long b) {
    long z = a * 0x9E3779B97F4A7C15L + b;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
