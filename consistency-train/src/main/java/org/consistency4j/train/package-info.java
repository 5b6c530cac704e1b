/**
 * Supervised fine-tuning on ONNX Runtime: causal-LM losses built as graph nodes ({@link
 * org.consistency4j.train.LmLosses}, {@link org.consistency4j.train.PairwiseLossGraph}), the training
 * graphs built from a forward graph without ONNX Runtime ({@link org.consistency4j.train.TrainingGraphs}),
 * the session that runs them and owns the training state ({@link org.consistency4j.train.TrainingSession}),
 * and the SFT and CAT trainers with data loading and checkpoints.
 */
package org.consistency4j.train;
