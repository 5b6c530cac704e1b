package org.consistency4j.graph;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.onnx.ModelProto;
import org.bytedeco.onnx.global.onnx;

/** Runs the ONNX 1.17 checker (org.bytedeco:onnx) with full checking (strict shape inference). */
final class OnnxChecker {
  private OnnxChecker() {}

  /**
   * Checks the serialized model; throws a RuntimeException with the checker's message when invalid.
   */
  static void check(byte[] modelBytes) {
    try (ModelProto model = new ModelProto();
        BytePointer bytes = new BytePointer(modelBytes)) {
      if (!onnx.ParseProtoFromBytes(model, bytes, modelBytes.length)) {
        throw new IllegalStateException("checker could not parse the model bytes");
      }
      onnx.check_model(model, true, false, false);
    }
  }
}
