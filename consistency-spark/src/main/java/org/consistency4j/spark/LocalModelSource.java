package org.consistency4j.spark;

import java.nio.file.Path;
import org.consistency4j.cli.LocalModels;
import org.consistency4j.harness.NamedModel;
import org.consistency4j.internal.Check;
import org.consistency4j.lm.LanguageModel;
import org.consistency4j.model.OnnxLanguageModel;
import org.consistency4j.model.RuntimeOptions;

/**
 * A local Hugging Face model directory run on ONNX Runtime's CPU provider, opened exactly as
 * {@code consistency evaluate --model DIR} opens it ({@link LocalModels#open}): the same adapter
 * merge, chat template and prompt-overflow rule, hence the same responses.
 *
 * <p>The directory must be readable at the same local path on every executor (a shared file system
 * mount, or a copy made by the cluster's deployment). ONNX Runtime sessions are not thread-safe, so an
 * executor holds one instance per concurrently running task; with {@code spark.task.cpus} equal to
 * {@code spark.executor.cores} there is one model per executor JVM, using {@code intraOpThreads}
 * threads.
 *
 * @param dir the model directory, as every executor sees it
 * @param adapter a PEFT LoRA adapter directory of {@code dir}, or null
 * @param chatTemplate whether prompts are rendered with the model's chat template (the CLI's default)
 * @param truncatePrompts whether over-long prompts keep their last tokens instead of failing
 * @param intraOpThreads ONNX Runtime intra-op threads, {@code 0} for ONNX Runtime's default
 * @param displayName the name in reports, or null for the CLI's (the directory, or {@code DIR+ADAPTER})
 */
public record LocalModelSource(
    String dir, String adapter, boolean chatTemplate, boolean truncatePrompts, int intraOpThreads,
    String displayName) implements ModelSource {
  private static final long serialVersionUID = 1L;

  /** Validates. */
  public LocalModelSource {
    Check.notNull(dir, "dir");
    Check.argument(!dir.isBlank(), "dir must not be blank");
    Check.inRange(intraOpThreads, 0, RuntimeOptions.MAX_THREADS, "intraOpThreads");
    Check.argument(displayName == null || !displayName.isBlank(), "displayName must not be blank");
  }

  /**
   * The CLI's defaults: no adapter, chat template on, over-long prompts refused, ONNX Runtime's
   * default threads, named by its directory.
   *
   * @param dir the model directory
   * @return the source
   */
  public static LocalModelSource of(String dir) {
    return new LocalModelSource(dir, null, true, false, 0, null);
  }

  /**
   * This source with prompts sent as given (as {@code consistency pairs} and {@code reward} send them,
   * and {@code evaluate --no-chat-template}).
   *
   * @return the source
   */
  public LocalModelSource withoutChatTemplate() {
    return new LocalModelSource(dir, adapter, false, truncatePrompts, intraOpThreads, displayName);
  }

  @Override
  public String name() {
    if (displayName != null) {
      return displayName;
    }
    return adapter == null ? Path.of(dir).toString() : Path.of(dir) + "+" + Path.of(adapter);
  }

  @Override
  public String cacheKey() {
    return "local|" + dir + "|" + adapter + "|" + chatTemplate + "|" + truncatePrompts + "|" + intraOpThreads;
  }

  @Override
  public boolean threadSafe() {
    return false;
  }

  @Override
  public LanguageModel open() {
    RuntimeOptions runtime = intraOpThreads == 0
        ? RuntimeOptions.cpu() : RuntimeOptions.builder().intraOpThreads(intraOpThreads).build();
    LanguageModel model = LocalModels.open(Path.of(dir), adapter == null ? null : Path.of(adapter),
        truncatePrompts ? OnnxLanguageModel.PromptOverflow.TRUNCATE_LEFT
            : OnnxLanguageModel.PromptOverflow.ERROR, chatTemplate, runtime);
    return model.name().equals(name()) ? model : new NamedModel(name(), model);
  }
}
