package org.consistency4j.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import org.consistency4j.ConsistencyException;
import org.consistency4j.InvalidInputException;
import org.consistency4j.internal.AtomicFiles;
import org.consistency4j.internal.Check;
import org.consistency4j.internal.Utf8LineReader;

/**
 * JSON Lines: the one strict reader of every JSONL file the library and its command-line tool read
 * (task files, instruction groups, SFT data, preference pairs, stored responses, prompts), and
 * atomic writing. Stateless and thread-safe.
 *
 * <p><b>Reading rules.</b> The file is UTF-8, one JSON object per line:
 *
 * <ul>
 *   <li>Lines end with {@code \n} or {@code \r\n}.
 *   <li>A line longer than the limit ({@link #DEFAULT_MAX_LINE_BYTES}, 16 MiB of UTF-8, unless the
 *       caller passes another) is refused while it is read, before it is buffered whole.
 *   <li>A UTF-8 byte-order mark at the start of the file is skipped.
 *   <li>Blank lines (only spaces, tabs or {@code \r}) are skipped; they still count in line numbers.
 *   <li>Every other line holds exactly one JSON object: another value or any text after the object
 *       (such as a second object) is an error, and so is a key that appears twice in one object.
 *   <li>Invalid UTF-8 is reported at the line that holds it.
 * </ul>
 *
 * <p>Every violation is an {@link InvalidInputException} whose message names the file and the line
 * ({@code file:line: problem}); a missing file or a directory is one too (line 0). Other I/O
 * failures are {@link ConsistencyException}s.
 *
 * <p><b>Writing</b> goes to a temporary file in the target directory, then moves it into place
 * atomically.
 */
public final class JsonLines {
  /**
   * The default longest line accepted by the readers: 16 MiB (16,777,216 bytes of UTF-8, without the
   * line terminator). Readers that take a {@code maxLineBytes} parameter accept another limit.
   */
  public static final int DEFAULT_MAX_LINE_BYTES = 16 << 20;

  static final ObjectMapper MAPPER = new ObjectMapper();

  private static final ObjectMapper STRICT = strictMapper(DEFAULT_MAX_LINE_BYTES);

  private JsonLines() {}

  /**
   * One JSON object read from a line, with typed field accessors whose errors locate the line:
   * {@code file:line: field "x" must be a string, found number 3}.
   *
   * @param source the file name used in messages
   * @param number the 1-based line number
   * @param json the object
   */
  public record Line(String source, long number, JsonNode json) {
    /** Validates. */
    public Line {
      Check.notNull(source, "source");
      Check.argument(number >= 1, "number must be >= 1, found " + number);
      Check.notNull(json, "json");
    }

