package org.consistency4j.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class TensorTest {

  @Test
  void every_float16_bit_pattern_round_trips_through_float() {
    for (int h = 0; h < 0x10000; h++) {
      float f = HalfFloats.float16ToFloat((short) h);
      if (Float.isNaN(f)) {
        continue;
      }
      assertEquals((short) h, HalfFloats.floatToFloat16(f), "bits " + Integer.toHexString(h));
    }
  }

  @Test
  void float16_known_values_decode_exactly() {
    assertEquals(1.0f, HalfFloats.float16ToFloat((short) 0x3C00));
    assertEquals(-2.0f, HalfFloats.float16ToFloat((short) 0xC000));
    assertEquals(65504f, HalfFloats.float16ToFloat((short) 0x7BFF));
    assertEquals(0x1p-24f, HalfFloats.float16ToFloat((short) 0x0001));
    assertEquals(Float.POSITIVE_INFINITY, HalfFloats.float16ToFloat((short) 0x7C00));
    assertEquals((short) 0x7C00, HalfFloats.floatToFloat16(1e6f));
  }

  @Property(tries = 300)
  void float16_rounding_is_to_nearest(@ForAll float f) {
    if (Float.isNaN(f) || Math.abs(f) > 65504f) {
      return;
    }
    float r = HalfFloats.float16ToFloat(HalfFloats.floatToFloat16(f));
    short bits = HalfFloats.floatToFloat16(f);
    float up = HalfFloats.float16ToFloat((short) (bits + 1));
    float down = HalfFloats.float16ToFloat((short) (bits - 1));
    double err = Math.abs((double) r - f);
    if (!Float.isNaN(up) && !Float.isInfinite(up)) {
      assertEquals(true, err <= Math.abs((double) up - f), () -> f + " -> " + r);
    }
    if (!Float.isNaN(down) && !Float.isInfinite(down) && (bits & 0x7FFF) != 0) {
      assertEquals(true, err <= Math.abs((double) down - f), () -> f + " -> " + r);
    }
  }

  @Property(tries = 300)
  void bfloat16_round_trip_keeps_the_top_16_bits(@ForAll float f) {
    if (Float.isNaN(f)) {
      return;
    }
    float truncated = Float.intBitsToFloat(Float.floatToRawIntBits(f) & 0xFFFF0000);
    assertEquals(truncated, HalfFloats.bfloat16ToFloat(HalfFloats.floatToBfloat16(truncated)));
  }

  @Test
  void typed_factories_round_trip() {
    assertArrayEquals(new float[] {1, 2, 3, 4}, Tensor.ofFloats(new float[] {1, 2, 3, 4}, 2, 2).toFloatArray());
    assertArrayEquals(new long[] {5, -6}, Tensor.ofLongs(new long[] {5, -6}, 2).toLongArray());
    assertArrayEquals(new long[] {7}, Tensor.ofInts(new int[] {7}, 1).toLongArray());
    assertArrayEquals(new double[] {0.1}, Tensor.ofDoubles(new double[] {0.1}).toDoubleArray());
    assertArrayEquals(new long[] {1, 0}, Tensor.ofBooleans(new boolean[] {true, false}, 2).toLongArray());
    assertArrayEquals(new float[] {1.5f}, Tensor.scalar(DType.FLOAT16, 1.5).toFloatArray());
    assertArrayEquals(new float[] {1.5f}, Tensor.scalar(DType.BFLOAT16, 1.5).toFloatArray());
    assertEquals(0, Tensor.scalar(3L).rank());
  }

  @Test
  void half_float_tensors_round_to_nearest_even_and_refuse_other_dtypes() {
    float[] v = {1.5f, -2f, 1.00390625f, 3.3f};
    Tensor bf = Tensor.ofHalfFloats(DType.BFLOAT16, v, 2, 2);
    Tensor f16 = Tensor.ofHalfFloats(DType.FLOAT16, v, 4);
    assertEquals(DType.BFLOAT16, bf.dtype());
    assertArrayEquals(new long[] {2, 2}, bf.shape());
    assertEquals(8, bf.byteSize());
    for (int i = 0; i < v.length; i++) {
      assertEquals(HalfFloats.bfloat16ToFloat(HalfFloats.floatToBfloat16(v[i])),
          bf.toFloatArray()[i]);
      assertEquals(HalfFloats.float16ToFloat(HalfFloats.floatToFloat16(v[i])),
          f16.toFloatArray()[i]);
    }
    // 1 + 2^-8 is halfway between two bfloat16 values: rounds to the even one, 1.0.
    assertEquals(1f, bf.toFloatArray()[2]);
    var e = assertThrows(IllegalArgumentException.class,
        () -> Tensor.ofHalfFloats(DType.FLOAT, v, 4));
    assertEquals("dtype must be FLOAT16 or BFLOAT16, found FLOAT", e.getMessage());
  }

  @Test
  void wrapping_a_buffer_checks_its_size_against_the_shape() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Tensor.of(DType.FLOAT, ByteBuffer.allocate(7), 2));
    assertEquals(
        "data size (7 bytes) != FLOAT size x elements of shape [2] (8 bytes)", e.getMessage());
    IllegalArgumentException n =
        assertThrows(
            IllegalArgumentException.class, () -> Tensor.ofFloats(new float[0], 0, -1));
    assertEquals("shape dims must be >= 0, found -1 in [0, -1]", n.getMessage());
    IllegalArgumentException c =
        assertThrows(IllegalArgumentException.class, () -> Tensor.ofFloats(new float[3], 2, 2));
    assertEquals("values length (3) != elements of shape [2, 2] (4)", c.getMessage());
  }

  @Test
  void dims_and_shapes_validate_their_arguments() {
    assertEquals("size must be >= 0, found -2", assertThrows(IllegalArgumentException.class, () -> Dim.of(-2)).getMessage());
    assertEquals("symbol must not be empty", assertThrows(IllegalArgumentException.class, () -> Dim.symbolic("")).getMessage());
    assertEquals("sizes must be >= -1, found -3", assertThrows(IllegalArgumentException.class, () -> Shape.of(2, -3)).getMessage());
    assertEquals("[batch, 4, ?]", Shape.symbolic("batch", 4, -1).toString());
    assertEquals(12, Shape.of(3, 4).numElements().getAsLong());
  }
}
