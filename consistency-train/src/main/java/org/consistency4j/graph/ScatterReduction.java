package org.consistency4j.graph;

/** The {@code reduction} attribute of ScatterElements and ScatterND. */
public enum ScatterReduction {
  /** Overwrite (duplicate indices give an unspecified winner). */
  NONE("none"),
  /** Accumulate by addition (opset 16+); duplicate indices add up. */
  ADD("add"),
  /** Accumulate by multiplication (opset 16+). */
  MUL("mul"),
  /** Keep the maximum (opset 18+). */
  MAX("max"),
  /** Keep the minimum (opset 18+). */
  MIN("min");

  private final String onnxName;

  ScatterReduction(String onnxName) {
    this.onnxName = onnxName;
  }

  /** The attribute string, for example {@code "add"}. */
  public String onnxName() {
    return onnxName;
  }
}
