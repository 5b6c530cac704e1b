/**
 * Reverse-mode automatic differentiation over ONNX graphs. {@link org.consistency4j.autodiff.Autodiff}
 * appends the backward pass of a scalar loss to a forward graph in standard {@code ai.onnx} operators, so a
 * whole training step (forward, loss, gradients, optimizer update) runs as one ordinary ONNX Runtime
 * session on any execution provider; {@link org.consistency4j.autodiff.Emitter} is the small node-appending
 * helper the gradient rules, losses and optimizers share.
 */
package org.consistency4j.autodiff;
