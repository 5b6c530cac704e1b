package org.consistency4j.harness;

import java.io.IOException;
import java.io.Reader;
import org.consistency4j.InvalidInputException;

/** Reads lines with a length limit, so that a file without newlines cannot exhaust memory. */
final class BoundedLines {
  private final Reader in;
  private final String source;
  private final int maxChars;
  private long lineNumber;
  private boolean lastHadNewline = true;

  BoundedLines(Reader in, String source, int maxChars) {
    this.in = in;
    this.source = source;
    this.maxChars = maxChars;
  }

  /** The next line without its terminator, or null at the end. */
  String next() throws IOException {
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        lineNumber++;
        lastHadNewline = true;
        int len = line.length();
        return len > 0 && line.charAt(len - 1) == '\r' ? line.substring(0, len - 1) : line.toString();
      }
      if (line.length() >= maxChars) {
        throw new InvalidInputException(
            source, lineNumber + 1, "line is longer than " + maxChars + " characters");
      }
      line.append((char) c);
    }
    if (line.length() == 0) {
      return null;
    }
    lineNumber++;
    lastHadNewline = false;
    return line.toString();
  }

  /** The 1-based number of the line last returned. */
  long lineNumber() {
    return lineNumber;
  }

  /** Whether the line last returned ended with a newline (false for a cut-off last line). */
  boolean lastHadNewline() {
    return lastHadNewline;
  }
}
