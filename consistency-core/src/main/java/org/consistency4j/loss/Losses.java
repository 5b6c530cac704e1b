package org.consistency4j.loss;

import java.util.List;
import org.consistency4j.internal.Check;

/**
 * Factories of the standard {@link PairwiseLoss}es and the one mapping from the CLI names {@code
 * rank|dpo|ipo|simpo|orpo|hinge} to objects. Every loss is the mean over pairs of a per-pair loss
 * (see {@link PairwiseLoss}); log-probabilities are natural-log sums over response tokens, and
 * "length-normalized" means {@code m = sum / tokens}. All returned losses are immutable and
 * thread-safe.
 */
public final class Losses {
  private static final List<String> NAMES = List.of("rank", "dpo", "ipo", "simpo", "orpo", "hinge");

  private Losses() {}

  /** The CLI names, in a stable order: rank, dpo, ipo, simpo, orpo, hinge. */
  public static List<String> names() {
    return NAMES;
  }

  /**
   * The paper-style ranking loss (RRHF): per pair {@code max(0, m_r - m_c) + lambda * (-m_c)} with
   * length-normalized log-probabilities {@code m}. The second part is the SFT loss of the chosen
   * (best) response as its mean token negative log-likelihood; when the pairs of a group share their
   * best response (the default pairing), its mean over the group's pairs is the SFT loss of the best
   * response. See {@link #rankingTerm} and {@link #sftTerm} for the parts. Margin: {@code m_c - m_r}.
   *
   * @param lambda weight of the SFT term, finite, {@code >= 0} (method default 1)
   */
  public static PairwiseLoss rank(double lambda) {
    Check.nonNegative(lambda, "lambda");
    return new RankLoss(lambda);
  }

  /**
   * DPO: per pair {@code -log sigmoid(beta * ((pi_c - ref_c) - (pi_r - ref_r)))} on log-probability
   * sums; needs reference log-probabilities. Margin: the DPO logit inside the sigmoid.
   *
   * @param beta inverse temperature, finite, {@code > 0} (commonly 0.1)
   */
  public static PairwiseLoss dpo(double beta) {
    Check.positive(beta, "beta");
    return new DpoLoss(beta);
  }

  /**
   * IPO: per pair {@code (h - 1/(2 tau))^2} with {@code h = (pi_c - ref_c) - (pi_r - ref_r)} on
   * log-probability sums; needs reference log-probabilities. Minimal (0) at {@code h = 1/(2 tau)}.
   * Margin: {@code h}.
   *
   * @param tau regularization, finite, {@code > 0}
   */
  public static PairwiseLoss ipo(double tau) {
    Check.positive(tau, "tau");
    return new IpoLoss(tau);
  }

  /**
   * SimPO: per pair {@code -log sigmoid(beta * (m_c - m_r) - gamma)} with length-normalized
   * log-probabilities; no reference. Margin: the argument of the sigmoid.
   *
   * @param beta scale, finite, {@code > 0} (SimPO paper: 2 to 2.5)
   * @param gamma target reward margin, finite, {@code >= 0}
   */
  public static PairwiseLoss simpo(double beta, double gamma) {
    Check.positive(beta, "beta");
    Check.nonNegative(gamma, "gamma");
    return new SimPoLoss(beta, gamma);
  }

  /**
   * ORPO: per pair {@code -m_c + lambda * (-log sigmoid(logodds(m_c) - logodds(m_r)))} with {@code
   * logodds(m) = m - log(1 - exp(m))} of the length-normalized log-probability; no reference. Needs
   * every policy log-probability {@code < 0}. Margin: the log odds ratio.
   *
   * @param lambda weight of the odds-ratio term, finite, {@code >= 0} (ORPO paper: 0.1)
   */
  public static PairwiseLoss orpo(double lambda) {
    Check.nonNegative(lambda, "lambda");
    return new OrpoLoss(lambda);
  }

  /**
   * Hinge / SLiC without reference: per pair {@code max(0, margin - (pi_c - pi_r))} on
   * log-probability sums. Margin (of the result): {@code pi_c - pi_r}.
   *
   * @param margin required log-probability margin, finite, {@code >= 0}
   */
  public static PairwiseLoss hinge(double margin) {
    Check.nonNegative(margin, "margin");
    return new HingeLoss(margin, false);
  }

  /**
   * Hinge / SLiC measured on policy/reference log-ratios: per pair {@code max(0, margin - ((pi_c -
   * ref_c) - (pi_r - ref_r)))}; needs reference log-probabilities.
   *
   * @param margin required margin, finite, {@code >= 0}
   */
  public static PairwiseLoss hingeWithReference(double margin) {
    Check.nonNegative(margin, "margin");
    return new HingeLoss(margin, true);
  }

  /**
   * The named loss with its documented defaults ({@link LossConfig#defaults(String)}).
   *
   * @param name one of {@link #names()}
   * @throws IllegalArgumentException for an unknown name
   */
  public static PairwiseLoss byName(String name) {
    return create(LossConfig.defaults(name));
  }

  /**
   * The loss that {@code config} describes.
   *
   * @param config the loss name and hyperparameters
   */
  public static PairwiseLoss create(LossConfig config) {
    Check.notNull(config, "config");
    return switch (config.loss()) {
      case "rank" -> rank(config.lambda());
      case "dpo" -> dpo(config.beta());
      case "ipo" -> ipo(config.tau());
      case "simpo" -> simpo(config.beta(), config.gamma());
      case "orpo" -> orpo(config.lambda());
      case "hinge" ->
          config.useReference() ? hingeWithReference(config.margin()) : hinge(config.margin());
      default -> throw new IllegalStateException("unmapped loss " + config.loss());
    };
  }

  /**
   * The ranking part of {@link #rank}: {@code max(0, meanRejected - meanChosen)}.
   *
   * @param meanChosen length-normalized log-probability of the chosen response
   * @param meanRejected length-normalized log-probability of the rejected response
   */
  public static double rankingTerm(double meanChosen, double meanRejected) {
    return Math.max(0, meanRejected - meanChosen);
  }

  /**
   * The SFT part of {@link #rank} (unweighted): {@code -meanChosen}, the mean token negative
   * log-likelihood of the chosen response.
   *
   * @param meanChosen length-normalized log-probability of the chosen response
   */
  public static double sftTerm(double meanChosen) {
    return -meanChosen;
  }

  static void checkName(String name) {
    Check.notNull(name, "loss");
    if (!NAMES.contains(name)) {
      throw new IllegalArgumentException(
          "loss must be one of " + String.join(", ", NAMES) + ", found " + name);
    }
  }
}
