package org.consistency4j.text;

import java.util.Locale;
import java.util.Map;
import org.consistency4j.internal.Check;

/**
 * The Porter stemmer exactly as NLTK 3.8 implements it in its default {@code NLTK_EXTENSIONS} mode
 * ({@code nltk.stem.porter.PorterStemmer()}), which is the stemmer {@code rouge-score} uses.
 *
 * <p>NLTK's variant differs from Martin Porter's published algorithm and from Lucene's and
 * Snowball's English stemmers (those disagree with it on hundreds of words): a table of irregular
 * forms is consulted first ({@code skies -> sky}, {@code dying -> die}, {@code news -> news}, ...);
 * words of one or two characters are returned unchanged; step 1a maps a four-letter {@code *ies}
 * to {@code *ie} ({@code dies -> die}); step 1b maps {@code ied} to {@code i} or, in four-letter
 * words, to {@code ie}; step 1c turns a final {@code y} into {@code i} only after a consonant that
 * is not the first letter; step 2 runs {@code alli -> al} first and then step 2 again, and adds
 * {@code fulli -> ful} and {@code logi -> log} (measured with the {@code l}); the {@code *o}
 * condition also holds for a two-letter vowel-consonant stem.
 *
 * <p>The input is lowercased with {@link String#toLowerCase(Locale) Locale.ROOT} first, as NLTK
 * lowercases with Python's {@code str.lower}; as in NLTK, the irregular-form table is consulted with
 * the word as given. Results agree with NLTK for every string of ASCII characters, in particular for
 * every token of {@link RougeTokenizer} (checked against 24,131 words in the tests).
 *
 * <p>Stateless and thread-safe. Each call allocates a small working buffer; callers that stem the
 * same words repeatedly should cache results (as {@link RougeTokenizer} does).
 */
public final class PorterStemmer {

  private static final Map<String, String> IRREGULAR =
      Map.ofEntries(
          Map.entry("sky", "sky"),
          Map.entry("skies", "sky"),
          Map.entry("dying", "die"),
          Map.entry("lying", "lie"),
          Map.entry("tying", "tie"),
          Map.entry("news", "news"),
          Map.entry("innings", "inning"),
          Map.entry("inning", "inning"),
          Map.entry("outings", "outing"),
          Map.entry("outing", "outing"),
          Map.entry("cannings", "canning"),
          Map.entry("canning", "canning"),
          Map.entry("howe", "howe"),
          Map.entry("proceed", "proceed"),
          Map.entry("exceed", "exceed"),
          Map.entry("succeed", "succeed"));

  // Conditions of the suffix rules.
  private static final int MEASURE_GT_0 = 0;
  private static final int MEASURE_GT_1 = 1;
  private static final int ION = 2; // measure > 1 and the stem ends with s or t
  private static final int LOGI = 3; // measure of the stem plus its "l" > 0

  private static final String[][] STEP2 = {
    {"ational", "ate"}, {"tional", "tion"}, {"enci", "ence"}, {"anci", "ance"}, {"izer", "ize"},
    {"bli", "ble"}, {"alli", "al"}, {"entli", "ent"}, {"eli", "e"}, {"ousli", "ous"},
    {"ization", "ize"}, {"ation", "ate"}, {"ator", "ate"}, {"alism", "al"}, {"iveness", "ive"},
    {"fulness", "ful"}, {"ousness", "ous"}, {"aliti", "al"}, {"iviti", "ive"}, {"biliti", "ble"},
    {"fulli", "ful"}, {"logi", "log"}
  };
  private static final int[] STEP2_CONDITIONS = step2Conditions();

  private static final String[][] STEP3 = {
    {"icate", "ic"}, {"ative", ""}, {"alize", "al"}, {"iciti", "ic"}, {"ical", "ic"}, {"ful", ""},
    {"ness", ""}
  };

