package org.consistency4j.harness;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import org.consistency4j.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResponseStoreTest {
  @TempDir Path dir;

  private static ResponseRecord row(int instance, String response) {
    return new ResponseRecord("m", "t", 0, instance, "p" + instance, "c", response, "EOS");
  }

  @Test
  void rows_are_appended_and_read_back() {
    Path f = dir.resolve("sub/responses.jsonl");
    try (ResponseStore s = ResponseStore.open(f)) {
      s.append(List.of(row(0, "a"), row(1, "line\nbreak \"quoted\"")));
    }
    try (ResponseStore s = ResponseStore.open(f)) {
      assertEquals(List.of(row(0, "a"), row(1, "line\nbreak \"quoted\"")), s.records());
      s.append(List.of(row(2, "c")));
    }
    assertEquals(3, ResponseStore.read(f).size());
  }

  @Test
  void a_cut_off_last_line_is_dropped_and_the_file_repaired() throws Exception {
    Path f = dir.resolve("responses.jsonl");
    try (ResponseStore s = ResponseStore.open(f)) {
      s.append(List.of(row(0, "a")));
    }
    String complete = Files.readString(f);
    Files.writeString(f, complete + "{\"model\": \"m\", \"task\": \"t\", \"vari");
    try (ResponseStore s = ResponseStore.open(f)) {
      assertEquals(List.of(row(0, "a")), s.records());
      assertEquals(complete, Files.readString(f));
      s.append(List.of(row(1, "b")));
    }
    assertEquals(List.of(row(0, "a"), row(1, "b")), ResponseStore.read(f));
  }

  @Test
  void a_store_cut_inside_a_multibyte_character_is_repaired_at_every_cut_point() throws Exception {
    Path f = dir.resolve("responses.jsonl");
    try (ResponseStore s = ResponseStore.open(f)) {
      s.append(List.of(row(0, "a"), row(1, "日本語の答え \u20ac")));
    }
    byte[] all = Files.readAllBytes(f);
    String text = new String(all, StandardCharsets.UTF_8);
    int firstLineEnd = text.indexOf('\n') + 1;
    byte[] complete = Arrays.copyOf(all, firstLineEnd);
    int cutsInsideCharacters = 0;
    // Every cut of the second line, including those inside a multi-byte character, is dropped.
    for (int cut = firstLineEnd + 1; cut < all.length - 1; cut++) {
      byte[] damaged = Arrays.copyOf(all, cut);
      if ((damaged[cut - 1] & 0xC0) == 0x80 || (damaged[cut - 1] & 0xC0) == 0xC0) {
        cutsInsideCharacters++;
      }
      Files.write(f, damaged);
      assertEquals(List.of(row(0, "a")), ResponseStore.read(f), "cut at byte " + cut);
      assertArrayEquals(damaged, Files.readAllBytes(f), "read() must not change the file");
      try (ResponseStore s = ResponseStore.open(f)) {
        assertEquals(List.of(row(0, "a")), s.records(), "cut at byte " + cut);
        assertArrayEquals(complete, Files.readAllBytes(f), "cut at byte " + cut);
        s.append(List.of(row(1, "日本語の答え \u20ac")));
      }
      assertArrayEquals(all, Files.readAllBytes(f), "resumed after a cut at byte " + cut);
    }
    assertTrue(cutsInsideCharacters > 10, "cuts inside characters: " + cutsInsideCharacters);
  }

  @Test
  void dropping_a_cut_off_line_is_reported_on_standard_error() throws Exception {
    Path f = dir.resolve("responses.jsonl");
    try (ResponseStore s = ResponseStore.open(f)) {
      s.append(List.of(row(0, "a")));
    }
    byte[] cut = {'{', '"', 'r', '"', ':', '"', (byte) 0xE6, (byte) 0x97};
    Files.write(f, cut, StandardOpenOption.APPEND);
    PrintStream saved = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try (ResponseStore s = ResponseStore.open(f)) {
      assertEquals(1, s.records().size());
    } finally {
      System.setErr(saved);
    }
    String log = err.toString(StandardCharsets.UTF_8);
    assertTrue(
        log.contains(f + ":2: dropping a cut-off last line of 8 bytes (an interrupted write)"), log);
  }

  @Test
  void invalid_utf8_in_a_middle_line_stays_an_error_and_the_file_is_untouched() throws Exception {
    Path f = dir.resolve("responses.jsonl");
    try (ResponseStore s = ResponseStore.open(f)) {
      s.append(List.of(row(0, "é"), row(1, "b")));
    }
    byte[] all = Files.readAllBytes(f);
    byte[] damaged = all.clone();
    int e = new String(all, StandardCharsets.UTF_8).indexOf('é');
    damaged[new String(all, StandardCharsets.UTF_8).substring(0, e).getBytes(StandardCharsets.UTF_8).length + 1] = '"';
    byte[] corrupt = Arrays.copyOf(damaged, damaged.length);
    Files.write(f, corrupt);
    InvalidInputException ex = assertThrows(InvalidInputException.class, () -> ResponseStore.open(f));
    assertTrue(ex.getMessage().startsWith(f + ":1: not valid UTF-8: malformed byte 0xC3"), ex.getMessage());
    assertArrayEquals(corrupt, Files.readAllBytes(f));
  }

  @Test
  void half_json_in_a_middle_line_stays_an_error() throws Exception {
    Path f = dir.resolve("responses.jsonl");
    try (ResponseStore s = ResponseStore.open(f)) {
      s.append(List.of(row(0, "a")));
    }
    String complete = Files.readString(f);
    Files.writeString(f, "{\"model\": \"m\", \"ta\n" + complete);
    InvalidInputException ex = assertThrows(InvalidInputException.class, () -> ResponseStore.open(f));
    assertTrue(ex.getMessage().startsWith(f + ":1: not valid JSON: "), ex.getMessage());
  }

  @Test
  void a_complete_last_line_without_newline_is_kept_and_the_next_row_starts_a_new_line() throws Exception {
    Path f = dir.resolve("responses.jsonl");
    try (ResponseStore s = ResponseStore.open(f)) {
      s.append(List.of(row(0, "a")));
    }
    String content = Files.readString(f);
    Files.writeString(f, content.substring(0, content.length() - 1));
    try (ResponseStore s = ResponseStore.open(f)) {
      s.append(List.of(row(1, "b")));
    }
    assertEquals(List.of(row(0, "a"), row(1, "b")), ResponseStore.read(f));
  }

  @Test
  void duplicates_and_bad_rows_are_errors_naming_the_line() throws Exception {
    Path f = dir.resolve("responses.jsonl");
    try (ResponseStore s = ResponseStore.open(f)) {
      s.append(List.of(row(0, "a")));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.append(List.of(row(0, "b"))));
      assertEquals("already stored: model m, task t, variant 0, instance 0", e.getMessage());
    }
    String line = Files.readString(f);
    Files.writeString(f, line + line);
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> ResponseStore.open(f));
    assertEquals(f + ":2: duplicate response for model m, task t, variant 0, instance 0 (first on line 1)",
        e.getMessage());
    Files.writeString(f, line + line.replace("\"variant\":0", "\"variant\":-1"));
    e = assertThrows(InvalidInputException.class, () -> ResponseStore.open(f));
    assertEquals(f + ":2: field variant: must be an integer >= 0, found -1", e.getMessage());
    Files.writeString(f, line.replace("\"response\":\"a\"", "\"response\":5"));
    e = assertThrows(InvalidInputException.class, () -> ResponseStore.open(f));
    assertTrue(e.getMessage().startsWith(f + ":1: field response: must be a string, found NUMBER"), e.getMessage());
  }
}
