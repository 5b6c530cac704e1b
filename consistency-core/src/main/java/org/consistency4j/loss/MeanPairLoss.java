package org.consistency4j.loss;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.consistency4j.internal.Check;

/**
 * Base of the standard losses: a per-pair loss reduced by the mean over pairs. Subclasses fill one
 * pair's value, gradients, margin and named terms; this class does the reduction and the
 * reference check.
 */
abstract class MeanPairLoss implements PairwiseLoss {
  /** Slots of the per-pair output array. */
  static final int VALUE = 0;

  static final int D_CHOSEN = 1;
  static final int D_REJECTED = 2;
  static final int MARGIN = 3;
  static final int FIRST_TERM = 4;

  private final List<String> termNames;

  MeanPairLoss(List<String> termNames) {
    this.termNames = List.copyOf(termNames);
  }

  /**
   * Writes the loss of one pair into {@code out}: value, d/dchosen sum, d/drejected sum, margin,
   * then one slot per term name.
   */
  abstract void pair(PairLogProbs p, int index, double[] out);

  @Override
  public final LossValue compute(PreferenceBatch batch) {
    Check.notNull(batch, "batch");
    if (requiresReference() && !batch.hasReference()) {
      throw new IllegalArgumentException(
          name() + " needs reference log-probabilities; the batch has none");
    }
    int n = batch.size();
    double[] out = new double[FIRST_TERM + termNames.size()];
    double[] termSums = new double[termNames.size()];
    double value = 0;
    List<Double> dChosen = new ArrayList<>(n);
    List<Double> dRejected = new ArrayList<>(n);
    List<Double> margins = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Arrays.fill(out, 0);
      pair(batch.get(i), i, out);
      value += out[VALUE];
      dChosen.add(out[D_CHOSEN] / n);
      dRejected.add(out[D_REJECTED] / n);
      margins.add(out[MARGIN]);
      for (int t = 0; t < termSums.length; t++) {
        termSums[t] += out[FIRST_TERM + t];
      }
    }
    Map<String, Double> terms = new LinkedHashMap<>();
    for (int t = 0; t < termSums.length; t++) {
      terms.put(termNames.get(t), termSums[t] / n);
    }
    return new LossValue(value / n, dChosen, dRejected, margins, terms);
  }

  @Override
  public String toString() {
    return name();
  }

  /** {@code (pi_c - ref_c) - (pi_r - ref_r)}: the difference of the policy/reference log-ratios. */
  static double logRatioDifference(PairLogProbs p) {
    return (p.policyChosen() - p.referenceChosen().getAsDouble())
        - (p.policyRejected() - p.referenceRejected().getAsDouble());
  }
}
