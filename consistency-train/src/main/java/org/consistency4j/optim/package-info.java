/**
 * Optimizers as ONNX graph nodes and learning-rate schedules. {@link org.consistency4j.optim.AdamW}
 * appends a decoupled-weight-decay Adam update with global-norm gradient clipping to a training-step graph;
 * {@link org.consistency4j.optim.LearningRateSchedule} gives the learning rate fed to it at each step.
 */
package org.consistency4j.optim;
