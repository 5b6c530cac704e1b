package org.consistency4j.spark;

import java.io.Serializable;
import org.consistency4j.lm.LanguageModel;

/**
 * How an executor gets a model: a serializable description that the driver sends with every task
 * and that each executor JVM turns into a {@link LanguageModel} once ({@link ExecutorModels} caches
 * it per JVM under {@link #cacheKey()}).
 *
 * <p>Implementations: {@link LocalModelSource} (a Hugging Face model directory on ONNX Runtime, read
 * from a path every executor can read) and {@link HttpModelSource} (an OpenAI-compatible server). A
 * custom source (for example one that wraps another) must be serializable and give the same model
 * for the same key in every JVM.
 */
public interface ModelSource extends Serializable {
  /**
   * The model's name in responses and reports (known on the driver without loading the model).
   *
   * @return the name, not blank
   */
  String name();

  /**
   * The key under which an executor JVM caches the opened model: two sources with equal keys must
   * open equal models.
   *
   * @return the key
   */
  String cacheKey();

  /**
   * Whether one opened instance may serve several concurrent tasks of an executor. When false, an
   * executor opens one instance per concurrently running task (at most {@code spark.executor.cores /
   * spark.task.cpus}) and reuses them across tasks and stages.
   *
   * @return whether the model is thread-safe
   */
  boolean threadSafe();

  /**
   * Opens the model; called on executors, at most once per JVM (thread-safe sources) or once per
   * concurrent task slot.
   *
   * @return the model, owned by the executor's cache
   */
  LanguageModel open();
}
