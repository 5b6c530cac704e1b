/**
 * The evaluation harness: tasks of instruction variants and instances ({@link
 * org.consistency4j.harness.InstructionTask}, read from JSONL by {@link
 * org.consistency4j.harness.TaskDataset}), resumable generation into a JSONL {@link
 * org.consistency4j.harness.ResponseStore}, and the {@link org.consistency4j.harness.Evaluator}
 * that turns responses into consistency, ROUGE and accuracy metrics with intervals and paired
 * comparisons.
 */
package org.consistency4j.harness;
