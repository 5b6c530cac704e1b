package org.consistency4j.paraphrase;

import org.consistency4j.internal.Check;
import org.consistency4j.lm.GenerationConfig;

/**
 * Settings of the language-model paraphraser.
 *
 * @param template the prompt; {@code {n}} is the number of rewrites asked for, {@code
 *     {instruction}} the instruction, {@code {protected}} the protected spans as a quoted,
 *     comma-separated list (or {@code "(none)"}); must contain {@code {instruction}}
 * @param generation decoding settings; its seed is replaced by one derived from the call's seed and
 *     the round
 * @param rounds how many prompts at most (each round asks again for what is missing), {@code >= 1};
 *     greedy decoding stops after one round since it would repeat itself
 * @param minLengthRatio shortest accepted rewrite relative to the instruction, in characters, {@code
 *     > 0}
 * @param maxLengthRatio longest accepted rewrite relative to the instruction, {@code >=
 *     minLengthRatio}
 */
public record LmParaphraserConfig(
    String template,
    GenerationConfig generation,
    int rounds,
    double minLengthRatio,
    double maxLengthRatio) {

  /** The default prompt. */
  public static final String DEFAULT_TEMPLATE =
      "Rewrite the following instruction in {n} different ways. Keep its meaning exactly, and copy"
          + " these parts unchanged: {protected}. Write each rewrite as one item of a numbered"
          + " list, and nothing else.\n\nInstruction: {instruction}\n\nRewrites:\n";

  /** Validates. */
  public LmParaphraserConfig {
    Check.notNull(template, "template");
    Check.argument(
        template.contains("{instruction}"),
        "template must contain {instruction}, found \"" + template + "\"");
    Check.notNull(generation, "generation");
    Check.positive(rounds, "rounds");
    Check.positive(minLengthRatio, "minLengthRatio");
    Check.argument(
        maxLengthRatio >= minLengthRatio && Double.isFinite(maxLengthRatio),
        "maxLengthRatio must be >= minLengthRatio (" + minLengthRatio + "), found "
            + maxLengthRatio);
  }

  /**
   * Defaults: {@link #DEFAULT_TEMPLATE}, sampling at temperature 0.8 and top-p 0.95 with up to 768
   * new tokens, 3 rounds, lengths between 0.3 and 3 times the instruction's.
   */
  public static LmParaphraserConfig defaults() {
    return new LmParaphraserConfig(
        DEFAULT_TEMPLATE,
        GenerationConfig.builder().maxNewTokens(768).temperature(0.8).topP(0.95).build(),
        3,
        0.3,
        3.0);
  }

  /** A copy with another template. */
  public LmParaphraserConfig withTemplate(String value) {
    return new LmParaphraserConfig(value, generation, rounds, minLengthRatio, maxLengthRatio);
  }

  /** A copy with other decoding settings. */
  public LmParaphraserConfig withGeneration(GenerationConfig value) {
    return new LmParaphraserConfig(template, value, rounds, minLengthRatio, maxLengthRatio);
  }
}
