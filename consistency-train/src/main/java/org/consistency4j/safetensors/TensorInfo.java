package org.consistency4j.safetensors;

import java.util.List;
import java.util.Objects;
import org.consistency4j.graph.DType;
import org.consistency4j.internal.Check;

/**
 * One tensor entry of a safetensors header. Offsets are relative to the start of the data section
 * (after the 8-byte length and the JSON header). Immutable and thread-safe.
 *
 * @param name tensor name, for example {@code model.layers.0.self_attn.q_proj.weight}
 * @param dtype element type
 * @param shape dims, outermost first (empty for a scalar)
 * @param begin first byte, inclusive
 * @param end last byte, exclusive; {@code end - begin} = element size x product of dims
 */
public record TensorInfo(String name, DType dtype, List<Long> shape, long begin, long end) {
  /** Validates the fields. */
  public TensorInfo {
    Objects.requireNonNull(name, "name must not be null");
    Objects.requireNonNull(dtype, "dtype must not be null");
    shape = List.copyOf(shape);
    for (Long d : shape) {
      Check.argument(d >= 0, "shape dims must be >= 0, found " + d);
    }
    Check.argument(begin >= 0 && end >= begin,
        "offsets must satisfy 0 <= begin <= end, found [" + begin + ", " + end + "]");
  }

  /** The shape as an array. */
  public long[] shapeArray() {
    return shape.stream().mapToLong(Long::longValue).toArray();
  }

  /** Number of elements (product of the dims; 1 for a scalar). */
  public long numElements() {
    long n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /** Size of the data in bytes. */
  public long byteSize() {
    return end - begin;
  }
}
