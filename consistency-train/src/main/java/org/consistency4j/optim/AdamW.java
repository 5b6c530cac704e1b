package org.consistency4j.optim;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Map;
import org.consistency4j.graph.GraphBuilder;
import org.consistency4j.graph.Tensor;
import org.consistency4j.graph.Value;
import org.consistency4j.internal.Check;

/**
 * AdamW as graph nodes: {@code torch.optim.AdamW} semantics (decoupled weight decay applied first, bias
 * correction, epsilon added after dividing the root second moment by its bias correction), preceded by
 * global-norm gradient clipping as in {@code torch.nn.utils.clip_grad_norm_} (coefficient {@code max /
 * (norm + 1e-6)}, capped at 1).
 *
 * <p>The per-step scalars come in as one 1-D input of four elements, {@link #SCALARS_LENGTH}: learning
 * rate, {@code 1 - beta1^t}, {@code 1 - beta2^t} and a gradient scale (for example {@code 1 / number of
 * target tokens} when the gradients are of a summed loss); see {@link #scalars}. Stateless.
 */
public final class AdamW {
  /** Number of elements of the scalars input. */
  public static final int SCALARS_LENGTH = 4;

  private AdamW() {}

  /**
   * One trained tensor in the update.
   *
   * @param value current parameter
   * @param grad its (unscaled) gradient
   * @param m first-moment state
   * @param v second-moment state
   * @param decay whether weight decay applies (usually not for norm weights and biases)
   */
  public record Param(Value value, Value grad, Value m, Value v, boolean decay) {
    /** Validates the values. */
    public Param {
      Objects.requireNonNull(value, "value must not be null");
      Objects.requireNonNull(grad, "grad must not be null");
      Objects.requireNonNull(m, "m must not be null");
      Objects.requireNonNull(v, "v must not be null");
    }
  }

  /**
   * What the update produces.
   *
   * @param values new parameters, in the order of the params
   * @param m new first moments
   * @param v new second moments
   * @param gradNorm scalar global L2 norm of the scaled gradients before clipping
   */
  public record Outputs(List<Value> values, List<Value> m, List<Value> v, Value gradNorm) {
    /** Copies the lists. */
    public Outputs {
      values = List.copyOf(values);
      m = List.copyOf(m);
      v = List.copyOf(v);
      Objects.requireNonNull(gradNorm, "gradNorm must not be null");
    }
  }

  /**
   * The scalars input for step {@code step} (1-based).
   *
   * @param lr learning rate
   * @param step 1 for the first update
   * @param gradScale factor applied to the gradients before clipping
   */
  public static float[] scalars(AdamWConfig c, double lr, long step, double gradScale) {
    Check.argument(step >= 1, "step must be >= 1, found " + step);
    return new float[] {
      (float) lr,
      (float) (1 - Math.pow(c.beta1(), step)),
      (float) (1 - Math.pow(c.beta2(), step)),
      (float) gradScale
    };
  }

  /**
   * Appends the update of {@code params} to the graph behind {@code g}.
   *
   * @param scalars the 1-D float input described in the class documentation
   */
  public static Outputs append(GraphBuilder g, List<Param> params, Value scalars, AdamWConfig c) {
    Objects.requireNonNull(c, "c must not be null");
    Check.argument(!params.isEmpty(), "params must not be empty");
    Value lr = pick(g, scalars, 0);
    Value bc1 = pick(g, scalars, 1);
    Value bc2 = pick(g, scalars, 2);
    Value scale = pick(g, scalars, 3);
    List<Value> grads = new ArrayList<>();
    List<Value> squares = new ArrayList<>();
    for (Param p : params) {
      Value grad = g.mul(p.grad(), castLike(g, scale, p.grad()));
      grads.add(grad);
      squares.add(castLike(g, g.reduceSum(g.mul(grad, grad), false), scale));
    }
    Value norm = g.sqrt(squares.size() == 1 ? squares.get(0) : g.sum(squares.toArray(new Value[0])));
    Value coef = null;
    if (Double.isFinite(c.maxGradNorm())) {
      Value raw =
          g.div(g.scalarLike(norm, c.maxGradNorm()), g.add(norm, g.scalarLike(norm, 1e-6)));
      coef = g.min(raw, g.scalarLike(norm, 1.0));
    }
    List<Value> values = new ArrayList<>();
    List<Value> ms = new ArrayList<>();
    List<Value> vs = new ArrayList<>();
    Value stepSize = g.div(lr, bc1);
    Value bc2Sqrt = g.sqrt(bc2);
    for (int i = 0; i < params.size(); i++) {
      Param p = params.get(i);
      Value grad = coef == null ? grads.get(i) : g.mul(grads.get(i), castLike(g, coef, p.grad()));
      Value m =
          g.add(
              g.mul(p.m(), g.scalarLike(p.m(), c.beta1())),
              g.mul(grad, g.scalarLike(p.m(), 1 - c.beta1())));
      Value v =
          g.add(
              g.mul(p.v(), g.scalarLike(p.v(), c.beta2())),
              g.mul(g.mul(grad, grad), g.scalarLike(p.v(), 1 - c.beta2())));
      Value x = p.value();
      if (p.decay() && c.weightDecay() > 0) {
        Value keep =
            g.sub(g.scalarLike(lr, 1.0), g.mul(lr, g.scalarLike(lr, c.weightDecay())));
        x = g.mul(x, castLike(g, keep, x));
      }
      Value denom =
          g.add(
              g.div(g.sqrt(v), castLike(g, bc2Sqrt, v)),
              g.scalarLike(v, c.epsilon()));
      Value update = g.mul(g.div(m, denom), castLike(g, stepSize, x));
      values.add(g.sub(x, update));
      ms.add(m);
      vs.add(v);
    }
    return new Outputs(values, ms, vs, norm);
  }

  private static Value castLike(GraphBuilder g, Value x, Value like) {
    return g.op("CastLike", Map.of(), x, like);
  }

  private static Value pick(GraphBuilder g, Value scalars, long index) {
    return g.gather(scalars, g.constant(Tensor.scalar(index)), 0);
  }
}
