package org.consistency4j.train;

import static org.consistency4j.autodiff.Emitter.attr;

import java.util.List;
import java.util.Objects;
import org.consistency4j.autodiff.Emitter;

/**
 * Causal language-model losses built as ONNX graph nodes (so {@link org.consistency4j.autodiff.Autodiff}
 * can differentiate them). Labels follow the Hugging Face convention: {@code labels} has the shape of
 * {@code input_ids} ({@code [batch, seq]}, int64), the logits at position {@code t} predict {@code
 * labels[:, t + 1]}, and {@code -100} marks positions that are not targets (prompt, padding). Stateless.
 */
public final class LmLosses {
  /** The label value that excludes a position from every loss. */
  public static final long IGNORE_INDEX = -100;

  private LmLosses() {}

  /**
   * Per-position results shared by the losses.
   *
   * @param tokenLogProbs {@code [batch, seq-1]}: {@code log p(label_{t+1} | x_<=t)}, 0 where ignored
   * @param mask {@code [batch, seq-1]}: 1 for target positions, 0 elsewhere (logits' element type)
   */
  public record TokenLogProbs(String tokenLogProbs, String mask) {
    /** Validates the names. */
    public TokenLogProbs {
      Objects.requireNonNull(tokenLogProbs, "tokenLogProbs must not be null");
      Objects.requireNonNull(mask, "mask must not be null");
    }
  }

  /**
   * Cross-entropy outputs.
   *
   * @param loss scalar: mean negative log-likelihood over all target tokens of the batch (0 if none)
   * @param sum scalar: summed negative log-likelihood (for exact accumulation over micro-batches)
   * @param targetCount scalar: number of target tokens, in the logits' element type
   */
  public record CrossEntropy(String loss, String sum, String targetCount) {
    /** Validates the names. */
    public CrossEntropy {
      Objects.requireNonNull(loss, "loss must not be null");
      Objects.requireNonNull(sum, "sum must not be null");
      Objects.requireNonNull(targetCount, "targetCount must not be null");
    }
  }

  /**
   * Per-sequence log-probabilities of the target tokens, as pairwise losses (DPO and friends) need them.
   *
   * @param sum {@code [batch]}: summed log-probability of each sequence's target tokens
   * @param mean {@code [batch]}: the mean over its target tokens (0 for a sequence without targets)
   * @param count {@code [batch]}: number of target tokens per sequence
   */
  public record SequenceLogProbs(String sum, String mean, String count) {
    /** Validates the names. */
    public SequenceLogProbs {
      Objects.requireNonNull(sum, "sum must not be null");
      Objects.requireNonNull(mean, "mean must not be null");
      Objects.requireNonNull(count, "count must not be null");
    }
  }

  /**
   * Appends shifted, masked target-token log-probabilities.
   *
   * @param e where to append
   * @param logits {@code [batch, seq, vocab]} floating-point logits
   * @param labels {@code [batch, seq]} int64 labels with {@link #IGNORE_INDEX} for non-targets
   */
  public static TokenLogProbs tokenLogProbs(Emitter e, String logits, String labels) {
    Objects.requireNonNull(e, "e must not be null");
    String shiftedLogits = e.op("Slice", logits, e.ints(0), e.ints(-1), e.ints(1));
    String shiftedLabels = e.op("Slice", labels, e.ints(1), e.ints(Long.MAX_VALUE), e.ints(1));
    String isTarget = e.op("Not", e.op("Equal", shiftedLabels, e.scalarInt(IGNORE_INDEX)));
    String mask = e.op("CastLike", isTarget, logits);
    String safeLabels = e.op("Where", isTarget, shiftedLabels, e.scalarInt(0));
    String logp = e.op("LogSoftmax", List.of(shiftedLogits), attr("axis", -1L));
    String picked =
        e.op(
            "GatherElements",
            List.of(logp, e.op("Unsqueeze", safeLabels, e.ints(-1))),
            attr("axis", -1L));
    String perToken = e.op("Squeeze", picked, e.ints(-1));
    return new TokenLogProbs(e.mul(perToken, mask), mask);
  }

  /** Appends the mean cross-entropy over target tokens (see {@link CrossEntropy}). */
  public static CrossEntropy crossEntropy(Emitter e, String logits, String labels) {
    TokenLogProbs t = tokenLogProbs(e, logits, labels);
    String sum = e.neg(e.reduceSumAll(t.tokenLogProbs()));
    String count = e.reduceSumAll(t.mask());
    String denom = e.op("Max", count, e.scalarLike(1.0, count));
    return new CrossEntropy(e.div(sum, denom), sum, count);
  }

  /** Appends per-sequence summed and mean target-token log-probabilities. */
  public static SequenceLogProbs sequenceLogProbs(Emitter e, String logits, String labels) {
    TokenLogProbs t = tokenLogProbs(e, logits, labels);
    String sum = e.reduceSum(t.tokenLogProbs(), false, 1);
    String count = e.reduceSum(t.mask(), false, 1);
    String denom = e.op("Max", count, e.scalarLike(1.0, count));
    return new SequenceLogProbs(sum, e.div(sum, denom), count);
  }
}
