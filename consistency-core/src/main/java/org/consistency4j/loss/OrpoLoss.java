package org.consistency4j.loss;

import java.util.List;

/**
 * ORPO (Hong et al. 2024): per pair {@code -m_c + lambda * (-log sigmoid(r))}, where {@code m = sum /
 * tokens}, {@code r = logodds(m_c) - logodds(m_r)} and {@code logodds(m) = m - log(1 - exp(m))} (the
 * log-odds of the length-normalized sequence probability {@code exp(m)}), as in TRL's ORPOTrainer
 * with {@code beta = lambda}. The NLL term is the per-response token mean, averaged over pairs. Margin:
 * {@code r}. Terms: {@code "nll"} and {@code "odds_ratio"} (unweighted).
 */
final class OrpoLoss extends MeanPairLoss {
  private final double lambda;

  OrpoLoss(double lambda) {
    super(List.of("nll", "odds_ratio"));
    this.lambda = lambda;
  }

  @Override
  public boolean lengthNormalized() {
    return true;
  }

  @Override
  void pair(PairLogProbs p, int index, double[] out) {
    double mc = p.policyChosenMean();
    double mr = p.policyRejectedMean();
    if (mc == 0 || mr == 0) {
      throw new IllegalArgumentException(
          name()
              + " needs policy log-probabilities < 0 (probability 1 has infinite odds): pair "
              + index
              + " has "
              + (mc == 0 ? "policyChosen" : "policyRejected")
              + " = 0.0");
    }
    double r = logOdds(mc) - logOdds(mr);
    double s = StableMath.sigmoid(-r);
    double oddsRatio = StableMath.softplus(-r);
    out[VALUE] = -mc + lambda * oddsRatio;
    out[D_CHOSEN] = (-1 - lambda * s * dLogOdds(mc)) / p.chosenTokens();
    out[D_REJECTED] = lambda * s * dLogOdds(mr) / p.rejectedTokens();
    out[MARGIN] = r;
    out[FIRST_TERM] = -mc;
    out[FIRST_TERM + 1] = oddsRatio;
  }

  /** {@code log(p / (1 - p))} for {@code p = exp(m)}, {@code m < 0}. */
  static double logOdds(double m) {
    return m - StableMath.log1mExp(m);
  }

  /** {@code d logOdds / dm = 1 / (1 - exp(m))}. */
  static double dLogOdds(double m) {
    return -1 / Math.expm1(m);
  }

  @Override
  public String name() {
    return "orpo(lambda=" + lambda + ")";
  }
}
