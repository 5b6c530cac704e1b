package org.consistency4j.loss;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import org.consistency4j.internal.Check;

/**
 * The standard pairwise losses as values: each record carries only its own parameters, validated in
 * its compact constructor, and is the loss itself ({@link #compute} in pure Java with exact
 * gradients). Checkpoints and reports record a loss by its CLI name ({@link #loss()}) and {@link
 * #parameters()}; {@link Losses#byName(String, Map)} parses that form back, the one place where names
 * and defaults live. Other evaluations of the same losses (the graph fragments of
 * consistency-train) go through {@link #accept}, so the compiler checks that every loss is handled.
 * Every loss is the mean over pairs of a per-pair loss (see {@link PairwiseLoss}); immutable and
 * thread-safe.
 */
public sealed interface StandardLoss extends PairwiseLoss
    permits StandardLoss.Rank, StandardLoss.Dpo, StandardLoss.Ipo, StandardLoss.SimPo,
        StandardLoss.Orpo, StandardLoss.Hinge {

  /** The CLI name: {@code rank}, {@code dpo}, {@code ipo}, {@code simpo}, {@code orpo} or {@code hinge}. */
  String loss();

  /** The loss's own parameters by name, in a stable order, as {@link Double#toString} or booleans. */
  Map<String, String> parameters();

  /**
   * Evaluates this loss with {@code visitor}.
   *
   * @param <R> the visitor's result
   */
  <R> R accept(Visitor<R> visitor);

  @Override
  default LossValue compute(PreferenceBatch batch) {
    return PairFormulas.mean(this, batch);
  }

  /**
   * The CLI name with the parameters, for example {@code "dpo(beta=0.1)"}, {@code "simpo(beta=2.0,
   * gamma=1.0)"} or {@code "hinge(margin=1.0, reference)"} (a reference hinge).
   */
  @Override
  default String name() {
    StringJoiner parts = new StringJoiner(", ", loss() + "(", ")");
    parameters().forEach((k, v) -> {
      if (!k.equals("useReference")) {
        parts.add(k + "=" + v);
      } else if (v.equals("true")) {
        parts.add("reference");
      }
    });
    return parts.toString();
  }

  /**
   * One method per standard loss: an implementation handles all of them, which the compiler checks.
   *
   * @param <R> the result of an evaluation
   */
  interface Visitor<R> {
    /** Evaluates {@link Rank}. */
    R rank(Rank loss);

    /** Evaluates {@link Dpo}. */
    R dpo(Dpo loss);

    /** Evaluates {@link Ipo}. */
    R ipo(Ipo loss);

    /** Evaluates {@link SimPo}. */
    R simpo(SimPo loss);

    /** Evaluates {@link Orpo}. */
    R orpo(Orpo loss);

    /** Evaluates {@link Hinge}. */
    R hinge(Hinge loss);
  }

  /**
   * The paper-style ranking loss (RRHF): per pair {@code max(0, m_r - m_c) + lambda * (-m_c)}, with
   * {@code m = sum / tokens} the length-normalized log-probability. The second part is the SFT loss of
   * the chosen (best) response as its mean token negative log-likelihood. Margin: {@code m_c - m_r}.
   * Terms: {@code "ranking"} (the hinge) and {@code "sft"} (unweighted, {@code -m_c}). At the kink
   * {@code m_r == m_c} the hinge's subgradient 0 is used.
   *
   * @param lambda weight of the SFT term, finite, {@code >= 0} (method default 1)
   */
  record Rank(double lambda) implements StandardLoss {
    /** Validates. */
    public Rank {
      Check.nonNegative(lambda, "lambda");
    }

    @Override
    public String loss() {
      return "rank";
    }

    @Override
    public Map<String, String> parameters() {
      return Map.of("lambda", Double.toString(lambda));
    }

    @Override
    public boolean lengthNormalized() {
      return true;
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.rank(this);
    }
  }

  /**
   * DPO (Rafailov et al. 2023): per pair {@code -log sigmoid(h)} with {@code h = beta * ((pi_c -
   * ref_c) - (pi_r - ref_r))} on log-probability sums; needs reference log-probabilities. Margin:
   * {@code h} (the "DPO logit").
   *
   * @param beta inverse temperature, finite, {@code > 0} (commonly 0.1)
   */
  record Dpo(double beta) implements StandardLoss {
    /** Validates. */
    public Dpo {
      Check.positive(beta, "beta");
    }

    @Override
    public String loss() {
      return "dpo";
    }

    @Override
    public Map<String, String> parameters() {
      return Map.of("beta", Double.toString(beta));
    }

    @Override
    public boolean requiresReference() {
      return true;
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.dpo(this);
    }
  }

  /**
   * IPO (Azar et al. 2023): per pair {@code (h - 1/(2 tau))^2} with {@code h = (pi_c - ref_c) - (pi_r
   * - ref_r)} on log-probability sums, as in the paper (TRL's implementation uses token means
   * instead); needs reference log-probabilities. Minimal (0) at {@code h = 1/(2 tau)}. Margin: {@code
   * h}.
   *
   * @param tau regularization, finite, {@code > 0}
   */
  record Ipo(double tau) implements StandardLoss {
    /** Validates. */
    public Ipo {
      Check.positive(tau, "tau");
    }

    @Override
    public String loss() {
      return "ipo";
    }

    @Override
    public Map<String, String> parameters() {
      return Map.of("tau", Double.toString(tau));
    }

    @Override
    public boolean requiresReference() {
      return true;
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.ipo(this);
    }
  }

  /**
   * SimPO (Meng et al. 2024): per pair {@code -log sigmoid(h)} with {@code h = beta * (m_c - m_r) -
   * gamma}, {@code m = sum / tokens}; no reference model. Margin: {@code h}.
   *
   * @param beta scale, finite, {@code > 0} (SimPO paper: 2 to 2.5)
   * @param gamma target reward margin, finite, {@code >= 0}
   */
  record SimPo(double beta, double gamma) implements StandardLoss {
    /** Validates. */
    public SimPo {
      Check.positive(beta, "beta");
      Check.nonNegative(gamma, "gamma");
    }

    @Override
    public String loss() {
      return "simpo";
    }

    @Override
    public Map<String, String> parameters() {
      return ordered("beta", Double.toString(beta), "gamma", Double.toString(gamma));
    }

    @Override
    public boolean lengthNormalized() {
      return true;
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.simpo(this);
    }
  }

  /**
   * ORPO (Hong et al. 2024): per pair {@code -m_c + lambda * (-log sigmoid(r))}, where {@code m = sum
   * / tokens}, {@code r = logodds(m_c) - logodds(m_r)} and {@code logodds(m) = m - log(1 - exp(m))}
   * (the log-odds of the length-normalized sequence probability), as in TRL's ORPOTrainer with {@code
   * beta = lambda}. Needs every policy log-probability {@code < 0}. Margin: {@code r}. Terms: {@code
   * "nll"} and {@code "odds_ratio"} (unweighted).
   *
   * @param lambda weight of the odds-ratio term, finite, {@code >= 0} (ORPO paper: 0.1)
   */
  record Orpo(double lambda) implements StandardLoss {
    /** Validates. */
    public Orpo {
      Check.nonNegative(lambda, "lambda");
    }

    @Override
    public String loss() {
      return "orpo";
    }

    @Override
    public Map<String, String> parameters() {
      return Map.of("lambda", Double.toString(lambda));
    }

    @Override
    public boolean lengthNormalized() {
      return true;
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.orpo(this);
    }
  }

  /**
   * Hinge / SLiC (Zhao et al. 2023): per pair {@code max(0, margin - h)} with {@code h = pi_c - pi_r}
   * on log-probability sums, or, with {@code useReference}, {@code h = (pi_c - ref_c) - (pi_r -
   * ref_r)}. At the kink the subgradient 0 is used. Margin (of the result): {@code h}.
   *
   * @param margin required log-probability margin, finite, {@code >= 0}
   * @param useReference whether {@code h} is measured on policy/reference log-ratios (then reference
   *     log-probabilities are needed)
   */
  record Hinge(double margin, boolean useReference) implements StandardLoss {
    /** Validates. */
    public Hinge {
      Check.nonNegative(margin, "margin");
    }

    @Override
    public String loss() {
      return "hinge";
    }

    @Override
    public Map<String, String> parameters() {
      return ordered("margin", Double.toString(margin), "useReference",
          Boolean.toString(useReference));
    }

    @Override
    public boolean requiresReference() {
      return useReference;
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.hinge(this);
    }
  }

  private static Map<String, String> ordered(String... keysAndValues) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return java.util.Collections.unmodifiableMap(m);
  }
}
