package org.consistency4j.metrics;

import java.util.ArrayList;
import java.util.List;
import org.consistency4j.internal.Check;

/**
 * SQuAD-style answer normalization, as in the official SQuAD evaluation script: lowercase, delete
 * ASCII punctuation ({@code !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~}), replace the articles "a", "an" and
 * "the" (whole words) by a space, and collapse whitespace. "The Eiffel-Tower!" becomes "eiffeltower".
 *
 * <p>A word is a maximal run of Unicode letters, digits, numeric characters and underscores (Python's
 * {@code \w}); whitespace is any Unicode whitespace or space separator (Python's {@code str.split()}).
 * Stateless and thread-safe.
 */
public final class AnswerNormalizer {
  private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

  private AnswerNormalizer() {}

  /**
   * The normalized form of {@code text}: tokens joined by single spaces, possibly empty.
   *
   * @param text any text, not null
   */
  public static String normalize(String text) {
    return String.join(" ", tokens(text));
  }

  /**
   * The tokens of the normalized form of {@code text}, in order (empty when nothing is left).
   *
   * @param text any text, not null
   */
  public static List<String> tokens(String text) {
    Check.notNull(text, "text");
    String lower = text.toLowerCase(java.util.Locale.ROOT);
    StringBuilder noPunct = new StringBuilder(lower.length());
    for (int i = 0; i < lower.length(); i++) {
      char c = lower.charAt(i);
      if (PUNCTUATION.indexOf(c) < 0) {
        noPunct.append(c);
      }
    }
    String s = noPunct.toString();
    // Replace whole-word articles by a space (regex \b(a|an|the)\b), then split on whitespace.
    StringBuilder noArticles = new StringBuilder(s.length());
    int i = 0;
    while (i < s.length()) {
      int cp = s.codePointAt(i);
      if (isWordChar(cp)) {
        int end = i;
        while (end < s.length() && isWordChar(s.codePointAt(end))) {
          end += Character.charCount(s.codePointAt(end));
        }
        String word = s.substring(i, end);
        noArticles.append(isArticle(word) ? " " : word);
        i = end;
      } else {
        noArticles.appendCodePoint(cp);
        i += Character.charCount(cp);
      }
    }
    List<String> tokens = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    String t = noArticles.toString();
    for (int j = 0; j < t.length(); ) {
      int cp = t.codePointAt(j);
      if (isWhitespace(cp)) {
        if (current.length() > 0) {
          tokens.add(current.toString());
          current.setLength(0);
        }
      } else {
        current.appendCodePoint(cp);
      }
      j += Character.charCount(cp);
    }
    if (current.length() > 0) {
      tokens.add(current.toString());
    }
    return tokens;
  }

  private static boolean isArticle(String word) {
    return word.equals("a") || word.equals("an") || word.equals("the");
  }

  private static boolean isWordChar(int cp) {
    if (cp == '_' || Character.isLetterOrDigit(cp)) {
      return true;
    }
    int type = Character.getType(cp);
    return type == Character.LETTER_NUMBER || type == Character.OTHER_NUMBER;
  }

  private static boolean isWhitespace(int cp) {
    return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85;
  }
}
