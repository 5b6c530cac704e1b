package org.consistency4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.consistency4j.InvalidInputException;
import org.consistency4j.data.JsonLines;
import org.consistency4j.internal.AtomicFiles;
import org.consistency4j.internal.Check;

/**
 * Reading untrusted JSON Lines and writing outputs atomically, shared by the CLI's subcommands.
 *
 * <p><b>Reading.</b> {@link #forEachObject} reads a JSONL file under the library's one set of rules
 * ({@link JsonLines}: one JSON object per line, blank lines skipped, a leading byte-order mark
 * skipped, duplicate keys, trailing text, invalid UTF-8 and lines longer than the limit refused with
 * the file and line) and hands each object to a callback as a {@link org.consistency4j.data.JsonLines.Line}, whose typed field
 * accessors fail with an {@link InvalidInputException} of the form {@code file:line: field "x" must
 * be a string, found number}. An input without any object is an error ("is empty").
 *
 * <p><b>Writing.</b> {@link #writeAtomically} writes to a temporary file in the target's directory
 * and renames it over the target only after everything was written and flushed to disk, so a
 * failure never leaves a half-written output.
 *
 * <p>Stateless and thread-safe.
 */
public final class JsonlIO {
  private JsonlIO() {}

  /**
   * Receives one parsed line; may throw {@link InvalidInputException} via {@link
   * JsonLines.Line#error}.
   */
  @FunctionalInterface
  public interface LineHandler {
    /** Handles one line holding a JSON object. */
    void accept(JsonLines.Line line) throws IOException;
  }

  /** Writes the body of an output. */
  @FunctionalInterface
  public interface WriterBody {
    /** Writes everything to {@code out} (the caller flushes and closes it). */
    void write(Writer out) throws IOException;
  }

  /**
   * Reads every JSON object of a JSONL file with the {@linkplain JsonLines#DEFAULT_MAX_LINE_BYTES
   * default line limit}.
   *
   * @return the number of objects read, {@code >= 1}
   * @throws InvalidInputException if the file is missing, empty, not UTF-8, has an overlong line or
   *     a line that is not one JSON object, or if {@code handler} rejects a line
   */
  public static long forEachObject(Path file, LineHandler handler) throws IOException {
    return forEachObject(file, JsonLines.DEFAULT_MAX_LINE_BYTES, handler);
  }

  /**
   * Reads every JSON object of a JSONL file.
   *
   * @param maxLineBytes the longest accepted line in UTF-8 bytes, {@code >= 1}
   * @return the number of objects read, {@code >= 1}
   */
  public static long forEachObject(Path file, int maxLineBytes, LineHandler handler)
      throws IOException {
    Check.notNull(handler, "handler");
    long objects;
    try {
      objects =
          JsonLines.forEach(
              file,
              maxLineBytes,
              line -> {
                try {
                  handler.accept(line);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    if (objects == 0) {
      throw new InvalidInputException(
          file.toString(), 0, "is empty: expected one JSON object per line, found none");
    }
    return objects;
  }

  /**
   * Writes an output atomically: {@code body} writes UTF-8 text to a temporary file in {@code
   * target}'s directory, which is flushed to disk and then renamed over {@code target}. If {@code
   * body} or any step fails, the temporary file is deleted and {@code target} is left untouched.
   *
   * @throws InvalidInputException if the target's directory does not exist
   */
  public static void writeAtomically(Path target, WriterBody body) throws IOException {
    Check.notNull(target, "target");
    Check.notNull(body, "body");
    Path absolute = target.toAbsolutePath();
    Path dir = absolute.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new InvalidInputException(
          target.toString(), 0, "cannot write: directory " + dir + " does not exist");
    }
    AtomicFiles.writeText(absolute, body::write);
  }

  /**
   * Writes an output to {@code output} atomically ({@link #writeAtomically}) or, when {@code output}
   * is null, to {@code stdout}, which is flushed even when {@code body} fails.
   */
  static void emit(Path output, PrintWriter stdout, WriterBody body) throws IOException {
    if (output == null) {
      try {
        body.write(stdout);
      } finally {
        stdout.flush();
      }
    } else {
      writeAtomically(output, body);
    }
  }

  /**
   * A Jackson mapper for writing outputs: doubles are written with {@link Double#toString} (they
   * round-trip exactly), no indentation.
   */
  public static ObjectMapper writerMapper() {
    return JsonMapper.builder().disable(SerializationFeature.INDENT_OUTPUT).build();
  }
}
