package org.consistency4j.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.consistency4j.internal.Check;

/**
 * Output dtype and best-effort shape inference for the operators of the table {@link Op}: the table says
 * which rule applies (same dtype as input 0, BOOL, INT64, unary or broadcast shape), the
 * operator-specific rules are here. Dtype inference is exact for every operator with a dtype rule; shape inference covers common operators and returns empty shapes
 * when it cannot decide (symbolic reshape targets, data-dependent sizes, ...). Definite mismatches (for
 * example inner dims of a MatMul) throw {@link IllegalArgumentException}.
 */
final class OpInference {
  private OpInference() {}

  /** True when the dtype rule of {@code opType} (default domain) is known. */
  static boolean knows(String domain, String opType) {
    return Op.of(domain, opType).filter(op -> op.dtypeRule() != Op.DtypeRule.UNKNOWN).isPresent();
  }

  /**
   * Output dtypes of a node. {@code inputs} may contain {@code null} for omitted optional inputs.
   *
   * @throws IllegalArgumentException if the operator is unknown or a required input is missing
   */
  static List<DType> dtypes(
      String domain, String opType, List<Value> inputs, Map<String, Attribute> attrs, int nOutputs) {
    Check.argument(knows(domain, opType),
        "cannot infer output dtypes of " + (domain.isEmpty() ? "" : domain + ".") + opType
            + "; pass the output dtypes explicitly");
    Op op = Op.of(domain, opType).orElseThrow();
    switch (op.dtypeRule()) {
      case SAME_AS_FIRST:
        return repeat(input(opType, inputs, 0).dtype(), nOutputs);
      case BOOL:
        return repeat(DType.BOOL, nOutputs);
      case INT64:
        return repeat(DType.INT64, nOutputs);
      default:
        break;
    }
    switch (op) {
      case WHERE:
        return repeat(input(opType, inputs, 1).dtype(), nOutputs);
      case CAST_LIKE:
        return repeat(input(opType, inputs, 1).dtype(), nOutputs);
      case ONE_HOT:
        return repeat(input(opType, inputs, 2).dtype(), nOutputs);
      case CAST:
        return repeat(DType.fromOnnx((int) required(opType, attrs, "to").asLong()), nOutputs);
      case CONSTANT:
        if (attrs.containsKey("value_float") || attrs.containsKey("value_floats")) {
          return repeat(DType.FLOAT, nOutputs);
        }
        if (attrs.containsKey("value_int") || attrs.containsKey("value_ints")) {
          return repeat(DType.INT64, nOutputs);
        }
        return repeat(required(opType, attrs, "value").asTensor().dtype(), nOutputs);
      case CONSTANT_OF_SHAPE:
        {
          Attribute v = attrs.get("value");
          return repeat(v == null ? DType.FLOAT : v.asTensor().dtype(), nOutputs);
        }
      case TOP_K:
        return List.of(input(opType, inputs, 0).dtype(), DType.INT64).subList(0, nOutputs);
      case DROPOUT:
        return List.of(input(opType, inputs, 0).dtype(), DType.BOOL).subList(0, nOutputs);
      case LAYER_NORMALIZATION:
        {
          DType stash = DType.FLOAT;
          Attribute st = attrs.get("stash_type");
          if (st != null) {
            stash = DType.fromOnnx((int) st.asLong());
          }
          return List.of(input(opType, inputs, 0).dtype(), stash, stash).subList(0, nOutputs);
        }
      case IF:
        return required(opType, attrs, "then_branch").asGraph().outputs().stream()
            .map(Value::dtype)
            .toList();
      case LOOP:
        {
          List<Value> outs = required(opType, attrs, "body").asGraph().outputs();
          return outs.subList(1, outs.size()).stream().map(Value::dtype).toList();
        }
      default:
        throw new IllegalStateException("unhandled op " + opType);
    }
  }

  /**
   * What the shape inference may ask the graph: constant data of a value, and the elements of a 1-D INT64
   * "shape value" (each a {@link Dim} taken from a Shape node or a {@link Long} constant entry).
   */
  interface Context {
    Optional<Tensor> constant(Value v);

    Optional<List<Object>> shapeValue(Value v);
  }

