package org.consistency4j.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A node attribute value: one of the ONNX attribute kinds INT, FLOAT, STRING, INTS, FLOATS, STRINGS,
 * TENSOR and GRAPH. Use pattern matching on the record subtypes, or the {@code as*} accessors. Immutable
 * and thread-safe.
 */
public sealed interface Attribute {

  /**
   * An INT attribute.
   *
   * @param value the value
   */
  record IntValue(long value) implements Attribute {}

  /**
   * A FLOAT attribute.
   *
   * @param value the value
   */
  record FloatValue(float value) implements Attribute {}

  /**
   * A STRING attribute.
   *
   * @param value the value (UTF-8 in the proto)
   */
  record StringValue(String value) implements Attribute {
    /** Validates the value. */
    public StringValue {
      Objects.requireNonNull(value, "value must not be null");
    }
  }

  /**
   * An INTS attribute.
   *
   * @param values the values
   */
  record IntsValue(List<Long> values) implements Attribute {
    /** Copies the values. */
    public IntsValue {
      values = List.copyOf(values);
    }
  }

  /**
   * A FLOATS attribute.
   *
   * @param values the values
   */
  record FloatsValue(List<Float> values) implements Attribute {
    /** Copies the values. */
    public FloatsValue {
      values = List.copyOf(values);
    }
  }

  /**
   * A STRINGS attribute.
   *
   * @param values the values
   */
  record StringsValue(List<String> values) implements Attribute {
    /** Copies the values. */
    public StringsValue {
      values = List.copyOf(values);
    }
  }

  /**
   * A TENSOR attribute (for example {@code Constant.value}).
   *
   * @param value the tensor
   */
  record TensorValue(Tensor value) implements Attribute {
    /** Validates the value. */
    public TensorValue {
      Objects.requireNonNull(value, "value must not be null");
    }
  }

  /**
   * A GRAPH attribute (a subgraph of {@code If} or {@code Loop}).
   *
   * @param value the subgraph
   */
  record GraphValue(Graph value) implements Attribute {
    /** Validates the value. */
    public GraphValue {
      Objects.requireNonNull(value, "value must not be null");
    }
  }

  /** An INT attribute. */
  static Attribute of(long value) {
    return new IntValue(value);
  }

  /** A FLOAT attribute. */
  static Attribute of(float value) {
    return new FloatValue(value);
  }

  /** A STRING attribute. */
  static Attribute of(String value) {
    return new StringValue(value);
  }

  /** A TENSOR attribute. */
  static Attribute of(Tensor value) {
    return new TensorValue(value);
  }

  /** A GRAPH attribute. */
  static Attribute of(Graph value) {
    return new GraphValue(value);
  }

  /** An INTS attribute. */
  static Attribute ints(long... values) {
    List<Long> l = new ArrayList<>(values.length);
    for (long v : values) {
      l.add(v);
    }
    return new IntsValue(l);
  }

  /** A FLOATS attribute. */
  static Attribute floats(float... values) {
    List<Float> l = new ArrayList<>(values.length);
    for (float v : values) {
      l.add(v);
    }
    return new FloatsValue(l);
  }

  /** A STRINGS attribute. */
  static Attribute strings(String... values) {
    return new StringsValue(List.of(values));
  }

  /**
   * The value of an INT attribute.
   *
   * @throws IllegalStateException for other kinds
   */
  default long asLong() {
    if (this instanceof IntValue v) {
      return v.value();
    }
    throw new IllegalStateException("attribute is not INT: " + this);
  }

  /**
   * The value of a FLOAT attribute.
   *
   * @throws IllegalStateException for other kinds
   */
  default float asFloat() {
    if (this instanceof FloatValue v) {
      return v.value();
    }
    throw new IllegalStateException("attribute is not FLOAT: " + this);
  }

  /**
   * The value of a STRING attribute.
   *
   * @throws IllegalStateException for other kinds
   */
  default String asString() {
    if (this instanceof StringValue v) {
      return v.value();
    }
    throw new IllegalStateException("attribute is not STRING: " + this);
  }

  /**
   * The values of an INTS attribute.
   *
   * @throws IllegalStateException for other kinds
   */
  default long[] asLongs() {
    if (this instanceof IntsValue v) {
      return v.values().stream().mapToLong(Long::longValue).toArray();
    }
    throw new IllegalStateException("attribute is not INTS: " + this);
  }

  /**
   * The value of a TENSOR attribute.
   *
   * @throws IllegalStateException for other kinds
   */
  default Tensor asTensor() {
    if (this instanceof TensorValue v) {
      return v.value();
    }
    throw new IllegalStateException("attribute is not TENSOR: " + this);
  }

  /**
   * The value of a GRAPH attribute.
   *
   * @throws IllegalStateException for other kinds
   */
  default Graph asGraph() {
    if (this instanceof GraphValue v) {
      return v.value();
    }
    throw new IllegalStateException("attribute is not GRAPH: " + this);
  }
}
