package org.consistency4j.paraphrase;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.consistency4j.internal.Check;
import org.consistency4j.metrics.Rouge;

/**
 * Drops paraphrases that add nothing or change the meaning, keeping the rest in order:
 *
 * <ul>
 *   <li>exact duplicates of the original or of an earlier kept paraphrase (after lower-casing and
 *       collapsing whitespace);
 *   <li>near duplicates: ROUGE-L F (rouge-score semantics, no stemming) {@code >=
 *       nearDuplicateThreshold} to the original or to an earlier kept paraphrase (default 0.95);
 *   <li>too little change, when a diversity floor is set: ROUGE-L F to the original {@code >=
 *       maxRougeToOriginal} (off by default; the default pipeline uses 0.9);
 *   <li>meaning drift, when a meaning similarity is configured: similarity to the original {@code <
 *       minMeaningSimilarity} (for example embedding cosine below 0.8).
 * </ul>
 *
 * Immutable; thread-safe when its meaning similarity is.
 */
public final class QualityFilter {
  private final double nearDuplicateThreshold;
  private final double maxRougeToOriginal;
  private final MeaningSimilarity meaning;
  private final double minMeaningSimilarity;

  /** How close in meaning two texts are, in [0, 1] (for example a clamped embedding cosine). */
  @FunctionalInterface
  public interface MeaningSimilarity {
    /** The similarity of {@code a} and {@code b} in [0, 1]. */
    double similarity(String a, String b);
  }

  private QualityFilter(
      double nearDuplicateThreshold, double maxRougeToOriginal, MeaningSimilarity meaning,
      double min) {
    this.nearDuplicateThreshold = nearDuplicateThreshold;
    this.maxRougeToOriginal = maxRougeToOriginal;
    this.meaning = meaning;
    this.minMeaningSimilarity = min;
  }

  /** Exact and near duplicates (ROUGE-L F >= 0.95) only; no meaning check. */
  public static QualityFilter defaults() {
    return new QualityFilter(0.95, 1, null, 0);
  }

  /**
   * Exact and near duplicates with the given ROUGE-L F threshold.
   *
   * @param nearDuplicateThreshold in (0, 1]; a paraphrase at or above it to the original or an
   *     earlier one is dropped
   */
  public static QualityFilter nearDuplicates(double nearDuplicateThreshold) {
    Check.argument(
        nearDuplicateThreshold > 0 && nearDuplicateThreshold <= 1,
        "nearDuplicateThreshold must be in (0, 1], found " + nearDuplicateThreshold);
    return new QualityFilter(nearDuplicateThreshold, 1, null, 0);
  }

  /**
   * This filter plus a meaning check: paraphrases whose similarity to the original is below {@code
   * minSimilarity} are dropped.
   *
   * @param similarity the meaning similarity, values in [0, 1]
   * @param minSimilarity in [0, 1]
   */
  public QualityFilter withMeaningCheck(MeaningSimilarity similarity, double minSimilarity) {
    Check.notNull(similarity, "similarity");
    Check.inRange(minSimilarity, 0, 1, "minSimilarity");
    return new QualityFilter(nearDuplicateThreshold, maxRougeToOriginal, similarity, minSimilarity);
  }

  /**
   * This filter plus a diversity floor: paraphrases whose ROUGE-L F to the original is {@code >=
   * maxRougeToOriginal} are dropped, so that every kept paraphrase changes a minimum share of the
   * wording.
   *
   * @param maxRougeToOriginal in (0, 1]
   */
  public QualityFilter withDiversityFloor(double maxRougeToOriginal) {
    Check.argument(
        maxRougeToOriginal > 0 && maxRougeToOriginal <= 1,
        "maxRougeToOriginal must be in (0, 1], found " + maxRougeToOriginal);
    return new QualityFilter(nearDuplicateThreshold, maxRougeToOriginal, meaning,
        minMeaningSimilarity);
  }

  /** The ROUGE-L F to the original at or above which a paraphrase is dropped (1 when off). */
  public double maxRougeToOriginal() {
    return maxRougeToOriginal;
  }

  /** The ROUGE-L F at or above which a paraphrase counts as a near duplicate. */
  public double nearDuplicateThreshold() {
    return nearDuplicateThreshold;
  }

  /** The least meaning similarity to the original, if a meaning check is configured. */
  public Optional<Double> minMeaningSimilarity() {
    return meaning == null ? Optional.empty() : Optional.of(minMeaningSimilarity);
  }

  /**
   * The first {@code n} candidates that pass, in order.
   *
   * @param original the original instruction
   * @param candidates paraphrases of it
   * @param n the most to keep, {@code >= 1}
   */
  public List<Paraphrase> apply(String original, List<Paraphrase> candidates, int n) {
    Check.notNull(original, "original");
    Check.notNull(candidates, "candidates");
    Check.positive(n, "n");
    List<Paraphrase> kept = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    seen.add(normalize(original));
    for (Paraphrase p : candidates) {
      if (kept.size() >= n) {
        break;
      }
      String text = p.text();
      if (!seen.add(normalize(text))) {
        continue;
      }
      double toOriginal = rougeLF(original, text);
      if (toOriginal >= nearDuplicateThreshold || (maxRougeToOriginal < 1 && toOriginal >= maxRougeToOriginal)) {
        continue;
      }
      boolean near = false;
      for (Paraphrase k : kept) {
        if (rougeLF(k.text(), text) >= nearDuplicateThreshold) {
          near = true;
          break;
        }
      }
      if (near) {
        continue;
      }
      if (meaning != null) {
        double s = meaning.similarity(original, text);
        if (!(s >= minMeaningSimilarity)) {
          continue;
        }
      }
      kept.add(p);
    }
    return kept;
  }

  private static double rougeLF(String target, String prediction) {
    return Rouge.rougeL(target, prediction, false).fmeasure();
  }

  private static String normalize(String s) {
    return s.toLowerCase(Locale.ROOT).replaceAll("\\s+", " ").strip();
  }
}
