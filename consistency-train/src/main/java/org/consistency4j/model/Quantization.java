package org.consistency4j.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.HalfFloats;
import org.consistency4j.graph.Tensor;
import org.consistency4j.internal.Check;

/**
 * Weight-only quantization of the linear layers for inference: every projection of the decoder
 * layers and the LM head is stored as {@code bits}-bit codes with one float32 scale per block of
 * {@code blockSize} consecutive input features of each output row, and run by ONNX Runtime's {@code
 * com.microsoft.MatMulNBits}. The embedding table (the token lookup) stays at the checkpoint's
 * precision, norms and biases in float32. With tied embeddings the LM head is a quantized copy of
 * the embedding matrix. Immutable.
 *
 * <p>The scheme is symmetric and deterministic (round to nearest, ties to even): for the block
 * {@code x[0..B)} of a row, {@code scale = max|x| / (2^(bits-1) - 1)} in float32, {@code code =
 * clamp(rint(x / scale), -(2^(bits-1) - 1), 2^(bits-1) - 1) + 2^(bits-1)} (an all-zero block has
 * scale 0 and codes {@code 2^(bits-1)}), and the weight used is {@code (code - 2^(bits-1)) * scale}.
 * Codes are packed along the row, low bits first (two 4-bit codes per byte, the earlier one in the
 * low nibble); a last block shorter than {@code blockSize} is padded with the zero code. The layout
 * is MatMulNBits' {@code B [rows, ceil(cols / blockSize), blockSize * bits / 8]} with {@code scales
 * [rows, ceil(cols / blockSize)]} and no zero-point input (its default is {@code 2^(bits-1)}).
 *
 * <p>Quantized models are for inference (generation, scoring, evaluation) and for LoRA training on a
 * frozen quantized base, where the training graphs dequantize the same codes
 * ({@code org.consistency4j.train.QuantizedBase}); full fine-tuning refuses them.
 *
 * @param bits 0 (no quantization), 4 or 8
 * @param blockSize input features per scale: 0 when {@code bits} is 0, else a power of two in
 *     [16, 4096]
 * @param int8Activations whether ONNX Runtime may quantize the activations to int8 (per block)
 *     inside the products ({@code MatMulNBits accuracy_level} 4), which its CPU kernels run several
 *     times faster; false keeps them float32 (see {@link #withInt8Activations})
 */
public record Quantization(int bits, int blockSize, boolean int8Activations) {

  /** No quantization: float32 weights. */
  public static final Quantization NONE = new Quantization(0, 0, false);

  /** 8-bit codes, blocks of {@value #DEFAULT_BLOCK_SIZE}, int8 activations inside the products. */
  public static final Quantization INT8 = new Quantization(8, 32, true);

  /** 4-bit codes, blocks of {@value #DEFAULT_BLOCK_SIZE}, int8 activations inside the products. */
  public static final Quantization INT4 = new Quantization(4, 32, true);

  /** The default block size: 32 input features per scale. */
  public static final int DEFAULT_BLOCK_SIZE = 32;

  /** Validates. */
  public Quantization {
    if (bits == 0) {
      Check.argument(blockSize == 0,
          "blockSize must be 0 without quantization (bits 0), found " + blockSize);
      Check.argument(!int8Activations, "int8Activations must be false without quantization");
    } else {
      Check.argument(bits == 4 || bits == 8, "bits must be 0, 4 or 8, found " + bits);
      Check.argument(blockSize >= 16 && blockSize <= 4096 && Integer.bitCount(blockSize) == 1,
          "blockSize must be a power of two in [16, 4096], found " + blockSize);
    }
  }

  /**
   * The quantization a name selects: {@code none}, {@code int8} or {@code int4} (case-insensitive,
   * surrounding blanks ignored), with blocks of {@value #DEFAULT_BLOCK_SIZE}.
   *
   * @throws IllegalArgumentException naming the accepted values and {@code name}
   */
  public static Quantization parse(String name) {
    Check.notNull(name, "name");
    return switch (name.strip().toLowerCase(Locale.ROOT)) {
      case "none" -> NONE;
      case "int8" -> INT8;
      case "int4" -> INT4;
      default -> throw new IllegalArgumentException(
          "quantization must be none, int8 or int4, found \"" + name + "\"");
    };
  }

