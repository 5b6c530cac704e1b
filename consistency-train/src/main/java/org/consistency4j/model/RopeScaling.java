package org.consistency4j.model;

import java.util.List;
import org.consistency4j.internal.Check;

/**
 * How a model changes its rotary position embedding (Hugging Face {@code rope_scaling}), as far as
 * the runtime implements it exactly. Every supported kind only changes the inverse frequencies (and,
 * for LongRoPE, scales cos and sin), so the graphs stay those of default RoPE with other constants.
 * Immutable.
 *
 * <ul>
 *   <li>{@link Type#NONE}: {@code inv_freq[i] = theta^(-2i/d)} over the rotary width {@code d}.
 *   <li>{@link Type#LINEAR}: positions divided by {@code factor}, i.e. {@code inv_freq / factor}.
 *   <li>{@link Type#DYNAMIC}: NTK-aware dynamic scaling. It changes the base only for sequences longer
 *       than {@code max_position_embeddings}, which the runtime never runs, so it equals {@code NONE}.
 *   <li>{@link Type#LLAMA3}: Llama 3.1's wavelength bands: wavelengths below {@code original /
 *       high_freq_factor} keep their frequency, those above {@code original / low_freq_factor} are
 *       divided by {@code factor}, and the band between is interpolated smoothly.
 *   <li>{@link Type#LONGROPE}: Phi-3's LongRoPE: {@code inv_freq[i] = 1 / (short_factor[i] *
 *       theta^(2i/d))} and cos/sin multiplied by {@code attentionFactor}. The long factors apply only
 *       to sequences longer than {@code original_max_position_embeddings}, which is therefore the
 *       context the runtime allows.
 * </ul>
 *
 * @param type the kind
 * @param factor the scaling factor ({@code LINEAR}, {@code DYNAMIC}, {@code LLAMA3}), 1 otherwise
 * @param lowFreqFactor {@code LLAMA3}'s {@code low_freq_factor}, 0 otherwise
 * @param highFreqFactor {@code LLAMA3}'s {@code high_freq_factor} ({@code > lowFreqFactor}), 0
 *     otherwise
 * @param originalMaxPositionEmbeddings {@code LLAMA3}'s and {@code LONGROPE}'s pretraining context, 0
 *     otherwise
 * @param shortFactor {@code LONGROPE}'s per-frequency divisors (one per rotated pair), empty otherwise
 * @param attentionFactor the factor on cos and sin ({@code LONGROPE}), 1 otherwise
 */
public record RopeScaling(
    Type type,
    double factor,
    double lowFreqFactor,
    double highFreqFactor,
    int originalMaxPositionEmbeddings,
    List<Double> shortFactor,
    double attentionFactor) {

  /** The kinds of RoPE scaling the runtime implements. */
  public enum Type {
    /** Default RoPE. */
    NONE,
    /** Linear position interpolation. */
    LINEAR,
    /** Dynamic NTK scaling (equal to default RoPE within {@code max_position_embeddings}). */
    DYNAMIC,
    /** Llama 3.1 frequency bands. */
    LLAMA3,
    /** LongRoPE with the short factors. */
    LONGROPE
  }

  /** Validates and copies. */
  public RopeScaling {
    Check.notNull(type, "type");
    Check.positive(factor, "factor");
    Check.positive(attentionFactor, "attentionFactor");
    shortFactor = List.copyOf(Check.notNull(shortFactor, "shortFactor"));
    if (type == Type.LLAMA3) {
      Check.positive(lowFreqFactor, "lowFreqFactor");
      Check.argument(highFreqFactor > lowFreqFactor, "highFreqFactor must be > lowFreqFactor ("
          + lowFreqFactor + "), found " + highFreqFactor);
      Check.positive(originalMaxPositionEmbeddings, "originalMaxPositionEmbeddings");
    }
    if (type == Type.LONGROPE) {
      Check.notEmpty(shortFactor, "shortFactor");
      for (double f : shortFactor) {
        Check.positive(f, "shortFactor entries");
      }
    }
  }

  /** Default RoPE. */
  public static RopeScaling none() {
    return new RopeScaling(Type.NONE, 1, 0, 0, 0, List.of(), 1);
  }

  /** Linear scaling: inverse frequencies divided by {@code factor}. */
  public static RopeScaling linear(double factor) {
    return new RopeScaling(Type.LINEAR, factor, 0, 0, 0, List.of(), 1);
  }

  /** Dynamic NTK scaling (default RoPE within {@code max_position_embeddings}). */
  public static RopeScaling dynamic(double factor) {
    return new RopeScaling(Type.DYNAMIC, factor, 0, 0, 0, List.of(), 1);
  }

  /** Llama 3.1 scaling. */
  public static RopeScaling llama3(double factor, double lowFreqFactor, double highFreqFactor,
      int originalMaxPositionEmbeddings) {
    return new RopeScaling(Type.LLAMA3, factor, lowFreqFactor, highFreqFactor,
        originalMaxPositionEmbeddings, List.of(), 1);
  }

  /** LongRoPE with its short factors and attention factor, for sequences within the original context. */
  public static RopeScaling longrope(List<Double> shortFactor, int originalMaxPositionEmbeddings,
      double attentionFactor) {
    return new RopeScaling(Type.LONGROPE, 1, 0, 0, originalMaxPositionEmbeddings, shortFactor,
        attentionFactor);
  }

  /**
   * The inverse frequencies, rounded to float32 as Hugging Face computes them in float32.
   *
   * @param theta the RoPE base, {@code > 0}
   * @param rotaryDim the rotated width of a head, even and {@code > 0}
   * @return {@code rotaryDim / 2} values
   * @throws IllegalArgumentException if {@code LONGROPE} has not one short factor per pair
   */
  public float[] inverseFrequencies(double theta, int rotaryDim) {
    Check.positive(theta, "theta");
    Check.argument(rotaryDim > 0 && rotaryDim % 2 == 0,
        "rotaryDim must be even and > 0, found " + rotaryDim);
    int n = rotaryDim / 2;
    if (type == Type.LONGROPE) {
      Check.argument(shortFactor.size() == n, "shortFactor size (" + shortFactor.size()
          + ") != rotaryDim / 2 (" + n + ")");
    }
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      // As in HF: the exponent 2i/d in float32, the power in float32 (here double, then rounded).
      double base = Math.pow(theta, (float) (2 * i) / (float) rotaryDim);
      double inv = 1.0 / base;
      out[i] = (float) switch (type) {
        case NONE, DYNAMIC -> inv;
        case LINEAR -> inv / factor;
        case LLAMA3 -> llama3(inv);
        case LONGROPE -> 1.0 / (shortFactor.get(i) * base);
      };
    }
    return out;
  }

  private double llama3(double inv) {
    double wavelen = 2 * Math.PI / inv;
    double lowWavelen = originalMaxPositionEmbeddings / lowFreqFactor;
    double highWavelen = originalMaxPositionEmbeddings / highFreqFactor;
    if (wavelen < highWavelen) {
      return inv;
    }
    if (wavelen > lowWavelen) {
      return inv / factor;
    }
    double smooth = (originalMaxPositionEmbeddings / wavelen - lowFreqFactor)
        / (highFreqFactor - lowFreqFactor);
    return (1 - smooth) * inv / factor + smooth * inv;
  }
}
