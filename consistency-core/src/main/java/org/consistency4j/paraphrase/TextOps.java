package org.consistency4j.paraphrase;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Small text helpers shared by the paraphrasers: sentences, words and capitalization. */
final class TextOps {
  private TextOps() {}

  /** A word: letters, digits or masks, with inner apostrophes or hyphens. */
  static final Pattern WORD =
      Pattern.compile("[\\p{L}\\p{N}\\uE000-\\uF8FF]+(?:['\u2019-][\\p{L}\\p{N}]+)*");

  private static final Pattern BOUNDARY =
      Pattern.compile("(?<=[.!?][\"'\u201D\u2019)]?)\\s+(?=[\\p{Lu}\\p{N}\\uE000-\\uF8FF\"'\u201C(])");

  private static final Set<String> ABBREVIATIONS =
      Set.of("e.g.", "i.e.", "etc.", "vs.", "mr.", "mrs.", "dr.", "st.", "cf.", "approx.", "no.");

  /** The paragraphs (lines) of a text, each split into trimmed sentences; empty lines are kept. */
  static List<List<String>> paragraphs(String text) {
    List<List<String>> out = new ArrayList<>();
    for (String line : text.split("\n", -1)) {
      out.add(sentences(line));
    }
    return out;
  }

  /** Joins paragraphs of sentences: sentences with one space, paragraphs with a newline. */
  static String join(List<List<String>> paragraphs) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < paragraphs.size(); i++) {
      if (i > 0) {
        sb.append('\n');
      }
      sb.append(String.join(" ", paragraphs.get(i)));
    }
    return sb.toString();
  }

  /** Splits one line into trimmed sentences, not splitting after common abbreviations. */
  static List<String> sentences(String line) {
    List<String> out = new ArrayList<>();
    String trimmed = line.strip();
    if (trimmed.isEmpty()) {
      return out;
    }
    Matcher m = BOUNDARY.matcher(trimmed);
    int start = 0;
    while (m.find()) {
      String before = trimmed.substring(start, m.start());
      int lastSpace = before.lastIndexOf(' ');
      String lastToken = before.substring(lastSpace + 1).toLowerCase(Locale.ROOT);
      if (ABBREVIATIONS.contains(lastToken)) {
        continue;
      }
      out.add(before.strip());
      start = m.end();
    }
    out.add(trimmed.substring(start).strip());
    return out;
  }

  /** Upper-cases the first letter. */
  static String capitalize(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isLetter(c)) {
        return s.substring(0, i) + Character.toUpperCase(c) + s.substring(i + 1);
      }
      if (!isOpening(c)) {
        return s;
      }
    }
    return s;
  }

  /**
   * Lower-cases the first letter when the first word looks like an ordinary capitalized word (not
   * "I", not an acronym, not a mask).
   */
  static String decapitalize(String s) {
    if (s.isEmpty() || !Character.isUpperCase(s.charAt(0))) {
      return s;
    }
    Matcher m = WORD.matcher(s);
    if (!m.lookingAt()) {
      return s;
    }
    String word = m.group();
    if (word.equals("I") || word.startsWith("I'") || word.length() > 1
        && !word.substring(1).equals(word.substring(1).toLowerCase(Locale.ROOT))) {
      return s;
    }
    return Character.toLowerCase(s.charAt(0)) + s.substring(1);
  }

  private static boolean isOpening(char c) {
    return c == '"' || c == '\'' || c == '(' || c == '\u201C' || c == '\u2018';
  }

  /** The sentence without its final punctuation mark, if it has one. */
  static String stripFinalPunctuation(String sentence) {
    String s = sentence.stripTrailing();
    while (!s.isEmpty() && ".!?;:".indexOf(s.charAt(s.length() - 1)) >= 0) {
      s = s.substring(0, s.length() - 1);
    }
    return s;
  }

  /** The sentence's final punctuation mark, or {@code '.'} when it has none. */
  static char finalPunctuation(String sentence) {
    String s = sentence.stripTrailing();
    if (!s.isEmpty() && ".!?".indexOf(s.charAt(s.length() - 1)) >= 0) {
      return s.charAt(s.length() - 1);
    }
    return '.';
  }

  /** The first word of a sentence, or the empty string. */
  static String firstWord(String sentence) {
    Matcher m = WORD.matcher(sentence);
    return m.find() ? m.group() : "";
  }

  /** Counts words. */
  static int wordCount(String s) {
    Matcher m = WORD.matcher(s);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  /** Collapses runs of horizontal whitespace and trims each line. */
  static String normalizeSpaces(String s) {
    StringBuilder sb = new StringBuilder();
    String[] lines = s.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      if (i > 0) {
        sb.append('\n');
      }
      sb.append(lines[i].replaceAll("[ \\t]+", " ").strip());
    }
    return sb.toString().strip();
  }
}
