package org.consistency4j.internal;

/**
 * Character classes of the {@code rouge-score} tokenizer, shared by the public tokenizer and the
 * allocation-free scoring path. Internal: not part of the public API.
 *
 * <p>rouge-score lowercases the text with full Unicode rules and then treats every character
 * outside {@code [a-z0-9]} as a separator. Of all non-ASCII characters only two lowercase to ASCII:
 * U+212A KELVIN SIGN becomes {@code k}, and U+0130 LATIN CAPITAL LETTER I WITH DOT ABOVE becomes
 * {@code i} followed by U+0307 COMBINING DOT ABOVE, which is a separator. Every other non-ASCII
 * UTF-16 unit (including surrogates) is a separator. The tests check this against {@code
 * String.toLowerCase(Locale.ROOT)} for every code point.
 */
public final class RougeChars {
  /** {@link #classify} result for a separator. */
  public static final int SEPARATOR = 0;

  /** Flag set in a {@link #classify} result when the token must end right after this char. */
  public static final int ENDS_TOKEN = 0x10000;

  private static final char[] ASCII = new char[128];

  static {
    for (char c = 'a'; c <= 'z'; c++) {
      ASCII[c] = c;
      ASCII[c - 'a' + 'A'] = c;
    }
    for (char c = '0'; c <= '9'; c++) {
      ASCII[c] = c;
    }
  }

  private RougeChars() {}

  /**
   * Classifies one UTF-16 unit of the original text.
   *
   * @return {@link #SEPARATOR}, or the lowercase token character, possibly or-ed with {@link
   *     #ENDS_TOKEN}
   */
  public static int classify(char c) {
    if (c < 128) {
      return ASCII[c];
    }
    if (c == '\u212A') {
      return 'k';
    }
    if (c == '\u0130') {
      return 'i' | ENDS_TOKEN;
    }
    return SEPARATOR;
  }

  /** The lowercase token character of an ASCII char, or 0 for an ASCII separator. */
  public static char asciiTokenChar(char c) {
    return ASCII[c];
  }

  /** Flag set in a {@link #table()} entry when the token must end right after this char. */
  public static final char TABLE_ENDS_TOKEN = 0x8000;

  private static final char[] TABLE = buildTable();

  private static char[] buildTable() {
    char[] table = new char[65536];
    for (int c = 0; c < 65536; c++) {
      int cls = classify((char) c);
      table[c] = (char) ((cls & 0xFFFF) | ((cls & ENDS_TOKEN) != 0 ? TABLE_ENDS_TOKEN : 0));
    }
    return table;
  }

  /**
   * {@link #classify} for every UTF-16 unit as one lookup table: entry 0 is a separator, otherwise
   * the low 15 bits are the token char and {@link #TABLE_ENDS_TOKEN} may be set. The returned
   * array is shared: callers must not modify it.
   */
  public static char[] table() {
    return TABLE;
  }
}
