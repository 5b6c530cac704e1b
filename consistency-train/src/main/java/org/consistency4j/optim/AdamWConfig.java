package org.consistency4j.optim;

import org.consistency4j.internal.Check;

/**
 * Hyper-parameters of {@link AdamW}, matching {@code torch.optim.AdamW} (without amsgrad).
 *
 * @param beta1 decay of the first-moment average, in [0, 1)
 * @param beta2 decay of the second-moment average, in [0, 1)
 * @param epsilon added to the root of the second moment, &gt; 0
 * @param weightDecay decoupled weight decay per unit learning rate, &gt;= 0
 * @param maxGradNorm global L2 norm the gradients are clipped to, &gt; 0 ({@code
 *     Double.POSITIVE_INFINITY} disables clipping)
 */
public record AdamWConfig(
    double beta1, double beta2, double epsilon, double weightDecay, double maxGradNorm) {
  /** Validates every field; messages name the field, the rule and the value. */
  public AdamWConfig {
    Check.argument(beta1 >= 0 && beta1 < 1, "beta1 must be in [0, 1), found " + beta1);
    Check.argument(beta2 >= 0 && beta2 < 1, "beta2 must be in [0, 1), found " + beta2);
    Check.positive(epsilon, "epsilon");
    Check.nonNegative(weightDecay, "weightDecay");
    Check.argument(maxGradNorm > 0, "maxGradNorm must be > 0, found " + maxGradNorm);
  }

  /** PyTorch's defaults with Hugging Face Trainer's clipping: betas (0.9, 0.999), eps 1e-8, decay 0, clip 1. */
  public static AdamWConfig defaults() {
    return new AdamWConfig(0.9, 0.999, 1e-8, 0.0, 1.0);
  }

  /** A copy with {@code weightDecay} replaced. */
  public AdamWConfig withWeightDecay(double weightDecay) {
    return new AdamWConfig(beta1, beta2, epsilon, weightDecay, maxGradNorm);
  }

  /** A copy with {@code maxGradNorm} replaced. */
  public AdamWConfig withMaxGradNorm(double maxGradNorm) {
    return new AdamWConfig(beta1, beta2, epsilon, weightDecay, maxGradNorm);
  }

  /** A copy with {@code beta1} and {@code beta2} replaced. */
  public AdamWConfig withBetas(double beta1, double beta2) {
    return new AdamWConfig(beta1, beta2, epsilon, weightDecay, maxGradNorm);
  }

  /** A copy with {@code epsilon} replaced. */
  public AdamWConfig withEpsilon(double epsilon) {
    return new AdamWConfig(beta1, beta2, epsilon, weightDecay, maxGradNorm);
  }
}
