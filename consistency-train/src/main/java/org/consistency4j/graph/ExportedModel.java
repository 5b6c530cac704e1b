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
   * The model with every externalized initializer turned into a graph input of the same name, dtype
   * and shape (the placeholder initializers are removed), so that a runtime can feed the weights on
   * every run instead of taking them into the session. Nothing else changes.
   */
  public OnnxMl.ModelProto externalInitializersAsInputs() {
    return externalInitializersAsInputs(externalInitializers.keySet());
  }

  /**
   * {@link #externalInitializersAsInputs()} for the externalized initializers named in {@code names}
   * only; the other ones stay (placeholder) initializers to be supplied to the session.
   *
   * @throws IllegalArgumentException if a name is not an externalized initializer
   */
  public OnnxMl.ModelProto externalInitializersAsInputs(java.util.Set<String> names) {
    Objects.requireNonNull(names, "names must not be null");
    for (String n : names) {
      if (!externalInitializers.containsKey(n)) {
        throw new IllegalArgumentException(n + " is not an externalized initializer of "
            + model.getGraph().getName());
      }
    }
    OnnxMl.GraphProto.Builder graph = model.getGraph().toBuilder();
    java.util.Set<String> inputs = new java.util.HashSet<>();
    graph.getInputList().forEach(i -> inputs.add(i.getName()));
    graph.clearInitializer();
    for (OnnxMl.TensorProto t : model.getGraph().getInitializerList()) {
      if (!names.contains(t.getName())) {
        graph.addInitializer(t);
        continue;
      }
      if (inputs.contains(t.getName())) {
        continue;
      }
      OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
      t.getDimsList().forEach(d -> shape.addDim(
          OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d)));
      graph.addInput(OnnxMl.ValueInfoProto.newBuilder().setName(t.getName())
          .setType(OnnxMl.TypeProto.newBuilder().setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
              .setElemType(t.getDataType()).setShape(shape))));
    }
    return model.toBuilder().setGraph(graph).build();
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