    /** An exception locating {@code problem} at this line: {@code source:number: problem}. */
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
        throw error("field \"" + field + "\" must be a string, found " + kind(v));
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
        throw error("field \"" + field + "\" must be true or false, found " + kind(v));
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
        throw error("field \"" + field + "\" must be an array of strings, found " + kind(v));
      }
      List<String> out = new ArrayList<>(v.size());
      for (int i = 0; i < v.size(); i++) {
        JsonNode e = v.get(i);
        if (!e.isTextual()) {
          throw error(
              "field \"" + field + "\"[" + i + "] must be a string, found " + kind(e));
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
        throw error("field \"" + field + "\" must be a string or an integer, found " + kind(v));
      }
      String id = text(field);
      if (id.isBlank()) {
        throw error("field \"" + field + "\" must not be blank");
      }
      return id;
    }
  }

  /**
   * Reads every object of a JSONL file with the {@linkplain #DEFAULT_MAX_LINE_BYTES default line
   * limit}.
   *
   * @return the objects in file order (possibly none)
   * @throws InvalidInputException if the file is missing or breaks a reading rule
   * @throws ConsistencyException if the file cannot be read
   */
  public static List<Line> read(Path file) {
    return read(file, DEFAULT_MAX_LINE_BYTES);
  }

  /**
   * Reads every object of a JSONL file.
   *
   * @param maxLineBytes the longest accepted line in UTF-8 bytes, {@code >= 1}
   * @return the objects in file order (possibly none)
   * @throws InvalidInputException if the file is missing or breaks a reading rule
   * @throws ConsistencyException if the file cannot be read
   */
  public static List<Line> read(Path file, int maxLineBytes) {
    List<Line> out = new ArrayList<>();
    forEach(file, maxLineBytes, out::add);
    return out;
  }

  /**
   * Streams the objects of a JSONL file to {@code action}, in file order, without holding them all
   * in memory. An exception thrown by {@code action} stops reading and propagates unchanged.
   *
   * @param maxLineBytes the longest accepted line in UTF-8 bytes, {@code >= 1}
   * @return the number of objects read
   * @throws InvalidInputException if the file is missing or breaks a reading rule
   * @throws ConsistencyException if the file cannot be read
   */
  public static long forEach(Path file, int maxLineBytes, Consumer<Line> action) {
    Check.notNull(file, "file");
    Check.positive(maxLineBytes, "maxLineBytes");
    Check.notNull(action, "action");
    String source = file.toString();
    if (Files.isDirectory(file)) {
      throw new InvalidInputException(source, 0, "is a directory, expected a JSONL file");
    }
    ObjectMapper mapper = maxLineBytes <= DEFAULT_MAX_LINE_BYTES ? STRICT : strictMapper(maxLineBytes);
    long objects = 0;
    try (InputStream in = Files.newInputStream(file)) {
      Utf8LineReader lines = new Utf8LineReader(in, source, maxLineBytes);
      String text;
      while ((text = lines.next()) != null) {
        if (!text.isBlank()) {
          action.accept(new Line(source, lines.lineNumber(), parse(mapper, text, source, lines.lineNumber())));
          objects++;
        }
      }
    } catch (NoSuchFileException e) {
      throw new InvalidInputException(source, 0, "file not found");
    } catch (AccessDeniedException e) {
      throw new InvalidInputException(source, 0, "permission denied");
    } catch (IOException e) {
      throw new ConsistencyException("cannot read " + source + ": " + e.getMessage(), e);
    }
    return objects;
  }

  /**
   * Parses one line under the reading rules: exactly one JSON object, no duplicate keys.
   *
   * @param text the line, without its terminator
   * @param source the file name used in messages
   * @param line the 1-based line number used in messages
   * @throws InvalidInputException naming {@code source} and {@code line} if the text breaks a rule
   */
  public static JsonNode parseObject(String text, String source, long line) {
    Check.notNull(text, "text");
    Check.notNull(source, "source");
    return parse(STRICT, text, source, line);
  }

  private static JsonNode parse(ObjectMapper mapper, String text, String source, long line) {
    JsonNode node;
    try (JsonParser p = mapper.createParser(text)) {
      node = mapper.readTree(p);
      if (node != null && !node.isMissingNode()) {
        long end = p.currentLocation().getCharOffset();
        String rest = end >= 0 && end <= text.length() ? text.substring((int) end) : "";
        if (!rest.isBlank()) {
          int column = (int) end + 1 + (rest.length() - rest.stripLeading().length());
          String shown = rest.strip();
          if (shown.length() > 40) {
            shown = shown.substring(0, 40) + "...";
          }
          throw new InvalidInputException(
              source,
              line,
              "expected exactly one JSON value per line, found more text after it at column "
                  + column
                  + ": "
                  + shown);
        }
      }
    } catch (JsonProcessingException e) {
      throw new InvalidInputException(source, line, "not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new IllegalStateException("reading JSON from a string failed", e);
    }
    if (node == null || !node.isObject()) {
      throw new InvalidInputException(
          source, line, "expected a JSON object, found " + kind(node));
    }
    return node;
  }

  /** The kind of a JSON value for messages: {@code "string"}, {@code "number 3"}, {@code "null"}... */
  public static String kind(JsonNode v) {
    if (v == null || v.isMissingNode()) {
      return "nothing";
    }
    return switch (v.getNodeType()) {
      case STRING -> "string";
      case NUMBER -> "number " + v.asText();
      case BOOLEAN -> v.asText();
      case NULL -> "null";
      case ARRAY -> "array";
      case OBJECT -> "object";
      default -> v.getNodeType().toString().toLowerCase(Locale.ROOT);
    };
  }

  private static ObjectMapper strictMapper(int maxLineBytes) {
    JsonFactory factory =
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    .maxStringLength(
                        Math.max(maxLineBytes, StreamReadConstraints.DEFAULT_MAX_STRING_LEN))
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    return JsonMapper.builder(factory).build();
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
