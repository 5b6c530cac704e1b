package org.consistency4j.loss;

import java.util.List;

/**
 * The paper-style ranking loss (RRHF): per pair {@code max(0, m_r - m_c) + lambda * (-m_c)}, with
 * {@code m = sum / tokens} the length-normalized log-probability. Margin: {@code m_c - m_r}. Terms:
 * {@code "ranking"} (the hinge) and {@code "sft"} (the unweighted SFT term, {@code -m_c}). At the
 * kink {@code m_r == m_c} the hinge's subgradient 0 is used.
 */
final class RankLoss extends MeanPairLoss {
  private final double lambda;

  RankLoss(double lambda) {
    super(List.of("ranking", "sft"));
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
    double ranking = Losses.rankingTerm(mc, mr);
    double sft = Losses.sftTerm(mc);
    double active = mr > mc ? 1 : 0;
    out[VALUE] = ranking + lambda * sft;
    out[D_CHOSEN] = (-active - lambda) / p.chosenTokens();
    out[D_REJECTED] = active / p.rejectedTokens();
    out[MARGIN] = mc - mr;
    out[FIRST_TERM] = ranking;
    out[FIRST_TERM + 1] = sft;
  }

  @Override
  public String name() {
    return "rank(lambda=" + lambda + ")";
  }
}
