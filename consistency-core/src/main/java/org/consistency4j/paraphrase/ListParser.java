package org.consistency4j.paraphrase;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the list a language model writes: numbered ({@code 1.}, {@code 2)}, {@code (3)}) or
 * bulleted ({@code -}, {@code *}, {@code •}) items; lines without a marker continue the item before
 * them. Without any marker, every non-blank line is an item. Surrounding quotes are removed.
 */
final class ListParser {
  private static final Pattern ITEM =
      Pattern.compile("^\\s*(?:\\d{1,3}[.)]|\\(\\d{1,3}\\)|[-*\u2022])\\s+(.*)$");

  private ListParser() {}

  static List<String> parse(String text) {
    List<String> items = new ArrayList<>();
    List<String> plain = new ArrayList<>();
    boolean anyMarker = false;
    StringBuilder current = null;
    for (String line : text.split("\\R")) {
      Matcher m = ITEM.matcher(line);
      if (m.matches()) {
        anyMarker = true;
        if (current != null) {
          items.add(current.toString());
        }
        current = new StringBuilder(m.group(1).strip());
      } else if (!line.isBlank()) {
        plain.add(line.strip());
        if (current != null) {
          current.append('\n').append(line.strip());
        }
      } else if (current != null) {
        items.add(current.toString());
        current = null;
      }
    }
    if (current != null) {
      items.add(current.toString());
    }
    List<String> raw = anyMarker ? items : plain;
    List<String> out = new ArrayList<>();
    for (String s : raw) {
      String t = unquote(s.strip());
      if (!t.isBlank()) {
        out.add(t);
      }
    }
    return out;
  }

  private static String unquote(String s) {
    if (s.length() >= 2
        && ((s.startsWith("\"") && s.endsWith("\"") && s.indexOf('"', 1) == s.length() - 1)
            || (s.startsWith("\u201C") && s.endsWith("\u201D")))) {
      return s.substring(1, s.length() - 1).strip();
    }
    return s;
  }
}
