package org.consistency4j.graph;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;
import org.consistency4j.internal.Check;

/**
 * Constant tensor data for initializers and {@code Constant} nodes: an element type, a static shape and
 * the elements as little-endian bytes in row-major order. Immutable from the outside: factories taking
 * arrays copy them; {@link #of(DType, ByteBuffer, long...)} wraps the buffer without copying (so a
 * memory-mapped weight is never duplicated) and the caller must not modify it afterwards. Thread-safe.
 */
public final class Tensor {
  private final DType dtype;
  private final long[] shape;
  private final ByteBuffer data;

  private Tensor(DType dtype, long[] shape, ByteBuffer data) {
    this.dtype = dtype;
    this.shape = shape;
    this.data = data;
  }

  /**
   * Wraps little-endian element bytes (from the buffer's position to its limit) without copying.
   *
   * @throws IllegalArgumentException if a dim is negative or the byte count is not dtype size x elements
   */
  public static Tensor of(DType dtype, ByteBuffer data, long... shape) {
    Objects.requireNonNull(dtype, "dtype must not be null");
    Objects.requireNonNull(data, "data must not be null");
    long n = elementCount(shape);
    long bytes = Math.multiplyExact(n, (long) dtype.byteSize());
    Check.argument(bytes == data.remaining(),
        "data size (" + data.remaining() + " bytes) != " + dtype + " size x elements of shape "
            + Arrays.toString(shape) + " (" + bytes + " bytes)");
    ByteBuffer view = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    return new Tensor(dtype, shape.clone(), view);
  }

  /** A FLOAT tensor copied from {@code values} (row-major). */
  public static Tensor ofFloats(float[] values, long... shape) {
    return copied(DType.FLOAT, values.length, shape, b -> b.asFloatBuffer().put(values));
  }

  /** A DOUBLE tensor copied from {@code values} (row-major). */
  public static Tensor ofDoubles(double[] values, long... shape) {
    return copied(DType.DOUBLE, values.length, shape, b -> b.asDoubleBuffer().put(values));
  }

  /** An INT64 tensor copied from {@code values} (row-major). */
  public static Tensor ofLongs(long[] values, long... shape) {
    return copied(DType.INT64, values.length, shape, b -> b.asLongBuffer().put(values));
  }

  /** An INT32 tensor copied from {@code values} (row-major). */
  public static Tensor ofInts(int[] values, long... shape) {
    return copied(DType.INT32, values.length, shape, b -> b.asIntBuffer().put(values));
  }

  /**
   * A FLOAT16 or BFLOAT16 tensor of {@code values} (row-major) rounded to nearest even ({@link
   * HalfFloats}), for example a 16-bit copy of float32 weights.
   *
   * @throws IllegalArgumentException if {@code dtype} is neither, or the count does not match
   */
  public static Tensor ofHalfFloats(DType dtype, float[] values, long... shape) {
    Check.argument(dtype == DType.FLOAT16 || dtype == DType.BFLOAT16,
        "dtype must be FLOAT16 or BFLOAT16, found " + dtype);
    return copied(dtype, values.length, shape, b -> {
      for (int i = 0; i < values.length; i++) {
        b.putShort(2 * i, dtype == DType.FLOAT16 ? HalfFloats.floatToFloat16(values[i])
            : HalfFloats.floatToBfloat16(values[i]));
      }
    });
  }

  /** A BOOL tensor copied from {@code values} (row-major). */
  public static Tensor ofBooleans(boolean[] values, long... shape) {
    return copied(DType.BOOL, values.length, shape, b -> {
      for (int i = 0; i < values.length; i++) {
        b.put(i, (byte) (values[i] ? 1 : 0));
      }
    });
  }

  /**
   * A tensor of {@code count} elements of {@code dtype}, checked against {@code shape}, whose bytes
   * {@code fill} writes into a new little-endian buffer (without moving its position).
   */
  private static Tensor copied(DType dtype, int count, long[] shape, Consumer<ByteBuffer> fill) {
    checkCount(count, shape);
    ByteBuffer b = allocate((long) count * dtype.byteSize());
    fill.accept(b);
    return new Tensor(dtype, shape.clone(), b);
  }

  /** A 1-D INT64 tensor, typically a shape, axes or indices argument. */
  public static Tensor vector(long... values) {
    return ofLongs(values, values.length);
  }

  /**
   * A scalar of type {@code dtype} holding {@code value} (converted; FLOAT16 and BFLOAT16 round to
   * nearest even, integer types truncate, BOOL is {@code value != 0}).
   */
  public static Tensor scalar(DType dtype, double value) {
    return filled(dtype, value);
  }

  /** A FLOAT scalar. */
  public static Tensor scalar(float value) {
    return ofFloats(new float[] {value});
  }

  /** An INT64 scalar. */
  public static Tensor scalar(long value) {
    return ofLongs(new long[] {value});
  }

