package org.consistency4j.lora;

import java.util.List;
import java.util.Set;
import org.consistency4j.internal.Check;

/**
 * LoRA settings, with PEFT's meaning: each adapted linear {@code y = x W^T} becomes {@code y = x W^T +
 * (alpha / rank) * x A^T B^T} with {@code A} ({@code [rank, in]}, Kaiming-uniform like PEFT) and {@code
 * B} ({@code [out, rank]}, zeros) trained.
 *
 * @param rank rank of the update, &gt; 0
 * @param alpha scaling numerator, &gt; 0
 * @param targets module names among {@link #SUPPORTED_TARGETS}, non-empty, no duplicates
 * @param seed seed of the initialization of {@code A} and of the dropout masks
 * @param dropout probability, in {@code [0, 1)}, that an input feature of an adapter is zeroed during
 *     training (inverted dropout, as PEFT's {@code lora_dropout}: kept features are scaled by {@code 1
 *     / (1 - dropout)}); masks are drawn from {@code seed}, the step and the micro-batch, so a resumed
 *     run sees the same masks; evaluation and inference use no dropout
 */
public record LoraConfig(int rank, double alpha, List<String> targets, long seed, double dropout) {
  /** Linear modules of Llama-family models that can be adapted. */
  public static final Set<String> SUPPORTED_TARGETS =
      Set.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

  /**
   * The default target modules, as a comma-separated list (a constant, so that command-line options
   * can name it as their default): q_proj and v_proj.
   */
  public static final String DEFAULT_TARGETS = "q_proj,v_proj";

  /** Settings without dropout. */
  public LoraConfig(int rank, double alpha, List<String> targets, long seed) {
    this(rank, alpha, targets, seed, 0.0);
  }

  /** Validates the fields and copies {@code targets}. */
  public LoraConfig {
    Check.argument(dropout >= 0 && dropout < 1, "dropout must be in [0, 1), found " + dropout);
    Check.positive(rank, "rank");
    Check.positive(alpha, "alpha");
    Check.notEmpty(targets, "targets");
    targets = List.copyOf(targets);
    for (String t : targets) {
      Check.argument(SUPPORTED_TARGETS.contains(t),
          "targets must be among " + List.copyOf(new java.util.TreeSet<>(SUPPORTED_TARGETS))
              + ", found " + t);
    }
    Check.argument(Set.copyOf(targets).size() == targets.size(), "targets must not repeat, found "
        + targets);
  }

  /** The common choice: the {@link #DEFAULT_TARGETS}, the {@link #defaultAlpha}, seed 0. */
  public static LoraConfig of(int rank) {
    return new LoraConfig(rank, defaultAlpha(rank), List.of(DEFAULT_TARGETS.split(",")), 0);
  }

  /** The default alpha of a rank: {@code 2 * rank}. */
  public static double defaultAlpha(int rank) {
    return 2.0 * rank;
  }

  /** A copy with {@code dropout} replaced. */
  public LoraConfig withDropout(double dropout) {
    return new LoraConfig(rank, alpha, targets, seed, dropout);
  }

  /** {@code alpha / rank}. */
  public double scale() {
    return alpha / rank;
  }
}
