package org.consistency4j.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.consistency4j.InvalidInputException;
import org.consistency4j.internal.AtomicFiles;
import org.consistency4j.internal.Check;

/**
 * JSON Lines reading and atomic writing. Reading rejects files over {@link #MAX_FILE_BYTES} and
 * lines over {@link #MAX_LINE_CHARS}; errors name the file and line. Writing goes to a temporary
 * file in the target directory, then moves it into place atomically. Stateless and thread-safe.
 */
public final class JsonLines {
  /** Largest JSONL file read: 1 GB. */
  public static final long MAX_FILE_BYTES = 1L << 30;

  /** Longest line read: 16 M characters. */
  public static final int MAX_LINE_CHARS = 16 << 20;

  static final ObjectMapper MAPPER = new ObjectMapper();

  private JsonLines() {}

  /** A parsed line: its 1-based number and JSON object. */
  public record Line(long number, JsonNode json) {}

  /**
   * Reads the non-blank lines of a JSONL file, each a JSON object.
   *
   * @throws InvalidInputException for a line that is not a JSON object or is too long
   */
  public static List<Line> read(Path file) {
    Check.notNull(file, "file");
    try {
      long size = Files.size(file);
      if (size > MAX_FILE_BYTES) {
        throw new InvalidInputException(
            file.toString(), 0, "file size must be <= " + MAX_FILE_BYTES + " bytes, found " + size);
      }
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      List<Line> out = new java.util.ArrayList<>();
      for (int i = 0; i < lines.size(); i++) {
        String s = lines.get(i);
        if (s.isBlank()) {
          continue;
        }
        if (s.length() > MAX_LINE_CHARS) {
          throw new InvalidInputException(
              file.toString(), i + 1,
              "line length must be <= " + MAX_LINE_CHARS + " characters, found " + s.length());
        }
        JsonNode n;
        try {
          n = MAPPER.readTree(s);
        } catch (JsonProcessingException e) {
          throw new InvalidInputException(
              file.toString(), i + 1, "invalid JSON: " + e.getOriginalMessage(), e);
        }
        if (n == null || !n.isObject()) {
          throw new InvalidInputException(file.toString(), i + 1, "each line must be a JSON object");
        }
        out.add(new Line(i + 1, n));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** Writes JSON values, one per line, atomically replacing {@code file}. */
  public static void write(Path file, List<? extends JsonNode> values) {
    Check.notNull(values, "values");
    writeAtomically(file, w -> {
      for (JsonNode v : values) {
        w.write(MAPPER.writeValueAsString(v));
        w.write('\n');
      }
    });
  }

  /** Writes text produced by {@code body} to {@code file} atomically. */
  public static void writeAtomically(Path file, IoConsumer<Writer> body) {
    Check.notNull(file, "file");
    Check.notNull(body, "body");
    try {
      AtomicFiles.writeText(file, body::accept);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** A consumer that may throw {@link IOException}. */
  @FunctionalInterface
  public interface IoConsumer<T> {
    /** Consumes {@code value}. */
    void accept(T value) throws IOException;
  }
}
