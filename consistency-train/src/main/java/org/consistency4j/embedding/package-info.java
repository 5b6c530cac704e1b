/**
 * Sentence embeddings on ONNX Runtime: {@link org.consistency4j.embedding.EmbeddingSimilarity} runs
 * a sentence-transformers encoder (all-MiniLM-L6-v2 from a Maven Central jar, or any BERT-style ONNX
 * export with its {@code tokenizer.json}) and serves as the meaning-drift filter of paraphrasing and
 * as a response similarity for consistency rates.
 */
package org.consistency4j.embedding;
