package org.consistency4j.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.consistency4j.InvalidInputException;

/**
 * Splits a UTF-8 byte stream into lines, the one line splitter behind every JSONL reader of the
 * library ({@link org.consistency4j.data.JsonLines}). Rules:
 *
 * <ul>
 *   <li>Lines end at the byte {@code \n}; a {@code \r} right before it is dropped, so CRLF files read
 *       like LF files. Splitting on the byte 0x0A is safe in UTF-8, where it never occurs inside a
 *       multi-byte character.
 *   <li>A line longer than {@code maxLineBytes} bytes (without its terminator) is refused while it is
 *       being read: at most that many bytes are ever buffered, so a file without newlines cannot
 *       exhaust memory.
 *   <li>A UTF-8 byte-order mark (EF BB BF) at the very start of the stream is skipped; anywhere else it
 *       is an ordinary character.
 *   <li>Each line is decoded strictly on its own, so a malformed byte is reported at the line that
 *       holds it.
 * </ul>
 *
 * <p>The reader separates reading a line ({@link #advance()}) from decoding it ({@link #text()}) so
 * that a caller can inspect a last line that was cut off (no terminator) before deciding whether it is
 * an error. Not thread-safe; does not close the stream. For the library's own use; not part of its API.
 */
public final class Utf8LineReader {
  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

  private final InputStream in;
  private final String source;
  private final int maxLineBytes;
  private final byte[] buffer = new byte[1 << 16];
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private final CharsetDecoder decoder =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
  private int pos;
  private int limit;
  private boolean eof;
  private boolean started;
  private long lineNumber;
  private boolean terminated;
  private long startOffset;
  private long endOffset;

  /**
   * @param in the stream, read from its current position (not closed by this reader)
   * @param source the file name used in error messages
   * @param maxLineBytes the longest accepted line in UTF-8 bytes, without its terminator, {@code >= 1}
   */
  public Utf8LineReader(InputStream in, String source, int maxLineBytes) {
    this.in = Check.notNull(in, "in");
    this.source = Check.notNull(source, "source");
    this.maxLineBytes = Check.positive(maxLineBytes, "maxLineBytes");
  }

  /**
   * Reads the next line's bytes.
   *
   * @return false at the end of the input (then no line is current)
   * @throws InvalidInputException if the line is longer than the limit (naming the source and line)
   */
  public boolean advance() throws IOException {
    if (!started) {
      started = true;
      skipBom();
    }
    line.reset();
    startOffset = endOffset;
    long readBytes = 0;
    while (true) {
      if (pos == limit && !fill()) {
        if (readBytes == 0) {
          return false;
        }
        return finish(false, readBytes);
      }
      int start = pos;
      while (pos < limit && buffer[pos] != '\n') {
        pos++;
      }
      int n = pos - start;
      readBytes += n;
      // One byte more than the limit is buffered for a \r that text() drops.
      if (line.size() + n > maxLineBytes + 1L) {
        throw tooLong(lineNumber + 1);
      }
      line.write(buffer, start, n);
      if (pos < limit) {
        pos++; // the newline
        return finish(true, readBytes + 1);
      }
    }
  }

  private boolean finish(boolean newline, long bytes) {
    lineNumber++;
    terminated = newline;
    endOffset = startOffset + bytes;
    return true;
  }

  private boolean fill() throws IOException {
    if (eof) {
      return false;
    }
    int n = in.read(buffer);
    if (n <= 0) {
      eof = true;
      pos = 0;
      limit = 0;
      return false;
    }
    pos = 0;
    limit = n;
    return true;
  }

  private void skipBom() throws IOException {
    // Read until three bytes are buffered (or the input ends), then drop a leading BOM.
    while (limit < BOM.length && !eof) {
      int n = in.read(buffer, limit, buffer.length - limit);
      if (n <= 0) {
        eof = true;
      } else {
        limit += n;
      }
    }
    if (limit >= BOM.length
        && buffer[0] == BOM[0]
        && buffer[1] == BOM[1]
        && buffer[2] == BOM[2]) {
      pos = BOM.length;
      endOffset = BOM.length;
    }
  }

  /**
   * The current line decoded from UTF-8, without its terminator.
   *
   * @throws InvalidInputException if the line is not valid UTF-8 (naming the source and line)
   * @throws IllegalStateException if no line is current
   */
  public String text() {
    if (lineNumber == 0) {
      throw new IllegalStateException("no current line: call advance() first");
    }
    byte[] bytes = line.toByteArray();
    int n = bytes.length;
    if (n > 0 && bytes[n - 1] == '\r' && terminated) {
      n--;
    }
    if (n > maxLineBytes) {
      throw tooLong(lineNumber);
    }
    CharBuffer out = CharBuffer.allocate(n);
    ByteBuffer bytesIn = ByteBuffer.wrap(bytes, 0, n);
    decoder.reset();
    CoderResult r = decoder.decode(bytesIn, out, true);
    if (!r.isError()) {
      r = decoder.flush(out);
    }
    if (r.isError()) {
      int at = bytesIn.position();
      throw new InvalidInputException(
          source,
          lineNumber,
          String.format(
              "not valid UTF-8: malformed byte 0x%02X at byte %d of the line",
              bytes[Math.min(at, n - 1)] & 0xFF, at + 1));
    }
    return out.flip().toString();
  }

  private InvalidInputException tooLong(long number) {
    return new InvalidInputException(
        source,
        number,
        "line is longer than the limit of " + maxLineBytes + " bytes (maxLineBytes)");
  }

  /**
   * The next line decoded from UTF-8, or null at the end of the input.
   *
   * @throws InvalidInputException if the line is too long or not valid UTF-8
   */
  public String next() throws IOException {
    return advance() ? text() : null;
  }

  /** The 1-based number of the current line (0 before the first). */
  public long lineNumber() {
    return lineNumber;
  }

  /** Whether the current line ended with {@code \n} (false for a last line without one). */
  public boolean terminated() {
    return terminated;
  }

  /** The byte offset in the stream where the current line starts. */
  public long startOffset() {
    return startOffset;
  }

  /** The byte offset in the stream just after the current line and its terminator. */
  public long endOffset() {
    return endOffset;
  }
}
