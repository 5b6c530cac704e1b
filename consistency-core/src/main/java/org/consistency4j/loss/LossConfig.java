package org.consistency4j.loss;

import org.consistency4j.internal.Check;

/**
 * The typed, immutable description of a loss: its CLI name and every hyperparameter, so that a
 * checkpoint or report can embed it and {@link Losses#create(LossConfig)} can rebuild the loss. Only
 * the fields the named loss uses matter; the others keep their defaults and are still validated.
 *
 * <p>Defaults ({@link #defaults(String)}): rank lambda = 1 (method section 3); dpo beta = 0.1; ipo tau
 * = 0.1; simpo beta = 2.0, gamma = 1.0 (the SimPO paper's range); orpo lambda = 0.1 (the ORPO paper);
 * hinge margin = 1.0 without reference.
 *
 * @param loss one of {@link Losses#names()}
 * @param lambda rank: weight of the SFT term; orpo: weight of the odds-ratio term; finite, {@code >= 0}
 * @param beta dpo and simpo: inverse temperature, finite, {@code > 0}
 * @param tau ipo: regularization, finite, {@code > 0}; the target log-ratio margin is {@code 1/(2 tau)}
 * @param gamma simpo: target reward margin, finite, {@code >= 0}
 * @param margin hinge: required log-probability margin, finite, {@code >= 0}
 * @param useReference hinge: whether the margin is measured on policy/reference log-ratios
 */
public record LossConfig(
    String loss,
    double lambda,
    double beta,
    double tau,
    double gamma,
    double margin,
    boolean useReference) {

  /** Validates; messages name the field. */
  public LossConfig {
    Losses.checkName(loss);
    Check.nonNegative(lambda, "lambda");
    Check.positive(beta, "beta");
    Check.positive(tau, "tau");
    Check.nonNegative(gamma, "gamma");
    Check.nonNegative(margin, "margin");
  }

  /**
   * The documented defaults of the named loss.
   *
   * @param loss one of {@link Losses#names()}
   * @throws IllegalArgumentException for an unknown name
   */
  public static LossConfig defaults(String loss) {
    Losses.checkName(loss);
    Builder b = new Builder(loss);
    switch (loss) {
      case "simpo" -> b.beta(2.0).gamma(1.0);
      case "orpo" -> b.lambda(0.1);
      default -> {
        // the builder's defaults are those of rank, dpo, ipo and hinge
      }
    }
    return b.build();
  }

  /** A builder starting from {@link #defaults(String)} of {@code loss}. */
  public static Builder builder(String loss) {
    return defaults(loss).toBuilder();
  }

  /** A builder initialised with this config's values. */
  public Builder toBuilder() {
    return new Builder(loss)
        .lambda(lambda)
        .beta(beta)
        .tau(tau)
        .gamma(gamma)
        .margin(margin)
        .useReference(useReference);
  }

  /** Whether the loss this config describes needs reference log-probabilities. */
  public boolean requiresReference() {
    return switch (loss) {
      case "dpo", "ipo" -> true;
      case "hinge" -> useReference;
      default -> false;
    };
  }

  /** Builder of {@link LossConfig}; setters are named after the fields. Not thread-safe. */
  public static final class Builder {
    private String loss;
    private double lambda = 1.0;
    private double beta = 0.1;
    private double tau = 0.1;
    private double gamma = 0.0;
    private double margin = 1.0;
    private boolean useReference = false;

    private Builder(String loss) {
      this.loss = loss;
    }

    /** See {@link LossConfig#loss()}. */
    public Builder loss(String value) {
      this.loss = value;
      return this;
    }

    /** See {@link LossConfig#lambda()}. */
    public Builder lambda(double value) {
      this.lambda = value;
      return this;
    }

    /** See {@link LossConfig#beta()}. */
    public Builder beta(double value) {
      this.beta = value;
      return this;
    }

    /** See {@link LossConfig#tau()}. */
    public Builder tau(double value) {
      this.tau = value;
      return this;
    }

    /** See {@link LossConfig#gamma()}. */
    public Builder gamma(double value) {
      this.gamma = value;
      return this;
    }

    /** See {@link LossConfig#margin()}. */
    public Builder margin(double value) {
      this.margin = value;
      return this;
    }

    /** See {@link LossConfig#useReference()}. */
    public Builder useReference(boolean value) {
      this.useReference = value;
      return this;
    }

    /** Validates and builds. */
    public LossConfig build() {
      return new LossConfig(loss, lambda, beta, tau, gamma, margin, useReference);
    }
  }
}
