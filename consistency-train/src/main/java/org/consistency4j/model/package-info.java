/**
 * The Llama-family runtime on ONNX Runtime: {@link org.consistency4j.model.OnnxLanguageModel} (a
 * Hugging Face model directory as a {@link org.consistency4j.lm.LanguageModel}, with KV-cached
 * generation), {@link org.consistency4j.model.ModelConfig} (Hugging Face {@code config.json}), {@link
 * org.consistency4j.model.RuntimeOptions} (CPU or CUDA, threads) and {@link
 * org.consistency4j.model.ModelSessions}, which owns the sessions and weight tensors of one model.
 */
package org.consistency4j.model;
