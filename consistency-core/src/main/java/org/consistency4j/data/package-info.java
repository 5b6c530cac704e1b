/**
 * Task data: Super-NaturalInstructions task files ({@link org.consistency4j.data.SniTasks}), the
 * JSONL format of instruction groups that the evaluation harness reads ({@link
 * org.consistency4j.data.InstructionGroups}), and the builder of instruction-augmented SFT data
 * (stage 1 of consistency alignment, {@link org.consistency4j.data.InstructionAugmentation}), and
 * the one strict JSON Lines reader every JSONL input of the library goes through ({@link
 * org.consistency4j.data.JsonLines}).
 */
package org.consistency4j.data;