  private static final String[][] STEP4 = {
    {"al", ""}, {"ance", ""}, {"ence", ""}, {"er", ""}, {"ic", ""}, {"able", ""}, {"ible", ""},
    {"ant", ""}, {"ement", ""}, {"ment", ""}, {"ent", ""}, {"ion", ""}, {"ou", ""}, {"ism", ""},
    {"ate", ""}, {"iti", ""}, {"ous", ""}, {"ive", ""}, {"ize", ""}
  };
  private static final int[] STEP4_CONDITIONS = step4Conditions();

  private PorterStemmer() {}

  private static int[] step2Conditions() {
    int[] conditions = new int[STEP2.length];
    conditions[STEP2.length - 1] = LOGI;
    return conditions;
  }

  private static int[] step4Conditions() {
    int[] conditions = new int[STEP4.length];
    java.util.Arrays.fill(conditions, MEASURE_GT_1);
    for (int i = 0; i < STEP4.length; i++) {
      if (STEP4[i][0].equals("ion")) {
        conditions[i] = ION;
      }
    }
    return conditions;
  }

  /**
   * Stems one word as NLTK's {@code PorterStemmer().stem(word)} does.
   *
   * @param word the word, normally lowercase {@code [a-z0-9]+}; other characters count as
   *     consonants, as in NLTK
   * @return the stem (lowercase); never null
   * @throws NullPointerException if {@code word} is null
   */
  public static String stem(String word) {
    Check.notNull(word, "word");
    String lower = word.toLowerCase(Locale.ROOT);
    if (IRREGULAR.containsKey(word)) {
      return IRREGULAR.get(lower);
    }
    if (word.length() <= 2) {
      return lower;
    }
    Buffer b = new Buffer(lower);
    b.step1a();
    b.step1b();
    b.step1c();
    b.step2();
    b.applyRules(STEP3, null);
    b.applyRules(STEP4, STEP4_CONDITIONS);
    b.step5a();
    b.step5b();
    return b.toString();
  }

  /** The word being stemmed: characters {@code [0, k)} of {@code w}, with room to grow by one. */
  private static final class Buffer {
    private final char[] w;
    private int k;
    // cons[i] for i < consValid: whether w[i] is a consonant. It depends on w[0..i] only, so it
    // stays valid until a char at or before i is written (NLTK's definition is recursive; this
    // computes it left to right, so long runs of 'y' cannot overflow the stack).
    private final boolean[] cons;
    private int consValid;

    Buffer(String word) {
      w = new char[word.length() + 2];
      word.getChars(0, word.length(), w, 0);
      k = word.length();
      cons = new boolean[w.length];
    }

    /** A consonant is a letter other than a, e, i, o, u, and other than y after a consonant. */
    private boolean isConsonant(int i) {
      while (consValid <= i) {
        int j = consValid++;
        char c = w[j];
        if (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u') {
          cons[j] = false;
        } else if (c == 'y') {
          cons[j] = j == 0 || !cons[j - 1];
        } else {
          cons[j] = true;
        }
      }
      return cons[i];
    }

    /** Records that the char at {@code position} is about to change. */
    private void writing(int position) {
      consValid = Math.min(consValid, position);
    }

    /** Porter's m: the number of vowel-consonant boundaries in the prefix of length {@code len}. */
    private int measure(int len) {
      int m = 0;
      boolean previousVowel = false;
      for (int i = 0; i < len; i++) {
        boolean consonant = isConsonant(i);
        if (consonant && previousVowel) {
          m++;
        }
        previousVowel = !consonant;
      }
      return m;
    }

    private boolean containsVowel(int len) {
      for (int i = 0; i < len; i++) {
        if (!isConsonant(i)) {
          return true;
        }
      }
      return false;
    }

    private boolean endsDoubleConsonant(int len) {
      return len >= 2 && w[len - 1] == w[len - 2] && isConsonant(len - 1);
    }

    /** Condition *o, with NLTK's extension to two-letter vowel-consonant stems. */
    private boolean endsCvc(int len) {
      if (len >= 3
          && isConsonant(len - 3)
          && !isConsonant(len - 2)
          && isConsonant(len - 1)) {
        char c = w[len - 1];
        return c != 'w' && c != 'x' && c != 'y';
      }
      return len == 2 && !isConsonant(0) && isConsonant(1);
    }

