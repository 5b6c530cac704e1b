/**
 * Text processing shared by the metrics: the tokenizer of Google's {@code rouge-score} 0.1.2
 * ({@link org.consistency4j.text.RougeTokenizer}) and NLTK's Porter stemmer in its default
 * NLTK_EXTENSIONS mode ({@link org.consistency4j.text.PorterStemmer}). Everything here is pure
 * Java, stateless or thread-safe, and reproduces the Python reference token for token.
 */
package org.consistency4j.text;
