/**
 * The evaluation harness: resumable generation of the prompts of {@link
 * org.consistency4j.data.InstructionTask}s into a JSONL {@link
 * org.consistency4j.harness.ResponseStore}, and the {@link org.consistency4j.harness.Evaluator}
 * that turns responses into consistency, ROUGE and accuracy metrics with intervals and paired
 * comparisons. The task model and its JSONL format live in {@link org.consistency4j.data}.
 */
package org.consistency4j.harness;
