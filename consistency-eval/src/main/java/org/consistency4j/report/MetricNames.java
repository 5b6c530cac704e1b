package org.consistency4j.report;

import java.util.List;

/**
 * The metric keys used in reports, in the order reports show them. One place maps names to meaning:
 *
 * <ul>
 *   <li>{@value #CONSISTENCY_RATE}: macro consistency rate, the mean over groups of the share of
 *       response pairs (across verbalizations of one instance) that the chosen similarity counts as
 *       agreeing;
 *   <li>{@value #CONSISTENCY_RATE_POOLED}: the same over all pairs pooled (large groups weigh more);
 *   <li>{@value #MAJORITY_AGREEMENT}: mean share of a group's responses equal to its most common
 *       (normalized) response;
 *   <li>{@value #ROUGE_1} and {@value #ROUGE_L}: F-measure against the best-matching reference,
 *       averaged over responses;
 *   <li>{@value #ACCURACY}: normalized exact match with any reference, where outputs are labels;
 *   <li>{@value #ROUGE_L_SPREAD} and {@value #ACCURACY_SPREAD}: the best verbalization's mean
 *       minus the worst one's, per task only: verbalizations differ from task to task, so there is
 *       no overall value (reports show "-" in the overall row).
 * </ul>
 */
public final class MetricNames {
  /** Macro consistency rate. */
  public static final String CONSISTENCY_RATE = "consistency_rate";

  /** Pooled consistency rate. */
  public static final String CONSISTENCY_RATE_POOLED = "consistency_rate_pooled";

  /** Majority agreement. */
  public static final String MAJORITY_AGREEMENT = "majority_agreement";

  /** ROUGE-1 F-measure against the references. */
  public static final String ROUGE_1 = "rouge1";

  /** ROUGE-L F-measure against the references. */
  public static final String ROUGE_L = "rougeL";

  /** Normalized exact-match accuracy. */
  public static final String ACCURACY = "accuracy";

  /** Spread of mean ROUGE-L across verbalizations. */
  public static final String ROUGE_L_SPREAD = "rougeL_spread";

  /** Spread of accuracy across verbalizations. */
  public static final String ACCURACY_SPREAD = "accuracy_spread";

  /** Every key, in display order. */
  public static final List<String> ALL =
      List.of(
          CONSISTENCY_RATE,
          CONSISTENCY_RATE_POOLED,
          MAJORITY_AGREEMENT,
          ROUGE_1,
          ROUGE_L,
          ACCURACY,
          ROUGE_L_SPREAD,
          ACCURACY_SPREAD);

  private MetricNames() {}

  /** A short human label for a metric key (the key itself for unknown keys). */
  public static String label(String key) {
    switch (key) {
      case CONSISTENCY_RATE:
        return "CR (macro)";
      case CONSISTENCY_RATE_POOLED:
        return "CR (pooled)";
      case MAJORITY_AGREEMENT:
        return "Majority agreement";
      case ROUGE_1:
        return "ROUGE-1";
      case ROUGE_L:
        return "ROUGE-L";
      case ACCURACY:
        return "Accuracy";
      case ROUGE_L_SPREAD:
        return "ROUGE-L spread";
      case ACCURACY_SPREAD:
        return "Accuracy spread";
      default:
        return key;
    }
  }
}
