package org.consistency4j.cli;

import java.nio.file.Path;
import org.consistency4j.lm.LanguageModel;

/** Opens local model directories for the CLI. */
final class LocalModels {
  private LocalModels() {}

  /**
   * Opens the model in {@code dir} with an optional LoRA adapter.
   *
   * @throws IllegalArgumentException while this build has no local model runtime
   */
  static LanguageModel open(Path dir, Path adapter) {
    // The ONNX Runtime model (org.consistency4j.model.OnnxLanguageModel) is not part of this build
    // yet; until it is, local directories are refused with a message that says what to do instead.
    throw new IllegalArgumentException(
        "--model "
            + dir
            + ": local model directories need the ONNX Runtime model (OnnxLanguageModel), which this"
            + " build does not include yet; serve the model with an OpenAI-compatible server (vLLM,"
            + " llama.cpp server, Ollama) and pass its URL with --model-name");
  }
}
