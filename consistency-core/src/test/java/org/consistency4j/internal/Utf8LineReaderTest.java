package org.consistency4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.consistency4j.InvalidInputException;
import org.junit.jupiter.api.Test;

class Utf8LineReaderTest {

  /** An endless line of 'x' that counts the bytes handed out. */
  private static final class EndlessLine extends InputStream {
    long served;

    @Override
    public int read() {
      served++;
      return 'x';
    }

    @Override
    public int read(byte[] b, int off, int len) {
      java.util.Arrays.fill(b, off, off + len, (byte) 'x');
      served += len;
      return len;
    }
  }

  @Test
  void an_endless_line_is_refused_after_reading_little_more_than_the_limit() {
    EndlessLine in = new EndlessLine();
    Utf8LineReader r = new Utf8LineReader(in, "endless", 1 << 20);
    InvalidInputException e = assertThrows(InvalidInputException.class, r::advance);
    assertEquals(
        "endless:1: line is longer than the limit of 1048576 bytes (maxLineBytes)", e.getMessage());
    assertTrue(in.served <= (1 << 20) + (1 << 16) + 1, "read " + in.served + " bytes");
  }

  @Test
  void offsets_and_termination_describe_each_line_in_bytes() throws Exception {
    byte[] bytes = "é\r\n\nab".getBytes(StandardCharsets.UTF_8);
    Utf8LineReader r = new Utf8LineReader(new ByteArrayInputStream(bytes), "s", 10);
    assertEquals("é", r.next());
    assertEquals(0, r.startOffset());
    assertEquals(4, r.endOffset());
    assertTrue(r.terminated());
    assertEquals("", r.next());
    assertEquals("ab", r.next());
    assertEquals(3, r.lineNumber());
    assertFalse(r.terminated());
    assertEquals(5, r.startOffset());
    assertEquals(7, r.endOffset());
    assertNull(r.next());
  }

  @Test
  void a_line_cut_inside_a_multibyte_character_is_invalid_at_its_line() throws Exception {
    byte[] ok = "ok\n".getBytes(StandardCharsets.UTF_8);
    byte[] cut = {'a', (byte) 0xE2, (byte) 0x82};
    byte[] all = new byte[ok.length + cut.length];
    System.arraycopy(ok, 0, all, 0, ok.length);
    System.arraycopy(cut, 0, all, ok.length, cut.length);
    Utf8LineReader r = new Utf8LineReader(new ByteArrayInputStream(all), "s", 10);
    assertEquals("ok", r.next());
    assertTrue(r.advance());
    assertFalse(r.terminated());
    InvalidInputException e = assertThrows(InvalidInputException.class, r::text);
    assertEquals("s:2: not valid UTF-8: malformed byte 0xE2 at byte 2 of the line", e.getMessage());
  }

  @Test
  void a_bom_is_skipped_only_at_the_start_and_counted_in_offsets() throws Exception {
    byte[] all = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, 'a', '\n'};
    Utf8LineReader r = new Utf8LineReader(new ByteArrayInputStream(all), "s", 10);
    assertEquals("a", r.next());
    assertEquals(3, r.startOffset());
    assertEquals(5, r.endOffset());
  }

  @Test
  void the_limit_must_be_positive() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new Utf8LineReader(new ByteArrayInputStream(new byte[0]), "s", 0));
    assertEquals("maxLineBytes must be > 0, found 0", e.getMessage());
  }
}
