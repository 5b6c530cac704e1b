package org.consistency4j.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.consistency4j.graph.DType;
import org.junit.jupiter.api.Test;

class TensorInfoTest {

  @Test
  void sizes_follow_shape_and_offsets() {
    TensorInfo t = new TensorInfo("w", DType.BFLOAT16, List.of(3L, 4L), 8, 32);
    assertEquals(12, t.numElements());
    assertEquals(24, t.byteSize());
    assertArrayEquals(new long[] {3, 4}, t.shapeArray());
    assertEquals(1, new TensorInfo("s", DType.FLOAT, List.of(), 0, 4).numElements());
  }

  @Test
  void negative_dims_and_reversed_offsets_are_rejected() {
    IllegalArgumentException d =
        assertThrows(
            IllegalArgumentException.class, () -> new TensorInfo("w", DType.FLOAT, List.of(-1L), 0, 0));
    assertEquals("shape dims must be >= 0, found -1", d.getMessage());
    IllegalArgumentException o =
        assertThrows(
            IllegalArgumentException.class, () -> new TensorInfo("w", DType.FLOAT, List.of(1L), 8, 4));
    assertEquals("offsets must satisfy 0 <= begin <= end, found [8, 4]", o.getMessage());
  }
}
