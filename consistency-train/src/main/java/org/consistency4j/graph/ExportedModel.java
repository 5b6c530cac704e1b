package org.consistency4j.graph;

import ai.onnx.proto.OnnxMl;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A serialized model plus the initializers that were kept out of it. An externalized initializer stays in
 * the proto as a {@code TensorProto} with its name, dtype and dims and {@code data_location = EXTERNAL}
 * (location {@value #EXTERNAL_LOCATION}, a placeholder, no bytes), so the graph still type-checks; the
 * runtime must supply its data, for example with ONNX Runtime's {@code
 * SessionOptions.addExternalInitializers(Map)} (which replaces exactly such initializers) before creating
 * the session. Immutable; thread-safe.
 *
 * @param model the model proto
 * @param externalInitializers initializers whose data is not in {@code model}, by name, in graph order
 */
public record ExportedModel(OnnxMl.ModelProto model, Map<String, Tensor> externalInitializers) {
  /** The placeholder {@code location} written for externalized initializers. */
  public static final String EXTERNAL_LOCATION = "consistency4j-supplied-at-runtime";

  /** Validates and copies. */
  public ExportedModel {
    Objects.requireNonNull(model, "model must not be null");
    externalInitializers = Collections.unmodifiableMap(new LinkedHashMap<>(externalInitializers));
  }

  /** The serialized model bytes (for {@code OrtEnvironment.createSession(byte[], options)}). */
  public byte[] toByteArray() {
    return model.toByteArray();
  }

  /**
   * Writes the model bytes to {@code file} atomically (temporary file in the same directory, then
   * rename). Externalized initializers are not written.
   *
   * @throws IOException if writing fails
   */
  public void writeTo(Path file) throws IOException {
    org.consistency4j.internal.AtomicFiles.write(file, model::writeTo);
  }
}
