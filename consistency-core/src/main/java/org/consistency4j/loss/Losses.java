package org.consistency4j.loss;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.consistency4j.internal.Check;

/**
 * Factories of the {@link StandardLoss}es and the one mapping from the CLI names {@code
 * rank|dpo|ipo|simpo|orpo|hinge} and their parameters to objects, with the defaults. Every loss is the mean over pairs of a per-pair loss
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
   * The paper-style ranking loss (RRHF), {@link StandardLoss.Rank}. When the pairs of a group share
   * their best response (the default pairing), the mean of the SFT part over the group's pairs is the
   * SFT loss of the best response. See {@link #rankingTerm} and {@link #sftTerm} for the parts.
   *
   * @param lambda weight of the SFT term, finite, {@code >= 0} (method default 1)
   */
  public static StandardLoss.Rank rank(double lambda) {
    return new StandardLoss.Rank(lambda);
  }

  /**
   * DPO, {@link StandardLoss.Dpo}; needs reference log-probabilities.
   *
   * @param beta inverse temperature, finite, {@code > 0} (commonly 0.1)
   */
  public static StandardLoss.Dpo dpo(double beta) {
    return new StandardLoss.Dpo(beta);
  }

  /**
   * IPO, {@link StandardLoss.Ipo}; needs reference log-probabilities.
   *
   * @param tau regularization, finite, {@code > 0}
   */
  public static StandardLoss.Ipo ipo(double tau) {
    return new StandardLoss.Ipo(tau);
  }

  /**
   * SimPO, {@link StandardLoss.SimPo}; no reference.
   *
   * @param beta scale, finite, {@code > 0} (SimPO paper: 2 to 2.5)
   * @param gamma target reward margin, finite, {@code >= 0}
   */
  public static StandardLoss.SimPo simpo(double beta, double gamma) {
    return new StandardLoss.SimPo(beta, gamma);
  }

  /**
   * ORPO, {@link StandardLoss.Orpo}; no reference. Needs every policy log-probability {@code < 0}.
   *
   * @param lambda weight of the odds-ratio term, finite, {@code >= 0} (ORPO paper: 0.1)
   */
  public static StandardLoss.Orpo orpo(double lambda) {
    return new StandardLoss.Orpo(lambda);
  }

  /**
   * Hinge / SLiC without reference, {@link StandardLoss.Hinge}, on log-probability sums.
   *
   * @param margin required log-probability margin, finite, {@code >= 0}
   */
  public static StandardLoss.Hinge hinge(double margin) {
    return new StandardLoss.Hinge(margin, false);
  }

  /**
   * Hinge / SLiC measured on policy/reference log-ratios, {@link StandardLoss.Hinge}; needs reference
   * log-probabilities.
   *
   * @param margin required margin, finite, {@code >= 0}
   */
  public static StandardLoss.Hinge hingeWithReference(double margin) {
    return new StandardLoss.Hinge(margin, true);
  }

  /**
   * The named loss with its documented defaults: rank lambda = 1 (method section 3); dpo beta = 0.1;
   * ipo tau = 0.1; simpo beta = 2.0, gamma = 1.0 (the SimPO paper's range); orpo lambda = 0.1 (the
   * ORPO paper); hinge margin = 1.0 without reference.
   *
   * @param name one of {@link #names()}
   * @throws IllegalArgumentException for an unknown name
   */
  public static StandardLoss byName(String name) {
    return byName(name, Map.of());
  }

  /**
   * The named loss with the given parameters and the {@linkplain #byName(String) defaults} for the
   * others: the one mapping from CLI names and parameter names ({@link StandardLoss#parameters()}) to
   * losses.
   *
   * @param name one of {@link #names()}
   * @param parameters parameter values by name ({@code lambda}, {@code beta}, {@code tau}, {@code
   *     gamma}, {@code margin}); each must be one the named loss has
   * @throws IllegalArgumentException for an unknown name, a parameter the loss does not have (naming
   *     the loss's parameters) or a value out of range (naming the parameter)
   */
  public static StandardLoss byName(String name, Map<String, Double> parameters) {
    Check.notNull(name, "loss");
    Check.notNull(parameters, "parameters");
    Map<String, Double> p = new LinkedHashMap<>(parameters);
    StandardLoss loss = switch (name) {
      case "rank" -> rank(take(p, "lambda", 1.0));
      case "dpo" -> dpo(take(p, "beta", 0.1));
      case "ipo" -> ipo(take(p, "tau", 0.1));
      case "simpo" -> simpo(take(p, "beta", 2.0), take(p, "gamma", 1.0));
      case "orpo" -> orpo(take(p, "lambda", 0.1));
      case "hinge" -> hinge(take(p, "margin", 1.0));
      default -> throw new IllegalArgumentException(
          "loss must be one of " + String.join(", ", NAMES) + ", found " + name);
    };
    if (!p.isEmpty()) {
      throw new IllegalArgumentException("loss " + name + " has no parameter "
          + String.join(", ", p.keySet()) + "; its parameters: "
          + String.join(", ", loss.parameters().keySet()));
    }
    return loss;
  }

  private static double take(Map<String, Double> parameters, String name, double defaultValue) {
    Double v = parameters.remove(name);
    return v == null ? defaultValue : v;
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
}
