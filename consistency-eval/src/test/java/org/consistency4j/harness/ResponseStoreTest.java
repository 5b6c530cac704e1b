package org.consistency4j.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
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