  /** Best-effort output shapes (same length as the outputs). */
  static List<Optional<Shape>> shapes(
      String domain,
      String opType,
      List<Value> inputs,
      Map<String, Attribute> attrs,
      int nOutputs,
      Context ctx) {
    Function<Value, Optional<Tensor>> constants = ctx::constant;
    List<Optional<Shape>> out = new ArrayList<>(Collections.nCopies(nOutputs, Optional.empty()));
    // Contrib operators get a shape only where the table's rule covers their attributes.
    Op contrib = domain.isEmpty() ? null : Op.of(domain, opType).orElse(null);
    if (!domain.isEmpty() && contrib != Op.MAT_MUL_N_BITS && contrib != Op.FUSED_MAT_MUL) {
      return out;
    }
    Optional<Shape> s = shape0(opType, inputs, attrs, nOutputs, constants, ctx, out);
    if (s != null) {
      out.set(0, s);
    }
    return out;
  }

  /** Returns the first output's shape, or null when {@code out} was filled directly. */
  private static Optional<Shape> shape0(
      String opType,
      List<Value> in,
      Map<String, Attribute> attrs,
      int nOutputs,
      Function<Value, Optional<Tensor>> constants,
      Context ctx,
      List<Optional<Shape>> out) {
    Op op = Op.of("", opType).orElse(null);
    if (op == null) {
      return Optional.empty();
    }
    if (op.shapeRule() == Op.ShapeRule.UNARY) {
      return shapeOf(in, 0);
    }
    if (op.shapeRule() == Op.ShapeRule.BROADCAST) {
      Optional<Shape> acc = shapeOf(in, 0);
      for (int i = 1; i < in.size(); i++) {
        acc = broadcast(opType, acc, shapeOf(in, i));
      }
      return acc;
    }
    switch (op) {
      case MAT_MUL:
        return matMul(shapeOf(in, 0), shapeOf(in, 1));
      case FUSED_MAT_MUL:
        {
          // alpha op(A) op(B), op swapping the last two axes under transA / transB. The batch
          // transposes (transBatchA / transBatchB) move axes this rule does not model.
          if (intAttr(attrs, "transBatchA", 0) != 0 || intAttr(attrs, "transBatchB", 0) != 0) {
            return Optional.empty();
          }
          Optional<Shape> a = transposedLast(shapeOf(in, 0), intAttr(attrs, "transA", 0) != 0);
          Optional<Shape> b = transposedLast(shapeOf(in, 1), intAttr(attrs, "transB", 0) != 0);
          return matMul(a, b);
        }
      case MAT_MUL_N_BITS:
        {
          Optional<Shape> a = shapeOf(in, 0);
          if (a.isEmpty() || a.get().rank() == 0) {
            return Optional.empty();
          }
          long k = intAttr(attrs, "K", -1);
          Dim last = a.get().dim(a.get().rank() - 1);
          if (last.isKnown() && k >= 0 && last.size() != k) {
            throw new IllegalArgumentException(
                "MatMulNBits: last dim of A " + a.get() + " differs from K = " + k);
          }
          List<Dim> dims = new ArrayList<>(a.get().dims());
          dims.set(dims.size() - 1, Dim.of(intAttr(attrs, "N", -1)));
          return Optional.of(new Shape(dims));
        }
      case GEMM:
        {
          Optional<Shape> a = shapeOf(in, 0);
          Optional<Shape> b = shapeOf(in, 1);
          if (a.isEmpty() || b.isEmpty() || a.get().rank() != 2 || b.get().rank() != 2) {
            return Optional.empty();
          }
          boolean ta = intAttr(attrs, "transA", 0) != 0;
          boolean tb = intAttr(attrs, "transB", 0) != 0;
          Dim m = a.get().dim(ta ? 1 : 0);
          Dim k1 = a.get().dim(ta ? 0 : 1);
          Dim k2 = b.get().dim(tb ? 1 : 0);
          Dim n = b.get().dim(tb ? 0 : 1);
          if (k1.isKnown() && k2.isKnown() && k1.size() != k2.size()) {
            throw new IllegalArgumentException(
                "Gemm: inner dims differ: " + a.get() + " and " + b.get());
          }
          return Optional.of(new Shape(List.of(m, n)));
        }
      case TRANSPOSE:
        {
          Optional<Shape> a = shapeOf(in, 0);
          if (a.isEmpty()) {
            return Optional.empty();
          }
          int r = a.get().rank();
          long[] perm;
          Attribute p = attrs.get("perm");
          if (p != null) {
            perm = p.asLongs();
          } else {
            perm = new long[r];
            for (int i = 0; i < r; i++) {
              perm[i] = r - 1 - i;
            }
          }
          Check.argument(perm.length == r,
              "Transpose: perm " + Arrays.toString(perm) + " does not match rank " + r);
          List<Dim> d = new ArrayList<>();
          for (long q : perm) {
            d.add(a.get().dim((int) q));
          }
          return Optional.of(new Shape(d));
        }
      case REDUCE_SUM:
      case REDUCE_MEAN:
      case REDUCE_MAX:
      case REDUCE_MIN:
      case REDUCE_PROD:
      case REDUCE_SUM_SQUARE:
      case REDUCE_LOG_SUM_EXP:
      case REDUCE_L1:
      case REDUCE_L2:
        {
          Optional<Shape> a = shapeOf(in, 0);
          if (a.isEmpty()) {
            return Optional.empty();
          }
          long[] axes;
          Attribute ax = attrs.get("axes");
          if (ax != null) {
            axes = ax.asLongs();
          } else if (in.size() > 1 && in.get(1) != null) {
            Optional<Tensor> c = constants.apply(in.get(1));
            if (c.isEmpty()) {
              return Optional.empty();
            }
            axes = c.get().toLongArray();
          } else {
            axes = new long[0];
          }
          boolean keep = intAttr(attrs, "keepdims", 1) != 0;
          int r = a.get().rank();
          boolean[] reduced = new boolean[r];
          if (axes.length == 0) {
            if (intAttr(attrs, "noop_with_empty_axes", 0) != 0) {
              return a;
            }
            Arrays.fill(reduced, true);
          }
          for (long x : axes) {
            reduced[normAxis(opType, x, r)] = true;
          }
          return reduced(a.get(), reduced, keep);
        }
      case ARG_MAX:
      case ARG_MIN:
        {
          Optional<Shape> a = shapeOf(in, 0);
          if (a.isEmpty()) {
            return Optional.empty();
          }
          boolean[] reduced = new boolean[a.get().rank()];
          reduced[normAxis(opType, intAttr(attrs, "axis", 0), reduced.length)] = true;
          return reduced(a.get(), reduced, intAttr(attrs, "keepdims", 1) != 0);
        }
      case SQUEEZE:
        {
          Optional<Shape> a = shapeOf(in, 0);
          if (a.isEmpty()) {
            return Optional.empty();
          }
          int r = a.get().rank();
          boolean[] drop = new boolean[r];
          if (in.size() < 2 || in.get(1) == null) {
            for (int i = 0; i < r; i++) {
              if (!a.get().dim(i).isKnown()) {
                return Optional.empty();
              }
              drop[i] = a.get().dim(i).size() == 1;
            }
            return reduced(a.get(), drop, false);
          }
          Optional<Tensor> c = constants.apply(in.get(1));
          if (c.isEmpty()) {
            return Optional.empty();
          }
          for (long x : c.get().toLongArray()) {
            int ax = normAxis(opType, x, r);
            Dim dim = a.get().dim(ax);
            if (dim.isKnown() && dim.size() != 1) {
              throw new IllegalArgumentException(
                  "Squeeze: axis " + x + " of shape " + a.get() + " is not 1");
            }
            drop[ax] = true;
          }
          return reduced(a.get(), drop, false);
        }
      case UNSQUEEZE:
        {
          Optional<Shape> a = shapeOf(in, 0);
          if (a.isEmpty() || in.size() < 2) {
            return Optional.empty();
          }
          Optional<Tensor> c = constants.apply(in.get(1));
          if (c.isEmpty()) {
            return Optional.empty();
          }
          long[] axes = c.get().toLongArray();
          int r = a.get().rank() + axes.length;
          boolean[] ins = new boolean[r];
          for (long x : axes) {
            int ax = normAxis(opType, x, r);
            Check.argument(!ins[ax], "Unsqueeze: duplicate axis " + x);
            ins[ax] = true;
          }
          List<Dim> d = new ArrayList<>();
          int j = 0;
          for (int i = 0; i < r; i++) {
            d.add(ins[i] ? Dim.of(1) : a.get().dim(j++));
          }
          return Optional.of(new Shape(d));
        }
      case RESHAPE:
        {
          if (in.size() < 2) {
            return Optional.empty();
          }
          Optional<List<Object>> sv = ctx.shapeValue(in.get(1));
          if (sv.isEmpty()) {
            return Optional.empty();
          }
          return reshape(shapeOf(in, 0), sv.get(), intAttr(attrs, "allowzero", 0) != 0);
        }
      case CONCAT:
        {
          List<Shape> shapes = new ArrayList<>();
          for (int i = 0; i < in.size(); i++) {
            Optional<Shape> s = shapeOf(in, i);
            if (s.isEmpty()) {
              return Optional.empty();
            }
            shapes.add(s.get());
          }
          int r = shapes.get(0).rank();
          int axis = normAxis(opType, intAttr(attrs, "axis", 0), r);
          List<Dim> d = new ArrayList<>(shapes.get(0).dims());
          long total = 0;
          for (Shape s : shapes) {
            Check.argument(s.rank() == r, "Concat: ranks differ: " + shapes);
            Dim x = s.dim(axis);
            total = (total < 0 || !x.isKnown()) ? -1 : total + x.size();
            for (int i = 0; i < r; i++) {
              if (i != axis) {
                d.set(i, mergeEqual(opType, d.get(i), s.dim(i), shapes));
              }
            }
          }
          d.set(axis, total < 0 ? Dim.unknown() : Dim.of(total));
          return Optional.of(new Shape(d));
        }
      case GATHER:
        {
          Optional<Shape> a = shapeOf(in, 0);
          Optional<Shape> idx = shapeOf(in, 1);
          if (a.isEmpty() || idx.isEmpty()) {
            return Optional.empty();
          }
          int r = a.get().rank();
          int axis = normAxis(opType, intAttr(attrs, "axis", 0), r);
          List<Dim> d = new ArrayList<>(a.get().dims().subList(0, axis));
          d.addAll(idx.get().dims());
          d.addAll(a.get().dims().subList(axis + 1, r));
          return Optional.of(new Shape(d));
        }
      case GATHER_ELEMENTS:
        return shapeOf(in, 1);
      case SHAPE:
        {
          Optional<Shape> a = shapeOf(in, 0);
          if (a.isEmpty()) {
            return Optional.of(Shape.of(-1));
          }
          int r = a.get().rank();
          long start = clampAxis(intAttr(attrs, "start", 0), r);
          long end = clampAxis(intAttr(attrs, "end", r), r);
          return Optional.of(Shape.of(Math.max(0, end - start)));
        }
      case SIZE:
        return Optional.of(Shape.scalar());
      case CONSTANT:
        if (attrs.containsKey("value")) {
          return Optional.of(attrs.get("value").asTensor().toShape());
        }
        if (attrs.containsKey("value_float") || attrs.containsKey("value_int")) {
          return Optional.of(Shape.scalar());
        }
        if (attrs.containsKey("value_floats")) {
          return Optional.of(Shape.of(((Attribute.FloatsValue) attrs.get("value_floats")).values().size()));
        }
        if (attrs.containsKey("value_ints")) {
          return Optional.of(Shape.of(attrs.get("value_ints").asLongs().length));
        }
        return Optional.empty();
      case CONSTANT_OF_SHAPE:
        return ctx.shapeValue(in.get(0)).map(OpInference::literalShape);
      case EXPAND:
        {
          if (in.size() < 2) {
            return Optional.empty();
          }
          Optional<List<Object>> sv = ctx.shapeValue(in.get(1));
          if (sv.isEmpty()) {
            return Optional.empty();
          }
          return broadcast(opType, shapeOf(in, 0), Optional.of(literalShape(sv.get())));
        }
      case ONE_HOT:
        {
          Optional<Shape> idx = shapeOf(in, 0);
          if (idx.isEmpty()) {
            return Optional.empty();
          }
          int r = idx.get().rank() + 1;
          int axis = normAxis(opType, intAttr(attrs, "axis", -1), r);
          Optional<Tensor> depth = constants.apply(in.get(1));
          List<Dim> d = new ArrayList<>(idx.get().dims());
          d.add(axis, depth.map(t -> Dim.of((long) t.toDoubleArray()[0])).orElse(Dim.unknown()));
          return Optional.of(new Shape(d));
        }
      case EINSUM:
        return einsum(attrs.get("equation").asString(), in);
      case LOOP:
        {
          List<Value> bodyOut = attrs.get("body").asGraph().outputs();
          int carried = in.size() - 2;
          for (int i = 0; i < out.size(); i++) {
            Optional<Shape> bs = bodyOut.get(i + 1).shape();
            if (i < carried) {
              out.set(i, bs);
            } else if (bs.isPresent()) {
              List<Dim> d = new ArrayList<>();
              d.add(Dim.unknown());
              d.addAll(bs.get().dims());
              out.set(i, Optional.of(new Shape(d)));
            }
          }
          return null;
        }
      case RANGE:
        return Optional.of(new Shape(List.of(rangeLength(in, constants, ctx))));
      case TOP_K:
        {
          Optional<Shape> a = shapeOf(in, 0);
          Optional<Tensor> k = in.size() > 1 ? constants.apply(in.get(1)) : Optional.empty();
          if (a.isEmpty() || k.isEmpty()) {
            return Optional.empty();
          }
          int axis = normAxis(opType, intAttr(attrs, "axis", -1), a.get().rank());
          List<Dim> d = new ArrayList<>(a.get().dims());
          d.set(axis, Dim.of(k.get().toLongArray()[0]));
          Optional<Shape> s = Optional.of(new Shape(d));
          for (int i = 0; i < out.size(); i++) {
            out.set(i, s);
          }
          return null;
        }
      case SPLIT:
        {
          Optional<Shape> a = shapeOf(in, 0);
          if (a.isEmpty()) {
            return Optional.empty();
          }
          int r = a.get().rank();
          int axis = normAxis(opType, intAttr(attrs, "axis", 0), r);
          long[] sizes = null;
          if (in.size() > 1 && in.get(1) != null) {
            Optional<Tensor> c = constants.apply(in.get(1));
            if (c.isPresent()) {
              sizes = c.get().toLongArray();
            }
          } else if (attrs.containsKey("split")) {
            sizes = attrs.get("split").asLongs();
          } else if (a.get().dim(axis).isKnown()) {
            long total = a.get().dim(axis).size();
            long chunk = (total + nOutputs - 1) / nOutputs;
            sizes = new long[nOutputs];
            for (int i = 0; i < nOutputs; i++) {
              sizes[i] = Math.max(0, Math.min(chunk, total - i * chunk));
            }
          }
          for (int i = 0; i < nOutputs; i++) {
            List<Dim> d = new ArrayList<>(a.get().dims());
            d.set(axis, sizes == null ? Dim.unknown() : Dim.of(sizes[i]));
            out.set(i, Optional.of(new Shape(d)));
          }
          return null;
        }
      case SLICE:
        return slice(in, constants);
      case IF:
        {
          List<Value> t = attrs.get("then_branch").asGraph().outputs();
          List<Value> e = attrs.get("else_branch").asGraph().outputs();
          for (int i = 0; i < out.size() && i < t.size() && i < e.size(); i++) {
            if (t.get(i).shape().equals(e.get(i).shape())) {
              out.set(i, t.get(i).shape());
            }
          }
          return null;
        }
      default:
        return Optional.empty();
    }
  }

