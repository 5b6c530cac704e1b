package org.consistency4j.loss;

import java.util.List;

/**
 * SimPO (Meng et al. 2024): per pair {@code -log sigmoid(h)} with {@code h = beta * (m_c - m_r) -
 * gamma}, {@code m = sum / tokens}; no reference model. Margin: {@code h}.
 */
final class SimPoLoss extends MeanPairLoss {
  private final double beta;
  private final double gamma;

  SimPoLoss(double beta, double gamma) {
    super(List.of());
    this.beta = beta;
    this.gamma = gamma;
  }

  @Override
  public boolean lengthNormalized() {
    return true;
  }

  @Override
  void pair(PairLogProbs p, int index, double[] out) {
    double h = beta * (p.policyChosenMean() - p.policyRejectedMean()) - gamma;
    double s = StableMath.sigmoid(-h);
    out[VALUE] = StableMath.softplus(-h);
    out[D_CHOSEN] = -beta * s / p.chosenTokens();
    out[D_REJECTED] = beta * s / p.rejectedTokens();
    out[MARGIN] = h;
  }

  @Override
  public String name() {
    return "simpo(beta=" + beta + ", gamma=" + gamma + ")";
  }
}