  /** A copy with another block size (a power of two in [16, 4096]); refused for {@link #NONE}. */
  public Quantization withBlockSize(int size) {
    Check.argument(bits != 0, "NONE has no block size");
    return new Quantization(bits, size, int8Activations);
  }

  /**
   * A copy that lets ONNX Runtime quantize the activations to int8 inside the products ({@code
   * accuracy_level} 4, the default of {@link #INT8} and {@link #INT4}) or keeps them float32
   * ({@code false}: the products are exactly those of the dequantized weights, but ONNX Runtime
   * 1.29's CPU kernels run 8-bit weights with float activations about 14 times slower than float32
   * weights); refused for {@link #NONE}.
   */
  public Quantization withInt8Activations(boolean on) {
    Check.argument(bits != 0, "NONE has no activations setting");
    return new Quantization(bits, blockSize, on);
  }

  /** Whether weights are quantized ({@code bits > 0}). */
  public boolean enabled() {
    return bits != 0;
  }

  /**
   * The name reports record: {@code none}, {@code int8} or {@code int4}, followed by {@code
   * /block=N} when the block size is not the default and {@code /float-activations} when the
   * activations stay float32.
   */
  public String label() {
    if (bits == 0) {
      return "none";
    }
    return "int" + bits + (blockSize == DEFAULT_BLOCK_SIZE ? "" : "/block=" + blockSize)
        + (int8Activations ? "" : "/float-activations");
  }

  @Override
  public String toString() {
    return label();
  }

  /** Blocks per row of {@code cols} input features. */
  public int blocksPerRow(long cols) {
    requireEnabled();
    return Math.toIntExact((cols + blockSize - 1) / blockSize);
  }

  /** Bytes of one block's packed codes: {@code blockSize * bits / 8}. */
  public int blockBytes() {
    requireEnabled();
    return blockSize * bits / 8;
  }

  /**
   * A weight matrix quantized by {@link #quantize}: packed codes and scales in native-order direct
   * buffers (outside the Java heap, handed to ONNX Runtime without a copy).
   *
   * @param packed {@code rows * blocksPerRow(cols) * blockBytes()} bytes, layout of the class comment
   * @param scales {@code rows * blocksPerRow(cols)} little-endian float32 values, row-major
   * @param rows output features ({@code N})
   * @param cols input features ({@code K})
   */
  public record Quantized(ByteBuffer packed, ByteBuffer scales, long rows, long cols) {}

  /**
   * Quantizes a row-major {@code [rows, cols]} float32 matrix (a linear layer's weight as Hugging
   * Face stores it: output features by input features).
   *
   * @param name the weight's name, for error messages
   * @throws IllegalArgumentException if the sizes do not match or a value is not finite (the message
   *     names the weight, the row and the column)
   */
  public Quantized quantize(String name, float[] w, long rows, long cols) {
    Check.notNull(w, "w");
    Check.argument(rows > 0 && cols > 0 && rows * cols == w.length, name + ": " + w.length
        + " values do not make a [" + rows + ", " + cols + "] matrix");
    return quantize(name, Tensor.ofFloats(w, rows, cols));
  }

