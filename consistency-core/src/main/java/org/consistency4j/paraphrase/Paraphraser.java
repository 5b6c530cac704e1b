package org.consistency4j.paraphrase;

import java.util.List;

/**
 * Rewrites an instruction into semantically equivalent variants.
 *
 * <p>Contract of every implementation:
 *
 * <ul>
 *   <li>returns at most {@code n} paraphrases, fewer when the method cannot find more; never the
 *       original text and never the same text twice;
 *   <li>every protected span of the instruction (see {@link ProtectedSpans}) appears unchanged in
 *       every paraphrase;
 *   <li>the result depends only on the instruction, {@code n}, the seed and the paraphraser's
 *       configuration: the same call returns the same list.
 * </ul>
 *
 * <p>Compose with {@link #then(Paraphraser)} (apply another paraphraser to each result) and {@link
 * Paraphrasers#union(List)}; filter with {@link Paraphrasers#filtered(Paraphraser, QualityFilter)}.
 * Implementations from {@link Paraphrasers} are thread-safe unless they wrap a model that is not.
 */
@FunctionalInterface
public interface Paraphraser {

  /**
   * Paraphrases {@code instruction}.
   *
   * @param instruction the instruction and its protected terms
   * @param n the most paraphrases to return, {@code >= 1}
   * @param seed the seed of every random choice
   * @return distinct paraphrases with provenance, at most {@code n}
   */
  List<Paraphrase> paraphrase(Instruction instruction, int n, long seed);

  /** {@link #paraphrase(Instruction, int, long)} with no extra protected terms. */
  default List<Paraphrase> paraphrase(String instruction, int n, long seed) {
    return paraphrase(Instruction.of(instruction), n, seed);
  }

  /** A stable name for provenance and reports, for example {@code "wordnet"}. */
  default String name() {
    return getClass().getSimpleName();
  }

  /**
   * A paraphraser that applies {@code next} to each paraphrase of this one (edits accumulate). The
   * chain's results may also include this paraphraser's results when {@code next} finds none.
   */
  default Paraphraser then(Paraphraser next) {
    return Paraphrasers.chain(this, next);
  }
}
