package org.consistency4j.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.consistency4j.harness.NamedModel;
import org.consistency4j.lm.LanguageModel;
import org.consistency4j.internal.Check;
import org.consistency4j.model.ModelConfig;
import org.consistency4j.model.OnnxLanguageModel;
import org.consistency4j.model.RuntimeOptions;
import org.consistency4j.train.FineTuning;

/**
 * Opens local model directories the way the CLI does (adapter merge, chat template), so that other
 * front ends (such as consistency-spark) get the same models and therefore the same responses.
 */
public final class LocalModels {
  private LocalModels() {}

  /**
   * Opens the Hugging Face model directory {@code dir} on ONNX Runtime; with an adapter, the adapter
   * is first merged into the weights ({@link FineTuning#mergeAdapter}) in a temporary directory that is
   * deleted once the model is loaded; the model is then named {@code DIR+ADAPTER}.
   *
   * @param adapter a PEFT LoRA adapter directory of {@code dir}, or null
   * @param overflow what generation does with prompts longer than the context
   */
  static LanguageModel open(Path dir, Path adapter, OnnxLanguageModel.PromptOverflow overflow) {
    return open(dir, adapter, overflow, false);
  }

  /**
   * {@link #open(Path, Path, OnnxLanguageModel.PromptOverflow)}; with {@code chatTemplate} and a
   * model whose tokenizer has a Jinja chat template, every prompt is first rendered as one user turn
   * with the generation prompt ({@link org.consistency4j.tokenizer.Tokenizer#instructionPrompt}).
   */
  static LanguageModel open(Path dir, Path adapter, OnnxLanguageModel.PromptOverflow overflow,
      boolean chatTemplate) {
    return open(dir, adapter, overflow, chatTemplate, RuntimeOptions.cpu());
  }

  /**
   * Opens the Hugging Face model directory {@code dir} on ONNX Runtime with the device and threads of
   * {@code runtime} (the {@code --device} option). With an adapter, the adapter is first merged into
   * the weights in a temporary directory that is deleted once the model is loaded, and the model is
   * named {@code DIR+ADAPTER}. With {@code chatTemplate} and a model whose tokenizer has a Jinja chat
   * template, every prompt is rendered as one user turn with the generation prompt.
   *
   * @param dir the model directory
   * @param adapter a PEFT LoRA adapter directory of {@code dir}, or null
   * @param overflow what generation does with prompts longer than the context
   * @param chatTemplate whether to apply the model's chat template to prompts
   * @param runtime device and threads
   * @return the model (the caller closes it)
   */
  public static LanguageModel open(Path dir, Path adapter, OnnxLanguageModel.PromptOverflow overflow,
      boolean chatTemplate, RuntimeOptions runtime) {
    OnnxLanguageModel onnx;
    LanguageModel model;
    if (adapter == null) {
      onnx = OnnxLanguageModel.load(dir, runtime, overflow);
      model = onnx;
    } else {
      onnx = merged(dir, adapter, overflow, runtime);
      model = new NamedModel(dir + "+" + adapter, onnx);
    }
    if (chatTemplate && onnx.tokenizer().chatTemplate().source().isPresent()) {
      return new ChatPromptModel(model, onnx.tokenizer()::instructionPrompt);
    }
    return model;
  }

  private static OnnxLanguageModel merged(
      Path dir, Path adapter, OnnxLanguageModel.PromptOverflow overflow, RuntimeOptions runtime) {
    if (!Files.isDirectory(adapter)) {
      throw new IllegalArgumentException("--adapter must be an adapter directory, found " + adapter);
    }
    Path tmp;
    try {
      tmp = Files.createTempDirectory("consistency4j-merged-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory for merging " + adapter, e);
    }
    try {
      FineTuning.mergeAdapter(dir, adapter, tmp);
      // Reports name the model by what the user gave (NamedModel), not by the temporary directory.
      return OnnxLanguageModel.load(tmp, runtime, overflow);
    } finally {
      deleteTree(tmp);
    }
  }

  /**
   * Refuses {@code --max-new-tokens} above the context length of the model in {@code dir}, read from
   * its {@code config.json} before the model is loaded: no generation can be longer than that, so a
   * larger value is a mistake (such as 2147483647) rather than a request.
   *
   * @param dir the model directory
   * @param maxNewTokens the requested most new tokens
   * @throws IllegalArgumentException naming the option, the limit, the file and the value
   */
  public static void checkMaxNewTokens(Path dir, int maxNewTokens) {
    Check.positive(maxNewTokens, "--max-new-tokens");
    Path config = dir.resolve("config.json");
    int context = ModelConfig.parse(config).maxPositionEmbeddings();
    if (maxNewTokens > context) {
      throw new IllegalArgumentException(
          "--max-new-tokens must be <= the model's context length (max_position_embeddings "
              + context + " in " + config + "), found " + maxNewTokens);
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> s = Files.walk(root)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a leftover temporary directory is harmless
    }
  }
}
