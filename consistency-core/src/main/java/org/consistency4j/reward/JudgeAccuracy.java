package org.consistency4j.reward;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import org.consistency4j.internal.Check;

/**
 * Measures how often a {@link SelfRewardScorer}'s judges agree with labels: the judge says Yes when
 * P(Yes) is strictly greater than a threshold (default 0.5; an undecided 0.5 counts as No). Use it
 * wherever labels exist (tasks with reference answers) to decide between the judges and agreement
 * frequency: a judge near 0.5 balanced accuracy is no better than chance. Stateless.
 */
public final class JudgeAccuracy {
  /** The default decision threshold. */
  public static final double DEFAULT_THRESHOLD = 0.5;

  private JudgeAccuracy() {}

  /** {@link #measure(SelfRewardScorer, List, double)} with threshold 0.5. */
  public static JudgeAccuracyResult measure(
      SelfRewardScorer scorer, List<LabeledResponse> examples) {
    return measure(scorer, examples, DEFAULT_THRESHOLD);
  }

  /**
   * The quality judge's accuracy on labeled responses (one batched judge call).
   *
   * @param scorer the scorer whose quality template is measured
   * @param examples labeled responses, not empty
   * @param threshold Yes when P(Yes) is greater, in [0, 1]
   */
  public static JudgeAccuracyResult measure(
      SelfRewardScorer scorer, List<LabeledResponse> examples, double threshold) {
    return measure(scorer, examples, threshold, LabeledResponse::item, LabeledResponse::correct,
        SelfRewardScorer::quality);
  }

  /** {@link #measureAgreement(SelfRewardScorer, List, double)} with threshold 0.5. */
  public static JudgeAccuracyResult measureAgreement(
      SelfRewardScorer scorer, List<LabeledAgreement> examples) {
    return measureAgreement(scorer, examples, DEFAULT_THRESHOLD);
  }

  /**
   * The agreement judge's accuracy on labeled response pairs (one batched judge call).
   *
   * @param scorer the scorer whose agreement template is measured
   * @param examples labeled pairs, not empty
   * @param threshold Yes when P(Yes) is greater, in [0, 1]
   */
  public static JudgeAccuracyResult measureAgreement(
      SelfRewardScorer scorer, List<LabeledAgreement> examples, double threshold) {
    return measure(scorer, examples, threshold, LabeledAgreement::query, LabeledAgreement::same,
        SelfRewardScorer::sameAnswer);
  }

  /**
   * Checks the arguments, splits every example into what the judge sees ({@code query}) and its
   * label, asks {@code judge} once for all of them and tallies the answers.
   */
  private static <E, Q> JudgeAccuracyResult measure(
      SelfRewardScorer scorer,
      List<E> examples,
      double threshold,
      Function<E, Q> query,
      Predicate<E> label,
      BiFunction<SelfRewardScorer, List<Q>, double[]> judge) {
    Check.notNull(scorer, "scorer");
    Check.notEmpty(examples, "examples");
    Check.inRange(threshold, 0, 1, "threshold");
    List<Q> queries = new ArrayList<>(examples.size());
    boolean[] labels = new boolean[examples.size()];
    for (int i = 0; i < labels.length; i++) {
      E e = Check.notNull(examples.get(i), "examples[" + i + "]");
      queries.add(query.apply(e));
      labels[i] = label.test(e);
    }
    return tally(judge.apply(scorer, queries), labels, threshold);
  }

  static JudgeAccuracyResult tally(double[] p, boolean[] labels, double threshold) {
    int tp = 0;
    int fp = 0;
    int tn = 0;
    int fn = 0;
    double sumPos = 0;
    double sumNeg = 0;
    for (int i = 0; i < p.length; i++) {
      boolean yes = p[i] > threshold;
      if (labels[i]) {
        sumPos += p[i];
        if (yes) {
          tp++;
        } else {
          fn++;
        }
      } else {
        sumNeg += p[i];
        if (yes) {
          fp++;
        } else {
          tn++;
        }
      }
    }
    int pos = tp + fn;
    int neg = tn + fp;
    return new JudgeAccuracyResult(
        tp,
        fp,
        tn,
        fn,
        threshold,
        pos == 0 ? Double.NaN : sumPos / pos,
        neg == 0 ? Double.NaN : sumNeg / neg);
  }
}
