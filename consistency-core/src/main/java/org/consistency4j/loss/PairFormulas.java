package org.consistency4j.loss;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.consistency4j.internal.Check;

/**
 * The standard losses evaluated as doubles: per {@link StandardLoss}, the per-pair value, its
 * hand-derived gradients with respect to the two policy sums, the margin and the named terms; and
 * their mean over a batch. The definitions are documented on the records.
 */
final class PairFormulas implements StandardLoss.Visitor<PairFormulas.Formula> {
  /** Slots of the per-pair output array. */
  static final int VALUE = 0;

  static final int D_CHOSEN = 1;
  static final int D_REJECTED = 2;
  static final int MARGIN = 3;
  static final int FIRST_TERM = 4;

  private static final PairFormulas INSTANCE = new PairFormulas();

  private PairFormulas() {}

  /** Writes one pair's value, d/dchosen sum, d/drejected sum, margin, then one slot per term. */
  @FunctionalInterface
  interface PerPair {
    void pair(PairLogProbs p, int index, double[] out);
  }

  /** A loss's term names and per-pair function. */
  record Formula(List<String> terms, PerPair perPair) {}

  /** The mean of {@code loss} over {@code batch}, with gradients, margins and terms. */
  static LossValue mean(StandardLoss loss, PreferenceBatch batch) {
    Check.notNull(batch, "batch");
    if (loss.requiresReference() && !batch.hasReference()) {
      throw new IllegalArgumentException(
          loss.name() + " needs reference log-probabilities; the batch has none");
    }
    Formula f = loss.accept(INSTANCE);
    List<String> termNames = f.terms();
    int n = batch.size();
    double[] out = new double[FIRST_TERM + termNames.size()];
    double[] termSums = new double[termNames.size()];
    double value = 0;
    List<Double> dChosen = new ArrayList<>(n);
    List<Double> dRejected = new ArrayList<>(n);
    List<Double> margins = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Arrays.fill(out, 0);
      f.perPair().pair(batch.get(i), i, out);
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
  public Formula rank(StandardLoss.Rank loss) {
    double lambda = loss.lambda();
    return new Formula(List.of("ranking", "sft"), (p, index, out) -> {
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
    });
  }

  @Override
  public Formula dpo(StandardLoss.Dpo loss) {
    double beta = loss.beta();
    return new Formula(List.of(), (p, index, out) -> {
      double h = beta * logRatioDifference(p);
      double s = StableMath.sigmoid(-h);
      out[VALUE] = StableMath.softplus(-h);
      out[D_CHOSEN] = -beta * s;
      out[D_REJECTED] = beta * s;
      out[MARGIN] = h;
    });
  }

  @Override
  public Formula ipo(StandardLoss.Ipo loss) {
    double target = 1 / (2 * loss.tau());
    return new Formula(List.of(), (p, index, out) -> {
      double h = logRatioDifference(p);
      double d = h - target;
      out[VALUE] = d * d;
      out[D_CHOSEN] = 2 * d;
      out[D_REJECTED] = -2 * d;
      out[MARGIN] = h;
    });
  }

  @Override
  public Formula simpo(StandardLoss.SimPo loss) {
    double beta = loss.beta();
    double gamma = loss.gamma();
    return new Formula(List.of(), (p, index, out) -> {
      double h = beta * (p.policyChosenMean() - p.policyRejectedMean()) - gamma;
      double s = StableMath.sigmoid(-h);
      out[VALUE] = StableMath.softplus(-h);
      out[D_CHOSEN] = -beta * s / p.chosenTokens();
      out[D_REJECTED] = beta * s / p.rejectedTokens();
      out[MARGIN] = h;
    });
  }

  @Override
  public Formula orpo(StandardLoss.Orpo loss) {
    double lambda = loss.lambda();
    return new Formula(List.of("nll", "odds_ratio"), (p, index, out) -> {
      double mc = p.policyChosenMean();
      double mr = p.policyRejectedMean();
      if (mc == 0 || mr == 0) {
        throw new IllegalArgumentException(loss.name()
            + " needs policy log-probabilities < 0 (probability 1 has infinite odds): pair " + index
            + " has " + (mc == 0 ? "policyChosen" : "policyRejected") + " = 0.0");
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
    });
  }

  @Override
  public Formula hinge(StandardLoss.Hinge loss) {
    double margin = loss.margin();
    boolean useReference = loss.useReference();
    return new Formula(List.of(), (p, index, out) -> {
      double h = useReference ? logRatioDifference(p) : p.policyChosen() - p.policyRejected();
      double l = margin - h;
      boolean active = l > 0;
      out[VALUE] = active ? l : 0;
      out[D_CHOSEN] = active ? -1 : 0;
      out[D_REJECTED] = active ? 1 : 0;
      out[MARGIN] = h;
    });
  }

  /** {@code (pi_c - ref_c) - (pi_r - ref_r)}: the difference of the policy/reference log-ratios. */
  static double logRatioDifference(PairLogProbs p) {
    return (p.policyChosen() - p.referenceChosen().getAsDouble())
        - (p.policyRejected() - p.referenceRejected().getAsDouble());
  }

  /** {@code log(p / (1 - p))} for {@code p = exp(m)}, {@code m < 0}. */
  static double logOdds(double m) {
    return m - StableMath.log1mExp(m);
  }

  /** {@code d logOdds / dm = 1 / (1 - exp(m))}. */
  static double dLogOdds(double m) {
    return -1 / Math.expm1(m);
  }
}
