package org.consistency4j.cli;

import java.util.Locale;
import org.consistency4j.model.RuntimeOptions;
import picocli.CommandLine.Option;

/**
 * The {@code --linear-layout} option of every command that runs a local model for inference: how
 * the linear layers read float32 weights read in place ({@link RuntimeOptions.LinearLayout}):
 * {@code batched} (the default; fastest for batches of prompts, as evaluation and sampling decode)
 * or {@code single-sequence} (fastest for decoding one prompt at a time). Outputs agree up to
 * float32 rounding; quantized models and {@code --device cuda} ignore it.
 */
final class LinearLayoutOption {
  @Option(names = "--linear-layout", paramLabel = "batched|single-sequence",
      defaultValue = "batched",
      description = "How local float32 models on the CPU lay out their linear weights: batched"
          + " (fastest when several prompts are decoded or scored together) or single-sequence"
          + " (fastest for one prompt at a time); outputs agree up to float rounding; ignored with"
          + " --quantize or --device cuda (default: ${DEFAULT-VALUE}).")
  private String layout;

  /**
   * The layout selected.
   *
   * @throws IllegalArgumentException naming the option, the accepted values and the bad value
   */
  RuntimeOptions.LinearLayout layout() {
    return parse(layout);
  }

  /**
   * The layout {@code --linear-layout value} selects.
   *
   * @throws IllegalArgumentException naming the option, the accepted values and the bad value
   */
  static RuntimeOptions.LinearLayout parse(String value) {
    for (RuntimeOptions.LinearLayout l : RuntimeOptions.LinearLayout.values()) {
      if (label(l).equals(value)) {
        return l;
      }
    }
    throw new IllegalArgumentException(
        "--linear-layout must be batched or single-sequence, found \"" + value + "\"");
  }

  /** The option value of {@code layout}: {@code batched} or {@code single-sequence}. */
  static String label(RuntimeOptions.LinearLayout layout) {
    return layout.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The selected layout's option value, as reports record it. */
  String label() {
    return label(layout());
  }

  /** {@code runtime} with the selected layout. */
  RuntimeOptions apply(RuntimeOptions runtime) {
    return runtime.toBuilder().linearLayout(layout()).build();
  }
}
