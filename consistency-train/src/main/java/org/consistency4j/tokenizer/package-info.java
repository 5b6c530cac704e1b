/**
 * Tokenization of Hugging Face models: {@link org.consistency4j.tokenizer.Tokenizer} wraps DJL's
 * binding of the Rust {@code tokenizers} library (loaded from local paths only, offline) and {@link
 * org.consistency4j.tokenizer.ChatTemplate} renders {@code tokenizer_config.json} chat templates with
 * the library's own sandboxed, bounded Jinja interpreter (package-private {@code Jinja*} classes),
 * byte for byte as transformers renders them.
 */
package org.consistency4j.tokenizer;
