package org.consistency4j.lm;

import java.util.List;
import org.consistency4j.internal.Check;

/**
 * Decoding settings. Immutable; build with {@link #builder()} and change with {@link #toBuilder()}.
 * Defaults: 64 new tokens, temperature 0 (greedy), top-k off, top-p 1, no stop strings, stop at the
 * end-of-sequence token, seed 0.
 *
 * @param maxNewTokens the most tokens to generate, {@code >= 1}
 * @param temperature 0 for greedy decoding, otherwise the softmax temperature ({@code > 0})
 * @param topK keep only the k most likely tokens before sampling; 0 disables
 * @param topP nucleus sampling: keep the smallest set of tokens whose probability reaches topP, in
 *     (0, 1]
 * @param stopStrings generation stops when one appears; it is removed from the returned text
 * @param stopAtEos whether the end-of-sequence token ends generation
 * @param seed the seed of every random draw
 */
public record GenerationConfig(
    int maxNewTokens,
    double temperature,
    int topK,
    double topP,
    List<String> stopStrings,
    boolean stopAtEos,
    long seed) {

  /** Validates and copies; messages name the field. */
  public GenerationConfig {
    Check.positive(maxNewTokens, "maxNewTokens");
    Check.nonNegative(temperature, "temperature");
    Check.nonNegative(topK, "topK");
    Check.argument(topP > 0 && topP <= 1, "topP must be in (0, 1], found " + topP);
    stopStrings = List.copyOf(Check.notNull(stopStrings, "stopStrings"));
    for (String s : stopStrings) {
      Check.argument(!s.isEmpty(), "stopStrings must not contain an empty string");
    }
  }

  /** Whether decoding is greedy (temperature 0). */
  public boolean greedy() {
    return temperature == 0;
  }

  /**
   * Where the earliest stop string begins in {@code text}: the smallest index at which any of
   * {@link #stopStrings()} occurs, or -1 if none does. Every model cuts its text there, so that a
   * stop string ends generation the same way in every implementation.
   *
   * @param text generated text, not null
   */
  public int firstStop(String text) {
    Check.notNull(text, "text");
    int best = -1;
    for (String s : stopStrings) {
      int at = text.indexOf(s);
      if (at >= 0 && (best < 0 || at < best)) {
        best = at;
      }
    }
    return best;
  }

  /** Greedy decoding of at most {@code maxNewTokens} tokens. */
  public static GenerationConfig greedy(int maxNewTokens) {
    return builder().maxNewTokens(maxNewTokens).build();
  }

  /** A builder with the documented defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder initialised with this config's values. */
  public Builder toBuilder() {
    return new Builder()
        .maxNewTokens(maxNewTokens)
        .temperature(temperature)
        .topK(topK)
        .topP(topP)
        .stopStrings(stopStrings)
        .stopAtEos(stopAtEos)
        .seed(seed);
  }

  /** Builder of {@link GenerationConfig}; setters are named after the fields. */
  public static final class Builder {
    private int maxNewTokens = 64;
    private double temperature = 0;
    private int topK = 0;
    private double topP = 1;
    private List<String> stopStrings = List.of();
    private boolean stopAtEos = true;
    private long seed = 0;

    private Builder() {}

    /** See {@link GenerationConfig#maxNewTokens()}. */
    public Builder maxNewTokens(int value) {
      this.maxNewTokens = value;
      return this;
    }

    /** See {@link GenerationConfig#temperature()}. */
    public Builder temperature(double value) {
      this.temperature = value;
      return this;
    }

    /** See {@link GenerationConfig#topK()}. */
    public Builder topK(int value) {
      this.topK = value;
      return this;
    }

    /** See {@link GenerationConfig#topP()}. */
    public Builder topP(double value) {
      this.topP = value;
      return this;
    }

    /** See {@link GenerationConfig#stopStrings()}. */
    public Builder stopStrings(List<String> value) {
      this.stopStrings = value;
      return this;
    }

    /** See {@link GenerationConfig#stopAtEos()}. */
    public Builder stopAtEos(boolean value) {
      this.stopAtEos = value;
      return this;
    }

    /** See {@link GenerationConfig#seed()}. */
    public Builder seed(long value) {
      this.seed = value;
      return this;
    }

    /** Validates and builds. */
    public GenerationConfig build() {
      return new GenerationConfig(
          maxNewTokens, temperature, topK, topP, stopStrings, stopAtEos, seed);
    }
  }
}
