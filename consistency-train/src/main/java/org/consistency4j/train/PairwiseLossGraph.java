package org.consistency4j.train;

import org.consistency4j.graph.GraphBuilder;
import org.consistency4j.graph.Value;
import org.consistency4j.internal.Check;
import org.consistency4j.loss.StandardLoss;

/**
 * The {@link StandardLoss}es (ranking + lambda SFT, DPO, IPO, SimPO, ORPO,
 * hinge) as graph fragments in standard {@code ai.onnx} operators, for training graphs that compute
 * the loss in ONNX Runtime; {@link org.consistency4j.autodiff.Autodiff} differentiates them. The
 * fragment reads per-pair sequence log-probability sums and token counts (1-D tensors of the same
 * length, float32 or float64; the counts in the same float type) and appends the mean loss over the
 * pairs and the per-pair margins, with exactly the definitions of the pure-Java losses (value, margin
 * and, through autodiff, the gradients with respect to the policy sums), which tests check against
 * each other.
 *
 * <p>{@link CatTrainer} itself applies the chain rule across the two: it evaluates the pure-Java loss
 * on log-probabilities scored by ONNX Runtime and feeds {@code dLoss/dlogp} back as row weights of one
 * weighted log-likelihood graph, which lets any {@link org.consistency4j.loss.PairwiseLoss} (also a
 * user's own) train without graph code. This fragment is for graphs that want the loss inside the
 * session (one forward pass per step instead of two) or exported with the model. Stateless.
 */
public final class PairwiseLossGraph {
  private PairwiseLossGraph() {}

  /**
   * The values the fragment reads.
   *
   * @param policyChosen log-probability sums of the chosen responses under the policy, {@code [pairs]}
   * @param policyRejected the same for the rejected responses
   * @param chosenTokens token counts of the chosen responses (float, {@code >= 1})
   * @param rejectedTokens token counts of the rejected responses
   * @param referenceChosen reference-model sums of the chosen responses, or {@code null} when the loss
   *     needs none
   * @param referenceRejected the same for the rejected responses
   */
  public record Inputs(
      Value policyChosen,
      Value policyRejected,
      Value chosenTokens,
      Value rejectedTokens,
      Value referenceChosen,
      Value referenceRejected) {
    /** Validates that the required names are present. */
    public Inputs {
      Check.notNull(policyChosen, "policyChosen");
      Check.notNull(policyRejected, "policyRejected");
      Check.notNull(chosenTokens, "chosenTokens");
      Check.notNull(rejectedTokens, "rejectedTokens");
      Check.argument((referenceChosen == null) == (referenceRejected == null),
          "referenceChosen and referenceRejected must both be given or both be null");
    }
  }

  /**
   * The appended outputs.
   *
   * @param loss the mean loss over the pairs (scalar)
   * @param margins the per-pair margins ({@code [pairs]}), as {@link
   *     org.consistency4j.loss.LossValue#pairMargins()} defines them
   * @param perPair the per-pair losses ({@code [pairs]}), whose mean is {@code loss}
   */
  public record Outputs(Value loss, Value margins, Value perPair) {}

  /**
   * Appends {@code loss} to the graph under construction.
   *
   * @throws IllegalArgumentException if the loss needs reference log-probabilities and {@code in} has
   *     none
   */
  public static Outputs append(GraphBuilder e, StandardLoss loss, Inputs in) {
    Check.notNull(e, "e");
    Check.notNull(loss, "loss");
    Check.notNull(in, "in");
    Check.argument(!loss.requiresReference() || in.referenceChosen() != null,
        "loss " + loss.loss() + " needs reference log-probabilities; the inputs have none");
    Value[] perPairAndMargin = loss.accept(new Fragments(e, in));
    Value mean = e.reduceMean(perPairAndMargin[0], false);
    return new Outputs(mean, perPairAndMargin[1], perPairAndMargin[0]);
  }

  /** Each loss as {@code {perPair, margin}}, with the definitions of {@link StandardLoss}. */
  private record Fragments(GraphBuilder e, Inputs in) implements StandardLoss.Visitor<Value[]> {
    @Override
    public Value[] rank(StandardLoss.Rank loss) {
      Value mc = e.div(in.policyChosen(), in.chosenTokens());
      Value mr = e.div(in.policyRejected(), in.rejectedTokens());
      Value margin = e.sub(mc, mr);
      Value ranking = e.relu(e.neg(margin));
      return new Value[] {e.sub(ranking, e.mul(e.scalarLike(mc, loss.lambda()), mc)), margin};
    }

    @Override
    public Value[] dpo(StandardLoss.Dpo loss) {
      Value margin = e.mul(e.scalarLike(in.policyChosen(), loss.beta()), logRatioDifference());
      return new Value[] {e.softplus(e.neg(margin)), margin};
    }

    @Override
    public Value[] ipo(StandardLoss.Ipo loss) {
      Value margin = logRatioDifference();
      Value d = e.sub(margin, e.scalarLike(in.policyChosen(), 1 / (2 * loss.tau())));
      return new Value[] {e.mul(d, d), margin};
    }

    @Override
    public Value[] simpo(StandardLoss.SimPo loss) {
      Value pc = in.policyChosen();
      Value diff = e.sub(e.div(pc, in.chosenTokens()), e.div(in.policyRejected(), in.rejectedTokens()));
      Value margin = e.sub(e.mul(e.scalarLike(pc, loss.beta()), diff), e.scalarLike(pc, loss.gamma()));
      return new Value[] {e.softplus(e.neg(margin)), margin};
    }

    @Override
    public Value[] orpo(StandardLoss.Orpo loss) {
      Value mc = e.div(in.policyChosen(), in.chosenTokens());
      Value mr = e.div(in.policyRejected(), in.rejectedTokens());
      Value margin = e.sub(logOdds(mc), logOdds(mr));
      return new Value[] {
        e.add(e.neg(mc), e.mul(e.scalarLike(mc, loss.lambda()), e.softplus(e.neg(margin)))), margin
      };
    }

    @Override
    public Value[] hinge(StandardLoss.Hinge loss) {
      Value pc = in.policyChosen();
      Value margin = loss.useReference() ? logRatioDifference() : e.sub(pc, in.policyRejected());
      return new Value[] {e.relu(e.sub(e.scalarLike(pc, loss.margin()), margin)), margin};
    }

    /** {@code (policyChosen - referenceChosen) - (policyRejected - referenceRejected)}. */
    private Value logRatioDifference() {
      return e.sub(e.sub(in.policyChosen(), in.referenceChosen()),
          e.sub(in.policyRejected(), in.referenceRejected()));
    }

    /**
     * {@code log(p / (1 - p))} for {@code p = exp(m)}, {@code m < 0}: {@code m - log(1 - exp(m))}.
     * Less precise than the pure-Java form for {@code m} very close to 0, where {@code 1 - exp(m)}
     * cancels.
     */
    private Value logOdds(Value m) {
      return e.sub(m, e.log(e.sub(e.scalarLike(m, 1.0), e.exp(m))));
    }
  }
}
