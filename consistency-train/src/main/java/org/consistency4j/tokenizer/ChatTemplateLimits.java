package org.consistency4j.tokenizer;

import java.time.Duration;
import org.consistency4j.internal.Check;

/**
 * Bounds on one chat template render, so that a hostile or broken template fails with a clear
 * {@link ChatTemplateException} instead of hanging, exhausting memory or overflowing the stack.
 *
 * @param timeout the longest one render may take (checked between statements and loop iterations)
 * @param maxOutputChars the most characters the rendered text, and any string or list built while
 *     rendering, may hold
 * @param maxLoopIterations the most for-loop iterations one render may run, over all loops
 * @param maxRange the largest {@code range(...)} a template may create (Jinja2's sandbox allows
 *     100,000)
 * @param maxNestingDepth the deepest nesting of blocks, brackets and unary operators the parser
 *     accepts, in [1, 500]
 */
public record ChatTemplateLimits(
    Duration timeout, int maxOutputChars, long maxLoopIterations, int maxRange, int maxNestingDepth) {

  /** Validates. */
  public ChatTemplateLimits {
    Check.notNull(timeout, "timeout");
    Check.argument(!timeout.isNegative() && !timeout.isZero(),
        "timeout must be > 0, found " + timeout);
    Check.positive(maxOutputChars, "maxOutputChars");
    Check.positive(maxLoopIterations, "maxLoopIterations");
    Check.positive(maxRange, "maxRange");
    Check.inRange(maxNestingDepth, 1, 500, "maxNestingDepth");
  }

  /**
   * The defaults: 2 s, 8,000,000 characters, 1,000,000 loop iterations, ranges of 100,000 items
   * and 100 nesting levels: far above what real chat templates need.
   */
  public static ChatTemplateLimits defaults() {
    return new ChatTemplateLimits(Duration.ofSeconds(2), 8_000_000, 1_000_000, 100_000, 100);
  }

  /** A copy with another {@code timeout}. */
  public ChatTemplateLimits withTimeout(Duration value) {
    return new ChatTemplateLimits(value, maxOutputChars, maxLoopIterations, maxRange, maxNestingDepth);
  }

  /** A copy with another {@code maxOutputChars}. */
  public ChatTemplateLimits withMaxOutputChars(int value) {
    return new ChatTemplateLimits(timeout, value, maxLoopIterations, maxRange, maxNestingDepth);
  }

  /** A copy with another {@code maxLoopIterations}. */
  public ChatTemplateLimits withMaxLoopIterations(long value) {
    return new ChatTemplateLimits(timeout, maxOutputChars, value, maxRange, maxNestingDepth);
  }

  /** A copy with another {@code maxRange}. */
  public ChatTemplateLimits withMaxRange(int value) {
    return new ChatTemplateLimits(timeout, maxOutputChars, maxLoopIterations, value, maxNestingDepth);
  }

  /** A copy with another {@code maxNestingDepth}. */
  public ChatTemplateLimits withMaxNestingDepth(int value) {
    return new ChatTemplateLimits(timeout, maxOutputChars, maxLoopIterations, maxRange, value);
  }
}
