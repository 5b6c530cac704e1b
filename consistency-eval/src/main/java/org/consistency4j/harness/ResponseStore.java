package org.consistency4j.harness;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.consistency4j.ConsistencyException;
import org.consistency4j.InvalidInputException;
import org.consistency4j.data.JsonLines;
import org.consistency4j.internal.Check;
import org.consistency4j.internal.Utf8LineReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Responses stored as JSONL, one {@link ResponseRecord} per line, appended and flushed batch by
 * batch so that an interrupted evaluation loses at most the batch in progress. The file is read under
 * the rules of {@link JsonLines}. Opening a store reads the rows already there and repairs one kind
 * of damage: a last line without a newline that is not a complete JSON object (an interrupted write
 * or a full disk, which can cut the line anywhere, even inside a UTF-8 character) is dropped and the
 * file truncated to its last complete line, with a warning; {@link #read} ignores such a line the
 * same way without changing the file. Any other bad line (invalid UTF-8 or JSON in the middle of the
 * file, a missing field) is an error naming the file and line, and so is a duplicate row.
 *
 * <p>Line format: {@code {"model", "task", "variant", "instance", "prompt_sha256",
 * "config_sha256", "response", "finish"}}.
 *
 * <p>Not thread-safe: one writer per file. {@link #close()} closes the file.
 */
public final class ResponseStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ResponseStore.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final Map<ResponseRecord.Key, ResponseRecord> rows;
  private final Map<ResponseRecord.Key, Long> lines;
  private BufferedWriter writer;
  private long lineCount;
  private boolean needsNewline;

  private ResponseStore(Path file, Map<ResponseRecord.Key, ResponseRecord> rows, Map<ResponseRecord.Key, Long> lines, long lineCount) {
    this.file = file;
    this.rows = rows;
    this.lines = lines;
    this.lineCount = lineCount;
  }

  /** Opens (creating if needed) the store at {@code file}, reading the rows already stored. */
  public static ResponseStore open(Path file) {
    Check.notNull(file, "file");
    Map<ResponseRecord.Key, ResponseRecord> rows = new LinkedHashMap<>();
    Map<ResponseRecord.Key, Long> lines = new LinkedHashMap<>();
    long count = 0;
    try {
      if (file.toAbsolutePath().getParent() != null) {
        Files.createDirectories(file.toAbsolutePath().getParent());
      }
      if (Files.exists(file)) {
        count = readInto(file, rows, lines, true);
      }
    } catch (IOException e) {
      throw new ConsistencyException("cannot open " + file + ": " + e.getMessage(), e);
    }
    ResponseStore store = new ResponseStore(file, rows, lines, count);
    store.needsNewline = endsWithoutNewline(file);
    return store;
  }

  private static boolean endsWithoutNewline(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size == 0) {
        return false;
      }
      java.nio.ByteBuffer last = java.nio.ByteBuffer.allocate(1);
      ch.read(last, size - 1);
      return last.get(0) != '\n';
    } catch (java.nio.file.NoSuchFileException e) {
      return false;
    } catch (IOException e) {
      throw new ConsistencyException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Reads every row of a stored file (read only; a cut-off last line is ignored). */
  public static List<ResponseRecord> read(Path file) {
    Check.notNull(file, "file");
    Map<ResponseRecord.Key, ResponseRecord> rows = new LinkedHashMap<>();
    try {
      readInto(file, rows, new LinkedHashMap<>(), false);
    } catch (IOException e) {
      throw new ConsistencyException("cannot read " + file + ": " + e.getMessage(), e);
    }
    return List.copyOf(rows.values());
  }

  /**
   * Reads every row of a stored file from {@code in} (read only; a cut-off last line is ignored), for
   * files that are not on the default file system; errors name {@code source}.
   */
  public static List<ResponseRecord> read(InputStream in, String source) {
    Check.notNull(in, "in");
    Check.notNull(source, "source");
    Map<ResponseRecord.Key, ResponseRecord> rows = new LinkedHashMap<>();
    try {
      readFrom(in, source, rows, new LinkedHashMap<>(), false);
    } catch (IOException e) {
      throw new ConsistencyException("cannot read " + source + ": " + e.getMessage(), e);
    }
    return List.copyOf(rows.values());
  }

  private static long readInto(
      Path file,
      Map<ResponseRecord.Key, ResponseRecord> rows,
      Map<ResponseRecord.Key, Long> lines,
      boolean repair)
      throws IOException {
    long[] countAndCut;
    try (InputStream in = Files.newInputStream(file)) {
      countAndCut = readFrom(in, file.toString(), rows, lines, repair);
    }
    long cutAt = countAndCut[1];
    if (cutAt >= 0 && repair) {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
        ch.truncate(cutAt);
        ch.force(true);
      }
    }
    return countAndCut[0];
  }

  /** Reads rows; returns the last row's line number and the offset of a cut-off last line (or -1). */
  private static long[] readFrom(
      InputStream in,
      String source,
      Map<ResponseRecord.Key, ResponseRecord> rows,
      Map<ResponseRecord.Key, Long> lines,
      boolean repair)
      throws IOException {
    long count = 0;
    long cutAt = -1;
    {
      Utf8LineReader reader = new Utf8LineReader(in, source, JsonLines.DEFAULT_MAX_LINE_BYTES);
      while (reader.advance()) {
        long n = reader.lineNumber();
        JsonNode node;
        try {
          String line = reader.text();
          if (line.isBlank()) {
            continue;
          }
          node = JsonLines.parseObject(line, source, n);
        } catch (InvalidInputException e) {
          if (reader.terminated()) {
            throw e;
          }
          // The last line of an interrupted write may be cut anywhere: keep it only if it is whole.
          LOG.warn(
              "{}:{}: {} a cut-off last line of {} bytes (an interrupted write): {}",
              source, n, repair ? "dropping" : "ignoring",
              reader.endOffset() - reader.startOffset(), e.getMessage());
          cutAt = reader.startOffset();
          break;
        }
        ResponseRecord r = parse(node, source, n);
        if (rows.putIfAbsent(r.key(), r) != null) {
          throw new InvalidInputException(
              source, n, "duplicate response for " + describe(r.key()) + " (first on line " + lines.get(r.key()) + ")");
        }
        lines.put(r.key(), n);
        count = n;
      }
    }
    return new long[] {count, cutAt};
  }

  private static ResponseRecord parse(JsonNode node, String source, long n) {
    try {
      return new ResponseRecord(
          str(node, "model", source, n),
          str(node, "task", source, n),
          integer(node, "variant", source, n),
          integer(node, "instance", source, n),
          str(node, "prompt_sha256", source, n),
          str(node, "config_sha256", source, n),
          str(node, "response", source, n),
          str(node, "finish", source, n));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(source, n, e.getMessage(), e);
    }
  }

  private static String str(JsonNode node, String field, String source, long n) {
    JsonNode v = node.get(field);
    if (v == null || !v.isTextual()) {
      throw new InvalidInputException(source, n, "field " + field + ": must be a string, found " + (v == null ? "nothing" : v.getNodeType()));
    }
    return v.asText();
  }

  private static int integer(JsonNode node, String field, String source, long n) {
    JsonNode v = node.get(field);
    if (v == null || !v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 0) {
      throw new InvalidInputException(source, n, "field " + field + ": must be an integer >= 0, found " + v);
    }
    return v.asInt();
  }

  private static String describe(ResponseRecord.Key k) {
    return "model " + k.model() + ", task " + k.task() + ", variant " + k.variant() + ", instance " + k.instance();
  }

  /** The file. */
  public Path file() {
    return file;
  }

  /** The stored row for {@code key}, if any. */
  public Optional<ResponseRecord> get(ResponseRecord.Key key) {
    return Optional.ofNullable(rows.get(key));
  }

  /** The line number of the stored row for {@code key} (0 if absent). */
  long lineOf(ResponseRecord.Key key) {
    return lines.getOrDefault(key, 0L);
  }

  /** Every stored row, in file order. */
  public List<ResponseRecord> records() {
    return Collections.unmodifiableList(new ArrayList<>(rows.values()));
  }

  /**
   * Appends {@code batch} and flushes it to the file.
   *
   * @throws IllegalArgumentException if a row is already stored
   */
  public void append(List<ResponseRecord> batch) {
    Check.notNull(batch, "batch");
    for (ResponseRecord r : batch) {
      Check.argument(!rows.containsKey(r.key()), "already stored: " + describe(r.key()));
    }
    try {
      if (writer == null) {
        writer =
            new BufferedWriter(
                new OutputStreamWriter(
                    Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND),
                    StandardCharsets.UTF_8));
        if (needsNewline) {
          writer.write('\n');
          needsNewline = false;
        }
      }
      for (ResponseRecord r : batch) {
        writer.write(toJsonLine(r));
        writer.write('\n');
        lineCount++;
        rows.put(r.key(), r);
        lines.put(r.key(), lineCount);
      }
      writer.flush();
    } catch (IOException e) {
      throw new ConsistencyException("cannot append to " + file + ": " + e.getMessage(), e);
    }
  }

  /** One stored line (without its newline) in the format of the class comment. */
  public static String toJsonLine(ResponseRecord r) {
    Check.notNull(r, "r");
    ObjectNode n = JSON.createObjectNode();
    n.put("model", r.model());
    n.put("task", r.task());
    n.put("variant", r.variant());
    n.put("instance", r.instance());
    n.put("prompt_sha256", r.promptHash());
    n.put("config_sha256", r.configHash());
    n.put("response", r.response());
    n.put("finish", r.finishReason());
    try {
      return JSON.writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize a response record", e);
    }
  }

  /** Closes the file. Idempotent. */
  @Override
  public void close() {
    if (writer != null) {
      try {
        writer.close();
      } catch (IOException e) {
        throw new ConsistencyException("cannot close " + file + ": " + e.getMessage(), e);
      } finally {
        writer = null;
      }
    }
  }
}
