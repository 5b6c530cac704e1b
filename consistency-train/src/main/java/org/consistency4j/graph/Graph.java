package org.consistency4j.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.consistency4j.internal.Check;

/**
 * An immutable ONNX graph: inputs, outputs, initializers and nodes in topological order (the builder only
 * accepts nodes whose inputs already exist, so insertion order is a topological order), with the dtype
 * and best-effort shape of every value. Walk it with {@link #nodes()}, {@link #producer(String)}, {@link
 * #consumers(String)} and {@link #value(String)}; extend it with {@link #toBuilder()}; serialize it with
 * {@link #toModel(ModelOptions)}. A subgraph (body of {@code If} or {@code Loop}) may reference values
 * of enclosing graphs, listed in {@link #outerScopeNames()}. Thread-safe.
 */
public final class Graph {
  private final String name;
  private final int opset;
  private final Map<String, Integer> domains;
  private final List<Value> inputs;
  private final List<Value> outputs;
  private final Map<String, Tensor> initializers;
  private final List<Node> nodes;
  private final Map<String, Value> values;
  private final Map<String, Tensor> constants;
  private final Set<String> outerScopeNames;
  private final Map<String, Node> producers = new HashMap<>();
  private final Map<String, List<Node>> consumers = new HashMap<>();

  Graph(
      String name,
      int opset,
      Map<String, Integer> domains,
      List<Value> inputs,
      List<Value> outputs,
      Map<String, Tensor> initializers,
      List<Node> nodes,
      Map<String, Value> values,
      Map<String, Tensor> constants,
      Set<String> outerScopeNames) {
    this.name = name;
    this.opset = opset;
    this.domains = Collections.unmodifiableMap(new LinkedHashMap<>(domains));
    this.inputs = List.copyOf(inputs);
    this.outputs = List.copyOf(outputs);
    this.initializers = Collections.unmodifiableMap(new LinkedHashMap<>(initializers));
    this.nodes = List.copyOf(nodes);
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    this.constants = Map.copyOf(constants);
    this.outerScopeNames = Collections.unmodifiableSet(new LinkedHashSet<>(outerScopeNames));
    for (Node n : this.nodes) {
      for (String o : n.outputs()) {
        if (!o.isEmpty()) {
          producers.put(o, n);
        }
      }
      for (String i : consumedNames(n)) {
        consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
      }
    }
    consumers.replaceAll((k, v) -> List.copyOf(v));
  }

  /** The names a node reads: its present inputs plus outer-scope names used by its subgraphs. */
  static Set<String> consumedNames(Node n) {
    Set<String> s = new LinkedHashSet<>(n.presentInputs());
    for (Attribute a : n.attributes().values()) {
      if (a instanceof Attribute.GraphValue g) {
        s.addAll(g.value().outerScopeNames());
      }
    }
    return s;
  }

  /** Graph name. */
  public String name() {
    return name;
  }

  /** The ai.onnx opset the graph was built for (17 to 26). */
  public int opset() {
    return opset;
  }

  /** Additional operator domains used (for example {@code com.microsoft -> 1}). */
  public Map<String, Integer> domains() {
    return domains;
  }

  /** Graph inputs in order (initializers are not listed here). */
  public List<Value> inputs() {
    return inputs;
  }

  /** Graph outputs in order. */
  public List<Value> outputs() {
    return outputs;
  }

  /** Initializers by name in insertion order. */
  public Map<String, Tensor> initializers() {
    return initializers;
  }

  /** Nodes in topological order. */
  public List<Node> nodes() {
    return nodes;
  }

  /** Every value defined in this graph (inputs, initializers, node outputs) by name. */
  public Map<String, Value> values() {
    return values;
  }

  /** The value called {@code name} defined in this graph. */
  public Optional<Value> value(String name) {
    return Optional.ofNullable(values.get(name));
  }

  /**
   * The dtype of value {@code name}.
   *
   * @throws IllegalArgumentException if the graph defines no such value
   */
  public DType dtype(String name) {
    Value v = values.get(name);
    Check.argument(v != null, "value '" + name + "' is not defined in graph '" + this.name + "'");
    return v.dtype();
  }

  /** The node producing value {@code name}; empty for inputs, initializers and outer-scope values. */
  public Optional<Node> producer(String name) {
    return Optional.ofNullable(producers.get(name));
  }

  /**
   * Nodes reading value {@code name} in topological order, including nodes whose subgraphs read it from
   * the outer scope.
   */
  public List<Node> consumers(String name) {
    return consumers.getOrDefault(name, List.of());
  }

  /** True when {@code name} is an initializer of this graph. */
  public boolean isInitializer(String name) {
    return initializers.containsKey(name);
  }

  /** The constant data of a value when it is an initializer or the output of a {@code Constant} node. */
  public Optional<Tensor> constantValue(String name) {
    Tensor t = initializers.get(name);
    return Optional.ofNullable(t != null ? t : constants.get(name));
  }

  /** Names this graph reads from enclosing graphs (empty for a top-level graph). */
  public Set<String> outerScopeNames() {
    return outerScopeNames;
  }

  /**
   * Reads an ONNX model into a graph: opset, initializers (raw or typed data), inputs, nodes with their
   * names and attributes, If/Loop subgraphs, outputs. Dtypes come from declared {@code value_info} or the
   * builder's inference; shapes from {@code value_info} where declared, else inferred.
   *
   * @throws IllegalArgumentException for unsupported content (non-tensor types, functions, unknown
   *     operators without declared output types, nodes out of topological order, external data)
   */
  public static Graph fromModel(ai.onnx.proto.OnnxMl.ModelProto model) {
    return fromModel(model, Map.of());
  }

  /**
   * Like {@link #fromModel(ai.onnx.proto.OnnxMl.ModelProto)}, taking the data of initializers stored
   * externally from {@code externalInitializers} (for example {@link ExportedModel#externalInitializers()}).
   */
  public static Graph fromModel(
      ai.onnx.proto.OnnxMl.ModelProto model, Map<String, Tensor> externalInitializers) {
    return OnnxImport.fromModel(model, externalInitializers);
  }

  /** A builder holding a copy of this graph, for appending nodes, inputs or outputs. */
  public GraphBuilder toBuilder() {
    return GraphBuilder.from(this);
  }

  /** Serializes with {@link ModelOptions#defaults()}. */
  public ExportedModel toModel() {
    return toModel(ModelOptions.defaults());
  }

  /** Serializes this graph as an ONNX model (this graph must be top-level: no outer-scope names). */
  public ExportedModel toModel(ModelOptions options) {
    return OnnxExport.toModel(this, options);
  }

  Map<String, Tensor> constants() {
    return constants;
  }

  /** A readable listing: inputs, initializers (dtype and shape only), nodes, outputs. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    sb.append("graph ").append(name).append(" (opset ").append(opset).append(")\n");
    for (Value v : inputs) {
      sb.append("  input ").append(v).append('\n');
    }
    for (Map.Entry<String, Tensor> e : initializers.entrySet()) {
      sb.append("  init  ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
    }
    for (Node n : nodes) {
      sb.append("  ").append(n).append('\n');
    }
    for (Value v : outputs) {
      sb.append("  output ").append(v).append('\n');
    }
    return sb.toString();
  }
}
