package org.consistency4j.examples;

import java.nio.file.Path;
import org.consistency4j.lm.Generation;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.model.OnnxLanguageModel;
import org.consistency4j.model.RuntimeOptions;

/**
 * Loads a Hugging Face Llama-family model directory ({@code config.json}, {@code model.safetensors},
 * {@code tokenizer.json}) and generates on ONNX Runtime, with no Python.
 *
 * <pre>
 * java ... org.consistency4j.examples.GenerateWithHuggingFaceModel path/to/SmolLM2-135M "Hello"
 * </pre>
 */
public final class GenerateWithHuggingFaceModel {
  private GenerateWithHuggingFaceModel() {}

  /** Arguments: model directory, prompt. */
  public static void main(String[] args) {
    if (args.length != 2) {
      System.err.println("usage: GenerateWithHuggingFaceModel MODEL_DIR PROMPT");
      System.exit(2);
    }
    Result r = run(Path.of(args[0]), args[1]);
    System.out.println(r.generation().text());
    System.out.printf("log p(continuation | prompt) = %.4f%n", r.continuationLogProb());
  }

  /**
   * The greedy continuation of {@code prompt} and the log-probability the model gives it.
   *
   * @param generation up to 16 new tokens, greedy
   * @param continuationLogProb natural-log probability of the generated text after the prompt
   */
  public record Result(Generation generation, double continuationLogProb) {}

  /** Loads the model, generates greedily and scores what it generated; closes the model. */
  public static Result run(Path modelDir, String prompt) {
    try (OnnxLanguageModel lm = OnnxLanguageModel.load(modelDir, RuntimeOptions.cpu())) {
      Generation g = lm.generate(prompt, GenerationConfig.greedy(16));
      double logp = g.text().isEmpty() ? 0 : lm.score(prompt, g.text()).sum();
      return new Result(g, logp);
    }
  }
}
