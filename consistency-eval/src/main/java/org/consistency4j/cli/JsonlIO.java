package org.consistency4j.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.consistency4j.InvalidInputException;
import org.consistency4j.internal.AtomicFiles;
import org.consistency4j.internal.Check;

/**
 * Reading untrusted JSON Lines and writing outputs atomically, shared by the CLI's subcommands.
 *
 * <p><b>Reading.</b> {@link #forEachObject} reads a UTF-8 file with one JSON object per line
 * (blank lines are skipped, a leading byte-order mark is ignored) and hands each object to a
 * callback as a {@link Line}, whose typed field accessors fail with an {@link
 * InvalidInputException} of the form {@code file:line: field "x" must be a string, found number}.
 * Lines longer than a limit ({@link #DEFAULT_MAX_LINE_CHARS}, 64 Mi characters) are rejected
 * before they are buffered whole, so a hostile file cannot exhaust memory with one line; invalid
 * UTF-8, invalid JSON, trailing content after the object, duplicate keys and non-object lines are
 * rejected with the line number. An input without any object is an error ("is empty").
 *
 * <p><b>Writing.</b> {@link #writeAtomically} writes to a temporary file in the target's directory
 * and renames it over the target only after everything was written and flushed to disk, so a
 * failure never leaves a half-written output.
 *
 * <p>Stateless and thread-safe.
 */
public final class JsonlIO {
  /** The default longest accepted line: 64 Mi characters. */
  public static final int DEFAULT_MAX_LINE_CHARS = 64 * 1024 * 1024;

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
   * Reads every JSON object of a JSONL file with the default line limit.
   *
   * @return the number of objects read, {@code >= 1}
   * @throws InvalidInputException if the file is missing, empty, not UTF-8, has an overlong line or
   *     a line that is not one JSON object, or if {@code handler} rejects a line
   */
  public static long forEachObject(Path file, LineHandler handler) throws IOException {
    return forEachObject(file, DEFAULT_MAX_LINE_CHARS, handler);
  }

  /**
   * Reads every JSON object of a JSONL file.
   *
   * @param maxLineChars the longest accepted line in characters, {@code >= 1}
   * @return the number of objects read, {@code >= 1}
   */
  public static long forEachObject(Path file, int maxLineChars, LineHandler handler)
      throws IOException {
    Check.notNull(file, "file");
    Check.positive(maxLineChars, "maxLineChars");
    Check.notNull(handler, "handler");
    String source = file.toString();
    if (Files.isDirectory(file)) {
      throw new InvalidInputException(source, 0, "is a directory, expected a JSONL file");
    }
    ObjectMapper mapper = readerMapper(maxLineChars);
    long objects = 0;
    try (InputStream in = Files.newInputStream(file);
        Reader reader =
            new InputStreamReader(
                in,
                StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT))) {
      LineReader lines = new LineReader(reader, maxLineChars, source);
      String text;
      while ((text = lines.next()) != null) {
        long number = lines.number();
        if (number == 1 && text.startsWith("\uFEFF")) {
          text = text.substring(1);
        }
        if (text.isBlank()) {
          continue;
        }
        JsonNode json;
        try {
          json = mapper.readTree(text);
        } catch (JsonProcessingException e) {
          throw new InvalidInputException(
              source, number, "not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (json == null || !json.isObject()) {
          throw new InvalidInputException(
              source, number, "expected a JSON object, found " + describe(json));
        }
        handler.accept(new Line(source, number, json));
        objects++;
      }
    } catch (NoSuchFileException e) {
      throw new InvalidInputException(source, 0, "file not found");
    } catch (AccessDeniedException e) {
      throw new InvalidInputException(source, 0, "permission denied");
    } catch (CharacterCodingException e) {
      throw new InvalidInputException(source, 0, "not valid UTF-8", e);
    }
    if (objects == 0) {
      throw new InvalidInputException(
          source, 0, "is empty: expected one JSON object per line, found none");
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

  private static ObjectMapper readerMapper(int maxLineChars) {
    JsonFactory factory =
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder().maxStringLength(maxLineChars).build())
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    return JsonMapper.builder(factory)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .disable(JsonParser.Feature.ALLOW_COMMENTS)
        .build();
  }

  static String describe(JsonNode v) {
    if (v == null || v.isMissingNode()) {
      return "nothing";
    }
    switch (v.getNodeType()) {
      case STRING:
        return "string";
      case NUMBER:
        return "number " + v.asText();
      case BOOLEAN:
        return v.asText();
      case NULL:
        return "null";
      case ARRAY:
        return "array";
      case OBJECT:
        return "object";
      default:
        return v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** Splits a reader into lines ({@code \n}, {@code \r\n} or {@code \r}) of bounded length. */
  private static final class LineReader {
    private final Reader reader;
    private final int maxChars;
    private final String source;
    private final char[] buffer = new char[1 << 16];
    private final StringBuilder line = new StringBuilder();
    private int pos;
    private int limit;
    private long number;
    private boolean eof;
    private boolean skipLf;

    LineReader(Reader reader, int maxChars, String source) {
      this.reader = reader;
      this.maxChars = maxChars;
      this.source = source;
    }

    long number() {
      return number;
    }

    /** The next line without its terminator, or null at the end. */
    String next() throws IOException {
      if (eof) {
        return null;
      }
      line.setLength(0);
      long lineNumber = number + 1;
      boolean any = false;
      while (true) {
        if (pos == limit) {
          int n;
          try {
            n = reader.read(buffer, 0, buffer.length);
          } catch (CharacterCodingException e) {
            throw new InvalidInputException(source, lineNumber, "not valid UTF-8", e);
          }
          if (n <= 0) {
            eof = true;
            if (!any) {
              return null;
            }
            number = lineNumber;
            return line.toString();
          }
          pos = 0;
          limit = n;
        }
        if (skipLf) {
          // The previous line ended with \r: a \n right after it belongs to that terminator.
          skipLf = false;
          if (buffer[pos] == '\n') {
            pos++;
            continue;
          }
        }
        int start = pos;
        while (pos < limit) {
          char c = buffer[pos];
          if (c == '\n' || c == '\r') {
            append(start, pos, lineNumber);
            pos++;
            skipLf = c == '\r';
            number = lineNumber;
            return line.toString();
          }
          pos++;
        }
        append(start, pos, lineNumber);
        any |= pos > start;
      }
    }

    private void append(int from, int to, long lineNumber) {
      if ((long) line.length() + (to - from) > maxChars) {
        throw new InvalidInputException(
            source,
            lineNumber,
            "line is longer than the limit of " + maxChars + " characters");
      }
      line.append(buffer, from, to - from);
    }
  }
}
