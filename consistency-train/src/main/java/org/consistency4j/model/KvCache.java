package org.consistency4j.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;

/**
 * The key/value cache of {@link OnnxLanguageModel}'s decoding, held once: per layer one direct
 * buffer of keys and one of values, each laid out position first ({@code [positions, rows,
 * kv_heads, head_dim]}, as the decoding graph's {@code past_*} inputs and {@code new_*} outputs are,
 * {@link LlamaGraphs}). A step is given the valid start of each buffer as its past (a view, no copy)
 * and ONNX Runtime writes the step's new keys and values right after it (pinned outputs over the
 * next positions), so the cache after the step is the same buffer, one position longer. Before, each
 * step's cache was a new ONNX Runtime tensor holding the past again plus the new position, alive
 * next to the past while the step ran: two copies of the cache at every step (benchmarks/README.md,
 * "A key/value cache held once").
 *
 * <p>The buffers are kept by the model and reused by every generation; a generation that needs
 * more room than they hold replaces them (at its start with room for its prompt and {@link
 * #INITIAL_NEW_POSITIONS} new positions, later doubling, never beyond the positions it can reach),
 * and the replaced buffers' memory is freed at once where the JDK allows it ({@code
 * sun.misc.Unsafe.invokeCleaner}), otherwise by the garbage collector. Not thread-safe.
 */
final class KvCache {
  /** Positions reserved at the start of a generation beyond its prompt, at most its limit. */
  static final int INITIAL_NEW_POSITIONS = 64;

  private final int layers;
  /** Floats per position and row: {@code kv_heads * head_dim}. */
  private final int perRow;
  private final long[] rowShape;
  /** Keys of layer {@code l} at {@code 2 l}, values at {@code 2 l + 1}; null before the first use. */
  private FloatBuffer[] buffers;
  /** The memory {@link #buffers} view, to free when they are replaced. */
  private ByteBuffer[] memory;
  private int rows;
  /** Valid positions (the past of the next step). */
  private int positions;
  /** The most positions the current generation can reach. */
  private int limit;

  KvCache(ModelConfig config) {
    this.layers = config.numHiddenLayers();
    this.perRow = Math.multiplyExact(config.numKeyValueHeads(), config.headDim());
    this.rowShape = new long[] {config.numKeyValueHeads(), config.headDim()};
  }

  /**
   * Empties the cache for a generation of {@code rows} rows that reaches at most {@code limit}
   * positions, and makes room for {@code min(limit, first + INITIAL_NEW_POSITIONS)} of them (the
   * buffers are only reallocated when they are too small).
   */
  void reset(int rows, int first, int limit) {
    this.rows = rows;
    this.positions = 0;
    this.limit = limit;
    int wanted = (int) Math.min(limit, (long) first + INITIAL_NEW_POSITIONS);
    reserve(Math.max(first, wanted), wanted);
  }

  /** Valid positions: the past the next step is given. */
  int positions() {
    return positions;
  }

  /** Bytes of the buffers (all layers, keys and values), 0 before the first generation. */
  long bytes() {
    return buffers == null ? 0 : (long) buffers.length * buffers[0].capacity() * Float.BYTES;
  }

  /** The buffer of layer {@code layer}'s keys ({@code value} false) or values, for tests. */
  FloatBuffer buffer(int layer, boolean value) {
    return buffers[2 * layer + (value ? 1 : 0)];
  }

  /**
   * Adds the step's inputs (the valid positions of every buffer as {@code past_*}) to {@code inputs}
   * and returns the pinned outputs ({@code new_*}) for its {@code width} new positions, growing the
   * buffers first if they lack room; every tensor made is added to {@code created} for the caller to
   * close (the buffers stay). Call {@link #advance} once the step has run.
   */
  Map<String, OnnxTensor> bind(OrtEnvironment env, int width, Map<String, OnnxTensor> inputs,
      List<OnnxTensor> created) throws OrtException {
    int needed = Math.addExact(positions, width);
    if (needed > capacityPositions()) {
      reserve(needed, (int) Math.min(limit, 2L * capacityPositions()));
    }
    Map<String, OnnxTensor> outputs = new java.util.LinkedHashMap<>();
    for (int l = 0; l < layers; l++) {
      for (int kind = 0; kind < 2; kind++) {
        FloatBuffer b = buffers[2 * l + kind];
        OnnxTensor past = view(env, b, 0, positions);
        created.add(past);
        inputs.put(kind == 0 ? LlamaGraphs.pastKey(l) : LlamaGraphs.pastValue(l), past);
        OnnxTensor next = view(env, b, positions, width);
        created.add(next);
        outputs.put(kind == 0 ? LlamaGraphs.newKey(l) : LlamaGraphs.newValue(l), next);
      }
    }
    return outputs;
  }

  /** Counts the {@code width} positions the last step wrote as valid. */
  void advance(int width) {
    positions += width;
  }

  /** Positions of {@link #rows} rows the buffers hold. */
  private int capacityPositions() {
    return buffers == null ? 0 : buffers[0].capacity() / (rows * perRow);
  }

  /**
   * Makes the buffers hold at least {@code needed} positions of {@link #rows} rows, allocating
   * {@code max(needed, wanted)} if they do not, with the valid positions copied over.
   */
  private void reserve(int needed, int wanted) {
    if (needed <= capacityPositions()) {
      return;
    }
    long floats = (long) Math.max(needed, wanted) * rows * perRow;
    if (floats * Float.BYTES > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("the key/value cache of " + rows + " rows and "
          + Math.max(needed, wanted) + " positions needs " + floats * Float.BYTES
          + " bytes per layer for keys and as many for values; one buffer holds at most "
          + Integer.MAX_VALUE + " bytes: decode fewer prompts together or fewer tokens");
    }
    FloatBuffer[] grown = new FloatBuffer[2 * layers];
    ByteBuffer[] grownMemory = new ByteBuffer[2 * layers];
    int valid = positions * rows * perRow;
    for (int i = 0; i < grown.length; i++) {
      grownMemory[i] = ByteBuffer.allocateDirect((int) floats * Float.BYTES)
          .order(ByteOrder.nativeOrder());
      grown[i] = grownMemory[i].asFloatBuffer();
      if (valid > 0) {
        grown[i].put(0, buffers[i], 0, valid);
      }
      if (memory != null) {
        // Freed now rather than at a later collection: the cache is the largest thing allocated
        // while decoding, and a replaced copy left to the collector would be held twice again.
        DirectMemory.free(memory[i]);
        memory[i] = null;
        buffers[i] = null;
      }
    }
    buffers = grown;
    memory = grownMemory;
  }

  /** A tensor {@code [count, rows, kv_heads, head_dim]} over positions {@code from ..} of {@code b}. */
  private OnnxTensor view(OrtEnvironment env, FloatBuffer b, int from, int count)
      throws OrtException {
    int stride = rows * perRow;
    FloatBuffer v = b.duplicate().clear().position(from * stride).limit((from + count) * stride)
        .slice();
    return OnnxTensor.createTensor(env, v, new long[] {count, rows, rowShape[0], rowShape[1]});
  }
}
