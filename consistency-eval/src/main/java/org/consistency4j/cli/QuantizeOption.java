package org.consistency4j.cli;

import org.consistency4j.model.Quantization;
import org.consistency4j.model.RuntimeOptions;
import picocli.CommandLine.Option;

/**
 * The {@code --quantize} option of every command that runs a local model for inference: {@code
 * none} (the default, float32), {@code int8} or {@code int4} weight-only quantization of the linear
 * layers ({@link Quantization}, blocks of 32). Training commands have their own {@code --quantize}
 * (a frozen quantized base for LoRA), parsed by {@link #parse}.
 */
final class QuantizeOption {
  @Option(names = "--quantize", paramLabel = "none|int8|int4", defaultValue = "none",
      description = "Weight-only quantization of local models' linear layers when loaded: none"
          + " (float32), int8 or int4 (blocks of 32 weights per scale; run by ONNX Runtime's"
          + " MatMulNBits; less memory, slightly different outputs) (default: ${DEFAULT-VALUE}).")
  private String quantize;

  /**
   * The quantization selected.
   *
   * @throws IllegalArgumentException naming the option, the accepted values and the bad value
   */
  Quantization quantization() {
    return parse(quantize);
  }

  /**
   * The quantization {@code --quantize value} selects.
   *
   * @throws IllegalArgumentException naming the option, the accepted values and the bad value
   */
  static Quantization parse(String value) {
    try {
      return Quantization.parse(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--quantize must be none, int8 or int4, found \"" + value + "\"", e);
    }
  }

  /** {@code runtime} with the selected quantization. */
  RuntimeOptions apply(RuntimeOptions runtime) {
    return runtime.toBuilder().quantization(quantization()).build();
  }
}
