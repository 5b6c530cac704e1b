package org.consistency4j.data;

import org.consistency4j.internal.Check;

/**
 * Settings of the instruction-augmented dataset (stage 1, "SFT (IA)").
 *
 * @param paraphrases paraphrases generated per task definition (the paper's n), {@code >= 1}
 * @param heldOutParaphrases how many of them are kept out of training for evaluation, in {@code [0,
 *     paraphrases)}
 * @param heldOutInstanceFraction share of each task's instances kept out of training for
 *     evaluation, in [0, 1)
 * @param includeOriginal whether the original definition is also a training instruction
 * @param template how instruction and input form the prompt
 * @param completionPrefix text put before each reference output in the completion (default one
 *     space, so that prompt + completion reads "Output: POS")
 * @param seed seed of paraphrasing and of the splits
 */
public record AugmentationConfig(
    int paraphrases,
    int heldOutParaphrases,
    double heldOutInstanceFraction,
    boolean includeOriginal,
    PromptTemplate template,
    String completionPrefix,
    long seed) {

  /** Validates. */
  public AugmentationConfig {
    Check.positive(paraphrases, "paraphrases");
    Check.nonNegative(heldOutParaphrases, "heldOutParaphrases");
    Check.argument(
        heldOutParaphrases < paraphrases,
        "heldOutParaphrases must be < paraphrases (" + paraphrases + "), found "
            + heldOutParaphrases);
    Check.argument(
        heldOutInstanceFraction >= 0 && heldOutInstanceFraction < 1,
        "heldOutInstanceFraction must be in [0, 1), found " + heldOutInstanceFraction);
    Check.notNull(template, "template");
    Check.notNull(completionPrefix, "completionPrefix");
  }

  /**
   * Defaults for {@code n} paraphrases: {@code heldOut} of them held out, 20% of instances held out,
   * original included, {@link PromptTemplate#DEFAULT}, completion prefix one space.
   */
  public static AugmentationConfig of(int n, int heldOut, long seed) {
    return new AugmentationConfig(n, heldOut, 0.2, true, PromptTemplate.DEFAULT, " ", seed);
  }
}
