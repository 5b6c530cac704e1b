package org.consistency4j.loss;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.consistency4j.internal.Check;

/**
 * The value of a {@link PairwiseLoss} on a batch and its gradient.
 *
 * <p>Gradients are taken with respect to the policy's log-probability <em>sums</em> ({@link
 * PairLogProbs#policyChosen()} and {@link PairLogProbs#policyRejected()}); reference log-probabilities
 * are constants. Because a sum is the plain sum of its token log-probabilities, {@code
 * chosenGradients.get(i)} is also the gradient with respect to every single token log-probability of
 * the chosen response of pair {@code i}: a training engine seeds its backward pass with it. The
 * gradient with respect to the length-normalized mean is {@code chosenGradients.get(i) *
 * chosenTokens}.
 *
 * @param value the loss, mean over pairs, finite
 * @param chosenGradients {@code d value / d policyChosen_i} per pair, finite
 * @param rejectedGradients {@code d value / d policyRejected_i} per pair, finite
 * @param pairMargins per pair, the quantity the loss pushes up (for example the DPO logit {@code
 *     beta * ((pi_c - ref_c) - (pi_r - ref_r))}); each loss documents its own, and a positive margin
 *     means the pair is ranked the right way
 * @param terms the named parts of the value (for example {@code "ranking"} and {@code "sft"}), each a
 *     mean over pairs, in a stable order; empty when the loss has one part
 */
public record LossValue(
    double value,
    List<Double> chosenGradients,
    List<Double> rejectedGradients,
    List<Double> pairMargins,
    Map<String, Double> terms) {

  /** Validates and copies; {@code terms} keeps its iteration order. */
  public LossValue {
    Check.finite(value, "value");
    chosenGradients = List.copyOf(Check.notNull(chosenGradients, "chosenGradients"));
    rejectedGradients = List.copyOf(Check.notNull(rejectedGradients, "rejectedGradients"));
    pairMargins = List.copyOf(Check.notNull(pairMargins, "pairMargins"));
    Check.sameSize(
        chosenGradients.size(), "chosenGradients", rejectedGradients.size(), "rejectedGradients");
    Check.sameSize(chosenGradients.size(), "chosenGradients", pairMargins.size(), "pairMargins");
    Check.argument(!chosenGradients.isEmpty(), "chosenGradients must not be empty");
    allFinite(chosenGradients, "chosenGradients");
    allFinite(rejectedGradients, "rejectedGradients");
    Check.notNull(terms, "terms");
    for (Map.Entry<String, Double> e : terms.entrySet()) {
      Check.notNull(e.getKey(), "terms key");
      Check.finite(Check.notNull(e.getValue(), "terms value"), "terms[" + e.getKey() + "]");
    }
    terms = Collections.unmodifiableMap(new LinkedHashMap<>(terms));
  }

  /** The number of pairs. */
  public int size() {
    return chosenGradients.size();
  }

  /** The gradients with respect to the chosen log-probability sums, as a new array. */
  public double[] chosenGradientArray() {
    return toArray(chosenGradients);
  }

  /** The gradients with respect to the rejected log-probability sums, as a new array. */
  public double[] rejectedGradientArray() {
    return toArray(rejectedGradients);
  }

  /** The mean of {@link #pairMargins()}. */
  public double meanMargin() {
    double s = 0;
    for (double m : pairMargins) {
      s += m;
    }
    return s / pairMargins.size();
  }

  private static double[] toArray(List<Double> values) {
    double[] a = new double[values.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = values.get(i);
    }
    return a;
  }

  private static void allFinite(List<Double> values, String name) {
    for (int i = 0; i < values.size(); i++) {
      Check.finite(values.get(i), name + "[" + i + "]");
    }
  }
}
