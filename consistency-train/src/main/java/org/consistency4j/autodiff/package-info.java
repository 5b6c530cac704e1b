/**
 * Reverse-mode automatic differentiation over {@link org.consistency4j.graph.GraphBuilder} graphs.
 * {@link org.consistency4j.autodiff.Autodiff} appends the backward pass of a scalar loss to a forward graph
 * in standard {@code ai.onnx} operators, so a whole training step (forward, loss, gradients, optimizer
 * update) runs as ordinary ONNX Runtime sessions on any execution provider; the gradient rules are keyed
 * by the operator table {@link org.consistency4j.graph.Op}.
 */
package org.consistency4j.autodiff;
