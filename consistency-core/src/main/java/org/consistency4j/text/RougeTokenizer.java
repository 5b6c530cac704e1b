package org.consistency4j.text;

import java.util.ArrayList;
import java.util.List;
import org.consistency4j.internal.Check;
import org.consistency4j.internal.RougeChars;
import org.consistency4j.internal.StemCache;

/**
 * The tokenizer of Google's {@code rouge-score} 0.1.2 ({@code tokenize.tokenize}), reproduced
 * exactly.
 *
 * <ol>
 *   <li>The text is lowercased with full Unicode rules (as Python's {@code str.lower} and Java's
 *       {@code toLowerCase(Locale.ROOT)}).
 *   <li>Every maximal run of characters outside {@code [a-z0-9]} separates tokens: accents, CJK,
 *       emoji, {@code _}, {@code '}, {@code -}, non-ASCII digits and all whitespace. So {@code
 *       "café"} gives {@code caf}, {@code "don't"} gives {@code don, t}, {@code "3.14"} gives
 *       {@code 3, 14}.
 *   <li>With stemming, a token longer than 3 characters is replaced by its {@link PorterStemmer}
 *       stem ({@code this -> thi}; {@code was} stays).
 * </ol>
 *
 * <p>Implemented as one pass over the UTF-16 units with a lookup table, without regular
 * expressions. Stateless and
 * thread-safe; stems come from a bounded, thread-safe cache shared by all threads.
 */
public final class RougeTokenizer {
  private RougeTokenizer() {}

  /**
   * Tokenizes {@code text} as rouge-score does.
   *
   * @param text any text; may be empty
   * @param useStemmer whether tokens longer than 3 characters are Porter-stemmed
   * @return the tokens in order, each a non-empty string of {@code [a-z0-9]}; a new mutable list
   * @throws NullPointerException if {@code text} is null
   */
  public static List<String> tokenize(String text, boolean useStemmer) {
    Check.notNull(text, "text");
    int n = text.length();
    List<String> tokens = new ArrayList<>(n / 6 + 4);
    // Copy the text once and lowercase each token in place: a token is a contiguous run.
    char[] buf = text.toCharArray();
    int i = 0;
    while (i < n) {
      int t = RougeChars.classOf(buf[i]);
      if (t == 0) {
        i++;
        continue;
      }
      int start = i;
      do {
        if (t >= RougeChars.TABLE_ENDS_TOKEN) { // U+0130: "i" followed by a separator
          buf[i++] = (char) (t - RougeChars.TABLE_ENDS_TOKEN);
          break;
        }
        buf[i++] = (char) t;
      } while (i < n && (t = RougeChars.classOf(buf[i])) != 0);
      String token = new String(buf, start, i - start);
      if (useStemmer && token.length() > 3) {
        token = StemCache.stem(token);
      }
      if (!token.isEmpty()) { // rouge-score drops tokens that stemming left empty
        tokens.add(token);
      }
    }
    return tokens;
  }

}
