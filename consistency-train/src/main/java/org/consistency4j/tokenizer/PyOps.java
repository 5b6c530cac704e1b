package org.consistency4j.tokenizer;

import java.math.BigDecimal;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Python value semantics for the chat template engine: the values are {@code null} (None), {@link
 * Boolean}, {@link Long}, {@link Double}, {@link String}, {@link List} (list), {@link Tuple}, {@link
 * Map} (dict), {@link DictView} (dict.items(), keys(), values()), {@link Generator} (what select,
 * reject, selectattr, rejectattr and map return), {@link Undefined}, {@link Namespace} and {@link Fn}. Strings are indexed by code point
 * as Python does. Errors are {@link PyError}s without a template position; the renderer adds it.
 */
final class PyOps {
  private PyOps() {}

  /** A Python-level error (TypeError, UndefinedError, ...): the renderer adds the template position. */
  static final class PyError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PyError(String message) {
      super(message, null, false, false);
    }
  }

  /** Jinja2's default Undefined: prints as "", is false, iterates as empty; most other uses fail. */
  record Undefined(String hint) {
    PyError error() {
      return new PyError(hint);
    }
  }

  /** Jinja2's namespace(): the only object a template may assign attributes on. */
  static final class Namespace {
    final Map<String, Object> attributes = new LinkedHashMap<>();
  }

  /** A callable: a global function, a filter-like builtin or a bound str/dict/list method. */
  interface Fn {
    Object call(List<Object> args, Map<String, Object> kwargs);
  }

  /** A Python tuple: a list that prints with parentheses and is not equal to a list. */
  static final class Tuple extends AbstractList<Object> {
    private final List<Object> items;

    Tuple(List<Object> items) {
      this.items = items;
    }

    @Override
    public Object get(int index) {
      return items.get(index);
    }

    @Override
    public int size() {
      return items.size();
    }
  }

  /**
   * A Python generator, as Jinja2's select, reject, selectattr, rejectattr, map, unique and items
   * return (or the iterator of reversed(), which reverse returns): computed lazily item by item,
   * consumed once (a second iteration sees only what is left), without len() and not printable
   * (Python prints its memory address, which is not reproducible).
   */
  static final class Generator {
    private static final Object SKIP = new Object();
    private final String type;
    private final java.util.function.Supplier<Iterator<Object>> source;
    private final java.util.function.UnaryOperator<Object> step;
    private Iterator<Object> input;
    private Object pending;
    private boolean hasPending;
    private final java.util.ArrayDeque<Object> unread = new java.util.ArrayDeque<>();

    /** Items of {@code step(item)} over {@code source}; {@code step} returns {@link #skip()} to drop an item. */
    Generator(String type, java.util.function.Supplier<Iterator<Object>> source,
        java.util.function.UnaryOperator<Object> step) {
      this.type = type;
      this.source = source;
      this.step = step;
    }

    Generator(java.util.function.Supplier<Iterator<Object>> source,
        java.util.function.UnaryOperator<Object> step) {
      this("generator", source, step);
    }

    /** Python's type name: generator, or list_reverseiterator for reverse. */
    String type() {
      return type;
    }

    static Object skip() {
      return SKIP;
    }

    boolean hasNext() {
      if (hasPending) {
        return true;
      }
      if (!unread.isEmpty()) {
        pending = unread.removeFirst();
        hasPending = true;
        return true;
      }
      if (input == null) {
        input = source.get();
      }
      while (input.hasNext()) {
        Object x = step.apply(input.next());
        if (x != SKIP) {
          pending = x;
          hasPending = true;
          return true;
        }
      }
      return false;
    }

    Object next() {
      if (!hasNext()) {
        throw new java.util.NoSuchElementException();
      }
      hasPending = false;
      Object x = pending;
      pending = null;
      return x;
    }

    /** Puts back items taken but not used (a for loop left with break), to come next again. */
    void unread(List<Object> items) {
      if (hasPending) {
        unread.addFirst(pending);
        hasPending = false;
        pending = null;
      }
      for (int i = items.size() - 1; i >= 0; i--) {
        unread.addFirst(items.get(i));
      }
    }

    /** The items not consumed yet, consuming them. */
    List<Object> drain() {
      List<Object> out = new ArrayList<>();
      while (hasNext()) {
        out.add(next());
      }
      return out;
    }
  }

  /** A live view of a dict: dict.items(), dict.keys() or dict.values(). */
  record DictView(String kind, Map<?, ?> map) {
    List<Object> items() {
      List<Object> out = new ArrayList<>();
      switch (kind) {
        case "items" -> map.forEach((k, v) -> out.add(new Tuple(java.util.Arrays.asList(k, v))));
        case "keys" -> out.addAll(map.keySet());
        default -> out.addAll(map.values());
      }
      return out;
    }
  }

  /** Python's str.isspace for one code point (also what \s matches in Python's re). */
  static boolean isSpace(int cp) {
    return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) || cp == 0x85 || cp == 0xa0
        || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029
        || cp == 0x202f || cp == 0x205f || cp == 0x3000;
  }

  static String typeName(Object v) {
    if (v == null) {
      return "NoneType";
    }
    if (v instanceof Boolean) {
      return "bool";
    }
    if (v instanceof Long) {
      return "int";
    }
    if (v instanceof Double) {
      return "float";
    }
    if (v instanceof String) {
      return "str";
    }
    if (v instanceof Tuple) {
      return "tuple";
    }
    if (v instanceof List) {
      return "list";
    }
    if (v instanceof Map) {
      return "dict";
    }
    if (v instanceof Undefined) {
      return "Undefined";
    }
    if (v instanceof Namespace) {
      return "Namespace";
    }
    if (v instanceof Generator g) {
      return g.type();
    }
    if (v instanceof DictView dv) {
      return "dict_" + dv.kind();
    }
    if (v instanceof Fn) {
      return "function";
    }
    return v.getClass().getSimpleName();
  }

  static boolean truthy(Object v) {
    if (v == null || v instanceof Undefined) {
      return false;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof Long l) {
      return l != 0;
    }
    if (v instanceof Double d) {
      return d != 0.0;
    }
    if (v instanceof String s) {
      return !s.isEmpty();
    }
    if (v instanceof List<?> l) {
      return !l.isEmpty();
    }
    if (v instanceof Map<?, ?> m) {
      return !m.isEmpty();
    }
    if (v instanceof DictView dv) {
      return !dv.map().isEmpty();
    }
    return true;
  }

  static boolean isNumber(Object v) {
    return v instanceof Long || v instanceof Double || v instanceof Boolean;
  }

  static boolean isInt(Object v) {
    return v instanceof Long || v instanceof Boolean;
  }

  static long asLong(Object v) {
    if (v instanceof Boolean b) {
      return b ? 1 : 0;
    }
    return (Long) v;
  }

  static double asDouble(Object v) {
    if (v instanceof Double d) {
      return d;
    }
    return asLong(v);
  }

  /** Python str(). */
  static String str(Object v) {
    if (v instanceof String s) {
      return s;
    }
    if (v instanceof Undefined) {
      return "";
    }
    return repr(v);
  }

  /** Deepest nesting of lists and dicts that repr() and json() print (Python's own limit is near 1000). */
  static final int MAX_PRINT_DEPTH = 500;

  /** Python repr(). */
  static String repr(Object v) {
    return repr(v, 0);
  }

  private static String repr(Object v, int depth) {
    if (depth > MAX_PRINT_DEPTH) {
      throw new PyError("cannot print a value nested deeper than " + MAX_PRINT_DEPTH + " levels");
    }
    if (v == null) {
      return "None";
    }
    if (v instanceof Boolean b) {
      return b ? "True" : "False";
    }
    if (v instanceof Long l) {
      return l.toString();
    }
    if (v instanceof Double d) {
      return floatRepr(d);
    }
    if (v instanceof String s) {
      return stringRepr(s);
    }
    if (v instanceof Tuple t) {
      StringBuilder sb = new StringBuilder("(");
      appendItems(sb, t, depth);
      return sb.append(t.size() == 1 ? ",)" : ")").toString();
    }
    if (v instanceof List<?> l) {
      StringBuilder sb = new StringBuilder("[");
      appendItems(sb, l, depth);
      return sb.append(']').toString();
    }
    if (v instanceof Map<?, ?> m) {
      return "{" + mapItems(m, depth) + "}";
    }
    if (v instanceof Undefined) {
      return "Undefined";
    }
    if (v instanceof DictView dv) {
      StringBuilder sb = new StringBuilder("dict_" + dv.kind() + "([");
      appendItems(sb, dv.items(), depth);
      return sb.append("])").toString();
    }
    if (v instanceof Generator) {
      throw new PyError("cannot print a " + typeName(v) + " (the result of select, reject, selectattr,"
          + " rejectattr, map, unique, items or reverse): Jinja2 prints its memory address; convert it"
          + " with | list");
    }
    if (v instanceof Namespace n) {
      return "<Namespace {" + mapItems(n.attributes, depth) + "}>";
    }
    if (v instanceof JinjaRenderer.Loop) {
      return v.toString();
    }
    throw new PyError("cannot convert a " + typeName(v) + " to text");
  }

  private static void appendItems(StringBuilder sb, List<?> items, int depth) {
    for (int i = 0; i < items.size(); i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(repr(items.get(i), depth + 1));
    }
  }

  private static String mapItems(Map<?, ?> m, int depth) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<?, ?> e : m.entrySet()) {
      if (sb.length() > 0) {
        sb.append(", ");
      }
      sb.append(repr(e.getKey(), depth + 1)).append(": ").append(repr(e.getValue(), depth + 1));
    }
    return sb.toString();
  }

  /** Python's float repr: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
  static String floatRepr(double d) {
    if (Double.isNaN(d)) {
      return "nan";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "inf" : "-inf";
    }
    if (d == 0) {
      return 1 / d < 0 ? "-0.0" : "0.0";
    }
    BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();
    String digits = bd.unscaledValue().abs().toString();
    int exponent = digits.length() - 1 - bd.scale();
    String sign = d < 0 ? "-" : "";
    if (exponent < -4 || exponent >= 16) {
      String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
      int e = Math.abs(exponent);
      return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (e < 10 ? "0" : "") + e;
    }
    String plain = bd.abs().toPlainString();
    return sign + (plain.indexOf('.') < 0 ? plain + ".0" : plain);
  }

  static String stringRepr(String s) {
    char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
    StringBuilder sb = new StringBuilder(s.length() + 2).append(quote);
    s.codePoints().forEach(cp -> {
      if (cp == quote || cp == '\\') {
        sb.append('\\').appendCodePoint(cp);
      } else if (cp == '\n') {
        sb.append("\\n");
      } else if (cp == '\r') {
        sb.append("\\r");
      } else if (cp == '\t') {
        sb.append("\\t");
      } else if (cp == ' ' || isPrintable(cp)) {
        sb.appendCodePoint(cp);
      } else if (cp < 0x100) {
        sb.append(String.format("\\x%02x", cp));
      } else if (cp < 0x10000) {
        sb.append(String.format("\\u%04x", cp));
      } else {
        sb.append(String.format("\\U%08x", cp));
      }
    });
    return sb.append(quote).toString();
  }

  private static boolean isPrintable(int cp) {
    int t = Character.getType(cp);
    return t != Character.CONTROL && t != Character.FORMAT && t != Character.SURROGATE
        && t != Character.PRIVATE_USE && t != Character.UNASSIGNED && t != Character.LINE_SEPARATOR
        && t != Character.PARAGRAPH_SEPARATOR && t != Character.SPACE_SEPARATOR;
  }

  /** Python ==. */
  static boolean eq(Object a, Object b) {
    if (a instanceof Undefined || b instanceof Undefined) {
      return a instanceof Undefined && b instanceof Undefined;
    }
    if (a == null || b == null) {
      return a == b;
    }
    if (isNumber(a) && isNumber(b)) {
      if (isInt(a) && isInt(b)) {
        return asLong(a) == asLong(b);
      }
      return asDouble(a) == asDouble(b);
    }
    if (a instanceof String || b instanceof String) {
      return a.equals(b);
    }
    if (a instanceof List<?> la && b instanceof List<?> lb) {
      if ((a instanceof Tuple) != (b instanceof Tuple) || la.size() != lb.size()) {
        return false;
      }
      for (int i = 0; i < la.size(); i++) {
        if (!eq(la.get(i), lb.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
      if (ma.size() != mb.size()) {
        return false;
      }
      for (Map.Entry<?, ?> e : ma.entrySet()) {
        if (!mb.containsKey(e.getKey()) || !eq(e.getValue(), mb.get(e.getKey()))) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof DictView va && b instanceof DictView vb) {
      // keys and items views compare as sets; values views only equal themselves
      if (!va.kind().equals(vb.kind()) || va.kind().equals("values")) {
        return a == b;
      }
      List<Object> ia = va.items();
      List<Object> ib = vb.items();
      return ia.size() == ib.size() && ia.stream().allMatch(x -> contains(ib, x));
    }
    if (a instanceof DictView || b instanceof DictView || a instanceof Generator) {
      return a == b;
    }
    return a == b || Objects.equals(a, b);
  }

  /** Python's ordering for <, <=, >, >= (numbers, strings by code point, lists). */
  static int compare(Object a, Object b, String op) {
    if (isNumber(a) && isNumber(b)) {
      return isInt(a) && isInt(b) ? Long.compare(asLong(a), asLong(b))
          : Double.compare(asDouble(a), asDouble(b));
    }
    if (a instanceof String sa && b instanceof String sb) {
      int i = 0;
      int j = 0;
      while (i < sa.length() && j < sb.length()) {
        int ca = sa.codePointAt(i);
        int cb = sb.codePointAt(j);
        if (ca != cb) {
          return Integer.compare(ca, cb);
        }
        i += Character.charCount(ca);
        j += Character.charCount(cb);
      }
      return Integer.compare(sa.length() - i, sb.length() - j);
    }
    if (a instanceof List<?> la && b instanceof List<?> lb && (a instanceof Tuple) == (b instanceof Tuple)) {
      for (int i = 0; i < Math.min(la.size(), lb.size()); i++) {
        if (!eq(la.get(i), lb.get(i))) {
          return compare(la.get(i), lb.get(i), op);
        }
      }
      return Integer.compare(la.size(), lb.size());
    }
    throw new PyError("'" + op + "' not supported between instances of '" + typeName(a) + "' and '"
        + typeName(b) + "'");
  }

  /** Python len(). */
  static long length(Object v) {
    if (v instanceof String s) {
      return s.codePointCount(0, s.length());
    }
    if (v instanceof List<?> l) {
      return l.size();
    }
    if (v instanceof Map<?, ?> m) {
      return m.size();
    }
    if (v instanceof DictView dv) {
      return dv.map().size();
    }
    if (v instanceof Undefined) {
      return 0;
    }
    if (v instanceof Namespace) {
      throw new PyError("object of type 'Namespace' has no len()");
    }
    throw new PyError("object of type '" + typeName(v) + "' has no len()");
  }

  /** The items a for loop or a filter iterates over (dict: keys; str: characters). */
  static List<Object> iterate(Object v) {
    if (v instanceof List<?> l) {
      return new ArrayList<>(l);
    }
    if (v instanceof Map<?, ?> m) {
      return new ArrayList<>(m.keySet());
    }
    if (v instanceof Generator g) {
      return g.drain();
    }
    if (v instanceof DictView dv) {
      return dv.items();
    }
    if (v instanceof String s) {
      List<Object> out = new ArrayList<>();
      s.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
      return out;
    }
    if (v instanceof Undefined) {
      return new ArrayList<>();
    }
    throw new PyError("'" + typeName(v) + "' object is not iterable");
  }

  /** Python's {@code needle in haystack}. */
  static boolean contains(Object haystack, Object needle) {
    if (haystack instanceof String s) {
      if (!(needle instanceof String n)) {
        throw new PyError("'in <string>' requires string as left operand, not " + typeName(needle));
      }
      return s.contains(n);
    }
    if (haystack instanceof Map<?, ?> m) {
      return m.containsKey(needle instanceof Long || needle instanceof String ? needle : needle);
    }
    if (haystack instanceof List<?> l) {
      for (Object o : l) {
        if (eq(o, needle)) {
          return true;
        }
      }
      return false;
    }
    if (haystack instanceof Generator g) {
      while (g.hasNext()) {
        if (eq(g.next(), needle)) {
          return true;
        }
      }
      return false;
    }
    if (haystack instanceof DictView dv) {
      return contains(dv.kind().equals("keys") ? dv.map() : dv.items(), needle);
    }
    if (haystack instanceof Undefined) {
      return false;
    }
    throw new PyError("argument of type '" + typeName(haystack) + "' is not iterable");
  }

  /** Code points of a string, for indexing and slicing by character as Python does. */
  static int[] codePoints(String s) {
    return s.codePoints().toArray();
  }

  /** Python's json.dumps as transformers' tojson filter calls it. */
  static String json(Object v, String indent, String itemSep, String keySep, boolean sortKeys,
      boolean ensureAscii) {
    StringBuilder sb = new StringBuilder();
    json(sb, v, indent, itemSep, keySep, sortKeys, ensureAscii, 0);
    return sb.toString();
  }

  private static void json(StringBuilder sb, Object v, String indent, String itemSep, String keySep,
      boolean sortKeys, boolean ensureAscii, int level) {
    if (level > MAX_PRINT_DEPTH) {
      throw new PyError("cannot convert a value nested deeper than " + MAX_PRINT_DEPTH
          + " levels to JSON");
    }
    if (v == null) {
      sb.append("null");
    } else if (v instanceof Boolean b) {
      sb.append(b ? "true" : "false");
    } else if (v instanceof Long l) {
      sb.append(l);
    } else if (v instanceof Double d) {
      sb.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity")
          : floatRepr(d));
    } else if (v instanceof String s) {
      jsonString(sb, s, ensureAscii);
    } else if (v instanceof List<?> l) {
      if (l.isEmpty()) {
        sb.append("[]");
        return;
      }
      sb.append('[');
      for (int i = 0; i < l.size(); i++) {
        if (i > 0) {
          sb.append(itemSep);
        }
        newline(sb, indent, level + 1);
        json(sb, l.get(i), indent, itemSep, keySep, sortKeys, ensureAscii, level + 1);
      }
      newline(sb, indent, level);
      sb.append(']');
    } else if (v instanceof Map<?, ?> m) {
      if (m.isEmpty()) {
        sb.append("{}");
        return;
      }
      List<Map.Entry<String, Object>> entries = new ArrayList<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        entries.add(Map.entry(jsonKey(e.getKey()), e.getValue() == null ? NULL : e.getValue()));
      }
      if (sortKeys) {
        entries.sort((x, y) -> compare(x.getKey(), y.getKey(), "<"));
      }
      sb.append('{');
      boolean first = true;
      for (Map.Entry<String, Object> e : entries) {
        if (!first) {
          sb.append(itemSep);
        }
        first = false;
        newline(sb, indent, level + 1);
        jsonString(sb, e.getKey(), ensureAscii);
        sb.append(keySep);
        json(sb, e.getValue() == NULL ? null : e.getValue(), indent, itemSep, keySep, sortKeys,
            ensureAscii, level + 1);
      }
      newline(sb, indent, level);
      sb.append('}');
    } else {
      throw new PyError("Object of type " + typeName(v) + " is not JSON serializable");
    }
  }

  private static final Object NULL = new Object();

  private static String jsonKey(Object k) {
    if (k instanceof String s) {
      return s;
    }
    if (k == null) {
      return "null";
    }
    if (k instanceof Boolean b) {
      return b ? "true" : "false";
    }
    if (k instanceof Long || k instanceof Double) {
      return repr(k);
    }
    throw new PyError("keys must be str, int, float, bool or None, not " + typeName(k));
  }

  private static void newline(StringBuilder sb, String indent, int level) {
    if (indent != null) {
      sb.append('\n');
      sb.append(indent.repeat(level));
    }
  }

  private static void jsonString(StringBuilder sb, String s, boolean ensureAscii) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20 || (ensureAscii && c > 0x7e)) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  /** Iterates a Java iterable of Python values (used by filters that accept any iterable). */
  static Iterator<Object> iterator(Object v) {
    if (v instanceof Generator g) {
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return g.hasNext();
        }

        @Override
        public Object next() {
          return g.next();
        }
      };
    }
    return iterate(v).iterator();
  }
}
