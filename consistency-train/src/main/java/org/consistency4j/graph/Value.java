package org.consistency4j.graph;

import java.util.Objects;
import java.util.Optional;
import org.consistency4j.internal.Check;

/**
 * A named tensor value in a graph (a graph input, an initializer or a node output) with its element type
 * and, where known, its shape. Values are identified by {@link #name()}; a {@code Value} is an immutable
 * handle, the graph that defines it is the source of truth. Thread-safe.
 *
 * @param name unique name within the graph (and its subgraphs)
 * @param dtype element type
 * @param shape the shape, when known
 */
public record Value(String name, DType dtype, Optional<Shape> shape) {
  /** Validates the fields. */
  public Value {
    Objects.requireNonNull(name, "name must not be null");
    Check.argument(!name.isEmpty(), "name must not be empty");
    Objects.requireNonNull(dtype, "dtype must not be null");
    Objects.requireNonNull(shape, "shape must not be null");
  }

  /** A value of unknown shape. */
  public Value(String name, DType dtype) {
    this(name, dtype, Optional.empty());
  }

  /** A value of known (possibly symbolic) shape. */
  public Value(String name, DType dtype, Shape shape) {
    this(name, dtype, Optional.of(shape));
  }

  /** The rank, or {@code -1} when the shape is not known. */
  public int rank() {
    return shape.map(Shape::rank).orElse(-1);
  }

  /** {@code name: FLOAT[batch, 7]}. */
  @Override
  public String toString() {
    return name + ": " + dtype + shape.map(Shape::toString).orElse("[...]");
  }
}
