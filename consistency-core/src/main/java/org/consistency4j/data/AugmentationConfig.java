package org.consistency4j.data;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
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
 * @param protectedTerms terms protected in every task's definition in addition to the detected label
 *     words (matched as whole words, case-insensitively, as {@link
 *     org.consistency4j.paraphrase.Instruction#protectedTerms()}); none blank; default none
 * @param detectLabelWords whether each task's {@link SniTask#labelWords() label words}, detected
 *     from its outputs, are protected too (default true)
 */
public record AugmentationConfig(
    int paraphrases,
    int heldOutParaphrases,
    double heldOutInstanceFraction,
    boolean includeOriginal,
    PromptTemplate template,
    String completionPrefix,
    long seed,
    List<String> protectedTerms,
    boolean detectLabelWords) {

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
    protectedTerms = List.copyOf(Check.notNull(protectedTerms, "protectedTerms"));
    for (int i = 0; i < protectedTerms.size(); i++) {
      Check.argument(!protectedTerms.get(i).isBlank(),
          "protectedTerms[" + i + "] must not be blank, found \"" + protectedTerms.get(i) + "\"");
    }
  }

  /**
   * Settings with the detected label words protected and no extra protected terms.
   *
   * @see #AugmentationConfig(int, int, double, boolean, PromptTemplate, String, long, List, boolean)
   */
  public AugmentationConfig(
      int paraphrases,
      int heldOutParaphrases,
      double heldOutInstanceFraction,
      boolean includeOriginal,
      PromptTemplate template,
      String completionPrefix,
      long seed) {
    this(paraphrases, heldOutParaphrases, heldOutInstanceFraction, includeOriginal, template,
        completionPrefix, seed, List.of(), true);
  }

  /** A copy with other protection settings. */
  public AugmentationConfig withProtection(List<String> terms, boolean detect) {
    return new AugmentationConfig(paraphrases, heldOutParaphrases, heldOutInstanceFraction,
        includeOriginal, template, completionPrefix, seed, terms, detect);
  }

  /**
   * The terms protected in {@code task}'s definition: its label words (when {@link
   * #detectLabelWords()}) followed by {@link #protectedTerms()}, without repeats, in that order.
   */
  public List<String> protectedTermsOf(SniTask task) {
    Check.notNull(task, "task");
    Set<String> terms = new LinkedHashSet<>();
    if (detectLabelWords) {
      terms.addAll(task.labelWords());
    }
    terms.addAll(protectedTerms);
    return List.copyOf(new ArrayList<>(terms));
  }

  /**
   * Defaults for {@code n} paraphrases: {@code heldOut} of them held out, 20% of instances held out,
   * original included, {@link PromptTemplate#DEFAULT}, completion prefix one space.
   */
  public static AugmentationConfig of(int n, int heldOut, long seed) {
    return new AugmentationConfig(n, heldOut, 0.2, true, PromptTemplate.DEFAULT, " ", seed);
  }
}
