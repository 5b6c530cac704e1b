/**
 * The language-model contract: {@link org.consistency4j.lm.LanguageModel} (generation, scoring,
 * next-token probabilities, {@code probabilityOfYes}) with its value types and the pure sampling
 * math. Implementations live in other modules (ONNX Runtime in consistency-train, HTTP in
 * consistency-eval), so this package loads no native code.
 */
package org.consistency4j.lm;