  /** {@code Range(0, d, 1)} has {@code d} elements, also when {@code d} is a symbolic dimension. */
  private static Dim rangeLength(
      List<Value> in, Function<Value, Optional<Tensor>> constants, Context ctx) {
    if (in.size() < 3 || in.get(0) == null || in.get(1) == null || in.get(2) == null) {
      return Dim.unknown();
    }
    Optional<Tensor> start = constants.apply(in.get(0));
    Optional<Tensor> delta = constants.apply(in.get(2));
    if (start.isEmpty() || delta.isEmpty() || start.get().numElements() != 1
        || delta.get().numElements() != 1 || start.get().toDoubleArray()[0] != 0
        || delta.get().toDoubleArray()[0] != 1) {
      return Dim.unknown();
    }
    Optional<List<Object>> limit =
        in.get(1).dtype() == DType.INT64 ? ctx.shapeValue(in.get(1)) : Optional.empty();
    if (limit.isEmpty() || limit.get().size() != 1) {
      return Dim.unknown();
    }
    Object d = limit.get().get(0);
    return d instanceof Dim dim ? dim : Dim.of((Long) d);
  }

  private static Optional<Shape> slice(List<Value> in, Function<Value, Optional<Tensor>> constants) {
    Optional<Shape> a = shapeOf(in, 0);
    if (a.isEmpty()) {
      return Optional.empty();
    }
    int r = a.get().rank();
    Optional<Tensor> starts = constants.apply(in.get(1));
    Optional<Tensor> ends = constants.apply(in.get(2));
    Optional<Tensor> axesT =
        in.size() > 3 && in.get(3) != null ? constants.apply(in.get(3)) : Optional.empty();
    Optional<Tensor> stepsT =
        in.size() > 4 && in.get(4) != null ? constants.apply(in.get(4)) : Optional.empty();
    boolean hasAxes = in.size() > 3 && in.get(3) != null;
    boolean hasSteps = in.size() > 4 && in.get(4) != null;
    if ((hasAxes && axesT.isEmpty()) || (hasSteps && stepsT.isEmpty())) {
      return Optional.of(new Shape(Collections.nCopies(r, Dim.unknown())));
    }
    long[] axes;
    int n;
    if (starts.isPresent()) {
      n = (int) starts.get().numElements();
    } else if (axesT.isPresent()) {
      n = (int) axesT.get().numElements();
    } else {
      return Optional.of(new Shape(Collections.nCopies(r, Dim.unknown())));
    }
    if (axesT.isPresent()) {
      axes = axesT.get().toLongArray();
    } else {
      axes = new long[n];
      for (int i = 0; i < n; i++) {
        axes[i] = i;
      }
    }
    long[] steps = stepsT.map(Tensor::toLongArray).orElse(null);
    List<Dim> d = new ArrayList<>(a.get().dims());
    for (int i = 0; i < axes.length; i++) {
      int ax = normAxis("Slice", axes[i], r);
      Dim dim = a.get().dim(ax);
      if (starts.isEmpty() || ends.isEmpty() || !dim.isKnown()) {
        d.set(ax, Dim.unknown());
        continue;
      }
      long size = dim.size();
      long step = steps == null ? 1 : steps[i];
      long st = starts.get().toLongArray()[i];
      long en = ends.get().toLongArray()[i];
      long len;
      if (step > 0) {
        st = st < 0 ? Math.max(0, st + size) : Math.min(st, size);
        en = en < 0 ? Math.max(0, en + size) : Math.min(en, size);
        len = en <= st ? 0 : (en - st + step - 1) / step;
      } else if (step < 0) {
        st = st < 0 ? Math.max(-1, st + size) : Math.min(st, size - 1);
        en = en < 0 ? Math.max(-1, en + size) : Math.min(en, size - 1);
        len = st <= en ? 0 : (st - en + (-step) - 1) / (-step);
      } else {
        throw new IllegalArgumentException("Slice: step must not be 0");
      }
      d.set(ax, Dim.of(len));
    }
    return Optional.of(new Shape(d));
  }

