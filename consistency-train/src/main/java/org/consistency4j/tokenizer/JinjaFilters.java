package org.consistency4j.tokenizer;

import static org.consistency4j.tokenizer.PyOps.str;
import static org.consistency4j.tokenizer.PyOps.truthy;
import static org.consistency4j.tokenizer.PyOps.typeName;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.consistency4j.tokenizer.JinjaParser.Node;
import org.consistency4j.tokenizer.PyOps.PyError;
import org.consistency4j.tokenizer.PyOps.Tuple;
import org.consistency4j.tokenizer.PyOps.Undefined;

/** Jinja2's builtin filters that chat templates use, plus transformers' tojson. */
final class JinjaFilters {
  private JinjaFilters() {}

  private static final Pattern WORD_BEGINNING = Pattern.compile("([-\\s({\\[<]+)");

  static Object apply(JinjaRenderer r, Node at, String name, Object v, List<Object> a,
      Map<String, Object> k) {
    switch (name) {
      case "trim" -> {
        Object chars = param(a, k, 0, "chars", null);
        return StringMethods.strip(str(v), chars == null ? null : str(chars), true, true);
      }
      case "length", "count" -> {
        return PyOps.length(v);
      }
      case "tojson" -> {
        return r.checkedString(tojson(v, a, k), at);
      }
      case "upper" -> {
        return str(v).toUpperCase(Locale.ROOT);
      }
      case "lower" -> {
        return str(v).toLowerCase(Locale.ROOT);
      }
      case "capitalize" -> {
        return StringMethods.capitalize(str(v));
      }
      case "title" -> {
        StringBuilder sb = new StringBuilder();
        Matcher m = WORD_BEGINNING.matcher(str(v));
        String s = str(v);
        int last = 0;
        List<String> parts = new ArrayList<>();
        while (m.find()) {
          parts.add(s.substring(last, m.start()));
          parts.add(m.group());
          last = m.end();
        }
        parts.add(s.substring(last));
        for (String item : parts) {
          if (!item.isEmpty()) {
            int cp = item.codePointAt(0);
            sb.append(new String(Character.toChars(cp)).toUpperCase(Locale.ROOT))
                .append(item.substring(Character.charCount(cp)).toLowerCase(Locale.ROOT));
          }
        }
        return sb.toString();
      }
      case "items" -> {
        if (v instanceof Undefined) {
          return new PyOps.Generator(() -> Collections.emptyIterator(), x -> x);
        }
        if (!(v instanceof Map<?, ?> m)) {
          throw new PyError("Can only get item pairs from a mapping, not a " + typeName(v));
        }
        return new PyOps.Generator(() -> new PyOps.DictView("items", m).items().iterator(), x -> x);
      }
      case "first", "last" -> {
        if (v instanceof PyOps.Generator g) {
          if (name.equals("last")) {
            throw new PyError("'generator' object is not reversible");
          }
          return g.hasNext() ? g.next() : new Undefined("No first item, sequence was empty.");
        }
        List<Object> items = PyOps.iterate(v);
        if (items.isEmpty()) {
          return new Undefined("No " + name + " item, sequence was empty.");
        }
        return items.get(name.equals("first") ? 0 : items.size() - 1);
      }
      case "default", "d" -> {
        Object fallback = param(a, k, 0, "default_value", "");
        boolean bool = truthy(param(a, k, 1, "boolean", false));
        return v instanceof Undefined || (bool && !truthy(v)) ? fallback : v;
      }
      case "join" -> {
        String sep = str(param(a, k, 0, "d", ""));
        Object attribute = param(a, k, 1, "attribute", null);
        List<Object> items = PyOps.iterate(v);
        if (attribute != null) {
          items.replaceAll(item -> r.attribute(item, str(attribute)));
        }
        return r.checkedString(StringMethods.join(items, sep), at);
      }
      case "replace" -> {
        Object count = param(a, k, 2, "count", null);
        return r.checkedString(StringMethods.replace(str(v), str(param(a, k, 0, "old", null)),
            str(param(a, k, 1, "new", null)), count == null ? -1 : PyOps.asLong(count)), at);
      }
      case "selectattr", "rejectattr" -> {
        if (a.isEmpty()) {
          throw new PyError(name + " needs an attribute name");
        }
        boolean keep = name.equals("selectattr");
        return new PyOps.Generator(() -> PyOps.iterator(v), item -> {
          Object attr = r.attribute(item, str(a.get(0)));
          boolean pass = a.size() > 1 ? r.test(str(a.get(1)), attr, a.subList(2, a.size()))
              : truthy(attr);
          return pass == keep ? item : PyOps.Generator.skip();
        });
      }
      case "select", "reject" -> {
        boolean keep = name.equals("select");
        return new PyOps.Generator(() -> PyOps.iterator(v), item -> {
          boolean pass = a.isEmpty() ? truthy(item) : r.test(str(a.get(0)), item, a.subList(1, a.size()));
          return pass == keep ? item : PyOps.Generator.skip();
        });
      }
      case "map" -> {
        if (k.containsKey("attribute")) {
          Object fallback = k.get("default");
          boolean hasDefault = k.containsKey("default");
          String attribute = str(k.get("attribute"));
          return new PyOps.Generator(() -> PyOps.iterator(v), item -> {
            Object attr = r.attribute(item, attribute);
            return attr instanceof Undefined && hasDefault ? fallback : attr;
          });
        }
        if (a.isEmpty()) {
          throw new PyError("map needs a filter name or attribute=");
        }
        String filter = str(a.get(0));
        if (!JinjaRenderer.FILTERS.contains(filter)) {
          throw new PyError("no filter named '" + filter + "'");
        }
        List<Object> rest = a.subList(1, a.size());
        return new PyOps.Generator(() -> PyOps.iterator(v), item -> r.callFilter(at, filter, item, rest));
      }
      case "list" -> {
        return PyOps.iterate(v);
      }
      case "string" -> {
        return str(v);
      }
      case "safe" -> {
        return v;
      }
      case "escape", "e" -> {
        return str(v).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\"", "&#34;").replace("'", "&#39;");
      }
      case "int" -> {
        return toInt(v, param(a, k, 0, "default", 0L));
      }
      case "float" -> {
        return toFloat(v, param(a, k, 0, "default", 0.0));
      }
      case "abs" -> {
        if (v instanceof Double d) {
          return Math.abs(d);
        }
        if (PyOps.isInt(v)) {
          return Math.abs(PyOps.asLong(v));
        }
        throw new PyError("bad operand type for abs(): '" + typeName(v) + "'");
      }
      case "round" -> {
        int precision = (int) PyOps.asLong(param(a, k, 0, "precision", 0L));
        String method = str(param(a, k, 1, "method", "common"));
        RoundingMode mode = switch (method) {
          case "common" -> RoundingMode.HALF_UP;
          case "ceil" -> RoundingMode.CEILING;
          case "floor" -> RoundingMode.FLOOR;
          default -> throw new PyError("method must be common, ceil or floor, found " + method);
        };
        return new BigDecimal(PyOps.asDouble(v)).setScale(precision, mode).doubleValue();
      }
      case "sum" -> {
        Object attribute = param(a, k, 0, "attribute", null);
        Object total = param(a, k, 1, "start", 0L);
        for (Object item : PyOps.iterate(v)) {
          Object x = attribute == null ? item : r.attribute(item, str(attribute));
          if (!PyOps.isNumber(x) || !PyOps.isNumber(total)) {
            throw new PyError("unsupported operand type(s) for +: '" + typeName(total) + "' and '"
                + typeName(x) + "'");
          }
          total = PyOps.isInt(total) && PyOps.isInt(x)
              ? (Object) Math.addExact(PyOps.asLong(total), PyOps.asLong(x))
              : (Object) (PyOps.asDouble(total) + PyOps.asDouble(x));
        }
        return total;
      }
      case "min", "max", "unique", "sort" -> {
        boolean caseSensitive = truthy(k.getOrDefault("case_sensitive", false));
        Object attribute = k.get("attribute");
        List<Object> items = PyOps.iterate(v);
        List<Object> keys = new ArrayList<>();
        for (Object item : items) {
          Object key = attribute == null ? item : r.attribute(item, str(attribute));
          keys.add(!caseSensitive && key instanceof String s ? s.toLowerCase(Locale.ROOT) : key);
        }
        if (name.equals("unique")) {
          List<Object> out = new ArrayList<>();
          List<Object> seen = new ArrayList<>();
          for (int i = 0; i < items.size(); i++) {
            Object key = keys.get(i);
            if (seen.stream().noneMatch(x -> PyOps.eq(x, key))) {
              seen.add(key);
              out.add(items.get(i));
            }
          }
          return new PyOps.Generator(out::iterator, x -> x);
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
          order.add(i);
        }
        order.sort((x, y) -> PyOps.compare(keys.get(x), keys.get(y), "<"));
        if (name.equals("sort")) {
          boolean reverse = truthy(a.isEmpty() ? k.getOrDefault("reverse", false) : a.get(0));
          List<Object> out = new ArrayList<>();
          for (int i : order) {
            out.add(items.get(i));
          }
          if (reverse) {
            Collections.reverse(out);
          }
          return out;
        }
        if (items.isEmpty()) {
          return new Undefined("No aggregated item, sequence was empty.");
        }
        return items.get(name.equals("min") ? order.get(0) : order.get(order.size() - 1));
      }
      case "reverse" -> {
        if (v instanceof String s) {
          return new StringBuilder(s).reverse().toString();
        }
        // Jinja2 returns reversed(value), an iterator, where Python can reverse the value; else a list.
        boolean reversible = v instanceof List || v instanceof Map || v instanceof PyOps.DictView;
        List<Object> items = PyOps.iterate(v);
        Collections.reverse(items);
        return reversible ? new PyOps.Generator("list_reverseiterator", items::iterator, x -> x) : items;
      }
      case "dictsort" -> {
        if (!(v instanceof Map<?, ?> m)) {
          throw new PyError("You can only sort by either \"key\" or \"value\" of a mapping");
        }
        boolean caseSensitive = truthy(param(a, k, 0, "case_sensitive", false));
        boolean byValue = "value".equals(param(a, k, 1, "by", "key"));
        boolean reverse = truthy(param(a, k, 2, "reverse", false));
        List<Object> items = new ArrayList<>();
        m.forEach((key, val) -> items.add(new Tuple(Arrays.asList(key, val))));
        items.sort((x, y) -> {
          Object kx = ((Tuple) x).get(byValue ? 1 : 0);
          Object ky = ((Tuple) y).get(byValue ? 1 : 0);
          if (!caseSensitive && kx instanceof String sx && ky instanceof String sy) {
            return PyOps.compare(sx.toLowerCase(Locale.ROOT), sy.toLowerCase(Locale.ROOT), "<");
          }
          return PyOps.compare(kx, ky, "<");
        });
        if (reverse) {
          Collections.reverse(items);
        }
        return items;
      }
      case "indent" -> {
        Object width = param(a, k, 0, "width", 4L);
        boolean first = truthy(param(a, k, 1, "first", false));
        boolean blank = truthy(param(a, k, 2, "blank", false));
        String pad = width instanceof String w ? w : " ".repeat((int) PyOps.asLong(width));
        String s = str(v);
        String[] lines = s.split("\n", -1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
          if (i > 0) {
            sb.append('\n');
          }
          boolean indentThis = (i > 0 || first) && (blank || !lines[i].isEmpty() || i == 0 && first);
          if (i > 0 && !blank && lines[i].isEmpty()) {
            indentThis = false;
          }
          sb.append(indentThis ? pad : "").append(lines[i]);
        }
        return r.checkedString(sb.toString(), at);
      }
      default -> throw new PyError("no filter named '" + name + "'");
    }
  }

  private static Object param(List<Object> a, Map<String, Object> k, int i, String name,
      Object fallback) {
    if (i < a.size()) {
      return a.get(i);
    }
    return k.containsKey(name) ? k.get(name) : fallback;
  }

  /** transformers' tojson: json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False). */
  private static String tojson(Object v, List<Object> a, Map<String, Object> k) {
    boolean ensureAscii = truthy(param(a, k, 0, "ensure_ascii", false));
    Object indent = param(a, k, 1, "indent", null);
    Object separators = param(a, k, 2, "separators", null);
    boolean sortKeys = truthy(param(a, k, 3, "sort_keys", false));
    String indentText = indent == null ? null
        : indent instanceof String s ? s : " ".repeat((int) Math.max(0, PyOps.asLong(indent)));
    String itemSep = indentText == null ? ", " : ",";
    String keySep = ": ";
    if (separators != null) {
      if (!(separators instanceof List<?> l) || l.size() != 2) {
        throw new PyError("tojson separators must be a pair of strings, found " + PyOps.repr(separators));
      }
      itemSep = str(l.get(0));
      keySep = str(l.get(1));
    }
    return PyOps.json(v, indentText, itemSep, keySep, sortKeys, ensureAscii);
  }

  private static Object toInt(Object v, Object fallback) {
    if (PyOps.isInt(v)) {
      return PyOps.asLong(v);
    }
    if (v instanceof Double d) {
      return (long) (double) d;
    }
    if (v instanceof String s) {
      try {
        return Long.parseLong(s.strip().replace("_", ""));
      } catch (NumberFormatException e) {
        try {
          return (long) Double.parseDouble(s.strip());
        } catch (NumberFormatException e2) {
          return fallback;
        }
      }
    }
    return fallback;
  }

  private static Object toFloat(Object v, Object fallback) {
    if (PyOps.isNumber(v)) {
      return PyOps.asDouble(v);
    }
    if (v instanceof String s) {
      try {
        return Double.parseDouble(s.strip());
      } catch (NumberFormatException e) {
        return fallback;
      }
    }
    return fallback;
  }

  /** Fails at compile time on filters and tests the engine does not have, as Jinja2 does. */
  static void checkNames(List<? extends Node> nodes) {
    for (Node n : nodes) {
      check(n);
    }
  }

  private static void check(Node n) {
    if (n == null) {
      return;
    }
    if (n instanceof JinjaParser.Filter f) {
      if (!JinjaRenderer.FILTERS.contains(f.name())) {
        throw new ChatTemplateException(f.line(), f.column(), "no filter named '" + f.name()
            + "' (not supported by the chat template engine)");
      }
      check(f.value());
      checkArgs(f.args());
    } else if (n instanceof JinjaParser.Test t) {
      if (!JinjaRenderer.TESTS.contains(t.name())) {
        throw new ChatTemplateException(t.line(), t.column(), "no test named '" + t.name()
            + "' (not supported by the chat template engine)");
      }
      check(t.value());
      checkArgs(t.args());
    } else if (n instanceof JinjaParser.Emit e) {
      check(e.value());
    } else if (n instanceof JinjaParser.If i) {
      checkNames(i.conditions());
      i.bodies().forEach(JinjaFilters::checkNames);
      checkNames(i.orElse());
    } else if (n instanceof JinjaParser.For f) {
      check(f.iterable());
      check(f.filter());
      checkNames(f.body());
      checkNames(f.orElse());
    } else if (n instanceof JinjaParser.Assign s) {
      check(s.value());
    } else if (n instanceof JinjaParser.SetBlock s) {
      checkNames(s.body());
    } else if (n instanceof JinjaParser.Macro m) {
      m.defaults().forEach(JinjaFilters::check);
      checkNames(m.body());
    } else if (n instanceof JinjaParser.ListExpr l) {
      checkNames(l.items());
    } else if (n instanceof JinjaParser.DictExpr d) {
      checkNames(d.keys());
      checkNames(d.values());
    } else if (n instanceof JinjaParser.GetAttr g) {
      check(g.target());
    } else if (n instanceof JinjaParser.GetItem g) {
      check(g.target());
      check(g.key());
    } else if (n instanceof JinjaParser.Slice s) {
      check(s.target());
      check(s.start());
      check(s.stop());
      check(s.step());
    } else if (n instanceof JinjaParser.Call c) {
      check(c.function());
      checkArgs(c.args());
    } else if (n instanceof JinjaParser.Unary u) {
      check(u.operand());
    } else if (n instanceof JinjaParser.Binary b) {
      check(b.left());
      check(b.right());
    } else if (n instanceof JinjaParser.Compare c) {
      check(c.first());
      checkNames(c.rest());
    } else if (n instanceof JinjaParser.Conditional c) {
      check(c.condition());
      check(c.then());
      check(c.orElse());
    }
  }

  private static void checkArgs(JinjaParser.Args args) {
    checkNames(args.positional());
    checkNames(args.named());
  }
}
