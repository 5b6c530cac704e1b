package org.consistency4j.safetensors;

import java.util.Map;
import java.util.Optional;
import org.consistency4j.graph.DType;

/** The dtype codes of the safetensors format and their {@link DType}s. */
final class SafetensorsDTypes {
  private SafetensorsDTypes() {}

  private static final Map<String, DType> BY_CODE =
      Map.ofEntries(
          Map.entry("F64", DType.DOUBLE),
          Map.entry("F32", DType.FLOAT),
          Map.entry("F16", DType.FLOAT16),
          Map.entry("BF16", DType.BFLOAT16),
          Map.entry("I64", DType.INT64),
          Map.entry("I32", DType.INT32),
          Map.entry("I16", DType.INT16),
          Map.entry("I8", DType.INT8),
          Map.entry("U64", DType.UINT64),
          Map.entry("U32", DType.UINT32),
          Map.entry("U16", DType.UINT16),
          Map.entry("U8", DType.UINT8),
          Map.entry("BOOL", DType.BOOL));

  static Optional<DType> fromCode(String code) {
    return Optional.ofNullable(BY_CODE.get(code));
  }

  static String code(DType dtype) {
    for (Map.Entry<String, DType> e : BY_CODE.entrySet()) {
      if (e.getValue() == dtype) {
        return e.getKey();
      }
    }
    throw new IllegalArgumentException("dtype has no safetensors code: " + dtype);
  }
}