  private static Shape literalShape(List<Object> sv) {
    List<Dim> d = new ArrayList<>();
    for (Object o : sv) {
      if (o instanceof Dim dim) {
        d.add(dim);
      } else {
        long v = (Long) o;
        d.add(v >= 0 ? Dim.of(v) : Dim.unknown());
      }
    }
    return new Shape(d);
  }

  private static Optional<Shape> einsum(String equation, List<Value> in) {
    String eq = equation.replace(" ", "");
    int arrow = eq.indexOf("->");
    if (arrow < 0 || eq.contains(".")) {
      return Optional.empty();
    }
    String[] terms = eq.substring(0, arrow).split(",", -1);
    Check.argument(terms.length == in.size(),
        "Einsum: equation '" + equation + "' has " + terms.length + " terms for " + in.size()
            + " inputs");
    Map<Character, Dim> dims = new java.util.HashMap<>();
    for (int i = 0; i < terms.length; i++) {
      Optional<Shape> s = shapeOf(in, i);
      if (s.isEmpty()) {
        continue;
      }
      if (s.get().rank() != terms[i].length()) {
        throw new IllegalArgumentException(
            "Einsum: term '" + terms[i] + "' does not match shape " + s.get());
      }
      for (int j = 0; j < terms[i].length(); j++) {
        char c = terms[i].charAt(j);
        Dim d = s.get().dim(j);
        Dim old = dims.get(c);
        if (old == null || (!old.isKnown() && d.isKnown())) {
          dims.put(c, d);
        }
      }
    }
    List<Dim> out = new ArrayList<>();
    for (char c : eq.substring(arrow + 2).toCharArray()) {
      out.add(dims.getOrDefault(c, Dim.unknown()));
    }
    return Optional.of(new Shape(out));
  }

