package org.consistency4j.autodiff;

import ai.onnx.proto.OnnxMl;
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

/**
 * Reverse-mode automatic differentiation over ONNX graphs: appends to a graph the nodes that compute the
 * gradient of a scalar loss with respect to chosen values, in standard {@code ai.onnx} operators only (ONNX
 * Runtime's Maven Central builds have no training operators). The forward graph must use opset 18 or
 * later semantics (axes as inputs); the emitted nodes need opset 18.
 *
 * <p>Supported operators: MatMul (rank &gt;= 2, batched with broadcasting), Gemm, Add, Sub, Mul, Div, Sum,
 * Neg, Pow (constant exponent), Sqrt, Reciprocal, Exp, Log, Sin, Cos, ReduceSum, ReduceMean, Softmax,
 * LogSoftmax, Sigmoid, Tanh, Relu, Max, Min, Softplus, Gather, GatherElements, Transpose, Reshape, Flatten,
 * Concat, Slice (step 1), Split, Squeeze, Unsqueeze, Expand, Where, Cast, CastLike, Identity. Integer and
 * boolean values, and the outputs of non-differentiable operators (comparisons, Shape, Floor, ...), get no
 * gradient. A value used several times receives the sum of its gradient contributions. A graph that routes
 * the loss through an unsupported operator fails with an {@link UnsupportedOperationException} naming the
 * node. Stateless; the methods mutate only the graph passed in.
 */
public final class Autodiff {
  private static final Set<String> NON_DIFFERENTIABLE =
      Set.of(
          "Shape", "Size", "Floor", "Ceil", "Round", "Sign", "ConstantOfShape", "Constant", "Range",
          "RandomUniformLike", "RandomNormalLike", "RandomUniform", "RandomNormal", "EyeLike", "NonZero",
          "ArgMax", "ArgMin", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And",
          "Or", "Xor", "IsNaN", "IsInf");

  private Autodiff() {}

  /**
   * Appends the gradient of {@code loss} with respect to each of {@code wrt} to {@code graph}.
   *
   * @param graph the forward graph; nodes must be in topological order (as ONNX requires)
   * @param loss name of a scalar (or single-element) floating-point value computed by the graph
   * @param wrt names of floating-point graph inputs, initializers or node outputs
   * @return for each name in {@code wrt}, in order, the name of the value holding its gradient (same shape
   *     and type); values the loss does not depend on get zeros
   * @throws IllegalArgumentException if {@code loss} or a name in {@code wrt} is not defined in the graph
   * @throws UnsupportedOperationException if the loss depends on a {@code wrt} value through an operator
   *     without a gradient rule
   */
  public static Map<String, String> appendGradients(
      OnnxMl.GraphProto.Builder graph, String loss, Collection<String> wrt) {
    return appendGradients(new Emitter(graph, "grad/"), loss, wrt, null);
  }

  /**
   * As {@link #appendGradients(OnnxMl.GraphProto.Builder, String, Collection)}, appending through {@code
   * emitter}, with an optional seed: the gradient of the final objective with respect to {@code loss}
   * (same shape as {@code loss}); null means 1.
   */
  public static Map<String, String> appendGradients(
      Emitter emitter, String loss, Collection<String> wrt, String seed) {
    Objects.requireNonNull(loss, "loss must not be null");
    Objects.requireNonNull(wrt, "wrt must not be null");
    OnnxMl.GraphProto.Builder graph = emitter.graph();
    List<OnnxMl.NodeProto> nodes = new ArrayList<>(graph.getNodeList());
    Set<String> defined = new HashSet<>();
    graph.getInputList().forEach(v -> defined.add(v.getName()));
    graph.getInitializerList().forEach(t -> defined.add(t.getName()));
    nodes.forEach(n -> defined.addAll(n.getOutputList()));
    if (!defined.contains(loss)) {
      throw new IllegalArgumentException("loss must be a value of the graph, found " + loss);
    }
    for (String w : wrt) {
      if (!defined.contains(w)) {
        throw new IllegalArgumentException("wrt must name values of the graph, found " + w);
      }
    }

    // Forward: which values depend differentiably on a wrt value.
    Set<String> requires = new HashSet<>(wrt);
    for (OnnxMl.NodeProto n : nodes) {
      if (NON_DIFFERENTIABLE.contains(n.getOpType())) {
        continue;
      }
      boolean any = false;
      for (String in : n.getInputList()) {
        any |= requires.contains(in);
      }
      if (any) {
        for (String out : n.getOutputList()) {
          int dt = emitter.dtype(out);
          if (!out.isEmpty() && (dt == 0 || TypeTable.isFloating(dt))) {
            requires.add(out);
          }
        }
      }
    }
    // Backward: which values the loss depends on.
    Set<String> relevant = new HashSet<>();
    relevant.add(loss);
    for (int i = nodes.size() - 1; i >= 0; i--) {
      OnnxMl.NodeProto n = nodes.get(i);
      boolean any = false;
      for (String out : n.getOutputList()) {
        any |= relevant.contains(out);
      }
      if (any) {
        relevant.addAll(n.getInputList());
      }
    }

    Map<String, List<String>> contributions = new HashMap<>();
    String seedGrad = seed != null ? seed : emitter.filled(1.0, loss);
    if (requires.contains(loss)) {
      contributions.computeIfAbsent(loss, k -> new ArrayList<>()).add(seedGrad);
    }
    for (int i = nodes.size() - 1; i >= 0; i--) {
      OnnxMl.NodeProto n = nodes.get(i);
      String[] outGrads = new String[n.getOutputCount()];
      boolean anyGrad = false;
      for (int k = 0; k < outGrads.length; k++) {
        outGrads[k] = accumulate(emitter, contributions.get(n.getOutput(k)));
        if (outGrads[k] != null) {
          contributions.put(n.getOutput(k), new ArrayList<>(List.of(outGrads[k])));
          anyGrad = true;
        }
      }
      if (!anyGrad) {
        continue;
      }
      boolean[] needs = new boolean[n.getInputCount()];
      boolean anyNeed = false;
      for (int k = 0; k < needs.length; k++) {
        String in = n.getInput(k);
        needs[k] = !in.isEmpty() && requires.contains(in) && relevant.contains(in);
        anyNeed |= needs[k];
      }
      if (!anyNeed) {
        continue;
      }
      GradientRules.Ctx ctx = new GradientRules.Ctx(emitter, n, outGrads, needs, contributions);
      GradientRules.apply(ctx);
    }
    Map<String, String> result = new LinkedHashMap<>();
    for (String w : wrt) {
      String g = accumulate(emitter, contributions.get(w));
      if (g == null && w.equals(loss)) {
        g = seedGrad;
      }
      if (g == null) {
        g = emitter.zerosLike(w);
      }
      if (g.equals(w)) {
        g = emitter.op("Identity", g);
      }
      result.put(w, g);
    }
    return Collections.unmodifiableMap(result);
  }

  private static String accumulate(Emitter e, List<String> parts) {
    if (parts == null || parts.isEmpty()) {
      return null;
    }
    if (parts.size() == 1) {
      return parts.get(0);
    }
    return e.op("Sum", parts);
  }
}
