package org.consistency4j.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.consistency4j.ModelLoadException;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.HalfFloats;
import org.consistency4j.graph.Tensor;
import org.consistency4j.internal.Check;

/**
 * One memory-mapped safetensors file: an 8-byte little-endian header length N, N bytes of JSON header
 * ({@code {"name": {"dtype", "shape", "data_offsets"}, "__metadata__": {...}}}), then the data section.
 *
 * <p>{@link #open(Path)} validates the whole header before touching data and rejects hostile files with a
 * {@link ModelLoadException} naming the file and tensor: header length above {@link #MAX_HEADER_BYTES} or
 * beyond the file, invalid JSON or duplicate keys, unknown dtypes, negative or non-integer dims, a shape
 * whose element or byte count overflows, a byte range that differs from dtype size x elements, lies outside
 * the data section or overlaps another tensor. Nothing is allocated from an unchecked length.
 *
 * <p>Tensor data is mapped lazily per tensor ({@link FileChannel#map}) and returned without copying as
 * {@link Tensor}s (read-only little-endian views); a single tensor must be below 2 GiB. Mapped views stay
 * valid after {@link #close()}, which closes the file channel; the file must not be modified while any
 * view is in use. Thread-safe.
 */
public final class SafetensorsFile implements AutoCloseable {
  /**
   * Largest accepted JSON header: 16 MiB. A header takes about 100 to 150 bytes per tensor, so real
   * checkpoints stay far below (a 70B Llama shard: under 100 KiB); Hugging Face's reader accepts up to
   * 100 MB, which lets a hostile file make a reader parse millions of entries.
   */
  public static final long MAX_HEADER_BYTES = 16L * 1024 * 1024;

  /**
   * Most tensors accepted in one file: 100,000 (real files hold at most a few thousand). Counted while
   * the header is parsed, so a header listing millions of empty tensors is refused after reading this
   * many entries.
   */
  public static final int MAX_TENSORS = 100_000;

  /** The key of the free-form string metadata in the header. */
  public static final String METADATA_KEY = "__metadata__";

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  /** Reads one header entry from a parser positioned inside the header object. */
  private static final ObjectReader ENTRY =
      JSON.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final Path path;
  private final FileChannel channel;
  private final long dataStart;
  private final Map<String, TensorInfo> tensors;
  private final Map<String, String> metadata;
  private final Map<String, ByteBuffer> mapped = new ConcurrentHashMap<>();
  private volatile boolean closed;

  private SafetensorsFile(
      Path path,
      FileChannel channel,
      long dataStart,
      Map<String, TensorInfo> tensors,
      Map<String, String> metadata) {
    this.path = path;
    this.channel = channel;
    this.dataStart = dataStart;
    this.tensors = tensors;
    this.metadata = metadata;
  }

  /**
   * Opens and validates {@code file}. The caller owns the result and closes it.
   *
   * @throws ModelLoadException if the file is missing, unreadable or malformed (message names the file and
   *     the tensor or field)
   */
  public static SafetensorsFile open(Path file) {
    return open(file, MAX_HEADER_BYTES, MAX_TENSORS);
  }

