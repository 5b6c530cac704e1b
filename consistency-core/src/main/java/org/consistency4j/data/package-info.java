/**
 * Task data: the one task model of the library ({@link org.consistency4j.data.InstructionTask}:
 * instruction variants applied to {@link org.consistency4j.data.Instance}s, prompts made by {@link
 * org.consistency4j.data.PromptTemplate}, read and written as JSONL by {@link
 * org.consistency4j.data.InstructionTasks}), Super-NaturalInstructions task files ({@link
 * org.consistency4j.data.SniTasks}), the builder of instruction-augmented SFT data (stage 1 of
 * consistency alignment, {@link org.consistency4j.data.InstructionAugmentation}), and the one strict
 * JSON Lines reader every JSONL input of the library goes through ({@link
 * org.consistency4j.data.JsonLines}).
 */
package org.consistency4j.data;
