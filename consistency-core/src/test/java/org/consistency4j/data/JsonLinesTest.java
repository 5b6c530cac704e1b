package org.consistency4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.consistency4j.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one rule set of every JSONL reader, pinned rule by rule with its message. */
class JsonLinesTest {
  @TempDir Path dir;

  private Path file(String name, byte[] content) throws Exception {
    Path f = dir.resolve(name);
    Files.write(f, content);
    return f;
  }

  private Path file(String content) throws Exception {
    return file("in.jsonl", content.getBytes(StandardCharsets.UTF_8));
  }

  private InvalidInputException fails(Path f) {
    return assertThrows(InvalidInputException.class, () -> JsonLines.read(f));
  }

  @Test
  void objects_are_read_in_order_with_their_line_numbers() throws Exception {
    List<JsonLines.Line> lines = JsonLines.read(file("{\"a\":1}\n{\"a\":2}\n"));
    assertEquals(2, lines.size());
    assertEquals(2, lines.get(1).json().get("a").asInt());
    assertEquals(2L, lines.get(1).number());
  }

  @Test
  void two_objects_on_one_line_are_an_error_naming_file_line_and_the_extra_text() throws Exception {
    Path f = file("{\"a\":1}\n{\"a\":2}{\"a\":3}\n");
    assertEquals(
        f + ":2: expected exactly one JSON value per line, found more text after it at column 8: {\"a\":3}",
        fails(f).getMessage());
  }

  @Test
  void text_after_the_object_is_an_error() throws Exception {
    Path f = file("{\"a\":1}  trailing words\n");
    assertEquals(
        f + ":1: expected exactly one JSON value per line, found more text after it at column 10: trailing words",
        fails(f).getMessage());
  }

  @Test
  void a_duplicate_key_is_an_error() throws Exception {
    Path f = file("{\"a\":1}\n\n{\"a\":1,\"a\":2}\n");
    InvalidInputException e = fails(f);
    assertTrue(
        e.getMessage().startsWith(f + ":3: not valid JSON: Duplicate field 'a'"), e.getMessage());
    assertEquals(3L, e.line().orElseThrow());
  }

  @Test
  void a_value_that_is_not_an_object_is_an_error() throws Exception {
    Path f = file("[1,2]\n");
    assertEquals(f + ":1: expected a JSON object, found array", fails(f).getMessage());
  }

  @Test
  void invalid_utf8_is_reported_at_its_own_line_not_line_one() throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes("{\"a\":\"é\"}\n{\"a\":\"b\"}\n".getBytes(StandardCharsets.UTF_8));
    b.writeBytes(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xE9, '"', '}', '\n'});
    Path f = file("latin1.jsonl", b.toByteArray());
    assertEquals(
        f + ":3: not valid UTF-8: malformed byte 0xE9 at byte 7 of the line", fails(f).getMessage());
  }

  @Test
  void a_byte_order_mark_at_the_start_is_skipped() throws Exception {
    byte[] text = "{\"a\":1}\n".getBytes(StandardCharsets.UTF_8);
    byte[] withBom = new byte[text.length + 3];
    withBom[0] = (byte) 0xEF;
    withBom[1] = (byte) 0xBB;
    withBom[2] = (byte) 0xBF;
    System.arraycopy(text, 0, withBom, 3, text.length);
    List<JsonLines.Line> lines = JsonLines.read(file("bom.jsonl", withBom));
    assertEquals(1, lines.get(0).json().get("a").asInt());
    assertEquals(1L, lines.get(0).number());
  }

  @Test
  void a_byte_order_mark_after_the_first_line_is_an_error() throws Exception {
    Path f = file("{\"a\":1}\n\uFEFF{\"a\":2}\n");
    assertTrue(fails(f).getMessage().startsWith(f + ":2: not valid JSON: "));
  }

  @Test
  void blank_lines_are_skipped_but_counted_and_crlf_reads_like_lf() throws Exception {
    List<JsonLines.Line> lines = JsonLines.read(file("\r\n  \t\r\n{\"a\":1}\r\n\n{\"a\":2}"));
    assertEquals(List.of(3L, 5L), lines.stream().map(JsonLines.Line::number).toList());
  }

  @Test
  void a_line_over_the_limit_is_refused_with_the_limit_named() throws Exception {
    Path f = file("{\"a\":1}\n{\"a\":\"" + "x".repeat(100) + "\"}\n");
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> JsonLines.read(f, 50));
    assertEquals(
        f + ":2: line is longer than the limit of 50 bytes (maxLineBytes)", e.getMessage());
  }

  @Test
  void a_line_exactly_at_the_limit_is_accepted_with_or_without_cr() throws Exception {
    String line = "{\"a\":\"" + "x".repeat(42) + "\"}";
    assertEquals(50, line.length());
    assertEquals(2, JsonLines.read(file(line + "\r\n" + line + "\n"), 50).size());
  }

  @Test
  void the_default_limit_is_sixteen_mebibytes() {
    assertEquals(16 * 1024 * 1024, JsonLines.DEFAULT_MAX_LINE_BYTES);
  }

  @Test
  void a_missing_file_and_a_directory_are_input_errors() {
    Path missing = dir.resolve("missing.jsonl");
    assertEquals(missing + ": file not found", fails(missing).getMessage());
    assertEquals(dir + ": is a directory, expected a JSONL file", fails(dir).getMessage());
  }

  @Test
  void parse_object_applies_the_same_rules_to_one_line() {
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class, () -> JsonLines.parseObject("{} {}", "x.jsonl", 7));
    assertEquals(
        "x.jsonl:7: expected exactly one JSON value per line, found more text after it at column 4: {}",
        e.getMessage());
  }

  @Test
  void typed_accessors_name_the_file_line_field_and_what_was_found() throws Exception {
    Path f = file("\n{\"s\": \"x\", \"n\": 3, \"b\": true, \"a\": [\"p\", 2], \"id\": 7, \"z\": null}\n");
    JsonLines.Line line = JsonLines.read(f).get(0);
    assertEquals("x", line.text("s"));
    assertEquals("7", line.id("id"));
    assertEquals(java.util.Optional.of(true), line.optionalBoolean("b"));
    assertEquals(java.util.Optional.empty(), line.optionalText("z"));
    assertEquals(f + ":2: missing field \"q\"",
        assertThrows(InvalidInputException.class, () -> line.text("q")).getMessage());
    assertEquals(f + ":2: field \"n\" must be a string, found number 3",
        assertThrows(InvalidInputException.class, () -> line.text("n")).getMessage());
    assertEquals(f + ":2: field \"s\" must be true or false, found string",
        assertThrows(InvalidInputException.class, () -> line.optionalBoolean("s")).getMessage());
    assertEquals(f + ":2: field \"a\"[1] must be a string, found number 2",
        assertThrows(InvalidInputException.class, () -> line.textArray("a")).getMessage());
    assertEquals(f + ":2: field \"b\" must be a string or an integer, found true",
        assertThrows(InvalidInputException.class, () -> line.id("b")).getMessage());
  }

  @Test
  void a_deeply_nested_line_is_an_error_not_a_stack_overflow() throws Exception {
    Path f = file("{\"a\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}\n");
    InvalidInputException e = fails(f);
    assertTrue(e.getMessage().startsWith(f + ":1: not valid JSON: Document nesting depth"), e.getMessage());
  }
}