  /** {@link #open(Path)} with other limits (for tests of the limits). */
  static SafetensorsFile open(Path file, long maxHeaderBytes, int maxTensors) {
    FileChannel ch;
    try {
      ch = FileChannel.open(file, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new ModelLoadException(file + ": safetensors file not found", e);
    } catch (IOException e) {
      throw new ModelLoadException(file + ": cannot open safetensors file: " + e.getMessage(), e);
    }
    try {
      SafetensorsFile f = parse(file, ch, maxHeaderBytes, maxTensors);
      return f;
    } catch (RuntimeException e) {
      closeQuietly(ch, e);
      throw e;
    }
  }

  private static SafetensorsFile parse(Path file, FileChannel ch, long maxHeaderBytes,
      int maxTensors) {
    long size;
    try {
      size = ch.size();
    } catch (IOException e) {
      throw new ModelLoadException(file + ": cannot read file size: " + e.getMessage(), e);
    }
    Check.modelFile(size >= 8,
        file + ": file is " + size + " bytes, too short for the 8-byte header length");
    ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    readFully(file, ch, lenBuf, 0);
    long headerLen = lenBuf.getLong(0);
    Check.modelFile(headerLen >= 0 && headerLen <= maxHeaderBytes,
        file + ": header length must be in [0, " + maxHeaderBytes + "] bytes, found "
            + Long.toUnsignedString(headerLen));
    Check.modelFile(headerLen <= size - 8,
        file + ": header length " + headerLen + " exceeds the " + (size - 8)
            + " bytes after the length field");
    ByteBuffer header = ByteBuffer.allocate((int) headerLen);
    readFully(file, ch, header, 8);
    long dataLen = size - 8 - headerLen;
    Header h = parseHeader(file, header.array(), dataLen, maxTensors);
    return new SafetensorsFile(file, ch, 8 + headerLen, h.tensors, h.metadata);
  }

  private record Header(Map<String, TensorInfo> tensors, Map<String, String> metadata) {}

  /** Validates a JSON header against a data section of {@code dataLen} bytes. */
  static Header parseHeader(Path file, byte[] header, long dataLen, int maxTensors) {
    Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    Map<String, String> metadata = Map.of();
    // Streamed entry by entry, so that the tensor limit stops a huge header early.
    try (JsonParser p = JSON.getFactory().createParser(header)) {
      JsonToken first = p.nextToken();
      if (first != JsonToken.START_OBJECT) {
        throw new ModelLoadException(file + ": header must be a JSON object, found "
            + (first == null ? "nothing" : ENTRY.<JsonNode>readValue(p, JsonNode.class).getNodeType()));
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        JsonNode value = ENTRY.readValue(p, JsonNode.class);
        if (name.equals(METADATA_KEY)) {
          metadata = parseMetadata(file, value);
          continue;
        }
        Check.modelFile(tensors.size() != maxTensors,
            file + ": header lists more than " + maxTensors
                + " tensors, the limit (SafetensorsFile.MAX_TENSORS)");
        tensors.put(name, parseTensor(file, name, value, dataLen));
      }
      Check.modelFile(p.nextToken() == null,
          file + ": header is not valid JSON: text after the object");
    } catch (IOException | RuntimeException e) {
      if (e instanceof ModelLoadException m) {
        throw m;
      }
      throw new ModelLoadException(
          file + ": header is not valid JSON: " + firstLine(e.getMessage()), e);
    }
    List<TensorInfo> byOffset = new ArrayList<>(tensors.values());
    byOffset.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
    for (int i = 1; i < byOffset.size(); i++) {
      TensorInfo prev = byOffset.get(i - 1);
      TensorInfo cur = byOffset.get(i);
      Check.modelFile(cur.begin() >= prev.end(),
          file + ": tensor '" + cur.name() + "' data_offsets [" + cur.begin() + ", " + cur.end()
              + "] overlap tensor '" + prev.name() + "' [" + prev.begin() + ", " + prev.end()
              + "]");
    }
    return new Header(Collections.unmodifiableMap(tensors), metadata);
  }

  private static Map<String, String> parseMetadata(Path file, JsonNode node) {
    Check.modelFile(node.isObject(),
        file + ": " + METADATA_KEY + " must be an object of strings, found " + node.getNodeType());
    Map<String, String> m = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = node.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      Check.modelFile(e.getValue().isTextual(),
          file + ": " + METADATA_KEY + " value of '" + e.getKey() + "' must be a string, found "
              + e.getValue().getNodeType());
      m.put(e.getKey(), e.getValue().textValue());
    }
    return Collections.unmodifiableMap(m);
  }

