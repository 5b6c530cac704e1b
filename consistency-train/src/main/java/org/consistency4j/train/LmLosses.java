package org.consistency4j.train;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.consistency4j.graph.DType;
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
   * Target-token log-probabilities computed at the target positions only (see {@link
   * #targetLogProbs}).
   *
   * @param tokenLogProbs {@code [batch, seq-1]}: as {@link TokenLogProbs#tokenLogProbs} (0 where
   *     ignored), gathered back from {@code logProbs}
   * @param mask {@code [batch, seq-1]}: as {@link TokenLogProbs#mask}
   * @param logProbs {@code [targets]}: {@code log p(label_{t+1} | x_<=t)} of each target position, in
   *     row-major order of the positions
   * @param logits {@code [targets, vocab]}: the head's logits at the target positions
   * @param logSoftmax {@code [targets, vocab]}: their log-softmax
   * @param labels {@code [targets]} int64: the target token of each
   */
  public record TargetLogProbs(Value tokenLogProbs, Value mask, Value logProbs, Value logits,
      Value logSoftmax, Value labels) {
    /** Validates the values. */
    public TargetLogProbs {
      Objects.requireNonNull(tokenLogProbs, "tokenLogProbs must not be null");
      Objects.requireNonNull(mask, "mask must not be null");
      Objects.requireNonNull(logProbs, "logProbs must not be null");
      Objects.requireNonNull(logits, "logits must not be null");
      Objects.requireNonNull(logSoftmax, "logSoftmax must not be null");
      Objects.requireNonNull(labels, "labels must not be null");
    }

    /** The per-position part, as {@link #tokenLogProbs(GraphBuilder, Value, Value)} returns it. */
    public TokenLogProbs perPosition() {
      return new TokenLogProbs(tokenLogProbs, mask);
    }
  }

  /**
   * The target-token log-probabilities of {@link #tokenLogProbs}, with the LM head and the
   * vocabulary-wide log-softmax applied only to the rows of the hidden states whose next label is a
   * target: a position without a target (prompt, padding, the last one) costs no head product and
   * no vocabulary-wide row, in the forward and in the backward pass. The per-position values are
   * gathered back into the {@code [batch, seq-1]} layout of {@link #tokenLogProbs} (zeros elsewhere),
   * so sums over them are formed as over the full logits.
   *
   * @param g where to append
   * @param hidden {@code [batch, seq, hidden]} states that the head maps to logits row by row
   * @param hiddenSize the last dim of {@code hidden}
   * @param head maps {@code [n, hidden]} rows to {@code [n, vocab]} logits (applied once)
   * @param labels {@code [batch, seq]} int64 labels with {@link #IGNORE_INDEX} for non-targets
   */
  public static TargetLogProbs targetLogProbs(GraphBuilder g, Value hidden, long hiddenSize,
      UnaryOperator<Value> head, Value labels) {
    Objects.requireNonNull(g, "g must not be null");
    Objects.requireNonNull(head, "head must not be null");
    NextLabels next = nextLabels(g, labels);
    // Flat positions (row * seq + t) whose next label is a target.
    Value isTarget = g.reshape(next.isTarget(), -1);
    Value flat = g.reshape(g.op("NonZero", Map.of(), isTarget), -1);
    Value picked = g.gather(g.reshape(hidden, -1, hiddenSize), flat, 0);
    Value targets = g.gather(g.reshape(next.safeLabels(), -1), flat, 0);
    Value logits = head.apply(picked);
    Value logp = g.logSoftmax(logits, -1);
    Value lp = g.squeeze(g.gatherElements(logp, g.unsqueeze(targets, -1), -1), -1);
    // Back to [batch, seq]: position p reads lp[k] when it is the k-th target, else a trailing 0.
    Value count = g.size(lp);
    Value rank = g.sub(g.op("CumSum", Map.of(), g.cast(isTarget, DType.INT64),
        g.constant(Tensor.scalar(0L))), g.constant(Tensor.scalar(1L)));
    Value source = g.where(isTarget, rank, count);
    Value padded = g.concat(0, lp, g.constantOfShape(g.longs(1), lp.dtype(), 0));
    Value all = g.reshape(g.gather(padded, source, 0), g.shape(labels));
    Value mask = g.op("CastLike", Map.of(), g.slice(next.isTarget(), 1, 0, -1), lp);
    return new TargetLogProbs(g.slice(all, 1, 0, -1), mask, lp, logits, logp, targets);
  }

  /**
   * Per-sequence sums and means of {@link #targetLogProbs} (the values of {@link #sequenceLogProbs}
   * over the full logits).
   */
  public static SequenceLogProbs sequenceLogProbs(GraphBuilder g, TargetLogProbs t) {
    Objects.requireNonNull(t, "t must not be null");
    return sequenceLogProbs(g, t.perPosition());
  }

  private static SequenceLogProbs sequenceLogProbs(GraphBuilder g, TokenLogProbs t) {
    Value sum = g.reduceSum(t.tokenLogProbs(), false, 1);
    Value count = g.reduceSum(t.mask(), false, 1);
    Value denom = g.max(count, g.scalarLike(count, 1.0));
    return new SequenceLogProbs(sum, g.div(sum, denom), count);
  }

  /** Each position's next label, whether it is a target, and the label with 0 where it is not. */
  private record NextLabels(Value isTarget, Value safeLabels) {}

  private static NextLabels nextLabels(GraphBuilder g, Value labels) {
    Value padded = g.op("Pad", List.of(labels, g.constant(Tensor.vector(0L, 0L, 0L, 1L)),
        g.constant(Tensor.scalar(IGNORE_INDEX))), Map.of(), 1).get(0);
    Value next = g.slice(padded, 1, 1, Long.MAX_VALUE);
    Value isNextTarget = g.not(g.equal(next, g.constant(Tensor.scalar(IGNORE_INDEX))));
    return new NextLabels(isNextTarget, g.where(isNextTarget, next, g.constant(Tensor.scalar(0L))));
  }

  /**
   * The gradient of an objective with respect to {@link TargetLogProbs#logits}, given its gradient
   * {@code gLogProbs} ({@code [targets]}) with respect to {@link TargetLogProbs#logProbs}, written
   * directly: {@code d log_softmax(z)[y] / dz = onehot(y) - softmax(z)}, so the gradient is {@code
   * g (onehot(y) - exp(log_softmax(z)))}, one exponential, one product and one scatter-add over the
   * vocabulary instead of automatic differentiation through GatherElements and LogSoftmax (which
   * scatters into a zero tensor, then forms the softmax term and a difference).
   */
  public static Value logitsGradient(GraphBuilder g, TargetLogProbs t, Value gLogProbs) {
    Objects.requireNonNull(g, "g must not be null");
    Objects.requireNonNull(t, "t must not be null");
    Value coef = g.unsqueeze(gLogProbs, -1);
    Value softmaxPart = g.neg(g.mul(g.exp(t.logSoftmax()), coef));
    return g.op("ScatterElements", List.of(softmaxPart, g.unsqueeze(t.labels(), -1), coef),
        Map.of("axis", org.consistency4j.graph.Attribute.of(-1L),
            "reduction", org.consistency4j.graph.Attribute.of("add")), 1).get(0);
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
    NextLabels next = nextLabels(g, labels);
    Value isNextTarget = next.isTarget();
    Value safeLabels = next.safeLabels();
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
    return sequenceLogProbs(g, tokenLogProbs(g, logits, labels));
  }
}
