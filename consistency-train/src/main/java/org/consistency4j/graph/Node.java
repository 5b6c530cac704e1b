package org.consistency4j.graph;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.consistency4j.internal.Check;

/**
 * One operator application in a graph. Inputs and outputs are value names; an empty string stands for an
 * omitted optional input or output, as in ONNX. Immutable and thread-safe.
 *
 * @param name unique node name
 * @param domain operator domain, {@code ""} for the default {@code ai.onnx} domain
 * @param opType operator type, for example {@code "MatMul"}
 * @param inputs input value names in operator order ({@code ""} = omitted)
 * @param outputs output value names in operator order
 * @param attributes attributes by name, in insertion order
 */
public record Node(
    String name,
    String domain,
    String opType,
    List<String> inputs,
    List<String> outputs,
    Map<String, Attribute> attributes) {

  /** Validates and copies the fields. */
  public Node {
    Objects.requireNonNull(name, "name must not be null");
    Objects.requireNonNull(domain, "domain must not be null");
    Objects.requireNonNull(opType, "opType must not be null");
    Check.argument(!opType.isEmpty(), "opType must not be empty");
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
  }

  /** The attribute called {@code name}, if present. */
  public Optional<Attribute> attribute(String name) {
    return Optional.ofNullable(attributes.get(name));
  }

  /** The INT attribute {@code name}, or {@code defaultValue} when absent. */
  public long intAttribute(String name, long defaultValue) {
    Attribute a = attributes.get(name);
    return a == null ? defaultValue : a.asLong();
  }

  /** The FLOAT attribute {@code name}, or {@code defaultValue} when absent. */
  public float floatAttribute(String name, float defaultValue) {
    Attribute a = attributes.get(name);
    return a == null ? defaultValue : a.asFloat();
  }

  /** The non-empty input names (omitted optional inputs removed). */
  public List<String> presentInputs() {
    return inputs.stream().filter(s -> !s.isEmpty()).toList();
  }

  /** {@code out1, out2 = MatMul(a, b) {attrs}}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.join(", ", outputs)).append(" = ");
    if (!domain.isEmpty()) {
      sb.append(domain).append('.');
    }
    sb.append(opType).append('(').append(String.join(", ", inputs)).append(')');
    if (!attributes.isEmpty()) {
      sb.append(' ').append(attributes);
    }
    return sb.toString();
  }
}
