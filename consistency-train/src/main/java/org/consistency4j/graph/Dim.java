package org.consistency4j.graph;

import java.util.Objects;
import java.util.Optional;
import org.consistency4j.internal.Check;

/**
 * One dimension of a {@link Shape}: a known size ({@code >= 0}), a named symbolic size (for example
 * {@code "batch"}), or unknown. Immutable and thread-safe.
 */
public final class Dim {
  private static final Dim UNKNOWN = new Dim(-1, null);

  private final long size;
  private final String symbol;

  private Dim(long size, String symbol) {
    this.size = size;
    this.symbol = symbol;
  }

  /** A dimension of known size {@code size >= 0}. */
  public static Dim of(long size) {
    Check.argument(size >= 0, "size must be >= 0, found " + size);
    return new Dim(size, null);
  }

  /** A symbolic dimension named {@code symbol} (non-empty); equal symbols denote equal sizes. */
  public static Dim symbolic(String symbol) {
    Objects.requireNonNull(symbol, "symbol must not be null");
    Check.argument(!symbol.isEmpty(), "symbol must not be empty");
    return new Dim(-1, symbol);
  }

  /** A dimension about which nothing is known. */
  public static Dim unknown() {
    return UNKNOWN;
  }

  /** True when the size is a known number. */
  public boolean isKnown() {
    return size >= 0;
  }

  /**
   * The known size.
   *
   * @throws IllegalStateException if the dimension is symbolic or unknown
   */
  public long size() {
    if (size < 0) {
      throw new IllegalStateException("dimension " + this + " has no known size");
    }
    return size;
  }

  /** The size, or {@code -1} when not known. */
  public long sizeOrMinusOne() {
    return size;
  }

  /** The symbol of a symbolic dimension. */
  public Optional<String> symbol() {
    return Optional.ofNullable(symbol);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Dim d && d.size == size && Objects.equals(d.symbol, symbol);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(size) * 31 + Objects.hashCode(symbol);
  }

  /** {@code "4"}, {@code "batch"} or {@code "?"}. */
  @Override
  public String toString() {
    return size >= 0 ? Long.toString(size) : symbol != null ? symbol : "?";
  }
}