  private static Optional<Shape> reshape(Optional<Shape> input, List<Object> target, boolean allowZero) {
    List<Dim> d = new ArrayList<>();
    int minusOne = -1;
    for (int i = 0; i < target.size(); i++) {
      if (target.get(i) instanceof Dim literal) {
        d.add(literal);
        continue;
      }
      long t = (Long) target.get(i);
      if (t == 0 && !allowZero) {
        if (input.isEmpty() || i >= input.get().rank()) {
          d.add(Dim.unknown());
        } else {
          d.add(input.get().dim(i));
        }
      } else if (t == -1) {
        Check.argument(minusOne < 0, "Reshape: more than one -1 in " + target);
        minusOne = i;
        d.add(Dim.unknown());
      } else if (t < -1) {
        throw new IllegalArgumentException("Reshape: bad target dim " + t);
      } else {
        d.add(Dim.of(t));
      }
    }
    if (minusOne >= 0 && input.isPresent() && input.get().numElements().isPresent()) {
      long total = input.get().numElements().getAsLong();
      long known = 1;
      for (int i = 0; i < d.size(); i++) {
        if (i != minusOne) {
          if (!d.get(i).isKnown()) {
            return Optional.of(new Shape(d));
          }
          known *= d.get(i).size();
        }
      }
      if (known != 0 && total % known == 0) {
        d.set(minusOne, Dim.of(total / known));
      } else {
        throw new IllegalArgumentException(
            "Reshape: cannot reshape " + input.get() + " to " + target);
      }
    } else if (minusOne >= 0 && input.isPresent()) {
      d.set(minusOne, symbolicRest(input.get().dims(), d, minusOne));
    } else if (minusOne < 0 && input.isPresent()) {
      Shape out = new Shape(d);
      if (input.get().numElements().isPresent()
          && out.numElements().isPresent()
          && input.get().numElements().getAsLong() != out.numElements().getAsLong()) {
        throw new IllegalArgumentException(
            "Reshape: cannot reshape " + input.get() + " to " + target);
      }
    }
    return Optional.of(new Shape(d));
  }

