package org.consistency4j.loss;

/**
 * Numerically stable scalar functions used by the losses: softplus, log-sigmoid, sigmoid and
 * {@code log(1 - exp(a))}. They are exact to double precision over the whole real line (no overflow
 * for large |x|), and public so that a graph implementation of the same losses can be checked against
 * them. Stateless and thread-safe.
 */
public final class StableMath {
  private static final double LN2 = Math.log(2);

  private StableMath() {}

  /**
   * {@code softplus(x) = log(1 + exp(x))}, computed without overflow.
   *
   * @param x any finite value
   * @return a value {@code >= 0} (exactly {@code x} plus a vanishing term for large x)
   */
  public static double softplus(double x) {
    return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
  }

  /**
   * {@code log(sigmoid(x)) = -softplus(-x)}.
   *
   * @param x any finite value
   * @return a value {@code <= 0}
   */
  public static double logSigmoid(double x) {
    return -softplus(-x);
  }

  /**
   * {@code sigmoid(x) = 1 / (1 + exp(-x))}, the derivative of {@link #softplus}, computed without
   * overflow.
   *
   * @param x any finite value
   * @return a value in [0, 1]
   */
  public static double sigmoid(double x) {
    if (x >= 0) {
      return 1 / (1 + Math.exp(-x));
    }
    double e = Math.exp(x);
    return e / (1 + e);
  }

  /**
   * {@code log(1 - exp(a))} for {@code a < 0}, using {@code log(-expm1(a))} near 0 and {@code
   * log1p(-exp(a))} further away (Maechler 2012), which keeps full precision in both regimes.
   *
   * @param a a value {@code < 0}
   * @return a value {@code < 0}; {@code -Infinity} when {@code a} is 0
   * @throws IllegalArgumentException if {@code a > 0} or NaN
   */
  public static double log1mExp(double a) {
    if (!(a <= 0)) {
      throw new IllegalArgumentException("a must be <= 0, found " + a);
    }
    return a > -LN2 ? Math.log(-Math.expm1(a)) : Math.log1p(-Math.exp(a));
  }
}
