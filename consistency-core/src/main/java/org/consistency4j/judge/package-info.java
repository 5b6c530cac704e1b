/**
 * LLM-as-judge building blocks: {@link org.consistency4j.judge.JudgeTemplate}s with {@code
 * {instruction}}, {@code {input}}, {@code {response}} and {@code {other}} placeholders, the standard
 * quality and agreement templates ({@link org.consistency4j.judge.JudgeTemplates}), and {@link
 * org.consistency4j.judge.YesNoJudge}, which asks a {@link org.consistency4j.lm.LanguageModel} for
 * P(Yes) in batches with a cache. The self-reward scorer of package {@code reward} builds on them.
 */
package org.consistency4j.judge;
