package org.consistency4j.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.consistency4j.InvalidInputException;
import org.consistency4j.internal.Check;

/**
 * Reads Super-NaturalInstructions task files: one JSON object per file with a string {@code
 * definition} (upstream also allows a one-element array of strings), {@code positive_examples}
 * [{input, output}] and {@code instances} [{input, output: [strings]}]; other fields are ignored.
 * Errors name the file, the line, the field and the rule. Files over {@link #MAX_FILE_BYTES} are
 * rejected before reading. Stateless and thread-safe.
 */
public final class SniTasks {
  /** Largest task file read: 256 MB (the largest upstream task file is about 100 MB). */
  public static final long MAX_FILE_BYTES = 256L << 20;

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private SniTasks() {}

  /**
   * Loads every {@code task*.json} file of a directory, sorted by file name.
   *
   * @throws InvalidInputException if the directory holds no task file or a file is invalid
   */
  public static List<SniTask> loadDirectory(Path dir) {
    Check.notNull(dir, "dir");
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "task*.json")) {
      ds.forEach(files::add);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list task files in " + dir, e);
    }
    if (files.isEmpty()) {
      throw new InvalidInputException(dir.toString(), 0, "no task*.json file in the directory");
    }
    files.sort(null);
    List<SniTask> tasks = new ArrayList<>();
    for (Path f : files) {
      tasks.add(load(f));
    }
    return tasks;
  }

  /** Loads one task file; the task name is the {@code task} field or else the file name. */
  public static SniTask load(Path file) {
    Check.notNull(file, "file");
    try {
      long size = Files.size(file);
      if (size > MAX_FILE_BYTES) {
        throw new InvalidInputException(
            file.toString(), 0, "file size must be <= " + MAX_FILE_BYTES + " bytes, found " + size);
      }
      String fallback = file.getFileName().toString().replaceFirst("\\.json$", "");
      try (InputStream in = Files.newInputStream(file)) {
        return read(in, file.toString(), fallback);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /**
   * Reads a task from a stream.
   *
   * @param in the JSON, not closed here
   * @param source the name used in error messages
   * @param defaultName the task name when the JSON has no {@code task} field
   */
  public static SniTask read(InputStream in, String source, String defaultName) {
    Check.notNull(in, "in");
    Check.notNull(source, "source");
    String name = defaultName;
    String definition = null;
    long definitionLine = 0;
    List<Instance> examples = new ArrayList<>();
    List<Instance> instances = new ArrayList<>();
    boolean sawInstances = false;
    try (JsonParser p = new JsonFactory(MAPPER).createParser(in)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new InvalidInputException(source, line(p), "the file must hold one JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        long line = line(p);
        switch (field) {
          case "task" -> {
            JsonNode n = p.readValueAsTree();
            if (n == null || !n.isTextual() || n.asText().isBlank()) {
              throw new InvalidInputException(source, line, "field task must be a non-empty string");
            }
            name = n.asText();
          }
          case "definition" -> {
            definitionLine = line;
            definition = definition(p.readValueAsTree(), source, line);
          }
          case "positive_examples" -> readInstances(p, value, source, "positive_examples", examples);
          case "instances" -> {
            sawInstances = true;
            readInstances(p, value, source, "instances", instances);
          }
          default -> p.skipChildren();
        }
      }
      if (definition == null) {
        throw new InvalidInputException(source, definitionLine, "field definition is missing");
      }
      if (!sawInstances) {
        throw new InvalidInputException(source, 0, "field instances is missing");
      }
      return new SniTask(name, definition, examples, instances);
    } catch (JsonProcessingException e) {
      long line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
      throw new InvalidInputException(source, line, "invalid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + source, e);
    }
  }

  private static long line(JsonParser p) {
    return p.currentTokenLocation().getLineNr();
  }

  private static String definition(JsonNode n, String source, long line) {
    if (n != null && n.isArray() && n.size() == 1) {
      n = n.get(0);
    }
    if (n == null || !n.isTextual() || n.asText().isBlank()) {
      throw new InvalidInputException(
          source, line, "field definition must be a non-empty string, found " + abbreviate(n));
    }
    return n.asText();
  }

  private static void readInstances(
      JsonParser p, JsonToken value, String source, String field, List<Instance> out)
      throws IOException {
    if (value != JsonToken.START_ARRAY) {
      throw new InvalidInputException(
          source, line(p), "field " + field + " must be an array, found " + value);
    }
    int index = 0;
    while (p.nextToken() != JsonToken.END_ARRAY) {
      long line = line(p);
      JsonNode n = p.readValueAsTree();
      String where = field + "[" + index + "]";
      if (n == null || !n.isObject()) {
        throw new InvalidInputException(source, line, where + " must be an object");
      }
      JsonNode input = n.get("input");
      if (input == null || !input.isTextual()) {
        throw new InvalidInputException(
            source, line, where + ".input must be a string, found " + abbreviate(input));
      }
      JsonNode output = n.get("output");
      List<String> outputs = new ArrayList<>();
      if (output != null && output.isTextual()) {
        outputs.add(output.asText());
      } else if (output != null && output.isArray()) {
        for (JsonNode o : output) {
          if (!o.isTextual()) {
            throw new InvalidInputException(
                source, line, where + ".output must hold only strings, found " + abbreviate(o));
          }
          outputs.add(o.asText());
        }
      }
      if (outputs.isEmpty()) {
        throw new InvalidInputException(
            source, line,
            where + ".output must be a string or a non-empty array of strings, found "
                + abbreviate(output));
      }
      out.add(Instance.of(input.asText(), outputs));
      index++;
    }
  }

  static String abbreviate(JsonNode n) {
    if (n == null) {
      return "nothing";
    }
    String s = n.toString();
    return s.length() > 60 ? s.substring(0, 57) + "..." : s;
  }
}
