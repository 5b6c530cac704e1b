/**
 * Instruction paraphrasing: the {@link org.consistency4j.paraphrase.Paraphraser} contract, lexical
 * (WordNet), structural, format and language-model paraphrasers, composition into pipelines, quality
 * filters, and protection of spans (quoted strings, placeholders, numbers, code, label words) that no
 * paraphraser may alter. Standard instances come from {@link org.consistency4j.paraphrase.Paraphrasers}.
 */
package org.consistency4j.paraphrase;
