/**
 * A small typed intermediate representation for ONNX graphs: {@link org.consistency4j.graph.Value values}
 * with dtype and (possibly symbolic) shape, {@link org.consistency4j.graph.Node nodes}, initializers and
 * subgraphs, built with {@link org.consistency4j.graph.GraphBuilder} and serialized to an ONNX
 * {@code ModelProto} by {@link org.consistency4j.graph.Graph#toModel(ModelOptions)}. What is known about
 * each operator (dtype rule, shape rule, differentiability) is in one table, {@link
 * org.consistency4j.graph.Op}. The model runtime, the losses, the optimizer, LoRA and the reverse-mode
 * autodiff all build and walk graphs through this package; large weights can be kept out of the protobuf
 * (see {@link org.consistency4j.graph.ExportedModel}) so models never hit the 2 GB limit.
 */
package org.consistency4j.graph;
