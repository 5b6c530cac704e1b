/**
 * Supervised fine-tuning on ONNX Runtime: causal-LM losses built as graph nodes ({@link
 * org.consistency4j.train.LmLosses}), the training-step sessions that run forward, backward and optimizer
 * update as one ordinary ONNX Runtime session, and the SFT trainer with data loading and checkpoints.
 */
package org.consistency4j.train;
