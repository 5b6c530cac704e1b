package org.consistency4j.lm;

import java.util.SplittableRandom;

/**
 * Seeded randomness for sampling. Prompt {@code index} of a batched call draws from its own stream
 * derived from the seed, so results do not depend on batch composition or order.
 */
public final class Sampling {
  private Sampling() {}

  /**
   * The random stream for prompt {@code index} of a call seeded with {@code seed}.
   *
   * @param seed the call's seed
   * @param index the prompt's position in the call, {@code >= 0}
   */
  public static SplittableRandom rng(long seed, int index) {
    if (index < 0) {
      throw new IllegalArgumentException("index must be >= 0, found " + index);
    }
    // Mix seed and index with distinct odd constants so that (seed, index) pairs do not collide
    // trivially (seed 1 index 0 vs seed 0 index 1).
    long mixed = seed * 0x9E3779B97F4A7C15L + (index + 1L) * 0xC2B2AE3D27D4EB4FL;
    return new SplittableRandom(mixed);
  }
}