  private static TensorInfo parseTensor(Path file, String name, JsonNode node, long dataLen) {
    String where = file + ": tensor '" + name + "'";
    Check.modelFile(!name.isEmpty(), file + ": tensor names must not be empty");
    Check.modelFile(node.isObject(), where + " must be an object, found " + node.getNodeType());
    JsonNode dt = node.get("dtype");
    Check.modelFile(dt != null && dt.isTextual(),
        where + ": dtype must be a string, found " + describe(dt));
    DType dtype =
        SafetensorsDTypes.fromCode(dt.textValue())
            .orElseThrow(
                () ->
                    new ModelLoadException(
                        where + ": unsupported dtype '" + truncate(dt.textValue()) + "'"));
    JsonNode sh = node.get("shape");
    Check.modelFile(sh != null && sh.isArray(),
        where + ": shape must be an array, found " + describe(sh));
    List<Long> shape = new ArrayList<>(sh.size());
    long elements = 1;
    for (JsonNode d : sh) {
      long v = nonNegativeLong(where, "shape", d);
      shape.add(v);
      try {
        elements = Math.multiplyExact(elements, v);
      } catch (ArithmeticException ex) {
        throw new ModelLoadException(where + ": shape " + sh + " has more than 2^63 elements", ex);
      }
    }
    long bytes;
    try {
      bytes = Math.multiplyExact(elements, (long) dtype.byteSize());
    } catch (ArithmeticException ex) {
      throw new ModelLoadException(where + ": shape " + sh + " needs more than 2^63 bytes", ex);
    }
    JsonNode off = node.get("data_offsets");
    Check.modelFile(off != null && off.isArray() && off.size() == 2,
        where + ": data_offsets must be an array of 2 integers, found " + describe(off));
    long begin = nonNegativeLong(where, "data_offsets", off.get(0));
    long end = nonNegativeLong(where, "data_offsets", off.get(1));
    Check.modelFile(end >= begin,
        where + ": data_offsets [" + begin + ", " + end + "] end before begin");
    Check.modelFile(end <= dataLen,
        where + ": data_offsets [" + begin + ", " + end + "] exceed the data section (" + dataLen
            + " bytes)");
    Check.modelFile(end - begin == bytes,
        where + ": data_offsets [" + begin + ", " + end + "] span " + (end - begin)
            + " bytes, but " + dt.textValue() + " " + sh + " needs " + bytes);
    return new TensorInfo(name, dtype, shape, begin, end);
  }

  private static long nonNegativeLong(String where, String field, JsonNode d) {
    if (d == null || !d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < 0) {
      throw new ModelLoadException(
          where + ": " + field + " entries must be integers in [0, 2^63), found " + describe(d));
    }
    return d.longValue();
  }

  private static String describe(JsonNode n) {
    if (n == null) {
      return "nothing";
    }
    return truncate(n.toString());
  }

