package org.consistency4j.cli;

import java.nio.file.Path;
import org.consistency4j.lm.LanguageModel;
import org.consistency4j.model.OnnxLanguageModel;

/** Opens local model directories for the CLI. */
final class LocalModels {
  private LocalModels() {}

  /**
   * Opens the Hugging Face model directory {@code dir} on ONNX Runtime.
   *
   * @param adapter a LoRA adapter directory, or null
   * @throws IllegalArgumentException if an adapter is given (not supported by this build's model
   *     runtime yet)
   */
  static LanguageModel open(Path dir, Path adapter) {
    if (adapter != null) {
      throw new IllegalArgumentException(
          "--adapter " + adapter + ": this build's OnnxLanguageModel loads no LoRA adapters yet;"
              + " merge the adapter into the model directory instead");
    }
    return OnnxLanguageModel.load(dir);
  }
}
