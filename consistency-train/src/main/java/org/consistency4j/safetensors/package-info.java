/**
 * Reading and writing Hugging Face safetensors checkpoints: {@link
 * org.consistency4j.safetensors.SafetensorsFile} memory-maps one file and validates its header against
 * hostile input, {@link org.consistency4j.safetensors.SafetensorsCheckpoint} opens a model directory with
 * one file or shards listed in {@code model.safetensors.index.json}, and {@link
 * org.consistency4j.safetensors.SafetensorsWriter} writes files deterministically and atomically. Tensors
 * come out as zero-copy {@link org.consistency4j.graph.Tensor}s or upcast float arrays.
 */
package org.consistency4j.safetensors;