  private static String truncate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 80) + "...";
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    int nl = s.indexOf('\n');
    return truncate(nl < 0 ? s : s.substring(0, nl));
  }

  private static void readFully(Path file, FileChannel ch, ByteBuffer buf, long position) {
    try {
      long pos = position;
      while (buf.hasRemaining()) {
        int n = ch.read(buf, pos);
        Check.modelFile(n >= 0, file + ": unexpected end of file at byte " + pos);
        pos += n;
      }
    } catch (IOException e) {
      throw new ModelLoadException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  private static void closeQuietly(FileChannel ch, RuntimeException primary) {
    try {
      ch.close();
    } catch (IOException e) {
      primary.addSuppressed(e);
    }
  }

  /** The file this was opened from. */
  public Path path() {
    return path;
  }

  /** Tensor entries by name, in header order. */
  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  /** Tensor names in header order. */
  public List<String> names() {
    return List.copyOf(tensors.keySet());
  }

  /** True when the file holds a tensor called {@code name}. */
  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  /** The header entry of {@code name}, if present. */
  public Optional<TensorInfo> info(String name) {
    return Optional.ofNullable(tensors.get(name));
  }

  /** The {@code __metadata__} strings (empty when absent). */
  public Map<String, String> metadata() {
    return metadata;
  }

  /**
   * The data of {@code name} as a zero-copy read-only {@link Tensor} over the mapped file.
   *
   * @throws ModelLoadException if the tensor is missing, too large to map or the mapping fails
   * @throws IllegalStateException after {@link #close()}
   */
  public Tensor tensor(String name) {
    TensorInfo info = requireInfo(name);
    ByteBuffer buf = mapped.computeIfAbsent(name, k -> map(info));
    return Tensor.of(info.dtype(), buf.duplicate().order(ByteOrder.LITTLE_ENDIAN), info.shapeArray());
  }

  /**
   * The elements of {@code name} as float weights: F32 copied, F16 and BF16 upcast exactly, F64 rounded
   * to nearest. Integer and boolean tensors are refused rather than converted: a checkpoint that holds
   * I32 where a weight belongs is broken or quantized, and its numbers are not weights.
   *
   * @throws ModelLoadException naming the file, tensor and dtype if the tensor is missing, is not of a
   *     floating-point dtype, or has more than {@code Integer.MAX_VALUE - 8} elements
   */
  public float[] floats(String name) {
    TensorInfo info = requireInfo(name);
    Check.modelFile(info.dtype().isFloatingPoint(),
        path + ": tensor '" + name + "' has dtype " + SafetensorsDTypes.code(info.dtype())
            + "; a float parameter needs F32, F16, BF16 or F64"
            + " (integer and boolean tensors are not converted to weights)");
    Check.modelFile(info.numElements() <= Integer.MAX_VALUE - 8,
        path + ": tensor '" + name + "' has " + info.numElements()
            + " elements, too many for a float[]");
    return tensor(name).toFloatArray();
  }

  /**
   * The elements of {@code name} as a float32 tensor in native memory (a direct buffer, little-endian),
   * without copies on the Java heap and without mapping the file: F32 data is read as it is, F16 and
   * BF16 are read in chunks by positional reads and widened exactly. Meant for weights that are handed
   * to native code (ONNX Runtime) in float32; the file's page cache is not part of the process's
   * resident memory, unlike pages of a mapping that have been read.
   *
   * @throws ModelLoadException naming the file, tensor and dtype if the tensor is missing, is not F32,
   *     F16 or BF16, is larger than 2 GiB in float32, or cannot be read
   * @throws IllegalStateException after {@link #close()}
   */
  public Tensor floatTensor(String name) {
    TensorInfo info = requireFloat32(name);
    DType dt = info.dtype();
    long n = info.numElements();
    ByteBuffer out = ByteBuffer.allocateDirect((int) (n * 4)).order(ByteOrder.LITTLE_ENDIAN);
    // The file's bytes are read into the tail of the output buffer and, for 16-bit data, widened in
    // place front to back: element i is read (at 2n + 2i) before it is written (at 4i .. 4i + 3), and
    // that write ends at or before element i + 1's bytes, so no second buffer is needed.
    int offset = (int) (n * 4 - info.byteSize());
    ByteBuffer tail = out.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    tail.position(offset);
    long pos = dataStart + info.begin();
    try {
      while (tail.hasRemaining()) {
        Check.modelFile(channel.read(tail, pos + tail.position() - offset) >= 0,
            path + ": tensor '" + name + "' ends past the end of the file");
      }
    } catch (IOException e) {
      throw new ModelLoadException(path + ": cannot read tensor '" + name + "': " + e.getMessage(), e);
    }
    if (dt != DType.FLOAT) {
      for (int i = 0; i < n; i++) {
        short h = out.getShort(offset + 2 * i);
        out.putFloat(4 * i, dt == DType.BFLOAT16 ? HalfFloats.bfloat16ToFloat(h)
            : HalfFloats.float16ToFloat(h));
      }
    }
    out.position(0).limit((int) (n * 4));
    return Tensor.of(DType.FLOAT, out, info.shapeArray());
  }

  /**
   * The transpose of the matrix {@code name} ({@code [rows, cols]} in the file) as a float32 tensor
   * {@code [cols, rows]} in native memory (a direct buffer, little-endian), read as {@link
   * #floatTensor} reads (positional reads, no mapping, no heap copy of the whole tensor) and widened
   * exactly from F16 and BF16. For a weight {@code W [out, in]} that a graph multiplies by as {@code
   * x W^T}: the result is {@code W^T [in, out]}, the operand of a plain {@code MatMul(x, W^T)}. The
   * file is read in blocks of rows (about 256 KiB each, on the heap); each block's columns are
   * written as contiguous runs of the output's rows.
   *
   * @throws ModelLoadException naming the file, tensor and dtype if the tensor is missing, is not of
   *     rank 2, is not F32, F16 or BF16, is larger than 2 GiB in float32, or cannot be read
   * @throws IllegalStateException after {@link #close()}
   */
  public Tensor transposedFloatTensor(String name) {
    TensorInfo info = requireFloat32(name);
    long[] shape = info.shapeArray();
    Check.modelFile(shape.length == 2, path + ": tensor '" + name + "' has shape "
        + info.shape() + "; only a matrix (rank 2) is read transposed");
    int rows = (int) shape[0];
    int cols = (int) shape[1];
    DType dt = info.dtype();
    int width = dt.byteSize();
    long rowBytes = (long) cols * width;
    // Blocks of about 256 KiB: a load reads dozens of such matrices, and each block buffer is
    // garbage afterwards (larger ones grew the Java heap, and so the resident set, measurably).
    int block = (int) Math.max(1, Math.min(rows, (256 << 10) / Math.max(1, rowBytes)));
    ByteBuffer out = ByteBuffer.allocateDirect(rows * cols * 4).order(ByteOrder.LITTLE_ENDIAN);
    java.nio.FloatBuffer outFloats = out.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    ByteBuffer chunk = ByteBuffer.allocate((int) (block * rowBytes)).order(ByteOrder.LITTLE_ENDIAN);
    float[] run = new float[block];
    long start = dataStart + info.begin();
    for (int r0 = 0; r0 < rows; r0 += block) {
      int b = Math.min(block, rows - r0);
      chunk.clear().limit((int) (b * rowBytes));
      try {
        while (chunk.hasRemaining()) {
          Check.modelFile(channel.read(chunk, start + r0 * rowBytes + chunk.position()) >= 0,
              path + ": tensor '" + name + "' ends past the end of the file");
        }
      } catch (IOException e) {
        throw new ModelLoadException(
            path + ": cannot read tensor '" + name + "': " + e.getMessage(), e);
      }
      for (int j = 0; j < cols; j++) {
        for (int i = 0; i < b; i++) {
          int at = (i * cols + j) * width;
          run[i] = dt == DType.FLOAT ? chunk.getFloat(at)
              : dt == DType.BFLOAT16 ? HalfFloats.bfloat16ToFloat(chunk.getShort(at))
              : HalfFloats.float16ToFloat(chunk.getShort(at));
        }
        outFloats.put(j * rows + r0, run, 0, b);
      }
    }
    return Tensor.of(DType.FLOAT, out, cols, rows);
  }

  /** The info of {@code name}, checked to be F32, F16 or BF16 and to fit one float32 buffer. */
  private TensorInfo requireFloat32(String name) {
    TensorInfo info = requireInfo(name);
    DType dt = info.dtype();
    Check.modelFile(dt == DType.FLOAT || dt == DType.FLOAT16 || dt == DType.BFLOAT16,
        path + ": tensor '" + name + "' has dtype " + SafetensorsDTypes.code(dt)
            + "; a float32 weight is read from F32, F16 or BF16");
    long n = info.numElements();
    Check.modelFile(n * 4 <= Integer.MAX_VALUE,
        path + ": tensor '" + name + "' has " + n
            + " elements, above the 2 GiB of one float32 buffer");
    return info;
  }

  private TensorInfo requireInfo(String name) {
    if (closed) {
      throw new IllegalStateException(path + " is closed");
    }
    TensorInfo info = tensors.get(name);
    Check.modelFile(info != null, path + ": no tensor named '" + name + "'");
    return info;
  }

  private ByteBuffer map(TensorInfo info) {
    Check.modelFile(info.byteSize() <= Integer.MAX_VALUE,
        path + ": tensor '" + info.name() + "' is " + info.byteSize()
            + " bytes, above the 2 GiB mapping limit");
    try {
      MappedByteBuffer m =
          channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin(), info.byteSize());
      return m.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    } catch (IOException e) {
      throw new ModelLoadException(
          path + ": cannot map tensor '" + info.name() + "': " + e.getMessage(), e);
    }
  }

  /** Closes the file channel; idempotent. Already returned tensors stay readable. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      channel.close();
    } catch (IOException e) {
      throw new ModelLoadException(path + ": cannot close: " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "SafetensorsFile[" + path + ", " + tensors.size() + " tensors]";
  }
}
