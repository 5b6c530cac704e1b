package org.consistency4j.pairs;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.function.Consumer;
import org.consistency4j.ConsistencyException;
import org.consistency4j.InvalidInputException;
import org.consistency4j.internal.AtomicFiles;
import org.consistency4j.internal.Check;

/**
 * Reads and writes preference pairs as TRL-compatible JSON Lines: one object per line with the keys
 * {@code "prompt"}, {@code "chosen"}, {@code "rejected"} (strings, TRL's standard preference format
 * with an explicit prompt) and {@code "score_chosen"}, {@code "score_rejected"} (numbers, written when
 * known), in UTF-8.
 *
 * <p>Writing is atomic: the lines go to a temporary file in the target's directory, which then
 * replaces the target, so readers never see a half-written file. Reading is strict and bounded: every
 * line must be one JSON object (blank lines are skipped), duplicate keys are errors, unknown keys are
 * ignored (TRL datasets often carry extra columns), and a line longer than the limit (default {@value
 * #DEFAULT_MAX_LINE_CHARS} characters) is refused. Errors are {@link InvalidInputException}s naming
 * the file, the line, the field, the rule and the bad value; I/O failures are {@link
 * ConsistencyException}s. Stateless and thread-safe.
 */
public final class PreferencePairsJsonl {
  /** The default longest accepted line, in characters (8 Mi). */
  public static final int DEFAULT_MAX_LINE_CHARS = 8 * 1024 * 1024;

  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();
  private static final JsonFactory FACTORY = MAPPER.getFactory();

  private PreferencePairsJsonl() {}

  /**
   * Writes {@code pairs} to {@code file} atomically, replacing it if it exists.
   *
   * @param file the target file; its directory must exist
   * @param pairs the pairs, in order
   * @throws ConsistencyException if writing fails (the target is then unchanged)
   */
  public static void write(Path file, List<PreferencePair> pairs) {
    Check.notNull(file, "file");
    Check.notNull(pairs, "pairs");
    try {
      Path dir = file.toAbsolutePath().getParent();
      if (!Files.isDirectory(dir)) {
        throw new NoSuchFileException(dir.toString(), null, "directory does not exist");
      }
      AtomicFiles.writeText(file, w -> {
        for (PreferencePair p : pairs) {
          w.write(toJson(p));
          w.write('\n');
        }
      });
    } catch (IOException e) {
      throw new ConsistencyException("writing preference pairs to " + file + " failed: " + e, e);
    }
  }

  /**
   * One pair as a single JSON line (without the newline), keys in the documented order.
   *
   * @param pair the pair
   */
  public static String toJson(PreferencePair pair) {
    Check.notNull(pair, "pair");
    StringWriter out = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator((Writer) out)) {
      g.writeStartObject();
      g.writeStringField("prompt", pair.prompt());
      g.writeStringField("chosen", pair.chosen());
      g.writeStringField("rejected", pair.rejected());
      if (pair.scoreChosen().isPresent()) {
        g.writeNumberField("score_chosen", pair.scoreChosen().getAsDouble());
      }
      if (pair.scoreRejected().isPresent()) {
        g.writeNumberField("score_rejected", pair.scoreRejected().getAsDouble());
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("writing JSON to a string failed", e);
    }
    return out.toString();
  }

  /**
   * Reads every pair of {@code file}.
   *
   * @param file a JSONL file in the format above
   * @return the pairs, in file order
   * @throws InvalidInputException if a line breaks a rule (message {@code file:line: problem})
   * @throws ConsistencyException if the file cannot be read
   */
  public static List<PreferencePair> read(Path file) {
    List<PreferencePair> pairs = new ArrayList<>();
    forEach(file, DEFAULT_MAX_LINE_CHARS, pairs::add);
    return pairs;
  }

  /**
   * Streams the pairs of {@code file} to {@code action} without holding them all in memory.
   *
   * @param file a JSONL file in the format above
   * @param maxLineChars the longest accepted line, {@code >= 1}
   * @param action receives each pair in file order
   * @throws InvalidInputException if the file does not exist, is a directory, or a line breaks a rule
   * @throws ConsistencyException if the file cannot be read
   */
  public static void forEach(Path file, int maxLineChars, Consumer<PreferencePair> action) {
    Check.notNull(file, "file");
    Check.positive(maxLineChars, "maxLineChars");
    Check.notNull(action, "action");
    String source = file.toString();
    if (Files.isDirectory(file)) {
      throw new InvalidInputException(source, 0, "is a directory, expected a JSONL file");
    }
    if (!Files.exists(file)) {
      throw new InvalidInputException(source, 0, "file not found");
    }
    try (InputStream in = Files.newInputStream(file)) {
      BoundedLineReader lines = new BoundedLineReader(in, source, maxLineChars);
      String line;
      while ((line = lines.next()) != null) {
        if (!line.isBlank()) {
          action.accept(parse(line, source, lines.lineNumber()));
        }
      }
    } catch (IOException e) {
      throw new ConsistencyException("reading preference pairs from " + file + " failed: " + e, e);
    }
  }

  /**
   * Parses one JSONL record.
   *
   * @param line the line's text
   * @param source the file name used in error messages
   * @param lineNumber the 1-based line number used in error messages
   * @throws InvalidInputException if the line breaks a rule
   */
  public static PreferencePair parse(String line, String source, long lineNumber) {
    Check.notNull(line, "line");
    JsonNode node;
    try {
      node = MAPPER.readTree(line);
    } catch (JsonProcessingException e) {
      throw new InvalidInputException(
          source, lineNumber, "not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (node == null || !node.isObject()) {
      throw new InvalidInputException(
          source,
          lineNumber,
          "expected a JSON object, found " + (node == null ? "nothing" : kind(node)));
    }
    String prompt = text(node, "prompt", source, lineNumber);
    String chosen = text(node, "chosen", source, lineNumber);
    String rejected = text(node, "rejected", source, lineNumber);
    OptionalDouble scoreChosen = score(node, "score_chosen", source, lineNumber);
    OptionalDouble scoreRejected = score(node, "score_rejected", source, lineNumber);
    try {
      return new PreferencePair(prompt, chosen, rejected, scoreChosen, scoreRejected);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(source, lineNumber, e.getMessage(), e);
    }
  }

  private static String text(JsonNode node, String field, String source, long line) {
    JsonNode v = node.get(field);
    if (v == null) {
      throw new InvalidInputException(source, line, "missing field \"" + field + "\"");
    }
    if (!v.isTextual()) {
      throw new InvalidInputException(
          source, line, "field \"" + field + "\" must be a string, found " + kind(v));
    }
    return v.textValue();
  }

  private static OptionalDouble score(JsonNode node, String field, String source, long line) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return OptionalDouble.empty();
    }
    if (!v.isNumber()) {
      throw new InvalidInputException(
          source, line, "field \"" + field + "\" must be a number, found " + kind(v));
    }
    double d = v.doubleValue();
    if (!Double.isFinite(d)) {
      throw new InvalidInputException(
          source, line, "field \"" + field + "\" must be finite, found " + v.asText());
    }
    return OptionalDouble.of(d);
  }

  private static String kind(JsonNode v) {
    return switch (v.getNodeType()) {
      case ARRAY -> "array";
      case OBJECT -> "object";
      case STRING -> "string";
      case NUMBER -> "number";
      case BOOLEAN -> "boolean";
      case NULL -> "null";
      default -> v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    };
  }
}
