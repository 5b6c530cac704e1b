package org.consistency4j.graph;

import ai.onnx.proto.OnnxMl;

/**
 * Element types of ONNX tensors, with their {@code TensorProto.DataType} code and size in bytes.
 * Immutable and thread-safe.
 */
public enum DType {
  /** 32-bit IEEE float. */
  FLOAT(OnnxMl.TensorProto.DataType.FLOAT_VALUE, 4),
  /** Unsigned 8-bit integer. */
  UINT8(OnnxMl.TensorProto.DataType.UINT8_VALUE, 1),
  /** Signed 8-bit integer. */
  INT8(OnnxMl.TensorProto.DataType.INT8_VALUE, 1),
  /** Unsigned 16-bit integer. */
  UINT16(OnnxMl.TensorProto.DataType.UINT16_VALUE, 2),
  /** Signed 16-bit integer. */
  INT16(OnnxMl.TensorProto.DataType.INT16_VALUE, 2),
  /** Signed 32-bit integer. */
  INT32(OnnxMl.TensorProto.DataType.INT32_VALUE, 4),
  /** Signed 64-bit integer (indices, shapes). */
  INT64(OnnxMl.TensorProto.DataType.INT64_VALUE, 8),
  /** Boolean, one byte per element. */
  BOOL(OnnxMl.TensorProto.DataType.BOOL_VALUE, 1),
  /** IEEE half precision. */
  FLOAT16(OnnxMl.TensorProto.DataType.FLOAT16_VALUE, 2),
  /** 64-bit IEEE float. */
  DOUBLE(OnnxMl.TensorProto.DataType.DOUBLE_VALUE, 8),
  /** Unsigned 32-bit integer. */
  UINT32(OnnxMl.TensorProto.DataType.UINT32_VALUE, 4),
  /** Unsigned 64-bit integer. */
  UINT64(OnnxMl.TensorProto.DataType.UINT64_VALUE, 8),
  /** bfloat16 (upper half of a float32). */
  BFLOAT16(OnnxMl.TensorProto.DataType.BFLOAT16_VALUE, 2);

  private final int onnxCode;
  private final int byteSize;

  DType(int onnxCode, int byteSize) {
    this.onnxCode = onnxCode;
    this.byteSize = byteSize;
  }

  /** The {@code TensorProto.DataType} number of this type. */
  public int onnxCode() {
    return onnxCode;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /** True for FLOAT, DOUBLE, FLOAT16 and BFLOAT16. */
  public boolean isFloatingPoint() {
    return this == FLOAT || this == DOUBLE || this == FLOAT16 || this == BFLOAT16;
  }

  /** True for the signed and unsigned integer types (not BOOL). */
  public boolean isInteger() {
    return !isFloatingPoint() && this != BOOL;
  }

  /**
   * The type with the given {@code TensorProto.DataType} number.
   *
   * @throws IllegalArgumentException if the code is not one of this enum's types
   */
  public static DType fromOnnx(int onnxCode) {
    for (DType t : values()) {
      if (t.onnxCode == onnxCode) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "onnxCode must be a supported TensorProto.DataType, found " + onnxCode);
  }
}
