package org.consistency4j.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.SplittableRandom;
import org.consistency4j.model.Quantization;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code com.microsoft.MatMulNBits} as {@link GraphBuilder#matMulNBits} emits it, run by ONNX
 * Runtime, equals {@code A} times the transpose of {@link Quantization#dequantize} of the same codes:
 * the packing and scale layout of {@link Quantization} is the one ONNX Runtime reads. With {@code
 * accuracy_level} 4 (int8 activations) the products are close, not equal.
 */
class MatMulNBitsOrtTest {

  @ParameterizedTest
  @CsvSource({"8, 16, 0", "8, 32, 0", "4, 16, 0", "4, 32, 0", "4, 64, 0", "8, 32, 4", "4, 32, 4"})
  void ortMultipliesByTheDequantizedWeight(int bits, int block, int level) throws Exception {
    int n = 24;
    int k = 70; // not a multiple of the block: the last block is padded
    SplittableRandom rnd = new SplittableRandom(7 + bits * 100L + block);
    float[] w = new float[n * k];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) rnd.nextGaussian();
    }
    float[] a = new float[2 * 3 * k];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) rnd.nextGaussian();
    }
    Quantization q = new Quantization(bits, block, false);
    Quantization.Quantized z = q.quantize("w", w, n, k);
    float[] deq = q.dequantize(z);

    GraphBuilder g = GraphBuilder.create("nbits", 18);
    Value in = g.input("a", DType.FLOAT, 2L, 3L, (long) k);
    Value packed = g.initializer("w.nbits",
        Tensor.of(DType.UINT8, z.packed(), n, q.blocksPerRow(k), q.blockBytes()));
    Value scales = g.initializer("w.scales", Tensor.of(DType.FLOAT, z.scales(), n, q.blocksPerRow(k)));
    Value y = g.matMulNBits(in, packed, scales, k, n, bits, block, level);
    assertEquals(Shape.of(2, 3, n), y.shape().orElseThrow());
    g.output("y", y);
    double[] got = Ort.run(g.build().toModel(ModelOptions.defaults()),
        Map.of("a", new Ort.In(a, 2, 3, k))).get(0);

    assertEquals(2 * 3 * n, got.length);
    for (int r = 0; r < 6; r++) {
      for (int j = 0; j < n; j++) {
        double want = 0;
        double mag = 0;
        for (int i = 0; i < k; i++) {
          want += (double) a[r * k + i] * deq[j * k + i];
          mag += Math.abs((double) a[r * k + i] * deq[j * k + i]);
        }
        double diff = Math.abs(got[r * n + j] - want);
        // accuracy_level 4 lets ONNX Runtime round the activations to int8 (per block): within 1%
        // of the sum of the products' magnitudes; otherwise float32 rounding only.
        double tolerance = (level == 4 ? 1e-2 : 1e-5) * Math.max(1, mag);
        assertTrue(diff <= tolerance, "bits " + bits + " block " + block + " level " + level + " row " + r
            + " col " + j + ": ORT " + got[r * n + j] + ", reference " + want);
      }
    }
  }

  @ParameterizedTest
  @CsvSource({"1, 32", "9, 32", "8, 24", "8, 8"})
  void refusesBadBitsAndBlockSizes(int bits, int block) {
    GraphBuilder g = GraphBuilder.create("nbits", 18);
    Value in = g.input("a", DType.FLOAT, 1L, 32L);
    Value packed = g.initializer("p", Tensor.of(DType.UINT8,
        java.nio.ByteBuffer.allocate(32), 1, 1, 32));
    Value scales = g.initializer("s", Tensor.ofFloats(new float[] {1f}, 1, 1));
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class,
        () -> g.matMulNBits(in, packed, scales, 32, 1, bits, block, 0));
    assertTrue(e.getMessage().contains(bits != 8 ? "bits" : "blockSize"), e.getMessage());
    assertTrue(e.getMessage().contains(String.valueOf(bits != 8 ? bits : block)), e.getMessage());
  }
}