  /**
   * The {@code -1} dim of a reshape whose input has named dims: what is left of the input's dims
   * (numbers and names, as a product) after dividing by the other target dims, when that is one name
   * or one number (for example {@code [b, 2, 7, s, 64] -> [0, 14, -1, 64]} gives {@code s});
   * otherwise unknown.
   */
  private static Dim symbolicRest(List<Dim> input, List<Dim> target, int minusOne) {
    List<String> names = new ArrayList<>();
    long number = 1;
    for (Dim x : input) {
      if (x.isKnown()) {
        number *= x.size();
      } else if (x.symbol().isPresent()) {
        names.add(x.symbol().get());
      } else {
        return Dim.unknown();
      }
    }
    long divisor = 1;
    for (int i = 0; i < target.size(); i++) {
      if (i == minusOne) {
        continue;
      }
      Dim x = target.get(i);
      if (x.isKnown()) {
        divisor *= x.size();
      } else if (x.symbol().isEmpty() || !names.remove(x.symbol().get())) {
        return Dim.unknown();
      }
    }
    if (divisor == 0 || number % divisor != 0) {
      return Dim.unknown();
    }
    long rest = number / divisor;
    if (names.isEmpty()) {
      return Dim.of(rest);
    }
    return names.size() == 1 && rest == 1 ? Dim.symbolic(names.get(0)) : Dim.unknown();
  }