  /**
   * Quantizes a {@code [rows, cols]} FLOAT, FLOAT16 or BFLOAT16 tensor (for example a zero-copy view
   * of a memory-mapped checkpoint), reading one row at a time: no float32 copy of the matrix is made.
   *
   * @param name the weight's name, for error messages
   * @throws IllegalArgumentException if the tensor is not a floating-point matrix or a value is not
   *     finite (the message names the weight, the row and the column)
   */
  public Quantized quantize(String name, Tensor t) {
    requireEnabled();
    Check.notNull(t, "t");
    Check.argument(t.rank() == 2, name + " must be a matrix, found shape "
        + java.util.Arrays.toString(t.shape()));
    DType dtype = t.dtype();
    Check.argument(dtype == DType.FLOAT || dtype == DType.FLOAT16 || dtype == DType.BFLOAT16,
        name + " must be FLOAT, FLOAT16 or BFLOAT16 to be quantized, found " + dtype);
    long rows = t.shape()[0];
    int cols = Math.toIntExact(t.shape()[1]);
    ByteBuffer src = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    float[] w = new float[cols];
    int blocks = blocksPerRow(cols);
    int bb = blockBytes();
    ByteBuffer packed = ByteBuffer.allocateDirect(Math.toIntExact(rows * blocks * bb))
        .order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer scales = ByteBuffer.allocateDirect(Math.toIntExact(rows * blocks * 4L))
        .order(ByteOrder.LITTLE_ENDIAN);
    int qmax = (1 << (bits - 1)) - 1;
    int zero = 1 << (bits - 1);
    int[] codes = new int[blockSize];
    for (long r = 0; r < rows; r++) {
      readRow(src, dtype, r, w);
      int rowStart = 0;
      for (int b = 0; b < blocks; b++) {
        int from = b * blockSize;
        int len = (int) Math.min(blockSize, cols - from);
        float absMax = 0f;
        for (int i = 0; i < len; i++) {
          float v = w[rowStart + from + i];
          if (!Float.isFinite(v)) {
            throw new IllegalArgumentException(name + " has the non-finite value " + v + " at [" + r
                + ", " + (from + i) + "]; it cannot be quantized");
          }
          absMax = Math.max(absMax, Math.abs(v));
        }
        float scale = absMax / qmax;
        for (int i = 0; i < blockSize; i++) {
          int q = 0;
          if (i < len && scale != 0f) {
            float x = w[rowStart + from + i] / scale;
            q = (int) Math.max(-qmax, Math.min(qmax, Math.rint(x)));
          }
          codes[i] = q + zero;
        }
        scales.putFloat(scale);
        pack(codes, packed);
      }
    }
    return new Quantized(packed.flip(), scales.flip(), rows, cols);
  }

  /**
   * The float32 matrix a quantized weight stands for, {@code (code - 2^(bits-1)) * scale}, row-major
   * {@code [rows, cols]} (padding dropped): what MatMulNBits multiplies by.
   */
  public float[] dequantize(Quantized q) {
    requireEnabled();
    Check.notNull(q, "q");
    int blocks = blocksPerRow(q.cols());
    int bb = blockBytes();
    int zero = 1 << (bits - 1);
    float[] out = new float[Math.toIntExact(q.rows() * q.cols())];
    ByteBuffer packed = q.packed().duplicate();
    ByteBuffer scales = q.scales().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    for (long r = 0; r < q.rows(); r++) {
      for (int b = 0; b < blocks; b++) {
        int block = Math.toIntExact(r * blocks + b);
        float scale = scales.getFloat(block * 4);
        for (int i = 0; i < blockSize && (long) b * blockSize + i < q.cols(); i++) {
          int at = block * bb;
          int code = bits == 8 ? packed.get(at + i) & 0xFF
              : (packed.get(at + i / 2) >> (4 * (i % 2))) & 0xF;
          out[Math.toIntExact(r * q.cols() + (long) b * blockSize + i)] = (code - zero) * scale;
        }
      }
    }
    return out;
  }

  /** Row {@code r} of a row-major matrix of {@code out.length} columns, as float32. */
  private static void readRow(ByteBuffer src, DType dtype, long r, float[] out) {
    int size = dtype == DType.FLOAT ? 4 : 2;
    long base = r * out.length * size;
    for (int i = 0; i < out.length; i++) {
      int at = Math.toIntExact(base + (long) i * size);
      out[i] = switch (dtype) {
        case FLOAT -> src.getFloat(at);
        case BFLOAT16 -> HalfFloats.bfloat16ToFloat(src.getShort(at));
        default -> HalfFloats.float16ToFloat(src.getShort(at));
      };
    }
  }

  private void pack(int[] codes, ByteBuffer out) {
    if (bits == 8) {
      for (int c : codes) {
        out.put((byte) c);
      }
    } else {
      for (int i = 0; i < codes.length; i += 2) {
        out.put((byte) (codes[i] | (codes[i + 1] << 4)));
      }
    }
  }

  private void requireEnabled() {
    Check.argument(bits != 0, "quantization is NONE");
  }
}
