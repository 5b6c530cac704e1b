package org.consistency4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
 * the file and line) and hands each object to a callback as a {@link Line}, whose typed field
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

  /** Receives one parsed line; may throw {@link InvalidInputException} via {@link Line#error}. */
  @FunctionalInterface
  public interface LineHandler {
    /** Handles one line holding a JSON object. */
    void accept(Line line) throws IOException;
  }

  /** Writes the body of an output. */
  @FunctionalInterface
  public interface WriterBody {
    /** Writes everything to {@code out} (the caller flushes and closes it). */
    void write(Writer out) throws IOException;
  }

  /**
   * One JSON object read from a line, with accessors that validate fields and report errors as
   * {@code source:line: problem}.
   *
   * @param source the file name used in messages
   * @param number the 1-based line number
   * @param json the parsed object
   */
  public record Line(String source, long number, JsonNode json) {
    /** Validates. */
    public Line {
      Check.notNull(source, "source");
      Check.argument(number >= 1, "number must be >= 1, found " + number);
      Check.notNull(json, "json");
    }

    /** An exception locating {@code problem} at this line. */
    public InvalidInputException error(String problem) {
      return new InvalidInputException(source, number, problem);
    }

    /** Whether the field is present and not JSON null. */
    public boolean has(String field) {
      JsonNode v = json.get(field);
      return v != null && !v.isNull();
    }

    /** A required string field. */
    public String text(String field) {
      JsonNode v = json.get(field);
      if (v == null) {
        throw error("missing field \"" + field + "\"");
      }
      if (!v.isTextual()) {
        throw error("field \"" + field + "\" must be a string, found " + describe(v));
      }
      return v.textValue();
    }

    /** An optional string field (absent or null is empty). */
    public Optional<String> optionalText(String field) {
      return has(field) ? Optional.of(text(field)) : Optional.empty();
    }

    /** An optional boolean field (absent or null is empty). */
    public Optional<Boolean> optionalBoolean(String field) {
      if (!has(field)) {
        return Optional.empty();
      }
      JsonNode v = json.get(field);
      if (!v.isBoolean()) {
        throw error("field \"" + field + "\" must be true or false, found " + describe(v));
      }
      return Optional.of(v.booleanValue());
    }

    /** A required array of strings (possibly empty). */
    public List<String> textArray(String field) {
      JsonNode v = json.get(field);
      if (v == null) {
        throw error("missing field \"" + field + "\"");
      }
      if (!v.isArray()) {
        throw error("field \"" + field + "\" must be an array of strings, found " + describe(v));
      }
      List<String> out = new ArrayList<>(v.size());
      for (int i = 0; i < v.size(); i++) {
        JsonNode e = v.get(i);
        if (!e.isTextual()) {
          throw error(
              "field \"" + field + "\"[" + i + "] must be a string, found " + describe(e));
        }
        out.add(e.textValue());
      }
      return out;
    }

    /** An optional array of strings (absent or null is empty). */
    public Optional<List<String>> optionalTextArray(String field) {
      return has(field) ? Optional.of(textArray(field)) : Optional.empty();
    }

    /** A required identifier: a string, or an integer written as its decimal text. */
    public String id(String field) {
      JsonNode v = json.get(field);
      if (v != null && v.isIntegralNumber()) {
        return v.asText();
      }
      if (v != null && !v.isTextual()) {
        throw error("field \"" + field + "\" must be a string or an integer, found " + describe(v));
      }
      String id = text(field);
      if (id.isBlank()) {
        throw error("field \"" + field + "\" must not be blank");
      }
      return id;
    }
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
                  handler.accept(new Line(line.source(), line.number(), line.json()));
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
   * A Jackson mapper for writing outputs: doubles are written with {@link Double#toString} (they
   * round-trip exactly), no indentation.
   */
  public static ObjectMapper writerMapper() {
    return JsonMapper.builder().disable(SerializationFeature.INDENT_OUTPUT).build();
  }

  static String describe(JsonNode v) {
    return JsonLines.kind(v);
  }
}
