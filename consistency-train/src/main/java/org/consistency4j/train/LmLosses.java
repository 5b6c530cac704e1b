package org.consistency4j.train;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.consistency4j.graph.GraphBuilder;
import org.consistency4j.graph.Tensor;
import org.consistency4j.graph.Value;

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
  public record TokenLogProbs(Value tokenLogProbs, Value mask) {
    /** Validates the values. */
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
  public record CrossEntropy(Value loss, Value sum, Value targetCount) {
    /** Validates the values. */
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
  public record SequenceLogProbs(Value sum, Value mean, Value count) {
    /** Validates the values. */
    public SequenceLogProbs {
      Objects.requireNonNull(sum, "sum must not be null");
      Objects.requireNonNull(mean, "mean must not be null");
      Objects.requireNonNull(count, "count must not be null");
    }
  }

  /**
   * Appends shifted, masked target-token log-probabilities.
   *
   * @param g where to append
   * @param logits {@code [batch, seq, vocab]} floating-point logits
   * @param labels {@code [batch, seq]} int64 labels with {@link #IGNORE_INDEX} for non-targets
   */
  public static TokenLogProbs tokenLogProbs(GraphBuilder g, Value logits, Value labels) {
    Objects.requireNonNull(g, "g must not be null");
    // The labels are shifted, not the logits: each position gets the next label (IGNORE_INDEX after
    // the last), the log-softmax runs over the logits as they are, and only the per-token result
    // is cut to seq - 1. Slicing the [batch, seq, vocab] logits would copy them, and their gradient
    // would be padded back into another copy (the same values, two fewer vocabulary-wide tensors).
    Value padded = g.op("Pad", List.of(labels, g.constant(Tensor.vector(0L, 0L, 0L, 1L)),
        g.constant(Tensor.scalar(IGNORE_INDEX))), Map.of(), 1).get(0);
    Value next = g.slice(padded, 1, 1, Long.MAX_VALUE);
    Value isNextTarget = g.not(g.equal(next, g.constant(Tensor.scalar(IGNORE_INDEX))));
    Value safeLabels = g.where(isNextTarget, next, g.constant(Tensor.scalar(0L)));
    Value logp = g.logSoftmax(logits, -1);
    Value picked = g.squeeze(g.gatherElements(logp, g.unsqueeze(safeLabels, -1), -1), -1);
    Value perToken = g.slice(picked, 1, 0, -1);
    Value mask = g.op("CastLike", Map.of(), g.slice(isNextTarget, 1, 0, -1), logits);
    return new TokenLogProbs(g.mul(perToken, mask), mask);
  }

  /** Appends the mean cross-entropy over target tokens (see {@link CrossEntropy}). */
  public static CrossEntropy crossEntropy(GraphBuilder g, Value logits, Value labels) {
    TokenLogProbs t = tokenLogProbs(g, logits, labels);
    Value sum = g.neg(g.reduceSum(t.tokenLogProbs(), false));
    Value count = g.reduceSum(t.mask(), false);
    Value denom = g.max(count, g.scalarLike(count, 1.0));
    return new CrossEntropy(g.div(sum, denom), sum, count);
  }

  /** Appends per-sequence summed and mean target-token log-probabilities. */
  public static SequenceLogProbs sequenceLogProbs(GraphBuilder g, Value logits, Value labels) {
    TokenLogProbs t = tokenLogProbs(g, logits, labels);
    Value sum = g.reduceSum(t.tokenLogProbs(), false, 1);
    Value count = g.reduceSum(t.mask(), false, 1);
    Value denom = g.max(count, g.scalarLike(count, 1.0));
    return new SequenceLogProbs(sum, g.div(sum, denom), count);
  }
}
