package org.consistency4j.loss;

import java.util.List;

/**
 * Hinge / SLiC (Zhao et al. 2023): per pair {@code max(0, margin - h)} with {@code h = pi_c - pi_r} on
 * log-probability sums, or {@code h = (pi_c - ref_c) - (pi_r - ref_r)} in the reference variant.
 * At the kink the subgradient 0 is used. Margin (of the result): {@code h}.
 */
final class HingeLoss extends MeanPairLoss {
  private final double margin;
  private final boolean useReference;

  HingeLoss(double margin, boolean useReference) {
    super(List.of());
    this.margin = margin;
    this.useReference = useReference;
  }

  @Override
  void pair(PairLogProbs p, int index, double[] out) {
    double h =
        useReference ? logRatioDifference(p) : p.policyChosen() - p.policyRejected();
    double loss = margin - h;
    boolean active = loss > 0;
    out[VALUE] = active ? loss : 0;
    out[D_CHOSEN] = active ? -1 : 0;
    out[D_REJECTED] = active ? 1 : 0;
    out[MARGIN] = h;
  }

  @Override
  public boolean requiresReference() {
    return useReference;
  }

  @Override
  public String name() {
    return "hinge(margin=" + margin + (useReference ? ", reference" : "") + ")";
  }
}