    private boolean endsWith(String suffix) {
      int n = suffix.length();
      if (n > k) {
        return false;
      }
      for (int i = 0; i < n; i++) {
        if (w[k - n + i] != suffix.charAt(i)) {
          return false;
        }
      }
      return true;
    }

    /** Replaces the last {@code suffixLength} characters with {@code replacement}. */
    private void replace(int suffixLength, String replacement) {
      k -= suffixLength;
      writing(k);
      replacement.getChars(0, replacement.length(), w, k);
      k += replacement.length();
    }

    private boolean holds(int condition, int stemLength) {
      switch (condition) {
        case MEASURE_GT_0:
          return measure(stemLength) > 0;
        case MEASURE_GT_1:
          return measure(stemLength) > 1;
        case ION:
          return measure(stemLength) > 1 && (w[stemLength - 1] == 's' || w[stemLength - 1] == 't');
        case LOGI:
          return measure(stemLength + 1) > 0;
        default:
          throw new AssertionError(condition);
      }
    }

    /**
     * NLTK's {@code _apply_rule_list}: the first rule whose suffix matches decides; if its
     * condition fails, the word is left unchanged and no later rule is tried. A null {@code
     * conditions} means "measure > 0" for every rule.
     */
    private void applyRules(String[][] rules, int[] conditions) {
      for (int r = 0; r < rules.length; r++) {
        String suffix = rules[r][0];
        if (endsWith(suffix)) {
          int condition = conditions == null ? MEASURE_GT_0 : conditions[r];
          if (holds(condition, k - suffix.length())) {
            replace(suffix.length(), rules[r][1]);
          }
          return;
        }
      }
    }

    void step1a() {
      if (k == 4 && endsWith("ies")) {
        k -= 1; // ies -> ie
        return;
      }
      if (endsWith("sses")) {
        k -= 2;
      } else if (endsWith("ies")) {
        k -= 2;
      } else if (endsWith("ss")) {
        return;
      } else if (endsWith("s")) {
        k -= 1;
      }
    }

    void step1b() {
      if (endsWith("ied")) {
        k -= k == 4 ? 1 : 2; // ied -> ie in four-letter words, else -> i
        return;
      }
      if (endsWith("eed")) {
        if (measure(k - 3) > 0) {
          k -= 1; // eed -> ee
        }
        return;
      }
      if (endsWith("ed") && containsVowel(k - 2)) {
        k -= 2;
      } else if (endsWith("ing") && containsVowel(k - 3)) {
        k -= 3;
      } else {
        return;
      }
      if (endsWith("at") || endsWith("bl") || endsWith("iz")) {
        writing(k);
        w[k++] = 'e';
      } else if (endsDoubleConsonant(k)) {
        char last = w[k - 1];
        if (last != 'l' && last != 's' && last != 'z') {
          k -= 1;
        }
      } else if (measure(k) == 1 && endsCvc(k)) {
        writing(k);
        w[k++] = 'e';
      }
    }

    void step1c() {
      if (endsWith("y") && k - 1 > 1 && isConsonant(k - 2)) {
        writing(k - 1);
        w[k - 1] = 'i';
      }
    }

    void step2() {
      if (endsWith("alli") && measure(k - 4) > 0) {
        k -= 2; // alli -> al, then step 2 again
        step2();
        return;
      }
      applyRules(STEP2, STEP2_CONDITIONS);
    }

    void step5a() {
      if (endsWith("e")) {
        int m = measure(k - 1);
        if (m > 1 || (m == 1 && !endsCvc(k - 1))) {
          k -= 1;
        }
      }
    }

    void step5b() {
      if (endsWith("ll") && measure(k - 1) > 1) {
        k -= 1;
      }
    }

    @Override
    public String toString() {
      return new String(w, 0, k);
    }
  }
}
