package org.consistency4j.loss;

import java.util.List;

/**
 * IPO (Azar et al. 2023): per pair {@code (h - 1/(2 tau))^2} with {@code h = (pi_c - ref_c) - (pi_r -
 * ref_r)} on log-probability sums, as in the paper. (TRL's implementation uses token means instead.)
 * The loss is 0 exactly when {@code h = 1/(2 tau)}. Margin: {@code h}.
 */
final class IpoLoss extends MeanPairLoss {
  private final double tau;
  private final double target;

  IpoLoss(double tau) {
    super(List.of());
    this.tau = tau;
    this.target = 1 / (2 * tau);
  }

  @Override
  void pair(PairLogProbs p, int index, double[] out) {
    double h = logRatioDifference(p);
    double d = h - target;
    out[VALUE] = d * d;
    out[D_CHOSEN] = 2 * d;
    out[D_REJECTED] = -2 * d;
    out[MARGIN] = h;
  }

  @Override
  public boolean requiresReference() {
    return true;
  }

  @Override
  public String name() {
    return "ipo(tau=" + tau + ")";
  }
}
