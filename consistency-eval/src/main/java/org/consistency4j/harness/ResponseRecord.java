package org.consistency4j.harness;

import org.consistency4j.internal.Check;

/**
 * One stored response: which model answered which variant of which instance of which task, with
 * fingerprints of the prompt and of the decoding settings (so that a resumed run notices a changed
 * dataset or configuration).
 *
 * @param model the model's name
 * @param task the task's name
 * @param variant the variant index, {@code >= 0}
 * @param instance the instance index, {@code >= 0}
 * @param promptHash the first 16 hex digits of the SHA-256 of the prompt (UTF-8)
 * @param configHash the first 16 hex digits of the SHA-256 of the decoding settings
 * @param response the generated text
 * @param finishReason why generation stopped ({@link org.consistency4j.lm.Generation.FinishReason}
 *     name)
 */
public record ResponseRecord(
    String model,
    String task,
    int variant,
    int instance,
    String promptHash,
    String configHash,
    String response,
    String finishReason) {
  /** Validates. */
  public ResponseRecord {
    Check.notNull(model, "model");
    Check.notNull(task, "task");
    Check.nonNegative(variant, "variant");
    Check.nonNegative(instance, "instance");
    Check.notNull(promptHash, "promptHash");
    Check.notNull(configHash, "configHash");
    Check.notNull(response, "response");
    Check.notNull(finishReason, "finishReason");
  }

  /** The identity of the row: model, task, variant, instance. */
  public Key key() {
    return new Key(model, task, variant, instance);
  }

  /** Identifies one response of one model. */
  public record Key(String model, String task, int variant, int instance) {}
}
