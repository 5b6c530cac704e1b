package org.consistency4j.pairs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.consistency4j.InvalidInputException;

/**
 * Reads UTF-8 lines separated by {@code \n} (a trailing {@code \r} is dropped), refusing any line
 * longer than a limit so that a file without newlines cannot exhaust memory, and decoding each line
 * strictly so that a malformed byte is reported with its line number. Splitting on the byte 0x0A is
 * safe in UTF-8, where it never occurs inside a multi-byte sequence. Not thread-safe; does not close
 * the stream.
 */
final class BoundedLineReader {
  private final InputStream in;
  private final String source;
  private final int maxLineBytes;
  private final byte[] buffer = new byte[8192];
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private final CharsetDecoder decoder =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
  private int pos;
  private int limit;
  private long lineNumber;
  private boolean eof;

  /**
   * @param maxLineChars the longest accepted line; checked on its UTF-8 bytes, so a line of at most
   *     this many characters of ASCII always passes and the memory held is bounded by it
   */
  BoundedLineReader(InputStream in, String source, int maxLineChars) {
    this.in = in;
    this.source = source;
    this.maxLineBytes = maxLineChars;
  }

  /** The 1-based number of the line last returned by {@link #next()}. */
  long lineNumber() {
    return lineNumber;
  }

  /**
   * The next line without its separator, or null at the end of input.
   *
   * @throws InvalidInputException if the line is too long or not valid UTF-8
   */
  String next() throws IOException {
    line.reset();
    while (true) {
      if (pos >= limit) {
        if (eof) {
          return finish(line.size() > 0);
        }
        limit = in.read(buffer);
        pos = 0;
        if (limit <= 0) {
          limit = 0;
          eof = true;
          return finish(line.size() > 0);
        }
      }
      int start = pos;
      while (pos < limit && buffer[pos] != '\n') {
        pos++;
      }
      line.write(buffer, start, pos - start);
      if (line.size() > maxLineBytes) {
        throw new InvalidInputException(
            source,
            lineNumber + 1,
            "line is longer than " + maxLineBytes + " characters (the limit for one record)");
      }
      if (pos < limit) {
        pos++; // the newline
        return finish(true);
      }
    }
  }

  private String finish(boolean hasLine) {
    if (!hasLine) {
      return null;
    }
    lineNumber++;
    byte[] bytes = line.toByteArray();
    int n = bytes.length;
    if (n > 0 && bytes[n - 1] == '\r') {
      n--;
    }
    try {
      return decoder.reset().decode(ByteBuffer.wrap(bytes, 0, n)).toString();
    } catch (CharacterCodingException e) {
      throw new InvalidInputException(source, lineNumber, "not valid UTF-8", e);
    }
  }
}
