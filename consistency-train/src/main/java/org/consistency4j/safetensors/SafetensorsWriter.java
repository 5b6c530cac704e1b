package org.consistency4j.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.Tensor;
import org.consistency4j.internal.AtomicFiles;
import org.consistency4j.internal.Check;

/**
 * Writes safetensors files. The layout is deterministic: tensors are ordered by element size (largest
 * first, so every tensor starts at a multiple of its element size) and then by name ({@link
 * String#compareTo}); the data is packed without gaps; the JSON header lists {@code __metadata__} first
 * (when non-empty) and then the tensors in that order, and is padded with spaces to a multiple of 8 bytes
 * as Hugging Face's writer does. Files are written atomically and durably ({@code
 * org.consistency4j.internal.AtomicFiles}: a temporary file in the same directory, flushed, renamed over
 * the target, directory flushed), with the permissions the process umask gives. Stateless and
 * thread-safe.
 */
public final class SafetensorsWriter {
  private SafetensorsWriter() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Writes {@code tensors} without metadata. */
  public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
    write(file, tensors, Map.of());
  }

  /**
   * Writes {@code tensors} and {@code metadata} to {@code file}, replacing it atomically.
   *
   * @throws IllegalArgumentException if a name is empty or equals {@code __metadata__}, or a dtype has no
   *     safetensors code
   * @throws IOException if writing fails (the target is then left unchanged)
   */
  public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata)
      throws IOException {
    Objects.requireNonNull(file, "file must not be null");
    Objects.requireNonNull(tensors, "tensors must not be null");
    Objects.requireNonNull(metadata, "metadata must not be null");
    List<Map.Entry<String, Tensor>> order = order(tensors);
    byte[] header = header(order, metadata);
    AtomicFiles.write(file, out -> {
      WritableByteChannel ch = Channels.newChannel(out);
      writeHeader(ch, header);
      for (Map.Entry<String, Tensor> e : order) {
        writeFully(ch, e.getValue().data());
      }
    });
  }

  /**
   * The name, element type and shape of a tensor that {@link #writeStreaming} writes.
   *
   * @param name the tensor name
   * @param dtype its element type (one with a safetensors code)
   * @param shape its dimensions
   */
  public record Spec(String name, DType dtype, long[] shape) {
    /** Validates. */
    public Spec {
      Objects.requireNonNull(name, "name must not be null");
      Objects.requireNonNull(dtype, "dtype must not be null");
      shape = Objects.requireNonNull(shape, "shape must not be null").clone();
      for (long d : shape) {
        Check.argument(d >= 0,
            "tensor '" + name + "' shape dims must be >= 0, found " + Arrays.toString(shape));
      }
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }

    /** Bytes of the tensor's data. */
    public long byteSize() {
      long n = dtype.byteSize();
      for (long d : shape) {
        n = Math.multiplyExact(n, d);
      }
      return n;
    }
  }

  /** Produces the data of one tensor of {@link #writeStreaming}. */
  @FunctionalInterface
  public interface TensorData {
    /**
     * Writes exactly {@link Spec#byteSize()} bytes of {@code spec}'s little-endian data to {@code out}.
     *
     * @throws IOException if writing fails
     */
    void writeTo(Spec spec, WritableByteChannel out) throws IOException;
  }

  /**
   * Writes a safetensors file whose tensor data is produced one tensor at a time by {@code data}, so
   * that files larger than memory (or than the 2 GiB of one buffer) can be written. The layout is that
   * of {@link #write(Path, Map, Map)} (tensors ordered by element size, largest first, then by name;
   * the header padded to 8 bytes) and the file is replaced atomically.
   *
   * @throws IllegalArgumentException if a name is empty, {@code __metadata__} or repeated, or a dtype
   *     has no safetensors code
   * @throws IOException if writing fails or {@code data} writes a wrong number of bytes for a tensor
   *     (the message names it; the target is then left unchanged)
   */
  public static void writeStreaming(Path file, List<Spec> tensors, Map<String, String> metadata,
      TensorData data) throws IOException {
    Objects.requireNonNull(file, "file must not be null");
    Objects.requireNonNull(tensors, "tensors must not be null");
    Objects.requireNonNull(metadata, "metadata must not be null");
    Objects.requireNonNull(data, "data must not be null");
    List<Spec> order = new ArrayList<>(tensors);
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (Spec s : order) {
      Objects.requireNonNull(s, "tensor specs must not be null");
      Check.argument(!s.name().isEmpty() && !s.name().equals(SafetensorsFile.METADATA_KEY)
          && seen.add(s.name()), "tensor names must be non-empty, unique and not "
          + SafetensorsFile.METADATA_KEY + ", found '" + s.name() + "'");
      SafetensorsDTypes.code(s.dtype());
    }
    order.sort(Comparator.<Spec>comparingInt(s -> -s.dtype().byteSize()).thenComparing(Spec::name));
    byte[] header = specHeader(order, metadata);
    AtomicFiles.write(file, out -> {
      WritableByteChannel ch = Channels.newChannel(out);
      writeHeader(ch, header);
      for (Spec s : order) {
        long[] count = {0};
        WritableByteChannel counting = new WritableByteChannel() {
          @Override
          public int write(ByteBuffer src) throws IOException {
            int n = ch.write(src);
            count[0] += n;
            return n;
          }

          @Override
          public boolean isOpen() {
            return ch.isOpen();
          }

          @Override
          public void close() {}
        };
        data.writeTo(s, counting);
        if (count[0] != s.byteSize()) {
          throw new IOException(file + ": tensor '" + s.name() + "' needs " + s.byteSize()
              + " bytes of data, the producer wrote " + count[0]);
        }
      }
    });
  }

  /**
   * Writes a sharded checkpoint into {@code dir}: tensors in name order are packed greedily into shards
   * {@code model-00001-of-0000N.safetensors} of at most {@code maxShardBytes} data bytes (a larger tensor
   * gets a shard of its own), each carrying {@code metadata}, then {@value
   * SafetensorsCheckpoint#INDEX_FILE} with {@code {"metadata": {"total_size": bytes}, "weight_map": ...}}
   * sorted by name. Every file is written atomically and the index last, so a reader never sees an index
   * naming a shard that is not complete. Shards of an earlier, larger write are not deleted.
   *
   * @return the shard files in order
   * @throws IllegalArgumentException if {@code maxShardBytes <= 0} or {@code tensors} is empty
   * @throws IOException if writing fails
   */
  public static List<Path> writeSharded(
      Path dir, Map<String, Tensor> tensors, Map<String, String> metadata, long maxShardBytes)
      throws IOException {
    Objects.requireNonNull(dir, "dir must not be null");
    Check.argument(maxShardBytes > 0, "maxShardBytes must be > 0, found " + maxShardBytes);
    Check.argument(!tensors.isEmpty(), "tensors must not be empty");
    order(tensors); // validates names and dtypes before anything is written
    List<Map<String, Tensor>> shards = new ArrayList<>();
    Map<String, Tensor> current = new java.util.TreeMap<>();
    long currentBytes = 0;
    long total = 0;
    for (Map.Entry<String, Tensor> e : new java.util.TreeMap<>(tensors).entrySet()) {
      long size = e.getValue().byteSize();
      if (!current.isEmpty() && currentBytes + size > maxShardBytes) {
        shards.add(current);
        current = new java.util.TreeMap<>();
        currentBytes = 0;
      }
      current.put(e.getKey(), e.getValue());
      currentBytes += size;
      total += size;
    }
    shards.add(current);
    Files.createDirectories(dir);
    List<Path> files = new ArrayList<>();
    ObjectNode index = JSON.createObjectNode();
    index.putObject("metadata").put("total_size", total);
    ObjectNode weightMap = index.putObject("weight_map");
    java.util.SortedMap<String, String> owner = new java.util.TreeMap<>();
    for (int i = 0; i < shards.size(); i++) {
      String name = String.format(java.util.Locale.ROOT, "model-%05d-of-%05d.safetensors", i + 1, shards.size());
      Path p = dir.resolve(name);
      write(p, shards.get(i), metadata);
      files.add(p);
      for (String t : shards.get(i).keySet()) {
        owner.put(t, name);
      }
    }
    owner.forEach(weightMap::put);
    Path indexFile = dir.resolve(SafetensorsCheckpoint.INDEX_FILE);
    AtomicFiles.write(indexFile, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(index));
    return List.copyOf(files);
  }

  /** The bytes {@link #write(Path, Map, Map)} would write (for tests and in-memory use). */
  public static byte[] toBytes(Map<String, Tensor> tensors, Map<String, String> metadata) {
    List<Map.Entry<String, Tensor>> order = order(tensors);
    byte[] header = header(order, metadata);
    long total = 8L + header.length;
    for (Map.Entry<String, Tensor> e : order) {
      total += e.getValue().byteSize();
    }
    Check.argument(total <= Integer.MAX_VALUE - 8,
        "total size must be < 2 GiB for toBytes, found " + total);
    ByteBuffer out = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(header.length).put(header);
    for (Map.Entry<String, Tensor> e : order) {
      out.put(e.getValue().data());
    }
    return out.array();
  }

  private static List<Map.Entry<String, Tensor>> order(Map<String, Tensor> tensors) {
    List<Map.Entry<String, Tensor>> order = new ArrayList<>(tensors.entrySet());
    for (Map.Entry<String, Tensor> e : order) {
      Objects.requireNonNull(e.getKey(), "tensor names must not be null");
      Objects.requireNonNull(e.getValue(), "tensor '" + e.getKey() + "' must not be null");
      Check.argument(!e.getKey().isEmpty() && !e.getKey().equals(SafetensorsFile.METADATA_KEY),
          "tensor names must be non-empty and not " + SafetensorsFile.METADATA_KEY + ", found '"
              + e.getKey() + "'");
      SafetensorsDTypes.code(e.getValue().dtype());
    }
    order.sort(
        Comparator.<Map.Entry<String, Tensor>>comparingInt(e -> -e.getValue().dtype().byteSize())
            .thenComparing(Map.Entry::getKey));
    return order;
  }

  private static byte[] header(List<Map.Entry<String, Tensor>> order, Map<String, String> metadata) {
    List<Spec> specs = new ArrayList<>(order.size());
    for (Map.Entry<String, Tensor> e : order) {
      specs.add(new Spec(e.getKey(), e.getValue().dtype(), e.getValue().shape()));
    }
    return specHeader(specs, metadata);
  }

  private static byte[] specHeader(List<Spec> order, Map<String, String> metadata) {
    ObjectNode root = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode m = root.putObject(SafetensorsFile.METADATA_KEY);
      metadata.entrySet().stream()
          .sorted(Map.Entry.comparingByKey())
          .forEach(e -> m.put(e.getKey(), e.getValue()));
    }
    long offset = 0;
    for (Spec t : order) {
      ObjectNode n = root.putObject(t.name());
      n.put("dtype", SafetensorsDTypes.code(t.dtype()));
      ArrayNode shape = n.putArray("shape");
      Arrays.stream(t.shape()).forEach(shape::add);
      ArrayNode off = n.putArray("data_offsets");
      off.add(offset);
      offset += t.byteSize();
      off.add(offset);
    }
    byte[] json;
    try {
      json = JSON.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
    int padded = (json.length + 7) / 8 * 8;
    byte[] out = Arrays.copyOf(json, padded);
    Arrays.fill(out, json.length, padded, (byte) ' ');
    return out;
  }

  /** Writes the header's length (8 bytes, little-endian) and the header. */
  private static void writeHeader(WritableByteChannel ch, byte[] header) throws IOException {
    ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    len.putLong(0, header.length);
    writeFully(ch, len);
    writeFully(ch, ByteBuffer.wrap(header));
  }

  private static void writeFully(WritableByteChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }
}
