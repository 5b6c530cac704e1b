package org.consistency4j.paraphrase;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * English inflection of (possibly multi-word) lemmas for synonym substitution: plural nouns, third
 * person singular, present participle and regular past of verbs. Irregular forms come from
 * WordNet's exception lists ({@code base -> inflected}); a verb with irregular forms has no past form
 * here, because the past tense and the past participle cannot be told apart reliably.
 */
final class Inflector {
  private final Map<String, String> irregularPlurals;
  private final Map<String, String> irregularVerbs;

  /**
   * @param irregularPlurals noun lemma to its irregular plural
   * @param irregularVerbs verb lemma to one of its irregular forms (presence means irregular)
   */
  Inflector(Map<String, String> irregularPlurals, Map<String, String> irregularVerbs) {
    this.irregularPlurals = irregularPlurals;
    this.irregularVerbs = irregularVerbs;
  }

  /** The plural of a noun lemma; for a phrase, the last word is inflected. */
  String plural(String lemma) {
    String irregular = irregularPlurals.get(lemma);
    if (irregular != null) {
      return irregular;
    }
    int space = lemma.lastIndexOf(' ');
    String head = lemma.substring(space + 1);
    return lemma.substring(0, space + 1) + sForm(head);
  }

  /** Third person singular present of a verb lemma; for a phrasal verb, the first word. */
  String thirdPerson(String lemma) {
    return onFirstWord(lemma, w -> w.equals("be") ? "is" : w.equals("have") ? "has" : sForm(w));
  }

  /** Present participle ({@code -ing}) of a verb lemma. */
  String presentParticiple(String lemma) {
    return onFirstWord(lemma, Inflector::ingForm);
  }

  /** Regular past ({@code -ed}) of a verb lemma, or empty when the verb is irregular. */
  Optional<String> regularPast(String lemma) {
    int space = lemma.indexOf(' ');
    String head = space < 0 ? lemma : lemma.substring(0, space);
    if (irregularVerbs.containsKey(head)) {
      return Optional.empty();
    }
    return Optional.of(onFirstWord(lemma, Inflector::edForm));
  }

  private static String onFirstWord(String lemma, java.util.function.UnaryOperator<String> f) {
    int space = lemma.indexOf(' ');
    if (space < 0) {
      return f.apply(lemma);
    }
    return f.apply(lemma.substring(0, space)) + lemma.substring(space);
  }

  static String sForm(String w) {
    String lw = w.toLowerCase(Locale.ROOT);
    if (lw.endsWith("s") || lw.endsWith("x") || lw.endsWith("z") || lw.endsWith("ch")
        || lw.endsWith("sh")) {
      return w + "es";
    }
    if (lw.length() > 1 && lw.endsWith("y") && !isVowel(lw.charAt(lw.length() - 2))) {
      return w.substring(0, w.length() - 1) + "ies";
    }
    if (lw.endsWith("o") && lw.length() > 1 && !isVowel(lw.charAt(lw.length() - 2))) {
      return w + "es";
    }
    return w + "s";
  }

  static String ingForm(String w) {
    String lw = w.toLowerCase(Locale.ROOT);
    if (lw.endsWith("ie")) {
      return w.substring(0, w.length() - 2) + "ying";
    }
    if (lw.endsWith("e") && !lw.endsWith("ee") && !lw.endsWith("ye") && !lw.endsWith("oe")
        && lw.length() > 2) {
      return w.substring(0, w.length() - 1) + "ing";
    }
    if (doublesFinalConsonant(lw)) {
      return w + w.charAt(w.length() - 1) + "ing";
    }
    return w + "ing";
  }

  static String edForm(String w) {
    String lw = w.toLowerCase(Locale.ROOT);
    if (lw.endsWith("e")) {
      return w + "d";
    }
    if (lw.length() > 1 && lw.endsWith("y") && !isVowel(lw.charAt(lw.length() - 2))) {
      return w.substring(0, w.length() - 1) + "ied";
    }
    if (doublesFinalConsonant(lw)) {
      return w + w.charAt(w.length() - 1) + "ed";
    }
    return w + "ed";
  }

  /** One-syllable consonant-vowel-consonant words double the final consonant (stop, plan). */
  private static boolean doublesFinalConsonant(String lw) {
    int n = lw.length();
    if (n < 3 || n > 4) {
      return false;
    }
    char last = lw.charAt(n - 1);
    if (isVowel(last) || "wxy".indexOf(last) >= 0) {
      return false;
    }
    if (!isVowel(lw.charAt(n - 2)) || isVowel(lw.charAt(n - 3))) {
      return false;
    }
    int vowels = 0;
    for (int i = 0; i < n; i++) {
      if (isVowel(lw.charAt(i))) {
        vowels++;
      }
    }
    return vowels == 1;
  }

  private static boolean isVowel(char c) {
    return "aeiou".indexOf(c) >= 0;
  }
}
