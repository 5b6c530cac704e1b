package org.consistency4j.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.consistency4j.internal.Check;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds an ONNX {@link Graph} value by value. Every op helper checks its inputs (they must be defined in
 * this graph or, for subgraphs, an enclosing one; dtypes must agree), infers the output dtypes and a
 * best-effort shape, records the node and returns the output {@link Value}s with fresh unique names.
 * Because inputs must exist before a node is added, nodes are always in topological order.
 *
 * <p>The builder is walkable while building ({@link #nodes()}, {@link #producer(Value)}, {@link
 * #consumers(Value)}, {@link #dtypeOf(Value)}, {@link #shapeOf(Value)}, {@link #constantValue(Value)}), which
 * is what an autodiff pass appending gradient nodes needs; {@link Graph#toBuilder()} continues an existing
 * graph. Operators are emitted in the form of the builder's opset (17 to 26; for example reduction axes are
 * an attribute of ReduceMean at opset 17 and an input from 18). Operators without a helper go through
 * {@link #op(String, List, Map, int)} or {@link #op(String, String, List, Map, List)}.
 *
 * <p>Not thread-safe: one thread builds a graph.
 */
public final class GraphBuilder {
  private static final Logger LOG = LoggerFactory.getLogger(GraphBuilder.class);

  /** Default ai.onnx opset. */
  public static final int DEFAULT_OPSET = 18;

  /** Lowest supported opset. */
  public static final int MIN_OPSET = 17;

  /** Highest supported opset (the highest ONNX Runtime 1.29 loads). */
  public static final int MAX_OPSET = 26;

  /** Unique-name allocator shared by a graph and all its subgraphs. */
  private static final class Names {
    final Set<String> used = new HashSet<>();
    final Map<String, Integer> counters = new HashMap<>();

    String fresh(String hint) {
      String base = hint.isEmpty() ? "v" : hint;
      int k = counters.getOrDefault(base, 0);
      String n;
      do {
        n = base + "_" + k++;
      } while (!used.add(n));
      counters.put(base, k);
      return n;
    }

    void reserve(String name, String what) {
      if (!used.add(name)) {
        throw new IllegalArgumentException(what + " name '" + name + "' is already used in this graph");
      }
    }
  }

  private final String name;
  private final int opset;
  private final GraphBuilder parent;
  private final Names names;
  private final Map<String, Integer> domains = new LinkedHashMap<>();
  private final Map<String, Value> values = new LinkedHashMap<>();
  private final List<Value> inputs = new ArrayList<>();
  private final List<Value> outputs = new ArrayList<>();
  private final Map<String, Tensor> initializers = new LinkedHashMap<>();
  private final Map<String, Tensor> constants = new HashMap<>();
  private final List<Node> nodes = new ArrayList<>();
  private final Map<String, Node> producers = new HashMap<>();
  private final Map<String, List<Node>> consumers = new HashMap<>();
  private final Set<String> outerRefs = new LinkedHashSet<>();
  private String prefix = "";
  private final OpInference.Context inferenceContext =
      new OpInference.Context() {
        @Override
        public Optional<Tensor> constant(Value v) {
          return constantValue(v);
        }

        @Override
        public Optional<List<Object>> shapeValue(Value v) {
          return GraphBuilder.this.shapeValue(v, 0);
        }
      };

  private GraphBuilder(String name, int opset, GraphBuilder parent, Names names) {
    this.name = Objects.requireNonNull(name, "name must not be null");
    Check.argument(opset >= MIN_OPSET && opset <= MAX_OPSET,
        "opset must be in [" + MIN_OPSET + ", " + MAX_OPSET + "], found " + opset);
    this.opset = opset;
    this.parent = parent;
    this.names = names;
  }

  /** A builder for a top-level graph at {@link #DEFAULT_OPSET}. */
  public static GraphBuilder create(String name) {
    return create(name, DEFAULT_OPSET);
  }

  /** A builder for a top-level graph at ai.onnx opset {@code opset} in [17, 26]. */
  public static GraphBuilder create(String name, int opset) {
    return new GraphBuilder(name, opset, null, new Names());
  }

  static GraphBuilder from(Graph g) {
    GraphBuilder b = new GraphBuilder(g.name(), g.opset(), null, new Names());
    b.domains.putAll(g.domains());
    collectNames(g, b.names.used);
    b.values.putAll(g.values());
    b.inputs.addAll(g.inputs());
    b.outputs.addAll(g.outputs());
    b.initializers.putAll(g.initializers());
    b.constants.putAll(g.constants());
    b.outerRefs.addAll(g.outerScopeNames());
    for (Node n : g.nodes()) {
      b.record(n);
    }
    return b;
  }

  private static void collectNames(Graph g, Set<String> out) {
    out.addAll(g.values().keySet());
    out.add(g.name());
    for (Node n : g.nodes()) {
      out.add(n.name());
      for (Attribute a : n.attributes().values()) {
        if (a instanceof Attribute.GraphValue gv) {
          collectNames(gv.value(), out);
        }
      }
    }
  }

  // ------------------------------------------------------------------ structure

  /** Graph name. */
  public String name() {
    return name;
  }

  /** The ai.onnx opset operators are emitted for. */
  public int opset() {
    return opset;
  }

  /**
   * A builder for a subgraph (an {@code If} branch or a {@code Loop} body) that may read this graph's
   * values; names stay unique across both. Build it with {@link #build()} and pass the {@link Graph} to
   * {@link #ifThenElse} or {@link #loop}.
   */
  public GraphBuilder subgraph(String name) {
    return new GraphBuilder(names.fresh(name), opset, this, names);
  }

  /**
   * Sets a prefix for generated names (for example {@code "layers.0.attn."}) and returns the previous
   * prefix, so nested code can restore it. Only affects readability.
   */
  public String setNamePrefix(String prefix) {
    String old = this.prefix;
    this.prefix = Objects.requireNonNull(prefix, "prefix must not be null");
    return old;
  }

  /** Reserves and returns a new unique name derived from {@code hint}. */
  public String freshName(String hint) {
    return names.fresh(prefix + hint);
  }

  /** Declares a graph input with a (possibly symbolic) shape. */
  public Value input(String name, DType dtype, Shape shape) {
    Objects.requireNonNull(dtype, "dtype must not be null");
    Objects.requireNonNull(shape, "shape must not be null");
    names.reserve(name, "input");
    Value v = new Value(name, dtype, shape);
    values.put(name, v);
    inputs.add(v);
    return v;
  }

  /**
   * Declares a graph input; {@code dims} mixes numbers (known sizes, -1 = unknown) and strings (symbolic
   * dims), for example {@code input("ids", DType.INT64, "batch", "seq")}.
   */
  public Value input(String name, DType dtype, Object... dims) {
    return input(name, dtype, Shape.symbolic(dims));
  }

  /** Adds an initializer (a weight or constant stored in the model) called {@code name}. */
  public Value initializer(String name, Tensor value) {
    Objects.requireNonNull(value, "value must not be null");
    names.reserve(name, "initializer");
    Value v = new Value(name, value.dtype(), value.toShape());
    values.put(name, v);
    initializers.put(name, value);
    return v;
  }

  /** Marks {@code v} as a graph output (inserting an Identity when {@code v} is not local or already an output). */
  public Value output(Value v) {
    Value r = resolve(v, "output");
    if (!values.containsKey(r.name()) || isOutput(r.name()) || initializers.containsKey(r.name())) {
      r = identity(r);
    }
    outputs.add(r);
    return r;
  }

  /** Marks a copy of {@code v} named {@code name} as a graph output (through an Identity node). */
  public Value output(String name, Value v) {
    Value r = resolve(v, "output");
    names.reserve(name, "output");
    Value out = addNode("", "Identity", List.of(r), Map.of(), null, 1, List.of(name)).get(0);
    outputs.add(out);
    return out;
  }

  private boolean isOutput(String n) {
    return outputs.stream().anyMatch(o -> o.name().equals(n));
  }

  /**
   * Records a better-known shape for {@code v} (for example symbolic dims the inference lost) and returns
   * the updated value. The shape must have the same rank as an already known shape.
   */
  public Value setShape(Value v, Shape shape) {
    Value r = resolve(v, "setShape");
    Check.argument(values.containsKey(r.name()),
        "value '" + r.name() + "' is not local to graph '" + name + "'");
    if (r.shape().isPresent() && r.shape().get().rank() != shape.rank()) {
      throw new IllegalArgumentException(
          "shape rank (" + shape.rank() + ") != known rank (" + r.shape().get().rank() + ") of " + r);
    }
    Value n = new Value(r.name(), r.dtype(), shape);
    values.put(r.name(), n);
    for (int i = 0; i < inputs.size(); i++) {
      if (inputs.get(i).name().equals(r.name())) {
        inputs.set(i, n);
      }
    }
    for (int i = 0; i < outputs.size(); i++) {
      if (outputs.get(i).name().equals(r.name())) {
        outputs.set(i, n);
      }
    }
    return n;
  }

  /**
   * Turns initializer {@code name} into a graph input of the same dtype and shape (for example a weight
   * that training feeds at run time) and returns it; its data is dropped from the graph.
   *
   * @throws IllegalArgumentException if {@code name} is not an initializer of this graph
   */
  public Value initializerToInput(String name) {
    Check.argument(initializers.remove(name) != null,
        "name must be an initializer of graph '" + this.name + "', found " + name);
    Value v = values.get(name);
    inputs.add(v);
    return v;
  }

  /**
   * Removes the nodes that no graph output depends on (a subgraph's reads of outer values count as
   * uses), with their output values; returns how many were removed. ONNX Runtime runs every node of a
   * graph, so a value a rewritten graph no longer reads would otherwise still be computed.
   */
  public int removeUnusedNodes() {
    Set<String> live = new HashSet<>();
    outputs.forEach(o -> live.add(o.name()));
    List<Node> kept = new ArrayList<>();
    List<Node> dropped = new ArrayList<>();
    for (int i = nodes.size() - 1; i >= 0; i--) {
      Node n = nodes.get(i);
      if (n.outputs().stream().anyMatch(live::contains)) {
        kept.add(n);
        live.addAll(Graph.consumedNames(n));
      } else {
        dropped.add(n);
      }
    }
    if (dropped.isEmpty()) {
      return 0;
    }
    java.util.Collections.reverse(kept);
    nodes.clear();
    producers.clear();
    consumers.clear();
    for (Node n : dropped) {
      for (String o : n.outputs()) {
        values.remove(o);
        constants.remove(o);
      }
    }
    kept.forEach(this::record);
    return dropped.size();
  }

  /** Removes every graph output (the values and their nodes stay); returns the removed outputs. */
  public List<Value> clearOutputs() {
    List<Value> old = List.copyOf(outputs);
    outputs.clear();
    return old;
  }

  /**
   * Adds a copy of {@code node}, a node of graph {@code source}, keeping its name, domain, attributes,
   * output names and output dtypes; input {@code i} reads {@code inputs.get(i)} ({@code null} for an
   * omitted input) instead of the node's own. This is how a graph is replayed into a new builder with
   * some nodes rewired (LoRA branches, for example).
   *
   * @return the outputs (omitted optional outputs left out)
   * @throws IllegalArgumentException if a name of the node is already used here or an input is not
   *     defined
   */
  public List<Value> copyNode(Node node, Graph source, List<Value> inputs) {
    Objects.requireNonNull(node, "node must not be null");
    Objects.requireNonNull(source, "source must not be null");
    Check.argument(inputs.size() == node.inputs().size(),
        "inputs size (" + inputs.size() + ") != node inputs size (" + node.inputs().size() + ")");
    List<DType> outTypes = null;
    if (!OpInference.knows(node.domain(), node.opType())) {
      outTypes = new ArrayList<>();
      for (String o : node.outputs()) {
        outTypes.add(o.isEmpty() ? DType.FLOAT : source.dtype(o));
      }
    }
    if (!node.domain().isEmpty() && source.domains().containsKey(node.domain())) {
      domains.putIfAbsent(node.domain(), source.domains().get(node.domain()));
    }
    return importNode(node.name(), node.domain(), node.opType(), inputs, node.attributes(), outTypes,
            node.outputs()).stream()
        .filter(Objects::nonNull)
        .toList();
  }

  /** Freezes the current state into an immutable {@link Graph}; the builder stays usable. */
  public Graph build() {
    return new Graph(
        name, opset, domains, inputs, outputs, initializers, nodes, values, constants, outerRefs);
  }

  // ------------------------------------------------------------------ queries

  /** Nodes added so far, in topological order (unmodifiable snapshot). */
  public List<Node> nodes() {
    return List.copyOf(nodes);
  }

  /** Graph inputs so far. */
  public List<Value> inputs() {
    return List.copyOf(inputs);
  }

  /** Graph outputs so far. */
  public List<Value> outputs() {
    return List.copyOf(outputs);
  }

  /** Initializers so far, in insertion order. */
  public Map<String, Tensor> initializers() {
    return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(initializers));
  }

  /** The current value called {@code name} in this graph or an enclosing one. */
  public Optional<Value> value(String name) {
    for (GraphBuilder g = this; g != null; g = g.parent) {
      Value v = g.values.get(name);
      if (v != null) {
        return Optional.of(v);
      }
    }
    return Optional.empty();
  }

  /** The dtype of {@code v} as recorded by this graph. */
  public DType dtypeOf(Value v) {
    return resolve(v, "dtype").dtype();
  }

  /** The best-known shape of {@code v} (refined by {@link #setShape}). */
  public Optional<Shape> shapeOf(Value v) {
    return resolve(v, "shape").shape();
  }

  /** The node producing {@code v}, empty for inputs, initializers and outer-scope values. */
  public Optional<Node> producer(Value v) {
    return Optional.ofNullable(producers.get(v.name()));
  }

  /** Nodes of this graph reading {@code v} (directly or from a subgraph), in topological order. */
  public List<Node> consumers(Value v) {
    return List.copyOf(consumers.getOrDefault(v.name(), List.of()));
  }

  /** The data of {@code v} when it is an initializer or a {@code Constant} output (here or enclosing). */
  public Optional<Tensor> constantValue(Value v) {
    for (GraphBuilder g = this; g != null; g = g.parent) {
      Tensor t = g.initializers.get(v.name());
      if (t == null) {
        t = g.constants.get(v.name());
      }
      if (t != null) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }

  /**
   * The entries of a 1-D INT64 value when they are known symbolically: constants give {@link Long}s,
   * Shape nodes give the {@link Dim}s of their input, Concat joins them.
   */
  private Optional<List<Object>> shapeValue(Value v, int depth) {
    if (depth > 16) {
      return Optional.empty();
    }
    Optional<Tensor> c = constantValue(v);
    if (c.isPresent()) {
      if (c.get().dtype() != DType.INT64 || c.get().rank() > 1) {
        return Optional.empty();
      }
      List<Object> l = new ArrayList<>();
      for (long x : c.get().toLongArray()) {
        l.add(x);
      }
      return Optional.of(l);
    }
    Node p = null;
    for (GraphBuilder g = this; g != null && p == null; g = g.parent) {
      p = g.producers.get(v.name());
    }
    if (p == null || !p.domain().isEmpty()) {
      return Optional.empty();
    }
    if (p.opType().equals("Shape")) {
      Optional<Shape> s = value(p.inputs().get(0)).flatMap(Value::shape);
      if (s.isEmpty()) {
        return Optional.empty();
      }
      int r = s.get().rank();
      long start = p.intAttribute("start", 0);
      long end = p.intAttribute("end", r);
      start = Math.max(0, Math.min(r, start < 0 ? start + r : start));
      end = Math.max(0, Math.min(r, end < 0 ? end + r : end));
      List<Object> l = new ArrayList<>();
      for (long i = start; i < end; i++) {
        l.add(s.get().dim((int) i));
      }
      return Optional.of(l);
    }
    if ((p.opType().equals("Squeeze") || p.opType().equals("Unsqueeze")) && !p.inputs().isEmpty()) {
      // A one-element shape value keeps its entry through a change of rank (Shape(x)[1:2] -> scalar).
      Optional<Value> iv = value(p.inputs().get(0));
      Optional<List<Object>> part =
          iv.isEmpty() ? Optional.empty() : shapeValue(iv.get(), depth + 1);
      return part.filter(l -> l.size() == 1);
    }
    if (p.opType().equals("Concat")) {
      List<Object> l = new ArrayList<>();
      for (String in : p.inputs()) {
        Optional<Value> iv = value(in);
        if (iv.isEmpty()) {
          return Optional.empty();
        }
        Optional<List<Object>> part = shapeValue(iv.get(), depth + 1);
        if (part.isEmpty()) {
          return Optional.empty();
        }
        l.addAll(part.get());
      }
      return Optional.of(l);
    }
    return Optional.empty();
  }

  // ------------------------------------------------------------------ generic ops

  /**
   * Adds a default-domain node whose output dtypes the builder can infer (every operator with a helper
   * here and a few more) and returns its {@code nOutputs} outputs. {@code inputs} may contain {@code
   * null} for omitted optional inputs.
   *
   * @throws IllegalArgumentException if the dtypes cannot be inferred or an input is not defined
   */
  public List<Value> op(String opType, List<Value> inputs, Map<String, Attribute> attributes, int nOutputs) {
    Check.argument(nOutputs >= 1, "nOutputs must be >= 1, found " + nOutputs);
    return addNode("", opType, inputs, attributes, null, nOutputs, null);
  }

  /**
   * Adds a node of any domain with explicitly given output dtypes (one output per entry), for operators
   * the builder does not know, such as {@code com.microsoft} contrib operators. An unseen domain is
   * imported at version 1.
   */
  public List<Value> op(
      String domain,
      String opType,
      List<Value> inputs,
      Map<String, Attribute> attributes,
      List<DType> outputTypes) {
    Objects.requireNonNull(outputTypes, "outputTypes must not be null");
    Check.argument(!outputTypes.isEmpty(), "outputTypes must not be empty");
    return addNode(domain, opType, inputs, attributes, outputTypes, outputTypes.size(), null);
  }

  /** Single-output form of {@link #op(String, List, Map, int)}. */
  public Value op(String opType, Map<String, Attribute> attributes, Value... inputs) {
    return op(opType, Arrays.asList(inputs), attributes, 1).get(0);
  }

  // ------------------------------------------------------------------ constants

  /** A {@code Constant} node holding {@code value}. */
  public Value constant(Tensor value) {
    return addNode("", "Constant", List.of(), Map.of("value", Attribute.of(value)), null, 1, null).get(0);
  }

  /** A scalar constant of type {@code dtype} (see {@link Tensor#scalar(DType, double)}). */
  public Value scalar(DType dtype, double value) {
    return constant(Tensor.scalar(dtype, value));
  }

  /** A scalar constant with the dtype of {@code like}. */
  public Value scalarLike(Value like, double value) {
    return scalar(dtypeOf(like), value);
  }

  /** A 1-D INT64 constant (shapes, axes, indices). */
  public Value longs(long... values) {
    return constant(Tensor.vector(values));
  }

  /** A 1-D FLOAT constant. */
  public Value floats(float... values) {
    return constant(Tensor.ofFloats(values, values.length));
  }

  /** Zeros with the shape and dtype of {@code like} (ConstantOfShape over Shape). */
  public Value zerosLike(Value like) {
    return constantOfShape(shape(like), dtypeOf(like), 0);
  }

  /** Ones with the shape and dtype of {@code like}. */
  public Value onesLike(Value like) {
    return constantOfShape(shape(like), dtypeOf(like), 1);
  }

  // ------------------------------------------------------------------ elementwise

  /** {@code a + b} with broadcasting. */
  public Value add(Value a, Value b) {
    return binary("Add", a, b);
  }

  /** {@code a - b} with broadcasting. */
  public Value sub(Value a, Value b) {
    return binary("Sub", a, b);
  }

  /** {@code a * b} with broadcasting. */
  public Value mul(Value a, Value b) {
    return binary("Mul", a, b);
  }

  /** {@code a / b} with broadcasting (integer division truncates). */
  public Value div(Value a, Value b) {
    return binary("Div", a, b);
  }

  /** {@code a ^ b}; the exponent may have another numeric dtype. */
  public Value pow(Value a, Value b) {
    return op("Pow", Map.of(), a, b);
  }

  /** Elementwise maximum of one or more values. */
  public Value max(Value... xs) {
    return variadic("Max", xs);
  }

  /** Elementwise minimum of one or more values. */
  public Value min(Value... xs) {
    return variadic("Min", xs);
  }

  /** Elementwise sum of one or more values. */
  public Value sum(Value... xs) {
    return variadic("Sum", xs);
  }

  /** {@code -x}. */
  public Value neg(Value x) {
    return unary("Neg", x);
  }

  /** Square root. */
  public Value sqrt(Value x) {
    return unary("Sqrt", x);
  }

  /** {@code 1 / x}. */
  public Value reciprocal(Value x) {
    return unary("Reciprocal", x);
  }

  /** Natural exponential. */
  public Value exp(Value x) {
    return unary("Exp", x);
  }

  /** Natural logarithm. */
  public Value log(Value x) {
    return unary("Log", x);
  }

  /** Logistic sigmoid. */
  public Value sigmoid(Value x) {
    return unary("Sigmoid", x);
  }

  /** Hyperbolic tangent. */
  public Value tanh(Value x) {
    return unary("Tanh", x);
  }

  /** {@code max(x, 0)}. */
  public Value relu(Value x) {
    return unary("Relu", x);
  }

  /** {@code log(1 + exp(x))}. */
  public Value softplus(Value x) {
    return unary("Softplus", x);
  }

  /** Sine. */
  public Value sin(Value x) {
    return unary("Sin", x);
  }

  /** Cosine. */
  public Value cos(Value x) {
    return unary("Cos", x);
  }

  /** Absolute value. */
  public Value abs(Value x) {
    return unary("Abs", x);
  }

  /** Sign (-1, 0 or 1). */
  public Value sign(Value x) {
    return unary("Sign", x);
  }

  /** Gauss error function. */
  public Value erf(Value x) {
    return unary("Erf", x);
  }

  /** Round toward negative infinity. */
  public Value floor(Value x) {
    return unary("Floor", x);
  }

  /** Identity (a copy under a new name). */
  public Value identity(Value x) {
    return unary("Identity", x);
  }

  /** {@code x} clipped to {@code [min, max]}; either bound may be {@code null} (absent). */
  public Value clip(Value x, Value min, Value max) {
    return op("Clip", Arrays.asList(x, min, max), Map.of(), 1).get(0);
  }

  /** {@code x} clipped to {@code [min, max]} given as numbers of x's dtype. */
  public Value clip(Value x, double min, double max) {
    return clip(x, scalarLike(x, min), scalarLike(x, max));
  }

  /** {@code cond ? x : y} with broadcasting; {@code cond} must be BOOL. */
  public Value where(Value cond, Value x, Value y) {
    requireDtype("Where", cond, DType.BOOL);
    sameDtype("Where", x, y);
    return op("Where", Map.of(), cond, x, y);
  }

  /** Converts to {@code to}. */
  public Value cast(Value x, DType to) {
    return op("Cast", Map.of("to", Attribute.of((long) to.onnxCode())), x);
  }

  // ------------------------------------------------------------------ comparisons and logic

  /** {@code a == b} (BOOL). */
  public Value equal(Value a, Value b) {
    return binary("Equal", a, b);
  }

  /** {@code a < b} (BOOL). */
  public Value less(Value a, Value b) {
    return binary("Less", a, b);
  }

  /** {@code a > b} (BOOL). */
  public Value greater(Value a, Value b) {
    return binary("Greater", a, b);
  }

  /** Logical not of a BOOL value. */
  public Value not(Value x) {
    requireDtype("Not", x, DType.BOOL);
    return unary("Not", x);
  }

  /** Logical and of BOOL values. */
  public Value and(Value a, Value b) {
    requireDtype("And", a, DType.BOOL);
    return binary("And", a, b);
  }

  /** Logical or of BOOL values. */
  public Value or(Value a, Value b) {
    requireDtype("Or", a, DType.BOOL);
    return binary("Or", a, b);
  }

  /** True where {@code x} is NaN. */
  public Value isNaN(Value x) {
    return unary("IsNaN", x);
  }

  // ------------------------------------------------------------------ linear algebra

  /** Numpy-style matrix product with batch broadcasting. */
  public Value matMul(Value a, Value b) {
    return binary("MatMul", a, b);
  }

  /**
   * ONNX Runtime's {@code com.microsoft.MatMulNBits}: {@code a [..., k]} times the transpose of an
   * {@code [n, k]} weight quantized block-wise along {@code k}, {@code (code - 2^(bits-1)) * scale}
   * (no zero-point input: the default zero point {@code 2^(bits-1)}). Output {@code [..., n]}.
   *
   * @param packed UINT8 {@code [n, ceil(k / blockSize), blockSize * bits / 8]}, codes packed low
   *     bits first along {@code k}
   * @param scales FLOAT {@code [n, ceil(k / blockSize)]}
   * @param bits 2 to 8
   * @param blockSize a power of two, at least 16
   * @param accuracyLevel the least precision of {@code a} inside the product: 0 (unset, ONNX
   *     Runtime's default: float), 1 (float32), 2 (float16), 3 (bfloat16) or 4 (ONNX Runtime may
   *     quantize {@code a} to int8 per block, which its CPU kernels run several times faster)
   */
  public Value matMulNBits(Value a, Value packed, Value scales, long k, long n, int bits,
      int blockSize, int accuracyLevel) {
    Check.argument(accuracyLevel >= 0 && accuracyLevel <= 4,
        "MatMulNBits: accuracyLevel must be in [0, 4], found " + accuracyLevel);
    Check.argument(bits >= 2 && bits <= 8, "MatMulNBits: bits must be in [2, 8], found " + bits);
    Check.argument(blockSize >= 16 && Integer.bitCount(blockSize) == 1,
        "MatMulNBits: blockSize must be a power of two >= 16, found " + blockSize);
    Check.argument(dtypeOf(packed) == DType.UINT8,
        "MatMulNBits: packed weights must be UINT8, found " + dtypeOf(packed));
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    attrs.put("K", Attribute.of(k));
    attrs.put("N", Attribute.of(n));
    attrs.put("bits", Attribute.of((long) bits));
    attrs.put("block_size", Attribute.of((long) blockSize));
    attrs.put("accuracy_level", Attribute.of((long) accuracyLevel));
    return addNode("com.microsoft", "MatMulNBits", List.of(a, packed, scales), attrs, null, 1, null)
        .get(0);
  }

  /** {@code a @ b + c} for 2-D {@code a, b}; {@code c} may be null. */
  public Value gemm(Value a, Value b, Value c) {
    return gemm(a, b, c, 1f, 1f, false, false);
  }

  /** {@code alpha * op(a) @ op(b) + beta * c} with optional transposes; {@code c} may be null. */
  public Value gemm(
      Value a, Value b, Value c, float alpha, float beta, boolean transA, boolean transB) {
    sameDtype("Gemm", a, b);
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    attrs.put("alpha", Attribute.of(alpha));
    attrs.put("beta", Attribute.of(beta));
    attrs.put("transA", Attribute.of(transA ? 1L : 0L));
    attrs.put("transB", Attribute.of(transB ? 1L : 0L));
    return op("Gemm", Arrays.asList(a, b, c), attrs, 1).get(0);
  }

  /** Einstein summation, for example {@code einsum("bij,bjk->bik", a, b)}. */
  public Value einsum(String equation, Value... xs) {
    return op("Einsum", Map.of("equation", Attribute.of(equation)), xs);
  }

  // ------------------------------------------------------------------ reductions and normalizers

  /** Sum over {@code axes} keeping reduced dims as 1; no axes = all axes. */
  public Value reduceSum(Value x, long... axes) {
    return reduce("ReduceSum", x, true, axes);
  }

  /** Sum over {@code axes}; no axes = all axes. */
  public Value reduceSum(Value x, boolean keepDims, long... axes) {
    return reduce("ReduceSum", x, keepDims, axes);
  }

  /** Sum over axes computed at run time (1-D INT64); an empty tensor reduces all axes. */
  public Value reduceSum(Value x, Value axes, boolean keepDims) {
    return reduceDynamic("ReduceSum", x, axes, keepDims);
  }

  /** Mean over {@code axes}; no axes = all axes. */
  public Value reduceMean(Value x, boolean keepDims, long... axes) {
    return reduce("ReduceMean", x, keepDims, axes);
  }

  /** Mean over axes computed at run time (opset 18+). */
  public Value reduceMean(Value x, Value axes, boolean keepDims) {
    return reduceDynamic("ReduceMean", x, axes, keepDims);
  }

  /** Maximum over {@code axes}; no axes = all axes. */
  public Value reduceMax(Value x, boolean keepDims, long... axes) {
    return reduce("ReduceMax", x, keepDims, axes);
  }

  /** Minimum over {@code axes}; no axes = all axes. */
  public Value reduceMin(Value x, boolean keepDims, long... axes) {
    return reduce("ReduceMin", x, keepDims, axes);
  }

  /** Sum of squares over {@code axes}; no axes = all axes. */
  public Value reduceSumSquare(Value x, boolean keepDims, long... axes) {
    return reduce("ReduceSumSquare", x, keepDims, axes);
  }

  /** {@code log(sum(exp(x)))} over {@code axes}, computed stably; no axes = all axes. */
  public Value reduceLogSumExp(Value x, boolean keepDims, long... axes) {
    return reduce("ReduceLogSumExp", x, keepDims, axes);
  }

  /** Softmax along {@code axis}. */
  public Value softmax(Value x, long axis) {
    return op("Softmax", Map.of("axis", Attribute.of(axis)), x);
  }

  /** Log-softmax along {@code axis}. */
  public Value logSoftmax(Value x, long axis) {
    return op("LogSoftmax", Map.of("axis", Attribute.of(axis)), x);
  }

  /** Index of the maximum along {@code axis} (INT64; first occurrence on ties). */
  public Value argMax(Value x, long axis, boolean keepDims) {
    return op(
        "ArgMax",
        Map.of("axis", Attribute.of(axis), "keepdims", Attribute.of(keepDims ? 1L : 0L)),
        x);
  }

  /** The {@code k} largest (or smallest) entries along {@code axis}: [values, INT64 indices]. */
  public List<Value> topK(Value x, long k, long axis, boolean largest, boolean sorted) {
    Check.argument(k >= 0, "k must be >= 0, found " + k);
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    attrs.put("axis", Attribute.of(axis));
    attrs.put("largest", Attribute.of(largest ? 1L : 0L));
    attrs.put("sorted", Attribute.of(sorted ? 1L : 0L));
    return op("TopK", List.of(x, longs(k)), attrs, 2);
  }

  /** Cumulative sum along {@code axis}. */
  public Value cumSum(Value x, long axis, boolean exclusive, boolean reverse) {
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    attrs.put("exclusive", Attribute.of(exclusive ? 1L : 0L));
    attrs.put("reverse", Attribute.of(reverse ? 1L : 0L));
    return op("CumSum", List.of(x, constant(Tensor.scalar(axis))), attrs, 1).get(0);
  }

  // ------------------------------------------------------------------ indexing

  /** {@code data} indexed by {@code indices} along {@code axis} (numpy take). */
  public Value gather(Value data, Value indices, long axis) {
    requireIndex("Gather", indices);
    return op("Gather", Map.of("axis", Attribute.of(axis)), data, indices);
  }

  /** Elementwise gather along {@code axis} (torch.gather); output has the indices' shape. */
  public Value gatherElements(Value data, Value indices, long axis) {
    requireIndex("GatherElements", indices);
    return op("GatherElements", Map.of("axis", Attribute.of(axis)), data, indices);
  }

  /** Copy of {@code data} with {@code updates} scattered along {@code axis} (torch.scatter / scatter_add). */
  public Value scatterElements(
      Value data, Value indices, Value updates, long axis, ScatterReduction reduction) {
    requireIndex("ScatterElements", indices);
    sameDtype("ScatterElements", data, updates);
    requireReduction(reduction);
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    attrs.put("axis", Attribute.of(axis));
    if (reduction != ScatterReduction.NONE) {
      attrs.put("reduction", Attribute.of(reduction.onnxName()));
    }
    return op("ScatterElements", List.of(data, indices, updates), attrs, 1).get(0);
  }

  /** Copy of {@code data} with {@code updates} scattered at index tuples. */
  public Value scatterND(Value data, Value indices, Value updates, ScatterReduction reduction) {
    requireIndex("ScatterND", indices);
    sameDtype("ScatterND", data, updates);
    requireReduction(reduction);
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    if (reduction != ScatterReduction.NONE) {
      attrs.put("reduction", Attribute.of(reduction.onnxName()));
    }
    return op("ScatterND", List.of(data, indices, updates), attrs, 1).get(0);
  }

  /** One-hot encoding; {@code values} is {@code [off, on]}, {@code depth} a scalar or 1-element tensor. */
  public Value oneHot(Value indices, Value depth, Value values, long axis) {
    return op("OneHot", Map.of("axis", Attribute.of(axis)), indices, depth, values);
  }

  /** Lower ({@code upper=false}) or upper triangle of the last two dims, diagonal offset 0. */
  public Value trilu(Value x, boolean upper) {
    return op("Trilu", Map.of("upper", Attribute.of(upper ? 1L : 0L)), x);
  }

  /** Triangle with diagonal offset {@code k}. */
  public Value trilu(Value x, long k, boolean upper) {
    return op("Trilu", List.of(x, constant(Tensor.scalar(k))), Map.of("upper", Attribute.of(upper ? 1L : 0L)), 1)
        .get(0);
  }

  /** {@code [start, start + delta, ...)} below {@code limit}; scalars of one dtype. */
  public Value range(Value start, Value limit, Value delta) {
    sameDtype("Range", start, limit);
    sameDtype("Range", start, delta);
    return op("Range", Map.of(), start, limit, delta);
  }

  // ------------------------------------------------------------------ shapes

  /** The shape of {@code x} as a 1-D INT64 tensor. */
  public Value shape(Value x) {
    return op("Shape", Map.of(), x);
  }

  /** Dims {@code [start, end)} of the shape of {@code x} (negative counts from the end). */
  public Value shape(Value x, long start, long end) {
    return op("Shape", Map.of("start", Attribute.of(start), "end", Attribute.of(end)), x);
  }

  /** Number of elements of {@code x} (INT64 scalar). */
  public Value size(Value x) {
    return op("Size", Map.of(), x);
  }

  /** Reshape to a run-time shape (1-D INT64; 0 copies the input dim, -1 is inferred). */
  public Value reshape(Value x, Value shape) {
    requireDtype("Reshape", shape, DType.INT64);
    return op("Reshape", Map.of(), x, shape);
  }

  /** Reshape to a constant shape (0 copies the input dim, -1 is inferred). */
  public Value reshape(Value x, long... shape) {
    return reshape(x, longs(shape));
  }

  /** Permutes dims; {@code perm} empty = reverse. */
  public Value transpose(Value x, long... perm) {
    return op("Transpose", perm.length == 0 ? Map.of() : Map.of("perm", Attribute.ints(perm)), x);
  }

  /** Concatenation along {@code axis}. */
  public Value concat(long axis, Value... xs) {
    Check.argument(xs.length != 0, "xs must not be empty");
    for (Value v : xs) {
      sameDtype("Concat", xs[0], v);
    }
    return op("Concat", Map.of("axis", Attribute.of(axis)), xs);
  }

  /** Concatenation along {@code axis}. */
  public Value concat(long axis, List<Value> xs) {
    return concat(axis, xs.toArray(new Value[0]));
  }

  /** Slice with constant bounds; {@code axes} and {@code steps} may be null. */
  public Value slice(Value x, long[] starts, long[] ends, long[] axes, long[] steps) {
    Check.argument(starts.length == ends.length,
        "starts size (" + starts.length + ") != ends size (" + ends.length + ")");
    if (axes != null && axes.length != starts.length) {
      throw new IllegalArgumentException(
          "axes size (" + axes.length + ") != starts size (" + starts.length + ")");
    }
    if (steps != null && steps.length != starts.length) {
      throw new IllegalArgumentException(
          "steps size (" + steps.length + ") != starts size (" + starts.length + ")");
    }
    return slice(
        x,
        longs(starts),
        longs(ends),
        axes == null ? null : longs(axes),
        steps == null ? null : longs(steps));
  }

  /** Slice {@code [start, end)} of one axis. */
  public Value slice(Value x, long axis, long start, long end) {
    return slice(x, new long[] {start}, new long[] {end}, new long[] {axis}, null);
  }

  /** Slice with run-time bounds; {@code axes} and {@code steps} may be null. */
  public Value slice(Value x, Value starts, Value ends, Value axes, Value steps) {
    List<Value> in = new ArrayList<>(Arrays.asList(x, starts, ends, axes, steps));
    while (in.get(in.size() - 1) == null) {
      in.remove(in.size() - 1);
    }
    return op("Slice", in, Map.of(), 1).get(0);
  }

  /** Splits along {@code axis} into pieces of the given sizes. */
  public List<Value> split(Value x, long axis, long... sizes) {
    Check.argument(sizes.length != 0, "sizes must not be empty");
    return op("Split", List.of(x, longs(sizes)), Map.of("axis", Attribute.of(axis)), sizes.length);
  }

  /**
   * Splits along {@code axis} into {@code numOutputs} equal pieces (the last may be smaller). At opset 17
   * the dim must be statically known.
   */
  public List<Value> splitEqually(Value x, long axis, int numOutputs) {
    Check.argument(numOutputs >= 1, "numOutputs must be >= 1, found " + numOutputs);
    if (opset >= 18) {
      Map<String, Attribute> attrs = new LinkedHashMap<>();
      attrs.put("axis", Attribute.of(axis));
      attrs.put("num_outputs", Attribute.of((long) numOutputs));
      return op("Split", List.of(x), attrs, numOutputs);
    }
    Shape s =
        shapeOf(x).orElseThrow(
            () -> new IllegalArgumentException("splitEqually at opset 17 needs a known shape of " + x));
    Dim d = s.dim(OpInference.normAxis("Split", axis, s.rank()));
    Check.argument(d.isKnown() && d.size() % numOutputs == 0,
        "splitEqually at opset 17 needs a known dim divisible by " + numOutputs + ", found " + d);
    long[] sizes = new long[numOutputs];
    Arrays.fill(sizes, d.size() / numOutputs);
    return split(x, axis, sizes);
  }

  /** Removes the given size-1 axes. */
  public Value squeeze(Value x, long... axes) {
    if (axes.length == 0) {
      return op("Squeeze", Map.of(), x);
    }
    return op("Squeeze", Map.of(), x, longs(axes));
  }

  /** Inserts size-1 axes at the given positions of the output. */
  public Value unsqueeze(Value x, long... axes) {
    Check.argument(axes.length != 0, "axes must not be empty");
    return op("Unsqueeze", Map.of(), x, longs(axes));
  }

  /** Broadcasts {@code x} to a run-time shape (numpy rules). */
  public Value expand(Value x, Value shape) {
    requireDtype("Expand", shape, DType.INT64);
    return op("Expand", Map.of(), x, shape);
  }

  /** Broadcasts {@code x} to a constant shape. */
  public Value expand(Value x, long... shape) {
    return expand(x, longs(shape));
  }

  /** A tensor of run-time shape filled with {@code value} (a one-element 1-D tensor). */
  public Value constantOfShape(Value shape, Tensor value) {
    requireDtype("ConstantOfShape", shape, DType.INT64);
    Check.argument(value.numElements() == 1 && value.rank() == 1,
        "value must be a one-element 1-D tensor, found " + value);
    return op("ConstantOfShape", Map.of("value", Attribute.of(value)), shape);
  }

  /** A tensor of run-time shape filled with {@code value} converted to {@code dtype}. */
  public Value constantOfShape(Value shape, DType dtype, double value) {
    Tensor scalar = Tensor.scalar(dtype, value);
    return constantOfShape(shape, Tensor.of(dtype, scalar.data(), 1));
  }

  // ------------------------------------------------------------------ control flow

  /**
   * {@code If(cond)}: runs {@code thenBranch} or {@code elseBranch} (subgraphs without inputs, built with
   * {@link #subgraph(String)}, with the same number and dtypes of outputs).
   */
  public List<Value> ifThenElse(Value cond, Graph thenBranch, Graph elseBranch) {
    requireDtype("If", cond, DType.BOOL);
    Check.argument(thenBranch.inputs().isEmpty() && elseBranch.inputs().isEmpty(),
        "If branches must not have inputs");
    List<DType> t = thenBranch.outputs().stream().map(Value::dtype).toList();
    List<DType> e = elseBranch.outputs().stream().map(Value::dtype).toList();
    Check.argument(!t.isEmpty() && t.equals(e),
        "If branches must have the same non-empty output dtypes, found " + t + " and " + e);
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    attrs.put("then_branch", Attribute.of(thenBranch));
    attrs.put("else_branch", Attribute.of(elseBranch));
    return addNode("", "If", List.of(cond), attrs, null, t.size(), null);
  }

  /**
   * {@code Loop}: {@code body} has inputs (iteration INT64 scalar, condition BOOL scalar, carried...) and
   * outputs (condition, carried..., scan outputs...). Returns the final carried values then the scan
   * outputs. {@code maxTripCount} (INT64 scalar) and {@code cond} (BOOL scalar) may be null.
   */
  public List<Value> loop(Value maxTripCount, Value cond, List<Value> carried, Graph body) {
    Check.argument(body.inputs().size() == carried.size() + 2,
        "Loop body inputs size (" + body.inputs().size() + ") != carried size + 2 ("
            + (carried.size() + 2) + ")");
    Check.argument(body.outputs().size() >= carried.size() + 1,
        "Loop body outputs size (" + body.outputs().size() + ") < carried size + 1 ("
            + (carried.size() + 1) + ")");
    List<Value> in = new ArrayList<>();
    in.add(maxTripCount);
    in.add(cond);
    in.addAll(carried);
    return addNode("", "Loop", in, Map.of("body", Attribute.of(body)), null, body.outputs().size() - 1, null);
  }

  // ------------------------------------------------------------------ import hooks (OnnxImport)

  void importDomain(String domain, int version) {
    domains.put(domain, version);
  }

  Value importInput(String inputName, DType dtype, Optional<Shape> shape) {
    names.reserve(inputName, "input");
    Value v = new Value(inputName, dtype, shape);
    values.put(inputName, v);
    inputs.add(v);
    return v;
  }

  GraphBuilder importSubgraph(String subgraphName) {
    return new GraphBuilder(subgraphName, opset, this, names);
  }

  /** Adds a node keeping its names; {@code outTypes} null = infer. Returns all outputs (null for ""). */
  List<Value> importNode(
      String nodeName,
      String domain,
      String opType,
      List<Value> in,
      Map<String, Attribute> attrs,
      List<DType> outTypes,
      List<String> outNames) {
    for (String n : outNames) {
      if (!n.isEmpty()) {
        names.reserve(n, "node output");
      }
    }
    names.used.add(nodeName);
    if (!domain.isEmpty() && !domain.equals("ai.onnx")) {
      domains.putIfAbsent(domain, 1);
    }
    List<Value> made = addNode(nodeName, domain, opType, in, attrs, outTypes, outNames.size(), outNames);
    return made;
  }

  void importOutput(Value v) {
    outputs.add(resolve(v, "output"));
  }

  // ------------------------------------------------------------------ internals

  private Value unary(String opType, Value x) {
    return op(opType, Map.of(), x);
  }

  private Value binary(String opType, Value a, Value b) {
    sameDtype(opType, a, b);
    return op(opType, Map.of(), a, b);
  }

  private Value variadic(String opType, Value... xs) {
    Check.argument(xs.length != 0, opType + ": needs at least one input");
    for (Value v : xs) {
      sameDtype(opType, xs[0], v);
    }
    return op(opType, Map.of(), xs);
  }

  private Value reduce(String opType, Value x, boolean keepDims, long[] axes) {
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    attrs.put("keepdims", Attribute.of(keepDims ? 1L : 0L));
    boolean axesAsInput = opType.equals("ReduceSum") || opset >= 18;
    if (axes.length == 0) {
      return op(opType, List.of(x), attrs, 1).get(0);
    }
    if (axesAsInput) {
      return op(opType, List.of(x, longs(axes)), attrs, 1).get(0);
    }
    attrs.put("axes", Attribute.ints(axes));
    return op(opType, List.of(x), attrs, 1).get(0);
  }

  private Value reduceDynamic(String opType, Value x, Value axes, boolean keepDims) {
    Check.argument(opType.equals("ReduceSum") || opset >= 18,
        opType + " with run-time axes needs opset >= 18, found " + opset);
    requireDtype(opType, axes, DType.INT64);
    return op(opType, List.of(x, axes), Map.of("keepdims", Attribute.of(keepDims ? 1L : 0L)), 1).get(0);
  }

  private void requireReduction(ScatterReduction r) {
    Objects.requireNonNull(r, "reduction must not be null");
    Check.argument(r != ScatterReduction.MAX && r != ScatterReduction.MIN || opset >= 18,
        "reduction " + r + " needs opset >= 18, found " + opset);
  }

  private void requireIndex(String opType, Value indices) {
    DType t = dtypeOf(indices);
    Check.argument(t == DType.INT64 || t == DType.INT32,
        opType + ": indices must be INT64 or INT32, found " + t + " (" + indices.name() + ")");
  }

  private void requireDtype(String opType, Value v, DType want) {
    DType t = dtypeOf(v);
    if (t != want) {
      throw new IllegalArgumentException(
          opType + ": " + v.name() + " must be " + want + ", found " + t);
    }
  }

  private void sameDtype(String opType, Value a, Value b) {
    DType ta = dtypeOf(a);
    DType tb = dtypeOf(b);
    if (ta != tb) {
      throw new IllegalArgumentException(
          opType
              + ": input dtypes differ: "
              + a.name()
              + " is "
              + ta
              + ", "
              + b.name()
              + " is "
              + tb);
    }
  }

  /** The registered value for {@code v} (here or enclosing), recording outer-scope reads. */
  private Value resolve(Value v, String what) {
    Objects.requireNonNull(v, what + ": value must not be null");
    Value local = values.get(v.name());
    if (local != null) {
      checkSame(v, local);
      return local;
    }
    if (parent != null) {
      Value outer = parent.resolve(v, what);
      outerRefs.add(outer.name());
      return outer;
    }
    throw new IllegalArgumentException(
        what + ": value '" + v.name() + "' is not defined in graph '" + name + "'");
  }

  private static void checkSame(Value given, Value registered) {
    if (given.dtype() != registered.dtype()) {
      throw new IllegalArgumentException(
          "value '"
              + given.name()
              + "' has dtype "
              + registered.dtype()
              + " in this graph, but a handle with "
              + given.dtype()
              + " was passed (a value of another graph?)");
    }
  }

  private List<Value> addNode(
      String domain,
      String opType,
      List<Value> inputsGiven,
      Map<String, Attribute> attrs,
      List<DType> outTypes,
      int nOutputs,
      List<String> outNames) {
    return addNode(null, domain, opType, inputsGiven, attrs, outTypes, nOutputs, outNames);
  }

  /**
   * Adds a node. {@code nodeName} null = generated; {@code outNames} null = generated, otherwise the
   * caller reserved them, and {@code ""} entries are omitted optional outputs (no value is defined).
   */
  private List<Value> addNode(
      String nodeName,
      String domain,
      String opType,
      List<Value> inputsGiven,
      Map<String, Attribute> attrs,
      List<DType> outTypes,
      int nOutputs,
      List<String> outNames) {
    Objects.requireNonNull(domain, "domain must not be null");
    Objects.requireNonNull(opType, "opType must not be null");
    Objects.requireNonNull(attrs, "attributes must not be null");
    List<Value> in = new ArrayList<>(inputsGiven.size());
    List<String> inNames = new ArrayList<>(inputsGiven.size());
    for (Value v : inputsGiven) {
      if (v == null) {
        in.add(null);
        inNames.add("");
      } else {
        Value r = resolve(v, opType);
        in.add(r);
        inNames.add(r.name());
      }
    }
    while (!inNames.isEmpty() && inNames.get(inNames.size() - 1).isEmpty()) {
      inNames.remove(inNames.size() - 1);
      in.remove(in.size() - 1);
    }
    for (Attribute a : attrs.values()) {
      if (a instanceof Attribute.GraphValue g) {
        for (String outer : g.value().outerScopeNames()) {
          resolve(new Value(outer, lookupDtype(outer, opType)), opType);
        }
      }
    }
    List<DType> types =
        outTypes != null ? List.copyOf(outTypes) : OpInference.dtypes(domain, opType, in, attrs, nOutputs);
    List<Optional<Shape>> shapes;
    try {
      shapes = OpInference.shapes(domain, opType, in, attrs, types.size(), inferenceContext);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage() + " (node inputs " + inNames + ")", e);
    } catch (RuntimeException e) {
      LOG.debug("shape inference failed for {}; shapes left unknown", opType, e);
      shapes = new ArrayList<>();
      for (int i = 0; i < types.size(); i++) {
        shapes.add(Optional.empty());
      }
    }
    String hint = opType.toLowerCase(Locale.ROOT);
    List<String> outs = new ArrayList<>();
    List<Value> result = new ArrayList<>();
    for (int i = 0; i < types.size(); i++) {
      String n = outNames != null ? outNames.get(i) : names.fresh(prefix + hint);
      outs.add(n);
      if (!n.isEmpty()) {
        result.add(new Value(n, types.get(i), shapes.get(i)));
      }
    }
    Node node =
        new Node(
            nodeName != null ? nodeName : names.fresh(prefix + opType), domain, opType, inNames, outs, attrs);
    for (Value v : result) {
      values.put(v.name(), v);
    }
    if (opType.equals("Constant") && domain.isEmpty() && attrs.containsKey("value")) {
      constants.put(outs.get(0), attrs.get("value").asTensor());
    }
    if (!domain.isEmpty() && !domain.equals("ai.onnx")) {
      domains.putIfAbsent(domain, 1);
    }
    record(node);
    return List.copyOf(result);
  }

  private DType lookupDtype(String valueName, String opType) {
    return value(valueName)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    opType + ": subgraph reads '" + valueName + "', which is not defined in graph '" + name + "'"))
        .dtype();
  }

  private void record(Node node) {
    nodes.add(node);
    for (String o : node.outputs()) {
      if (!o.isEmpty()) {
        producers.put(o, node);
      }
    }
    for (String i : Graph.consumedNames(node)) {
      consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(node);
    }
  }
}
