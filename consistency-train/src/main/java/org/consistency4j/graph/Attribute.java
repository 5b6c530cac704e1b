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
    return as(IntValue.class, "INT").value();
  }

  /**
   * The value of a FLOAT attribute.
   *
   * @throws IllegalStateException for other kinds
   */
  default float asFloat() {
    return as(FloatValue.class, "FLOAT").value();
  }

  /**
   * The value of a STRING attribute.
   *
   * @throws IllegalStateException for other kinds
   */
  default String asString() {
    return as(StringValue.class, "STRING").value();
  }

  /**
   * The values of an INTS attribute.
   *
   * @throws IllegalStateException for other kinds
   */
  default long[] asLongs() {
    return as(IntsValue.class, "INTS").values().stream().mapToLong(Long::longValue).toArray();
  }

  /**
   * The value of a TENSOR attribute.
   *
   * @throws IllegalStateException for other kinds
   */
  default Tensor asTensor() {
    return as(TensorValue.class, "TENSOR").value();
  }

  /**
   * The value of a GRAPH attribute.
   *
   * @throws IllegalStateException for other kinds
   */
  default Graph asGraph() {
    return as(GraphValue.class, "GRAPH").value();
  }

  /** This attribute as {@code kind}, or {@link IllegalStateException} naming {@code onnxKind}. */
  private <T extends Attribute> T as(Class<T> kind, String onnxKind) {
    if (kind.isInstance(this)) {
      return kind.cast(this);
    }
    throw new IllegalStateException("attribute is not " + onnxKind + ": " + this);
  }
}
