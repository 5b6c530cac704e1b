package org.consistency4j.optim;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.consistency4j.autodiff.Emitter;

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
  public record Param(String value, String grad, String m, String v, boolean decay) {
    /** Validates the names. */
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
  public record Outputs(List<String> values, List<String> m, List<String> v, String gradNorm) {
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
    if (step < 1) {
      throw new IllegalArgumentException("step must be >= 1, found " + step);
    }
    return new float[] {
      (float) lr,
      (float) (1 - Math.pow(c.beta1(), step)),
      (float) (1 - Math.pow(c.beta2(), step)),
      (float) gradScale
    };
  }

  /**
   * Appends the update of {@code params} to the graph behind {@code e}.
   *
   * @param scalars name of the 1-D float input described in the class documentation
   */
  public static Outputs append(Emitter e, List<Param> params, String scalars, AdamWConfig c) {
    Objects.requireNonNull(c, "c must not be null");
    if (params.isEmpty()) {
      throw new IllegalArgumentException("params must not be empty");
    }
    String lr = pick(e, scalars, 0);
    String bc1 = pick(e, scalars, 1);
    String bc2 = pick(e, scalars, 2);
    String scale = pick(e, scalars, 3);
    List<String> grads = new ArrayList<>();
    List<String> squares = new ArrayList<>();
    for (Param p : params) {
      String g = e.mul(p.grad(), e.op("CastLike", scale, p.grad()));
      grads.add(g);
      squares.add(e.op("CastLike", e.reduceSumAll(e.mul(g, g)), scale));
    }
    String norm = e.op("Sqrt", squares.size() == 1 ? squares.get(0) : e.op("Sum", squares));
    String coef = null;
    if (Double.isFinite(c.maxGradNorm())) {
      String raw =
          e.div(e.scalarLike(c.maxGradNorm(), norm), e.add(norm, e.scalarLike(1e-6, norm)));
      coef = e.op("Min", raw, e.scalarLike(1.0, norm));
    }
    List<String> values = new ArrayList<>();
    List<String> ms = new ArrayList<>();
    List<String> vs = new ArrayList<>();
    String stepSize = e.div(lr, bc1);
    String bc2Sqrt = e.op("Sqrt", bc2);
    for (int i = 0; i < params.size(); i++) {
      Param p = params.get(i);
      String g = coef == null ? grads.get(i) : e.mul(grads.get(i), e.op("CastLike", coef, p.grad()));
      String m =
          e.add(
              e.mul(p.m(), e.scalarLike(c.beta1(), p.m())),
              e.mul(g, e.scalarLike(1 - c.beta1(), p.m())));
      String v =
          e.add(
              e.mul(p.v(), e.scalarLike(c.beta2(), p.v())),
              e.mul(e.mul(g, g), e.scalarLike(1 - c.beta2(), p.v())));
      String x = p.value();
      if (p.decay() && c.weightDecay() > 0) {
        String keep =
            e.sub(e.scalarLike(1.0, lr), e.mul(lr, e.scalarLike(c.weightDecay(), lr)));
        x = e.mul(x, e.op("CastLike", keep, x));
      }
      String denom =
          e.add(
              e.div(e.op("Sqrt", v), e.op("CastLike", bc2Sqrt, v)),
              e.scalarLike(c.epsilon(), v));
      String update = e.mul(e.div(m, denom), e.op("CastLike", stepSize, x));
      values.add(e.sub(x, update));
      ms.add(m);
      vs.add(v);
    }
    return new Outputs(values, ms, vs, norm);
  }

  private static String pick(Emitter e, String scalars, long index) {
    return e.op("Gather", List.of(scalars, e.scalarInt(index)), Emitter.attr("axis", 0L));
  }
}
