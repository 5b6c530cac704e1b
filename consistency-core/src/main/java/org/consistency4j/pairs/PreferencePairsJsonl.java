package org.consistency4j.pairs;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
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
import org.consistency4j.data.JsonLines;
import org.consistency4j.internal.AtomicFiles;
import org.consistency4j.internal.Check;

/**
 * Reads and writes preference pairs as TRL-compatible JSON Lines: one object per line with the keys
 * {@code "prompt"}, {@code "chosen"}, {@code "rejected"} (strings, TRL's standard preference format
 * with an explicit prompt) and {@code "score_chosen"}, {@code "score_rejected"} (numbers, written when
 * known), in UTF-8.
 *
 * <p>Writing is atomic: the lines go to a temporary file in the target's directory, which then
 * replaces the target, so readers never see a half-written file. Reading follows the rules of {@link
 * JsonLines} (one JSON object per line, duplicate keys refused, lines longer than {@link
 * JsonLines#DEFAULT_MAX_LINE_BYTES} refused unless another limit is given); unknown keys are ignored
 * (TRL datasets often carry extra columns). Errors are {@link InvalidInputException}s naming the file,
 * the line, the field, the rule and the bad value; I/O failures are {@link ConsistencyException}s.
 * Stateless and thread-safe.
 */
public final class PreferencePairsJsonl {
  private static final JsonFactory FACTORY = new JsonFactory();

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
    forEach(file, JsonLines.DEFAULT_MAX_LINE_BYTES, pairs::add);
    return pairs;
  }

  /**
   * Streams the pairs of {@code file} to {@code action} without holding them all in memory.
   *
   * @param file a JSONL file in the format above
   * @param maxLineBytes the longest accepted line in UTF-8 bytes, {@code >= 1}
   * @param action receives each pair in file order
   * @throws InvalidInputException if the file does not exist, is a directory, or a line breaks a rule
   * @throws ConsistencyException if the file cannot be read
   */
  public static void forEach(Path file, int maxLineBytes, Consumer<PreferencePair> action) {
    Check.notNull(action, "action");
    JsonLines.forEach(
        file, maxLineBytes, line -> action.accept(parse(line.json(), line.source(), line.number())));
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
    return parse(JsonLines.parseObject(line, source, lineNumber), source, lineNumber);
  }

  private static PreferencePair parse(JsonNode node, String source, long lineNumber) {
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
          source, line, "field \"" + field + "\" must be a string, found " + JsonLines.kind(v));
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
          source, line, "field \"" + field + "\" must be a number, found " + JsonLines.kind(v));
    }
    double d = v.doubleValue();
    if (!Double.isFinite(d)) {
      throw new InvalidInputException(
          source, line, "field \"" + field + "\" must be finite, found " + v.asText());
    }
    return OptionalDouble.of(d);
  }
}
