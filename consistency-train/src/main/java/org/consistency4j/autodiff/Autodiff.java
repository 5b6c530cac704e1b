package org.consistency4j.autodiff;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.consistency4j.graph.GraphBuilder;
import org.consistency4j.graph.Node;
import org.consistency4j.graph.Op;
import org.consistency4j.graph.Value;
import org.consistency4j.internal.Check;

/**
 * Reverse-mode automatic differentiation over {@link GraphBuilder} graphs: appends the nodes that compute
 * the gradient of a scalar loss with respect to chosen values, in standard {@code ai.onnx} operators only
 * (ONNX Runtime's Maven Central builds have no training operators). The builder's opset must be 18 or
 * later (axes as inputs).
 *
 * <p>Which operators are differentiable and how is looked up in the operator table {@link Op}; the rules
 * themselves live in {@link GradientRules}. Supported operators: MatMul (rank &gt;= 2, batched with
 * broadcasting), Gemm, {@code com.microsoft} FusedMatMul (whose gradients use FusedMatMul or MatMul
 * again, so a graph using it needs ONNX Runtime's contrib operators), Add, Sub, Mul, Div, Sum, Neg, Pow (constant exponent), Sqrt, Reciprocal, Exp,
 * Log, Sin, Cos, ReduceSum, ReduceMean, Softmax, LogSoftmax, Sigmoid, Tanh, Relu, Max, Min, Softplus,
 * Gather, GatherElements, Transpose, Reshape, Flatten, Concat, Slice (step 1), Split, Squeeze, Unsqueeze,
 * Expand, Where, Cast, CastLike, Identity. Integer and boolean values, and the outputs of
 * non-differentiable operators (comparisons, Shape, Floor, ...), get no gradient. A value used several
 * times receives the sum of its gradient contributions. A graph that routes the loss through an
 * operator without a rule fails with an {@link UnsupportedOperationException} naming the node.
 * Stateless; the methods append only to the builder passed in.
 */
public final class Autodiff {
  private Autodiff() {}

  /**
   * Appends the gradient of {@code loss} with respect to each of {@code wrt}, seeded with 1.
   *
   * @param g the builder holding the forward graph (nodes are in topological order by construction)
   * @param loss a scalar (or single-element) floating-point value of the graph
   * @param wrt floating-point graph inputs, initializers or node outputs
   * @return for each value in {@code wrt}, keyed by its name in order, the value holding its gradient
   *     (same shape and dtype); values the loss does not depend on get zeros
   * @throws IllegalArgumentException if {@code loss} or a value in {@code wrt} is not defined in the graph
   * @throws UnsupportedOperationException if the loss depends on a {@code wrt} value through an operator
   *     without a gradient rule
   */
  public static Map<String, Value> gradients(GraphBuilder g, Value loss, Collection<Value> wrt) {
    return gradients(g, loss, wrt, null);
  }

  /**
   * As {@link #gradients(GraphBuilder, Value, Collection)} with an optional seed: the gradient of the
   * final objective with respect to {@code loss} (same shape as {@code loss}); null means 1.
   */
  public static Map<String, Value> gradients(
      GraphBuilder g, Value loss, Collection<Value> wrt, Value seed) {
    Objects.requireNonNull(g, "g must not be null");
    Objects.requireNonNull(loss, "loss must not be null");
    Objects.requireNonNull(wrt, "wrt must not be null");
    Check.argument(!g.value(loss.name()).isEmpty(),
        "loss must be a value of the graph, found " + loss.name());
    for (Value w : wrt) {
      Check.argument(!g.value(w.name()).isEmpty(),
          "wrt must name values of the graph, found " + w.name());
    }
    List<Node> nodes = g.nodes();

    // Forward: which values depend differentiably on a wrt value.
    Set<String> requires = new HashSet<>();
    wrt.forEach(w -> requires.add(w.name()));
    for (Node n : nodes) {
      if (!Op.of(n.domain(), n.opType()).map(Op::differentiable).orElse(true)) {
        continue;
      }
      boolean any = false;
      for (String in : n.inputs()) {
        any |= requires.contains(in);
      }
      if (any) {
        for (String out : n.outputs()) {
          if (!out.isEmpty() && g.value(out).orElseThrow().dtype().isFloatingPoint()) {
            requires.add(out);
          }
        }
      }
    }
    // Backward: which values the loss depends on.
    Set<String> relevant = new HashSet<>();
    relevant.add(loss.name());
    for (int i = nodes.size() - 1; i >= 0; i--) {
      Node n = nodes.get(i);
      boolean any = false;
      for (String out : n.outputs()) {
        any |= relevant.contains(out);
      }
      if (any) {
        relevant.addAll(n.inputs());
      }
    }

    Map<String, List<Value>> contributions = new HashMap<>();
    Value seedGrad = seed != null ? seed : GradientRules.filled(g, 1.0, loss);
    if (requires.contains(loss.name())) {
      contributions.computeIfAbsent(loss.name(), k -> new ArrayList<>()).add(seedGrad);
    }
    for (int i = nodes.size() - 1; i >= 0; i--) {
      Node n = nodes.get(i);
      Value[] outGrads = new Value[n.outputs().size()];
      boolean anyGrad = false;
      for (int k = 0; k < outGrads.length; k++) {
        outGrads[k] = accumulate(g, contributions.get(n.outputs().get(k)));
        if (outGrads[k] != null) {
          contributions.put(n.outputs().get(k), new ArrayList<>(List.of(outGrads[k])));
          anyGrad = true;
        }
      }
      if (!anyGrad) {
        continue;
      }
      boolean[] needs = new boolean[n.inputs().size()];
      boolean anyNeed = false;
      for (int k = 0; k < needs.length; k++) {
        String in = n.inputs().get(k);
        needs[k] = !in.isEmpty() && requires.contains(in) && relevant.contains(in);
        anyNeed |= needs[k];
      }
      if (!anyNeed) {
        continue;
      }
      GradientRules.Ctx ctx = new GradientRules.Ctx(g, n, outGrads, needs, contributions);
      GradientRules.rule(n)
          .orElseThrow(() -> ctx.unsupported("operator has no gradient rule"))
          .apply(ctx);
    }
    Map<String, Value> result = new LinkedHashMap<>();
    for (Value w : wrt) {
      Value grad = accumulate(g, contributions.get(w.name()));
      if (grad == null && w.name().equals(loss.name())) {
        grad = seedGrad;
      }
      if (grad == null) {
        grad = GradientRules.filled(g, 0.0, w);
      }
      if (grad.name().equals(w.name())) {
        grad = g.identity(grad);
      }
      result.put(w.name(), grad);
    }
    return Collections.unmodifiableMap(result);
  }

  private static Value accumulate(GraphBuilder g, List<Value> parts) {
    if (parts == null || parts.isEmpty()) {
      return null;
    }
    if (parts.size() == 1) {
      return parts.get(0);
    }
    return g.sum(parts.toArray(new Value[0]));
  }
}