  /** {@code s} with its last two axes swapped when {@code swap}; unknown for rank below 2. */
  private static Optional<Shape> transposedLast(Optional<Shape> s, boolean swap) {
    if (!swap || s.isEmpty()) {
      return s;
    }
    int r = s.get().rank();
    if (r < 2) {
      return Optional.empty();
    }
    List<Dim> d = new ArrayList<>(s.get().dims());
    Dim last = d.get(r - 1);
    d.set(r - 1, d.get(r - 2));
    d.set(r - 2, last);
    return Optional.of(new Shape(d));
  }

  private static Optional<Shape> matMul(Optional<Shape> a0, Optional<Shape> b0) {
    if (a0.isEmpty() || b0.isEmpty()) {
      return Optional.empty();
    }
    Shape a = a0.get();
    Shape b = b0.get();
    Check.argument(a.rank() != 0 && b.rank() != 0,
        "MatMul: inputs must have rank >= 1, found " + a + " and " + b);
    boolean aVec = a.rank() == 1;
    boolean bVec = b.rank() == 1;
    List<Dim> ad = new ArrayList<>(a.dims());
    List<Dim> bd = new ArrayList<>(b.dims());
    if (aVec) {
      ad.add(0, Dim.of(1));
    }
    if (bVec) {
      bd.add(Dim.of(1));
    }
    Dim k1 = ad.get(ad.size() - 1);
    Dim k2 = bd.get(bd.size() - 2);
    Check.argument(!k1.isKnown() || !k2.isKnown() || k1.size() == k2.size(),
        "MatMul: inner dims differ: " + a + " and " + b);
    Optional<Shape> batch =
        broadcast(
            "MatMul",
            Optional.of(new Shape(ad.subList(0, ad.size() - 2))),
            Optional.of(new Shape(bd.subList(0, bd.size() - 2))));
    List<Dim> d = new ArrayList<>(batch.get().dims());
    if (!aVec) {
      d.add(ad.get(ad.size() - 2));
    }
    if (!bVec) {
      d.add(bd.get(bd.size() - 1));
    }
    return Optional.of(new Shape(d));
  }

