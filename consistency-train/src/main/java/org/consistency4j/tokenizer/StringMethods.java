package org.consistency4j.tokenizer;

import static org.consistency4j.tokenizer.PyOps.str;
import static org.consistency4j.tokenizer.PyOps.typeName;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.consistency4j.tokenizer.PyOps.Fn;
import org.consistency4j.tokenizer.PyOps.PyError;

/** The Python str methods chat templates call, with Python's semantics (code points, isspace). */
final class StringMethods {
  private StringMethods() {}

  /** The bound method {@code s.name}, or null if str has no such (supported) method. */
  static Fn method(String s, String name, UnaryOperator<String> sized) {
    return switch (name) {
      case "strip" -> (a, k) -> strip(s, chars(name, a, k), true, true);
      case "lstrip" -> (a, k) -> strip(s, chars(name, a, k), true, false);
      case "rstrip" -> (a, k) -> strip(s, chars(name, a, k), false, true);
      case "upper" -> (a, k) -> none(name, a, k, s.toUpperCase(Locale.ROOT));
      case "lower" -> (a, k) -> none(name, a, k, s.toLowerCase(Locale.ROOT));
      case "title" -> (a, k) -> none(name, a, k, title(s));
      case "capitalize" -> (a, k) -> none(name, a, k, capitalize(s));
      case "swapcase" -> (a, k) -> none(name, a, k, swapcase(s));
      case "startswith", "endswith" -> (a, k) -> affix(s, name, a, k);
      case "split" -> (a, k) -> split(s, a, k, false);
      case "rsplit" -> (a, k) -> split(s, a, k, true);
      case "splitlines" -> (a, k) -> {
        JinjaRenderer.noArgs(name, a, k);
        List<Object> out = new ArrayList<>();
        for (String line : s.split("\r\n|[\n\r\u000b\u000c\u001c\u001d\u001e\u0085\u2028\u2029]", -1)) {
          out.add(line);
        }
        if (!out.isEmpty() && ((String) out.get(out.size() - 1)).isEmpty()) {
          out.remove(out.size() - 1);
        }
        return out;
      };
      case "replace" -> (a, k) -> sized.apply(replace(s, stringArg(name, a, 0), stringArg(name, a, 1),
          a.size() > 2 ? (Long) a.get(2) : -1));
      case "find" -> (a, k) -> (long) codePointIndex(s, s.indexOf(stringArg(name, a, 0)));
      case "rfind" -> (a, k) -> (long) codePointIndex(s, s.lastIndexOf(stringArg(name, a, 0)));
      case "count" -> (a, k) -> {
        String sub = stringArg(name, a, 0);
        if (sub.isEmpty()) {
          return (long) s.codePointCount(0, s.length()) + 1;
        }
        long n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) {
          n++;
        }
        return n;
      };
      case "join" -> (a, k) -> {
        if (a.size() != 1) {
          throw new PyError("join() takes exactly one argument");
        }
        StringBuilder sb = new StringBuilder();
        List<Object> items = PyOps.iterate(a.get(0));
        for (int i = 0; i < items.size(); i++) {
          if (!(items.get(i) instanceof String item)) {
            throw new PyError("sequence item " + i + ": expected str instance, "
                + typeName(items.get(i)) + " found");
          }
          if (i > 0) {
            sb.append(s);
          }
          sb.append(item);
        }
        return sized.apply(sb.toString());
      };
      case "removeprefix" -> (a, k) -> s.startsWith(stringArg(name, a, 0))
          ? s.substring(stringArg(name, a, 0).length()) : s;
      case "removesuffix" -> (a, k) -> s.endsWith(stringArg(name, a, 0)) && !stringArg(name, a, 0).isEmpty()
          ? s.substring(0, s.length() - stringArg(name, a, 0).length()) : s;
      case "isdigit" -> (a, k) -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
      case "isalpha" -> (a, k) -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
      case "isalnum" -> (a, k) -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
      case "isspace" -> (a, k) -> !s.isEmpty() && s.codePoints().allMatch(PyOps::isSpace);
      case "islower" -> (a, k) -> s.codePoints().anyMatch(Character::isLowerCase)
          && s.equals(s.toLowerCase(Locale.ROOT));
      case "isupper" -> (a, k) -> s.codePoints().anyMatch(Character::isUpperCase)
          && s.equals(s.toUpperCase(Locale.ROOT));
      case "format", "format_map" -> (a, k) -> {
        throw new PyError("str." + name + "() is not supported by the chat template engine");
      };
      default -> null;
    };
  }

  private static String none(String name, List<Object> a, Map<String, Object> k, String result) {
    JinjaRenderer.noArgs(name, a, k);
    return result;
  }

  private static String chars(String name, List<Object> a, Map<String, Object> k) {
    if (a.size() > 1 || !k.isEmpty()) {
      throw new PyError(name + "() takes at most one argument");
    }
    if (a.isEmpty() || a.get(0) == null) {
      return null;
    }
    if (!(a.get(0) instanceof String c)) {
      throw new PyError(name + " arg must be None or str, not " + typeName(a.get(0)));
    }
    return c;
  }

  private static String stringArg(String name, List<Object> a, int i) {
    if (a.size() <= i || !(a.get(i) instanceof String s)) {
      throw new PyError(name + "() argument " + (i + 1) + " must be str, not "
          + (a.size() <= i ? "missing" : typeName(a.get(i))));
    }
    return s;
  }

  static String strip(String s, String chars, boolean left, boolean right) {
    int start = 0;
    int end = s.length();
    if (left) {
      while (start < end) {
        int cp = s.codePointAt(start);
        if (!(chars == null ? PyOps.isSpace(cp) : chars.indexOf(cp) >= 0)) {
          break;
        }
        start += Character.charCount(cp);
      }
    }
    if (right) {
      while (end > start) {
        int cp = s.codePointBefore(end);
        if (!(chars == null ? PyOps.isSpace(cp) : chars.indexOf(cp) >= 0)) {
          break;
        }
        end -= Character.charCount(cp);
      }
    }
    return s.substring(start, end);
  }

  /** Python str.title: a cased letter after an uncased character is titlecased, the rest lowered. */
  static String title(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    boolean previousCased = false;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      boolean cased = Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
      if (cased) {
        sb.append(previousCased ? new String(Character.toChars(cp)).toLowerCase(Locale.ROOT)
            : titleCase(cp));
      } else {
        sb.appendCodePoint(cp);
      }
      previousCased = cased;
      i += Character.charCount(cp);
    }
    return sb.toString();
  }

  private static String titleCase(int cp) {
    int t = Character.toTitleCase(cp);
    if (t != cp || Character.isTitleCase(cp)) {
      return new String(Character.toChars(t));
    }
    return new String(Character.toChars(cp)).toUpperCase(Locale.ROOT);
  }

  /** Python str.capitalize: the first character titlecased, the rest lowered. */
  static String capitalize(String s) {
    if (s.isEmpty()) {
      return s;
    }
    int cp = s.codePointAt(0);
    return titleCase(cp) + s.substring(Character.charCount(cp)).toLowerCase(Locale.ROOT);
  }

  private static String swapcase(String s) {
    StringBuilder sb = new StringBuilder();
    s.codePoints().forEach(cp -> sb.append(Character.isUpperCase(cp)
        ? new String(Character.toChars(cp)).toLowerCase(Locale.ROOT)
        : new String(Character.toChars(cp)).toUpperCase(Locale.ROOT)));
    return sb.toString();
  }

  private static boolean affix(String s, String name, List<Object> a, Map<String, Object> k) {
    if (a.isEmpty() || a.size() > 3 || !k.isEmpty()) {
      throw new PyError(name + "() takes 1 to 3 positional arguments");
    }
    int[] cps = PyOps.codePoints(s);
    int from = a.size() > 1 && a.get(1) != null ? clamp(PyOps.asLong(a.get(1)), cps.length) : 0;
    int to = a.size() > 2 && a.get(2) != null ? clamp(PyOps.asLong(a.get(2)), cps.length) : cps.length;
    String part = from <= to ? new String(cps, from, to - from) : "";
    List<Object> options = a.get(0) instanceof List<?> l ? new ArrayList<>(l) : List.of(a.get(0));
    for (Object o : options) {
      if (!(o instanceof String p)) {
        throw new PyError(name + " first arg must be str or a tuple of str, not " + typeName(o));
      }
      if (from <= to && (name.equals("startswith") ? part.startsWith(p) : part.endsWith(p))) {
        return true;
      }
    }
    return false;
  }

  private static int clamp(long i, int n) {
    long v = i < 0 ? i + n : i;
    return (int) Math.max(0, Math.min(n, v));
  }

  private static List<Object> split(String s, List<Object> a, Map<String, Object> k, boolean fromRight) {
    Object sepArg = a.isEmpty() ? k.getOrDefault("sep", null) : a.get(0);
    Object maxArg = a.size() > 1 ? a.get(1) : k.getOrDefault("maxsplit", -1L);
    long max = PyOps.asLong(maxArg);
    List<Object> out = new ArrayList<>();
    if (sepArg == null) {
      List<String> words = new ArrayList<>();
      int i = 0;
      int n = s.length();
      String rest = s;
      if (fromRight) {
        // split from the right on whitespace runs
        int end = n;
        while (true) {
          while (end > 0 && PyOps.isSpace(s.codePointBefore(end))) {
            end--;
          }
          if (end == 0) {
            break;
          }
          if (max >= 0 && words.size() == max) {
            words.add(0, s.substring(0, end));
            break;
          }
          int start = end;
          while (start > 0 && !PyOps.isSpace(s.codePointBefore(start))) {
            start--;
          }
          words.add(0, s.substring(start, end));
          end = start;
        }
      } else {
        while (true) {
          while (i < n && PyOps.isSpace(s.codePointAt(i))) {
            i++;
          }
          if (i >= n) {
            break;
          }
          if (max >= 0 && words.size() == max) {
            words.add(StringMethods.strip(rest.substring(i), null, false, true));
            break;
          }
          int j = i;
          while (j < n && !PyOps.isSpace(s.codePointAt(j))) {
            j++;
          }
          words.add(s.substring(i, j));
          i = j;
        }
      }
      out.addAll(words);
      return out;
    }
    if (!(sepArg instanceof String sep)) {
      throw new PyError("must be str or None, not " + typeName(sepArg));
    }
    if (sep.isEmpty()) {
      throw new PyError("empty separator");
    }
    List<String> parts = new ArrayList<>();
    if (!fromRight) {
      int i = 0;
      while (true) {
        int j = s.indexOf(sep, i);
        if (j < 0 || (max >= 0 && parts.size() == max)) {
          parts.add(s.substring(i));
          break;
        }
        parts.add(s.substring(i, j));
        i = j + sep.length();
      }
    } else {
      int end = s.length();
      while (true) {
        int j = s.lastIndexOf(sep, end - sep.length());
        if (j < 0 || (max >= 0 && parts.size() == max) || end - sep.length() < 0) {
          parts.add(0, s.substring(0, end));
          break;
        }
        parts.add(0, s.substring(j + sep.length(), end));
        end = j;
      }
    }
    out.addAll(parts);
    return out;
  }

  static String replace(String s, String old, String replacement, long count) {
    if (count < 0) {
      if (old.isEmpty()) {
        StringBuilder sb = new StringBuilder(replacement);
        s.codePoints().forEach(cp -> sb.appendCodePoint(cp).append(replacement));
        return sb.toString();
      }
      return s.replace(old, replacement);
    }
    StringBuilder sb = new StringBuilder();
    int i = 0;
    long done = 0;
    if (old.isEmpty()) {
      for (int p = 0; p <= s.length(); ) {
        if (done < count) {
          sb.append(replacement);
          done++;
        }
        if (p == s.length()) {
          break;
        }
        int cp = s.codePointAt(p);
        sb.appendCodePoint(cp);
        p += Character.charCount(cp);
      }
      return sb.toString();
    }
    while (done < count) {
      int j = s.indexOf(old, i);
      if (j < 0) {
        break;
      }
      sb.append(s, i, j).append(replacement);
      i = j + old.length();
      done++;
    }
    return sb.append(s.substring(i)).toString();
  }

  private static int codePointIndex(String s, int charIndex) {
    return charIndex < 0 ? -1 : s.codePointCount(0, charIndex);
  }

  /** str() of each item, joined (the join filter). */
  static String join(List<Object> items, String sep) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < items.size(); i++) {
      if (i > 0) {
        sb.append(sep);
      }
      sb.append(str(items.get(i)));
    }
    return sb.toString();
  }
}
