package org.consistency4j.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import org.consistency4j.internal.Check;

/**
 * The shape of a tensor value: a list of {@link Dim}s, each known, symbolic or unknown. A rank-0 shape is
 * a scalar. Immutable and thread-safe.
 *
 * @param dims the dimensions, outermost first
 */
public record Shape(List<Dim> dims) {
  /** Validates and copies {@code dims}. */
  public Shape {
    Objects.requireNonNull(dims, "dims must not be null");
    dims = List.copyOf(dims);
  }

  /** The scalar shape {@code []}. */
  public static Shape scalar() {
    return new Shape(List.of());
  }

  /** A shape of known sizes; {@code -1} entries become {@link Dim#unknown()}. */
  public static Shape of(long... sizes) {
    List<Dim> dims = new ArrayList<>(sizes.length);
    for (long s : sizes) {
      Check.argument(s >= -1, "sizes must be >= -1, found " + s);
      dims.add(s == -1 ? Dim.unknown() : Dim.of(s));
    }
    return new Shape(dims);
  }

  /**
   * A shape from a mix of numbers (known sizes; {@code -1} = unknown), strings (symbolic dims) and {@link
   * Dim}s, for example {@code Shape.symbolic("batch", "seq", 64)}.
   */
  public static Shape symbolic(Object... dims) {
    List<Dim> out = new ArrayList<>(dims.length);
    for (Object d : dims) {
      if (d instanceof Dim dim) {
        out.add(dim);
      } else if (d instanceof String s) {
        out.add(Dim.symbolic(s));
      } else if (d instanceof Number n) {
        long v = n.longValue();
        Check.argument(v >= -1, "dims must be >= -1, found " + v);
        out.add(v == -1 ? Dim.unknown() : Dim.of(v));
      } else {
        throw new IllegalArgumentException(
            "dims must be Number, String or Dim, found " + (d == null ? "null" : d.getClass()));
      }
    }
    return new Shape(out);
  }

  /** Number of dimensions. */
  public int rank() {
    return dims.size();
  }

  /** Dimension {@code i}; negative {@code i} counts from the end. */
  public Dim dim(int i) {
    int j = i < 0 ? i + dims.size() : i;
    Check.argument(j >= 0 && j < dims.size(),
        "i must be in [" + -dims.size() + ", " + (dims.size() - 1) + "], found " + i);
    return dims.get(j);
  }

  /** True when every dimension has a known size. */
  public boolean isStatic() {
    return dims.stream().allMatch(Dim::isKnown);
  }

  /** Sizes with {@code -1} for dims that are not known. */
  public long[] sizes() {
    long[] s = new long[dims.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = dims.get(i).sizeOrMinusOne();
    }
    return s;
  }

  /** Product of the sizes when all are known (and it fits a long). */
  public OptionalLong numElements() {
    long n = 1;
    for (Dim d : dims) {
      if (!d.isKnown()) {
        return OptionalLong.empty();
      }
      try {
        n = Math.multiplyExact(n, d.size());
      } catch (ArithmeticException e) {
        return OptionalLong.empty();
      }
    }
    return OptionalLong.of(n);
  }

  /** {@code [batch, 7, ?]}. */
  @Override
  public String toString() {
    return dims.stream().map(Dim::toString).collect(Collectors.joining(", ", "[", "]"));
  }
}
