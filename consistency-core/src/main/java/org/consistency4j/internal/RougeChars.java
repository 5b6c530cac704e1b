package org.consistency4j.internal;

/**
 * Character classes of the {@code rouge-score} tokenizer as one lookup table over all UTF-16
 * units, shared by the public tokenizer and the allocation-free scoring path. Internal: not part of
 * the public API.
 *
 * <p>rouge-score lowercases the text with full Unicode rules and then treats every character
 * outside {@code [a-z0-9]} as a separator. Of all non-ASCII characters only two lowercase to ASCII:
 * U+212A KELVIN SIGN becomes {@code k}, and U+0130 LATIN CAPITAL LETTER I WITH DOT ABOVE becomes
 * {@code i} followed by U+0307 COMBINING DOT ABOVE, which is a separator. Every other non-ASCII
 * UTF-16 unit (including surrogates) is a separator. The tests check this against {@code
 * String.toLowerCase(Locale.ROOT)} for every code point.
 */
public final class RougeChars {
  /** Flag set in a {@link #classOf} result when the token must end right after this char. */
  public static final char TABLE_ENDS_TOKEN = 0x8000;

  private static final char[] TABLE = buildTable();

  private RougeChars() {}

  private static char[] buildTable() {
    char[] table = new char[65536];
    for (char c = 'a'; c <= 'z'; c++) {
      table[c] = c;
      table[c - 'a' + 'A'] = c;
    }
    for (char c = '0'; c <= '9'; c++) {
      table[c] = c;
    }
    table['\u212A'] = 'k';
    table['\u0130'] = 'i' | TABLE_ENDS_TOKEN;
    return table;
  }

  /**
   * The class of a UTF-16 unit, by table lookup: 0 for a separator; otherwise the low 15 bits are
   * the lowercase token char and {@link #TABLE_ENDS_TOKEN} may be set.
   */
  public static char classOf(char c) {
    return TABLE[c];
  }
}