  /** Numpy broadcasting; unknown when either side is unknown. */
  static Optional<Shape> broadcast(String opType, Optional<Shape> a0, Optional<Shape> b0) {
    if (a0.isEmpty() || b0.isEmpty()) {
      return Optional.empty();
    }
    Shape a = a0.get();
    Shape b = b0.get();
    int r = Math.max(a.rank(), b.rank());
    List<Dim> d = new ArrayList<>(r);
    for (int i = 0; i < r; i++) {
      int ia = a.rank() - r + i;
      int ib = b.rank() - r + i;
      Dim x = ia >= 0 ? a.dim(ia) : Dim.of(1);
      Dim y = ib >= 0 ? b.dim(ib) : Dim.of(1);
      if (x.equals(y)) {
        d.add(x);
      } else if (x.isKnown() && x.size() == 1) {
        d.add(y);
      } else if (y.isKnown() && y.size() == 1) {
        d.add(x);
      } else if (x.isKnown() && y.isKnown()) {
        throw new IllegalArgumentException(
            opType + ": shapes " + a + " and " + b + " do not broadcast");
      } else if (x.isKnown()) {
        d.add(x); // the other side must be 1 or equal at run time
      } else if (y.isKnown()) {
        d.add(y);
      } else {
        d.add(Dim.unknown());
      }
    }
    return Optional.of(new Shape(d));
  }

  /** {@code a} without the axes marked in {@code reduced}, or with them as 1 when {@code keep}. */
  private static Optional<Shape> reduced(Shape a, boolean[] reduced, boolean keep) {
    List<Dim> d = new ArrayList<>();
    for (int i = 0; i < a.rank(); i++) {
      if (!reduced[i]) {
        d.add(a.dim(i));
      } else if (keep) {
        d.add(Dim.of(1));
      }
    }
    return Optional.of(new Shape(d));
  }

  private static Dim mergeEqual(String opType, Dim a, Dim b, Object context) {
    if (a.equals(b)) {
      return a;
    }
    if (a.isKnown() && b.isKnown()) {
      throw new IllegalArgumentException(opType + ": dims " + a + " and " + b + " differ in " + context);
    }
    return a.isKnown() ? a : b.isKnown() ? b : Dim.unknown();
  }

  static int normAxis(String opType, long axis, int rank) {
    if (axis < -rank || axis >= rank) {
      throw new IllegalArgumentException(
          opType + ": axis must be in [" + -rank + ", " + (rank - 1) + "], found " + axis);
    }
    return (int) (axis < 0 ? axis + rank : axis);
  }

  private static long clampAxis(long axis, int rank) {
    long a = axis < 0 ? axis + rank : axis;
    return Math.max(0, Math.min(rank, a));
  }

  private static long intAttr(Map<String, Attribute> attrs, String name, long def) {
    Attribute a = attrs.get(name);
    return a == null ? def : a.asLong();
  }

  private static Optional<Shape> shapeOf(List<Value> in, int i) {
    return i < in.size() && in.get(i) != null ? in.get(i).shape() : Optional.empty();
  }

  private static Value input(String opType, List<Value> inputs, int i) {
    if (i >= inputs.size() || inputs.get(i) == null) {
      throw new IllegalArgumentException(opType + ": input " + i + " is required");
    }
    return inputs.get(i);
  }

  private static Attribute required(String opType, Map<String, Attribute> attrs, String name) {
    Attribute a = attrs.get(name);
    Check.argument(a != null, opType + ": attribute '" + name + "' is required");
    return a;
  }

  private static List<DType> repeat(DType t, int n) {
    return Collections.nCopies(n, t);
  }
}
