package org.consistency4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.consistency4j.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlIOTest {
  @TempDir Path dir;

  private Path write(String name, byte[] content) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, content);
    return p;
  }

  private Path write(String name, String content) throws IOException {
    return write(name, content.getBytes(StandardCharsets.UTF_8));
  }

  private static List<Long> lineNumbers(Path file) throws IOException {
    List<Long> numbers = new ArrayList<>();
    JsonlIO.forEachObject(file, line -> numbers.add(line.number()));
    return numbers;
  }

  @Test
  void line_numbers_count_lf_and_crlf_lines_and_skip_blank_lines() throws IOException {
    Path f = write("mixed.jsonl", "\uFEFF{\"a\":1}\r\n\r\n{\"a\":2}\n{\"a\":3}\n\n{\"a\":4}");
    assertEquals(List.of(1L, 3L, 4L, 6L), lineNumbers(f));
  }

  @Test
  void a_lone_carriage_return_does_not_end_a_line() throws IOException {
    Path f = write("cr.jsonl", "{\"a\":1}\n{\"a\":2}\r{\"a\":3}\n");
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> lineNumbers(f));
    assertEquals(
        f + ":2: expected exactly one JSON value per line, found more text after it at column 9: {\"a\":3}",
        e.getMessage());
  }

  @Test
  void an_overlong_line_is_rejected_before_it_is_parsed() throws IOException {
    Path f = write("long.jsonl", "{\"a\":1}\n{\"text\": \"" + "x".repeat(100) + "\"}\n");
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class, () -> JsonlIO.forEachObject(f, 20, line -> {}));
    assertEquals(f + ":2: line is longer than the limit of 20 bytes (maxLineBytes)", e.getMessage());
  }

  @Test
  void invalid_utf8_is_rejected() throws IOException {
    Path f = write("latin1.jsonl", new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xE9, '"', '}', '\n'});
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> lineNumbers(f));
    assertEquals(
        f + ":1: not valid UTF-8: malformed byte 0xE9 at byte 7 of the line", e.getMessage());
  }

  @Test
  void each_line_must_hold_exactly_one_json_object() throws IOException {
    Path array = write("array.jsonl", "[1, 2]\n");
    assertEquals(
        array + ":1: expected a JSON object, found array",
        assertThrows(InvalidInputException.class, () -> lineNumbers(array)).getMessage());
    Path two = write("two.jsonl", "{\"a\":1} {\"a\":2}\n");
    String trailing = assertThrows(InvalidInputException.class, () -> lineNumbers(two)).getMessage();
    assertEquals(
        two + ":1: expected exactly one JSON value per line, found more text after it at column 9: {\"a\":2}",
        trailing);
    Path dup = write("dup.jsonl", "{\"a\":1, \"a\":2}\n");
    String duplicate = assertThrows(InvalidInputException.class, () -> lineNumbers(dup)).getMessage();
    assertTrue(duplicate.startsWith(dup + ":1: not valid JSON: Duplicate field 'a'"), duplicate);
  }

  @Test
  void a_directory_is_not_an_input() {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> lineNumbers(dir));
    assertEquals(dir + ": is a directory, expected a JSONL file", e.getMessage());
  }

  @Test
  void atomic_writes_replace_the_target_only_on_success() throws IOException {
    Path target = write("out.txt", "old\n");
    JsonlIO.writeAtomically(target, w -> w.write("new\n"));
    assertEquals("new\n", Files.readString(target));
    IOException failure =
        assertThrows(
            IOException.class,
            () ->
                JsonlIO.writeAtomically(
                    target,
                    w -> {
                      w.write("half");
                      throw new IOException("disk full");
                    }));
    assertEquals("disk full", failure.getMessage());
    assertEquals("new\n", Files.readString(target));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(target), files.toList());
    }
  }

  @Test
  void writing_into_a_missing_directory_is_rejected() {
    Path target = dir.resolve("missing").resolve("out.txt");
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class, () -> JsonlIO.writeAtomically(target, w -> w.write("x")));
    assertEquals(
        target + ": cannot write: directory " + target.getParent() + " does not exist",
        e.getMessage());
  }
}