  /** A one-element tensor of shape {@code shape} (all sizes 1, or rank 0) holding {@code value}. */
  private static Tensor filled(DType dtype, double value, long... shape) {
    long n = elementCount(shape);
    Check.argument(n == 1, "shape must hold one element, found " + n);
    ByteBuffer b = allocate(dtype.byteSize());
    switch (dtype) {
      case FLOAT -> b.putFloat(0, (float) value);
      case DOUBLE -> b.putDouble(0, value);
      case FLOAT16 -> b.putShort(0, HalfFloats.floatToFloat16((float) value));
      case BFLOAT16 -> b.putShort(0, HalfFloats.floatToBfloat16((float) value));
      case INT64, UINT64 -> b.putLong(0, (long) value);
      case INT32, UINT32 -> b.putInt(0, (int) value);
      case INT16, UINT16 -> b.putShort(0, (short) value);
      case INT8, UINT8 -> b.put(0, (byte) value);
      case BOOL -> b.put(0, (byte) (value != 0 ? 1 : 0));
    }
    return new Tensor(dtype, shape.clone(), b);
  }

  /** Element type. */
  public DType dtype() {
    return dtype;
  }

  /** A copy of the shape. */
  public long[] shape() {
    return shape.clone();
  }

  /** The shape as a {@link Shape}. */
  public Shape toShape() {
    return Shape.of(shape);
  }

  /** Rank (0 for scalars). */
  public int rank() {
    return shape.length;
  }

  /** Number of elements. */
  public long numElements() {
    return elementCount(shape);
  }

  /** Size of the data in bytes. */
  public long byteSize() {
    return data.remaining();
  }

  /** A read-only little-endian view of the element bytes (position 0, limit = byte size). */
  public ByteBuffer data() {
    return data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** The elements as floats; FLOAT16/BFLOAT16 are upcast exactly, DOUBLE narrowed. */
  public float[] toFloatArray() {
    int n = Math.toIntExact(numElements());
    float[] out = new float[n];
    ByteBuffer b = data();
    switch (dtype) {
      case FLOAT -> b.asFloatBuffer().get(out);
      case FLOAT16 -> {
        for (int i = 0; i < n; i++) {
          out[i] = HalfFloats.float16ToFloat(b.getShort(2 * i));
        }
      }
      case BFLOAT16 -> {
        for (int i = 0; i < n; i++) {
          out[i] = HalfFloats.bfloat16ToFloat(b.getShort(2 * i));
        }
      }
      default -> {
        double[] d = toDoubleArray();
        for (int i = 0; i < n; i++) {
          out[i] = (float) d[i];
        }
      }
    }
    return out;
  }

  /** The elements as doubles (integer types converted, unsigned 64-bit as signed). */
  public double[] toDoubleArray() {
    int n = Math.toIntExact(numElements());
    double[] out = new double[n];
    ByteBuffer b = data();
    for (int i = 0; i < n; i++) {
      out[i] =
          switch (dtype) {
            case FLOAT -> b.getFloat(4 * i);
            case DOUBLE -> b.getDouble(8 * i);
            case FLOAT16 -> HalfFloats.float16ToFloat(b.getShort(2 * i));
            case BFLOAT16 -> HalfFloats.bfloat16ToFloat(b.getShort(2 * i));
            default -> integerAt(b, i);
          };
    }
    return out;
  }

  /**
   * The elements of an integer or BOOL tensor as longs.
   *
   * @throws IllegalStateException for floating-point tensors
   */
  public long[] toLongArray() {
    if (dtype.isFloatingPoint()) {
      throw new IllegalStateException("toLongArray needs an integer tensor, found " + dtype);
    }
    int n = Math.toIntExact(numElements());
    long[] out = new long[n];
    ByteBuffer b = data();
    for (int i = 0; i < n; i++) {
      out[i] = integerAt(b, i);
    }
    return out;
  }

  /** Element {@code i} of an integer or BOOL tensor (unsigned 64-bit as signed). */
  private long integerAt(ByteBuffer b, int i) {
    return switch (dtype) {
      case INT64, UINT64 -> b.getLong(8 * i);
      case INT32 -> b.getInt(4 * i);
      case UINT32 -> Integer.toUnsignedLong(b.getInt(4 * i));
      case INT16 -> b.getShort(2 * i);
      case UINT16 -> b.getShort(2 * i) & 0xFFFF;
      case INT8 -> b.get(i);
      case UINT8, BOOL -> b.get(i) & 0xFF;
      default -> throw new IllegalStateException("not an integer tensor: " + dtype);
    };
  }

  /** {@code FLOAT[2, 3]}. */
  @Override
  public String toString() {
    return dtype + Arrays.toString(shape);
  }

  private static ByteBuffer allocate(long bytes) {
    return ByteBuffer.allocate(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static void checkCount(int length, long[] shape) {
    long n = elementCount(shape);
    Check.argument(n == length,
        "values length (" + length + ") != elements of shape " + Arrays.toString(shape) + " (" + n
            + ")");
  }

  static long elementCount(long[] shape) {
    Objects.requireNonNull(shape, "shape must not be null");
    long n = 1;
    for (long d : shape) {
      Check.argument(d >= 0,
          "shape dims must be >= 0, found " + d + " in " + Arrays.toString(shape));
      n = Math.multiplyExact(n, d);
    }
    return n;
  }
}
