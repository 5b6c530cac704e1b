package org.consistency4j.cli;

import java.util.Locale;
import org.consistency4j.model.RuntimeOptions;
import picocli.CommandLine.Option;

/**
 * The {@code --weight-precision} option of every command that runs a local model for inference:
 * {@code float32} (the default: a float16/bfloat16 checkpoint is upcast to one float32 copy) or
 * {@code as-stored} (its linear weights read as the file stores them, half the memory, cast to
 * float32 chunk by chunk on every run: {@link RuntimeOptions.WeightPrecision}). Float32 checkpoints
 * are read the same way either way. {@code as-stored} cannot be combined with {@code --quantize}
 * other than {@code none} or with {@code --device cuda}, and runs ONNX Runtime on one intra-op
 * thread (faster than on two, as measured).
 */
final class WeightPrecisionOption {
  @Option(names = "--weight-precision", paramLabel = "float32|as-stored",
      defaultValue = "float32",
      description = "How local models' bf16/fp16 weights are held: float32 (one float32 copy;"
          + " fastest with several threads) or as-stored (the file's 16-bit weights read in place:"
          + " half the memory; runs on one thread, where one sequence decoded at 0.76-1.07x"
          + " float32's one-thread speed); float32 files are read the same either way; not with"
          + " --quantize or --device cuda (default: ${DEFAULT-VALUE}).")
  private String precision;

  /**
   * The precision selected.
   *
   * @throws IllegalArgumentException naming the option, the accepted values and the bad value
   */
  RuntimeOptions.WeightPrecision precision() {
    return parse(precision);
  }

  /**
   * The precision {@code --weight-precision value} selects.
   *
   * @throws IllegalArgumentException naming the option, the accepted values and the bad value
   */
  static RuntimeOptions.WeightPrecision parse(String value) {
    for (RuntimeOptions.WeightPrecision p : RuntimeOptions.WeightPrecision.values()) {
      if (label(p).equals(value)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "--weight-precision must be float32 or as-stored, found \"" + value + "\"");
  }

  /** The option value of {@code precision}: {@code float32} or {@code as-stored}. */
  static String label(RuntimeOptions.WeightPrecision precision) {
    return precision.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The selected precision's option value, as reports record it. */
  String label() {
    return label(precision());
  }

  /**
   * {@code runtime} with the selected precision.
   *
   * @throws IllegalArgumentException naming the options, if {@code as-stored} meets a quantization
   *     or CUDA
   */
  RuntimeOptions apply(RuntimeOptions runtime) {
    RuntimeOptions.WeightPrecision p = precision();
    if (p == RuntimeOptions.WeightPrecision.AS_STORED) {
      if (runtime.quantization().enabled()) {
        throw new IllegalArgumentException("--weight-precision as-stored cannot be combined with"
            + " --quantize " + runtime.quantization().label() + ": quantized weights are made from"
            + " a float32 copy; use one of the two");
      }
      if (runtime.device() != RuntimeOptions.Device.CPU) {
        throw new IllegalArgumentException("--weight-precision as-stored runs on the CPU only,"
            + " found --device " + runtime.device().name().toLowerCase(Locale.ROOT));
      }
    }
    RuntimeOptions.Builder b = runtime.toBuilder().weightPrecision(p);
    if (p == RuntimeOptions.WeightPrecision.AS_STORED && runtime.intraOpThreads() == 0) {
      // Measured: as-stored decodes fastest on one intra-op thread, and at two threads slower than
      // on one (benchmarks/README.md, "16-bit weights read as stored"); these commands have no
      // thread option, so ONNX Runtime's default (every core) is replaced by one.
      b.intraOpThreads(1);
    }
    return b.build();
  }
}
