package org.consistency4j.graph;

import java.util.Objects;
import org.consistency4j.internal.Check;

/**
 * How {@link Graph#toModel(ModelOptions)} serializes a graph. Immutable and thread-safe; change fields
 * with the {@code with*} methods.
 *
 * @param irVersion ONNX IR version written into the model, in [7, 10] (ONNX 1.17 protos; ONNX Runtime 1.29
 *     loads 3 to 13); 0 selects {@link #defaultIrVersion(int)} for the graph's opset
 * @param producerName the {@code producer_name} field
 * @param externalThresholdBytes initializers larger than this many bytes are left out of the proto and
 *     returned in {@link ExportedModel#externalInitializers()} (>= 0; {@link Long#MAX_VALUE} keeps all inside)
 * @param includeValueInfo when true, the dtypes and shapes of intermediate values known to the builder are
 *     written as {@code value_info}; off by default because ONNX Runtime infers them and a best-effort shape
 *     must never contradict its inference
 */
public record ModelOptions(
    int irVersion, String producerName, long externalThresholdBytes, boolean includeValueInfo) {

  /** Lowest and highest IR versions accepted. */
  public static final int MIN_IR_VERSION = 7;

  /** Highest IR version the bundled ONNX 1.17 protos and checker know. */
  public static final int MAX_IR_VERSION = 10;

  /** Validates the fields. */
  public ModelOptions {
    Check.argument(irVersion == 0 || irVersion >= MIN_IR_VERSION && irVersion <= MAX_IR_VERSION,
        "irVersion must be 0 or in [" + MIN_IR_VERSION + ", " + MAX_IR_VERSION + "], found "
            + irVersion);
    Objects.requireNonNull(producerName, "producerName must not be null");
    Check.argument(externalThresholdBytes >= 0,
        "externalThresholdBytes must be >= 0, found " + externalThresholdBytes);
  }

  /** IR version chosen by default, automatic per opset; every initializer embedded; no value_info. */
  public static ModelOptions defaults() {
    return new ModelOptions(0, "consistency4j", Long.MAX_VALUE, false);
  }

  /** The IR version for an opset: 8 up to opset 18, 9 for 19-20, 10 from 21. */
  public static int defaultIrVersion(int opset) {
    return opset <= 18 ? 8 : opset <= 20 ? 9 : 10;
  }

  /** A copy with another IR version (0 = automatic). */
  public ModelOptions withIrVersion(int irVersion) {
    return new ModelOptions(irVersion, producerName, externalThresholdBytes, includeValueInfo);
  }

  /** A copy that keeps initializers larger than {@code bytes} out of the proto. */
  public ModelOptions withExternalInitializersAbove(long bytes) {
    return new ModelOptions(irVersion, producerName, bytes, includeValueInfo);
  }

  /**
   * A copy that keeps out of the proto every initializer at least as large as the smallest external
   * initializer of {@code model} (all inside when it has none), so that a graph rewritten from {@code
   * model} keeps its weights where they were.
   */
  public ModelOptions withExternalInitializersLike(ExportedModel model) {
    long smallest = model.externalInitializers().values().stream()
        .mapToLong(Tensor::byteSize).min().orElse(Long.MAX_VALUE);
    return withExternalInitializersAbove(smallest == Long.MAX_VALUE ? smallest : smallest - 1);
  }

  /** A copy with {@code value_info} on or off. */
  public ModelOptions withValueInfo(boolean include) {
    return new ModelOptions(irVersion, producerName, externalThresholdBytes, include);
  }

  /** A copy with another producer name. */
  public ModelOptions withProducerName(String name) {
    return new ModelOptions(irVersion, name, externalThresholdBytes, includeValueInfo);
  }
}
