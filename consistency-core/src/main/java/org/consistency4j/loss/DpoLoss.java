package org.consistency4j.loss;

import java.util.List;

/**
 * DPO (Rafailov et al. 2023): per pair {@code -log sigmoid(h)} with {@code h = beta * ((pi_c - ref_c)
 * - (pi_r - ref_r))} on log-probability sums. Margin: {@code h} (the "DPO logit").
 */
final class DpoLoss extends MeanPairLoss {
  private final double beta;

  DpoLoss(double beta) {
    super(List.of());
    this.beta = beta;
  }

  @Override
  void pair(PairLogProbs p, int index, double[] out) {
    double h = beta * logRatioDifference(p);
    double s = StableMath.sigmoid(-h);
    out[VALUE] = StableMath.softplus(-h);
    out[D_CHOSEN] = -beta * s;
    out[D_REJECTED] = beta * s;
    out[MARGIN] = h;
  }

  @Override
  public boolean requiresReference() {
    return true;
  }

  @Override
  public String name() {
    return "dpo(beta=" + beta + ")";
  }
}
