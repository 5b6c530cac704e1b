package org.consistency4j.tokenizer;

import static org.consistency4j.tokenizer.PyOps.asDouble;
import static org.consistency4j.tokenizer.PyOps.asLong;
import static org.consistency4j.tokenizer.PyOps.isInt;
import static org.consistency4j.tokenizer.PyOps.isNumber;
import static org.consistency4j.tokenizer.PyOps.str;
import static org.consistency4j.tokenizer.PyOps.truthy;
import static org.consistency4j.tokenizer.PyOps.typeName;

import java.time.Clock;
import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.consistency4j.tokenizer.JinjaParser.Args;
import org.consistency4j.tokenizer.JinjaParser.Binary;
import org.consistency4j.tokenizer.JinjaParser.Call;
import org.consistency4j.tokenizer.JinjaParser.Compare;
import org.consistency4j.tokenizer.JinjaParser.Conditional;
import org.consistency4j.tokenizer.JinjaParser.Const;
import org.consistency4j.tokenizer.JinjaParser.DictExpr;
import org.consistency4j.tokenizer.JinjaParser.Emit;
import org.consistency4j.tokenizer.JinjaParser.Expr;
import org.consistency4j.tokenizer.JinjaParser.Filter;
import org.consistency4j.tokenizer.JinjaParser.For;
import org.consistency4j.tokenizer.JinjaParser.GetAttr;
import org.consistency4j.tokenizer.JinjaParser.GetItem;
import org.consistency4j.tokenizer.JinjaParser.If;
import org.consistency4j.tokenizer.JinjaParser.ListExpr;
import org.consistency4j.tokenizer.JinjaParser.LoopControl;
import org.consistency4j.tokenizer.JinjaParser.Name;
import org.consistency4j.tokenizer.JinjaParser.Node;
import org.consistency4j.tokenizer.JinjaParser.SetBlock;
import org.consistency4j.tokenizer.JinjaParser.Slice;
import org.consistency4j.tokenizer.JinjaParser.Stmt;
import org.consistency4j.tokenizer.JinjaParser.Test;
import org.consistency4j.tokenizer.JinjaParser.Text;
import org.consistency4j.tokenizer.JinjaParser.Unary;
import org.consistency4j.tokenizer.PyOps.Fn;
import org.consistency4j.tokenizer.PyOps.Namespace;
import org.consistency4j.tokenizer.PyOps.PyError;
import org.consistency4j.tokenizer.PyOps.Tuple;
import org.consistency4j.tokenizer.PyOps.Undefined;

/**
 * Evaluates a parsed chat template with the semantics of Jinja2's ImmutableSandboxedEnvironment as
 * transformers sets it up. One instance renders once (it holds the output, the scopes and the
 * counters of that render); not thread-safe.
 */
final class JinjaRenderer {
  static final Set<String> FILTERS = Set.of("trim", "length", "count", "tojson", "upper", "lower",
      "title", "capitalize", "items", "first", "last", "default", "d", "join", "replace", "selectattr",
      "rejectattr", "select", "reject", "map", "list", "string", "int", "float", "abs", "round", "sum",
      "min", "max", "unique", "reverse", "sort", "dictsort", "indent", "safe", "escape", "e");
  static final Set<String> TESTS = Set.of("defined", "undefined", "none", "string", "number",
      "integer", "float", "boolean", "true", "false", "mapping", "iterable", "sequence", "callable",
      "odd", "even", "divisibleby", "equalto", "eq", "==", "ne", "!=", "lt", "<", "le", "<=", "gt", ">",
      "ge", ">=", "in", "sameas", "lower", "upper", "filter", "test");

  private enum Flow { NORMAL, BREAK, CONTINUE }

  private final ChatTemplateLimits limits;
  private final Clock clock;
  private final long deadline;
  private final StringBuilder out = new StringBuilder();
  private long iterations;
  private int tick;
  private Map<String, Object> scope;
  private final List<Map<String, Object>> scopes = new ArrayList<>();

  JinjaRenderer(ChatTemplateLimits limits, Clock clock) {
    this.limits = limits;
    this.clock = clock;
    this.deadline = System.nanoTime() + limits.timeout().toNanos();
  }

  String render(List<Stmt> body, Map<String, Object> context) {
    Map<String, Object> globals = new HashMap<>(globals());
    globals.putAll(context);
    scopes.add(globals);
    push();
    exec(body);
    return out.toString();
  }

  // ---- scopes ----

  private void push() {
    scope = new HashMap<>();
    scopes.add(scope);
  }

  private void pop() {
    scopes.remove(scopes.size() - 1);
    scope = scopes.get(scopes.size() - 1);
  }

  private Object lookup(String name) {
    for (int i = scopes.size() - 1; i >= 0; i--) {
      Map<String, Object> s = scopes.get(i);
      if (s.containsKey(name)) {
        return s.get(name);
      }
    }
    return new Undefined("'" + name + "' is undefined");
  }

  // ---- statements ----

  private Flow exec(List<Stmt> body) {
    for (Stmt s : body) {
      checkTime(s);
      Flow f = exec(s);
      if (f != Flow.NORMAL) {
        return f;
      }
    }
    return Flow.NORMAL;
  }

  private Flow exec(Stmt s) {
    if (s instanceof Text t) {
      append(t.text(), t);
    } else if (s instanceof Emit e) {
      Object v = eval(e.value());
      append(guard(e, () -> str(v)), e);
    } else if (s instanceof If i) {
      for (int k = 0; k < i.conditions().size(); k++) {
        if (truthy(eval(i.conditions().get(k)))) {
          return exec(i.bodies().get(k));
        }
      }
      return exec(i.orElse());
    } else if (s instanceof For f) {
      forLoop(f);
    } else if (s instanceof JinjaParser.Assign set) {
      assign(set);
    } else if (s instanceof SetBlock sb) {
      int start = out.length();
      exec(sb.body());
      String captured = out.substring(start);
      out.setLength(start);
      scope.put(sb.target(), captured);
    } else if (s instanceof JinjaParser.Macro m) {
      scope.put(m.name(), new MacroFn(m, new ArrayList<>(scopes)));
    } else if (s instanceof LoopControl lc) {
      return lc.isBreak() ? Flow.BREAK : Flow.CONTINUE;
    }
    return Flow.NORMAL;
  }

  private void assign(JinjaParser.Assign set) {
    Object value = eval(set.value());
    if (set.attribute() != null) {
      Object target = lookup(set.targets().get(0));
      if (!(target instanceof Namespace ns)) {
        throw fail(set, "cannot assign attribute '" + set.attribute() + "' on a " + typeName(target)
            + " (only namespace() objects can be changed)");
      }
      ns.attributes.put(set.attribute(), value);
      return;
    }
    bind(set, set.targets(), value);
  }

  private void bind(Node at, List<String> targets, Object value) {
    if (targets.size() == 1) {
      scope.put(targets.get(0), value);
      return;
    }
    List<Object> items = guard(at, () -> PyOps.iterate(value));
    if (items.size() != targets.size()) {
      throw fail(at, "cannot unpack " + items.size() + " values into " + targets.size() + " names "
          + targets);
    }
    for (int i = 0; i < targets.size(); i++) {
      scope.put(targets.get(i), items.get(i));
    }
  }

  private void forLoop(For f) {
    Object iterable = eval(f.iterable());
    List<Object> all = guard(f.iterable(), () -> PyOps.iterate(iterable));
    List<Object> items = all;
    List<Integer> fromAll = new ArrayList<>();
    if (f.filter() != null) {
      items = new ArrayList<>();
      for (int j = 0; j < all.size(); j++) {
        Object item = all.get(j);
        countIteration(f);
        push();
        try {
          bind(f, f.targets(), item);
          if (truthy(eval(f.filter()))) {
            items.add(item);
            fromAll.add(j);
          }
        } finally {
          pop();
        }
      }
    }
    if (items.isEmpty()) {
      push();
      try {
        exec(f.orElse());
      } finally {
        pop();
      }
      return;
    }
    // How many items Jinja2 would have taken from a generator: it looks one ahead for loop.last and
    // loop.nextitem and takes all for loop.length and loop.revindex.
    int[] taken = {0};
    for (int i = 0; i < items.size(); i++) {
      countIteration(f);
      push();
      try {
        bind(f, f.targets(), items.get(i));
        scope.put("loop", new Loop(items, i, taken));
        if (exec(f.body()) == Flow.BREAK) {
          if (iterable instanceof PyOps.Generator g) {
            // a generator left with break keeps the items Jinja2 had not taken yet
            int used = Math.min(items.size(), Math.max(i + 1, taken[0]));
            int usedOfAll = f.filter() == null ? used
                : used == items.size() ? all.size() : fromAll.get(used - 1) + 1;
            g.unread(all.subList(usedOfAll, all.size()));
          }
          break;
        }
      } finally {
        pop();
      }
    }
  }

  /** Jinja2's {@code loop} variable; attributes are computed when read. */
  static final class Loop {
    private final List<Object> items;
    private final int index;

    private final int[] taken;

    Loop(List<Object> items, int index, int[] taken) {
      this.items = items;
      this.index = index;
      this.taken = taken;
    }

    Object attribute(String name) {
      int n = items.size();
      int i = index;
      switch (name) {
        case "revindex", "revindex0", "length" -> taken[0] = n;
        case "last", "nextitem" -> taken[0] = Math.max(taken[0], i + 2);
        default -> { }
      }
      return switch (name) {
        case "index" -> (long) i + 1;
        case "index0" -> (long) i;
        case "revindex" -> (long) (n - i);
        case "revindex0" -> (long) (n - i - 1);
        case "first" -> i == 0;
        case "last" -> i == n - 1;
        case "length" -> (long) n;
        case "depth" -> 1L;
        case "depth0" -> 0L;
        case "previtem" -> i > 0 ? items.get(i - 1) : new Undefined("there is no previous item");
        case "nextitem" -> i < n - 1 ? items.get(i + 1) : new Undefined("there is no next item");
        case "cycle" -> (Fn) (args, kw) -> {
          if (args.isEmpty()) {
            throw new PyError("no items for cycling given");
          }
          return args.get(i % args.size());
        };
        default -> new Undefined("'LoopContext' object has no attribute '" + name + "'");
      };
    }

    @Override
    public String toString() {
      return "<LoopContext " + (index + 1) + "/" + items.size() + ">";
    }
  }

  private int macroDepth;

  /** A macro: called, it renders its body in a new scope over the scopes it was defined in. */
  private final class MacroFn implements Fn {
    private final JinjaParser.Macro macro;
    private final List<Map<String, Object>> closure;

    MacroFn(JinjaParser.Macro macro, List<Map<String, Object>> closure) {
      this.macro = macro;
      this.closure = closure;
    }

    @Override
    public Object call(List<Object> args, Map<String, Object> kwargs) {
      List<String> params = macro.params();
      if (args.size() > params.size() && !macro.varargs()) {
        throw new PyError("macro '" + macro.name() + "' takes not more than " + params.size()
            + " argument(s)");
      }
      for (String k : kwargs.keySet()) {
        if (!params.contains(k) && !macro.kwargs()) {
          throw new PyError("macro '" + macro.name() + "' takes no keyword argument '" + k + "'");
        }
      }
      if (++macroDepth > limits.maxNestingDepth()) {
        macroDepth--;
        throw new PyError("macro calls nested deeper than " + limits.maxNestingDepth()
            + " levels (recursion; ChatTemplateLimits.maxNestingDepth)");
      }
      List<Map<String, Object>> savedScopes = new ArrayList<>(scopes);
      Map<String, Object> savedScope = scope;
      int start = out.length();
      try {
        scopes.clear();
        scopes.addAll(closure);
        push();
        for (int i = 0; i < params.size(); i++) {
          String p = params.get(i);
          if (i < args.size()) {
            scope.put(p, args.get(i));
          } else if (kwargs.containsKey(p)) {
            scope.put(p, kwargs.get(p));
          } else if (macro.defaults().get(i) != null) {
            scope.put(p, eval(macro.defaults().get(i)));
          } else {
            scope.put(p, new Undefined("parameter '" + p + "' of macro '" + macro.name()
                + "' was not provided"));
          }
        }
        if (macro.varargs()) {
          scope.put("varargs", new Tuple(args.size() > params.size()
              ? new ArrayList<>(args.subList(params.size(), args.size())) : new ArrayList<>()));
        }
        if (macro.kwargs()) {
          Map<Object, Object> extra = new LinkedHashMap<>();
          kwargs.forEach((k, v) -> {
            if (!params.contains(k)) {
              extra.put(k, v);
            }
          });
          scope.put("kwargs", extra);
        }
        exec(macro.body());
        String result = out.substring(start);
        return result;
      } finally {
        out.setLength(start);
        scopes.clear();
        scopes.addAll(savedScopes);
        scope = savedScope;
        macroDepth--;
      }
    }
  }

  // ---- limits ----

  private void append(String s, Node at) {
    if ((long) out.length() + s.length() > limits.maxOutputChars()) {
      throw fail(at, "the rendered text exceeds the limit of " + limits.maxOutputChars()
          + " characters (ChatTemplateLimits.maxOutputChars)");
    }
    out.append(s);
  }

  private String sized(String s, Node at) {
    if (s.length() > limits.maxOutputChars()) {
      throw fail(at, "a string of " + s.length() + " characters exceeds the limit of "
          + limits.maxOutputChars() + " characters (ChatTemplateLimits.maxOutputChars)");
    }
    return s;
  }

  private void countIteration(Node at) {
    if (++iterations > limits.maxLoopIterations()) {
      throw fail(at, "more than " + limits.maxLoopIterations()
          + " loop iterations (ChatTemplateLimits.maxLoopIterations)");
    }
    checkTime(at);
  }

  private void checkTime(Node at) {
    if ((++tick & 63) == 0 && System.nanoTime() - deadline > 0) {
      throw fail(at, "rendering took longer than " + limits.timeout().toMillis()
          + " ms (ChatTemplateLimits.timeout)");
    }
  }

  // ---- expressions ----

  private interface Body<T> {
    T get();
  }

  /** Runs Python-level code and gives its errors the position of {@code at}. */
  private static <T> T guard(Node at, Body<T> body) {
    try {
      return body.get();
    } catch (PyError e) {
      throw fail(at, e.getMessage());
    }
  }

  private static ChatTemplateException fail(Node at, String message) {
    return new ChatTemplateException(at.line(), at.column(), message);
  }

  Object eval(Expr e) {
    if (e instanceof Const c) {
      return c.value();
    }
    if (e instanceof Name n) {
      return lookup(n.name());
    }
    if (e instanceof GetAttr g) {
      Object target = eval(g.target());
      return guard(g, () -> getAttr(target, g.name()));
    }
    if (e instanceof GetItem g) {
      Object target = eval(g.target());
      Object key = eval(g.key());
      return guard(g, () -> getItem(target, key));
    }
    if (e instanceof Slice s) {
      Object target = eval(s.target());
      Object start = s.start() == null ? null : eval(s.start());
      Object stop = s.stop() == null ? null : eval(s.stop());
      Object step = s.step() == null ? null : eval(s.step());
      return guard(s, () -> slice(target, start, stop, step));
    }
    if (e instanceof ListExpr l) {
      List<Object> items = new ArrayList<>(l.items().size());
      for (Expr item : l.items()) {
        items.add(eval(item));
      }
      return l.tuple() ? new Tuple(Collections.unmodifiableList(items)) : items;
    }
    if (e instanceof DictExpr d) {
      Map<Object, Object> map = new LinkedHashMap<>();
      for (int i = 0; i < d.keys().size(); i++) {
        map.put(eval(d.keys().get(i)), eval(d.values().get(i)));
      }
      return map;
    }
    if (e instanceof Unary u) {
      Object v = eval(u.operand());
      return guard(u, () -> unary(u.op(), v));
    }
    if (e instanceof Binary b) {
      return binary(b);
    }
    if (e instanceof Compare c) {
      return compare(c);
    }
    if (e instanceof Conditional c) {
      if (truthy(eval(c.condition()))) {
        return eval(c.then());
      }
      return c.orElse() == null ? new Undefined("the inline if expression had no else branch")
          : eval(c.orElse());
    }
    if (e instanceof Call c) {
      Object fn = eval(c.function());
      List<Object> args = new ArrayList<>();
      Map<String, Object> kwargs = new LinkedHashMap<>();
      evalArgs(c.args(), args, kwargs);
      return guard(c, () -> call(fn, args, kwargs));
    }
    if (e instanceof Filter f) {
      Object v = eval(f.value());
      List<Object> args = new ArrayList<>();
      Map<String, Object> kwargs = new LinkedHashMap<>();
      evalArgs(f.args(), args, kwargs);
      return guard(f, () -> filter(f, f.name(), v, args, kwargs));
    }
    if (e instanceof Test t) {
      Object v = eval(t.value());
      List<Object> args = new ArrayList<>();
      Map<String, Object> kwargs = new LinkedHashMap<>();
      evalArgs(t.args(), args, kwargs);
      boolean r = guard(t, () -> test(t.name(), v, args));
      return t.negated() != r;
    }
    throw fail(e, "unsupported expression " + e.getClass().getSimpleName());
  }

  private void evalArgs(Args a, List<Object> args, Map<String, Object> kwargs) {
    for (Expr p : a.positional()) {
      args.add(eval(p));
    }
    for (int i = 0; i < a.names().size(); i++) {
      kwargs.put(a.names().get(i), eval(a.named().get(i)));
    }
  }

  private Object binary(Binary b) {
    if (b.op().equals("and")) {
      Object l = eval(b.left());
      return truthy(l) ? eval(b.right()) : l;
    }
    if (b.op().equals("or")) {
      Object l = eval(b.left());
      return truthy(l) ? l : eval(b.right());
    }
    Object l = eval(b.left());
    Object r = eval(b.right());
    return guard(b, () -> arithmetic(b, b.op(), l, r));
  }

  private Object compare(Compare c) {
    Object left = eval(c.first());
    for (int i = 0; i < c.ops().size(); i++) {
      Object right = eval(c.rest().get(i));
      String op = c.ops().get(i);
      Object l = left;
      boolean ok = guard(c, () -> switch (op) {
        case "==" -> PyOps.eq(l, right);
        case "!=" -> !PyOps.eq(l, right);
        case "<" -> PyOps.compare(undefinedCheck(l), undefinedCheck(right), op) < 0;
        case "<=" -> PyOps.compare(undefinedCheck(l), undefinedCheck(right), op) <= 0;
        case ">" -> PyOps.compare(undefinedCheck(l), undefinedCheck(right), op) > 0;
        case ">=" -> PyOps.compare(undefinedCheck(l), undefinedCheck(right), op) >= 0;
        case "in" -> PyOps.contains(right, l);
        default -> !PyOps.contains(right, l);
      });
      if (!ok) {
        return false;
      }
      left = right;
    }
    return true;
  }

  private static Object undefinedCheck(Object v) {
    if (v instanceof Undefined u) {
      throw u.error();
    }
    return v;
  }

  private Object unary(String op, Object v) {
    if (op.equals("not")) {
      return !truthy(v);
    }
    undefinedCheck(v);
    if (!isNumber(v)) {
      throw new PyError("bad operand type for unary " + op + ": '" + typeName(v) + "'");
    }
    if (op.equals("+")) {
      return v instanceof Boolean ? asLong(v) : v;
    }
    if (v instanceof Double d) {
      return -d;
    }
    return Math.negateExact(asLong(v));
  }

  private Object arithmetic(Node at, String op, Object l, Object r) {
    if (op.equals("~")) {
      return sized(str(l) + str(r), at);
    }
    undefinedCheck(l);
    undefinedCheck(r);
    try {
      if (isNumber(l) && isNumber(r)) {
        return number(op, l, r);
      }
    } catch (ArithmeticException e) {
      throw new PyError(e.getMessage().contains("zero") ? "division by zero"
          : "integer overflow in '" + op + "' (the engine uses 64-bit integers)");
    }
    switch (op) {
      case "+" -> {
        if (l instanceof String a && r instanceof String b) {
          return sized(a + b, at);
        }
        if (l instanceof List<?> a && r instanceof List<?> b && (l instanceof Tuple) == (r instanceof Tuple)) {
          checkSize((long) a.size() + b.size(), at);
          List<Object> sum = new ArrayList<>(a);
          sum.addAll(b);
          return l instanceof Tuple ? new Tuple(sum) : sum;
        }
        if (l instanceof String) {
          throw new PyError("can only concatenate str (not \"" + typeName(r) + "\") to str");
        }
      }
      case "*" -> {
        Object seq = isInt(l) ? r : l;
        Object times = isInt(l) ? l : r;
        if (isInt(times) && (seq instanceof String || seq instanceof List)) {
          long n = Math.max(0, asLong(times));
          if (seq instanceof String s) {
            checkSize(n * s.length(), at);
            return s.repeat((int) n);
          }
          List<?> list = (List<?>) seq;
          checkSize(n * list.size(), at);
          List<Object> rep = new ArrayList<>();
          for (long k = 0; k < n; k++) {
            rep.addAll(list);
          }
          return seq instanceof Tuple ? new Tuple(rep) : rep;
        }
        if (seq instanceof String || seq instanceof List) {
          throw new PyError("can't multiply sequence by non-int of type '" + typeName(times) + "'");
        }
      }
      case "%" -> {
        if (l instanceof String) {
          throw new PyError("printf-style '%' string formatting is not supported by the chat"
              + " template engine");
        }
      }
      default -> { }
    }
    throw new PyError("unsupported operand type(s) for " + op + ": '" + typeName(l) + "' and '"
        + typeName(r) + "'");
  }

  private void checkSize(long size, Node at) {
    if (size > limits.maxOutputChars()) {
      throw fail(at, "a value of " + size + " characters or items exceeds the limit of "
          + limits.maxOutputChars() + " (ChatTemplateLimits.maxOutputChars)");
    }
  }

  private static Object number(String op, Object l, Object r) {
    if (isInt(l) && isInt(r)) {
      long a = asLong(l);
      long b = asLong(r);
      switch (op) {
        case "+" -> {
          return Math.addExact(a, b);
        }
        case "-" -> {
          return Math.subtractExact(a, b);
        }
        case "*" -> {
          return Math.multiplyExact(a, b);
        }
        case "/" -> {
          if (b == 0) {
            throw new PyError("division by zero");
          }
          return (double) a / b;
        }
        case "//" -> {
          if (b == 0) {
            throw new PyError("integer division or modulo by zero");
          }
          return Math.floorDiv(a, b);
        }
        case "%" -> {
          if (b == 0) {
            throw new PyError("integer division or modulo by zero");
          }
          return Math.floorMod(a, b);
        }
        default -> {
          if (b < 0) {
            return Math.pow(a, b);
          }
          long result = 1;
          for (long k = 0; k < b; k++) {
            result = Math.multiplyExact(result, a);
            if (result == 0 || result == 1 && a == 1) {
              break;
            }
          }
          return result;
        }
      }
    }
    double a = asDouble(l);
    double b = asDouble(r);
    return switch (op) {
      case "+" -> a + b;
      case "-" -> a - b;
      case "*" -> a * b;
      case "/" -> {
        if (b == 0) {
          throw new PyError("float division by zero");
        }
        yield a / b;
      }
      case "//" -> {
        if (b == 0) {
          throw new PyError("float floor division by zero");
        }
        yield Math.floor(a / b);
      }
      case "%" -> {
        if (b == 0) {
          throw new PyError("float modulo");
        }
        double m = a % b;
        yield m != 0 && (m < 0) != (b < 0) ? m + b : m;
      }
      default -> Math.pow(a, b);
    };
  }

  // ---- attribute and item access (the sandbox: only listed methods, never Java methods) ----

  private static final Set<String> UNSAFE_LIST = Set.of("append", "extend", "insert", "pop", "remove",
      "reverse", "sort", "clear");
  private static final Set<String> UNSAFE_DICT = Set.of("pop", "popitem", "setdefault", "update",
      "clear");

  private Object getAttr(Object target, String name) {
    if (target instanceof Undefined u) {
      throw u.error();
    }
    if (target instanceof Namespace ns) {
      return ns.attributes.containsKey(name) ? ns.attributes.get(name)
          : new Undefined("'Namespace' object has no attribute '" + name + "'");
    }
    if (target instanceof Loop loop) {
      return loop.attribute(name);
    }
    Object method = method(target, name);
    if (method != null) {
      return method;
    }
    if (target instanceof Map<?, ?> m && m.containsKey(name)) {
      return m.get(name);
    }
    return new Undefined("'" + typeName(target) + " object' has no attribute '" + name + "'");
  }

  private Object getItem(Object target, Object key) {
    if (target instanceof Undefined u) {
      throw u.error();
    }
    if (target instanceof Map<?, ?> m) {
      Object k = key instanceof Boolean b ? (Object) (b ? 1L : 0L) : key;
      if (m.containsKey(k)) {
        return m.get(k);
      }
    } else if (target instanceof List<?> l && isInt(key)) {
      long i = asLong(key);
      long idx = i < 0 ? i + l.size() : i;
      if (idx >= 0 && idx < l.size()) {
        return l.get((int) idx);
      }
      return new Undefined(typeName(target) + " index " + i + " is out of range");
    } else if (target instanceof String s && isInt(key)) {
      int[] cps = PyOps.codePoints(s);
      long i = asLong(key);
      long idx = i < 0 ? i + cps.length : i;
      if (idx >= 0 && idx < cps.length) {
        return new String(Character.toChars(cps[(int) idx]));
      }
      return new Undefined("string index " + i + " is out of range");
    }
    if (key instanceof String name) {
      return getAttr(target, name);
    }
    return new Undefined("'" + typeName(target) + " object' has no element " + PyOps.repr(key));
  }

  private static Object slice(Object target, Object start, Object stop, Object step) {
    undefinedCheck(target);
    long st = step == null ? 1 : sliceIndex(step);
    if (st == 0) {
      throw new PyError("slice step cannot be zero");
    }
    int n;
    int[] cps = null;
    if (target instanceof String s) {
      cps = PyOps.codePoints(s);
      n = cps.length;
    } else if (target instanceof List<?> l) {
      n = l.size();
    } else {
      throw new PyError("'" + typeName(target) + "' object is not subscriptable");
    }
    long lo;
    long hi;
    if (st > 0) {
      lo = start == null ? 0 : clamp(sliceIndex(start), n, 0, n);
      hi = stop == null ? n : clamp(sliceIndex(stop), n, 0, n);
    } else {
      lo = start == null ? n - 1 : clamp(sliceIndex(start), n, -1, n - 1);
      hi = stop == null ? -1 : clamp(sliceIndex(stop), n, -1, n - 1);
    }
    List<Integer> idx = new ArrayList<>();
    for (long i = lo; st > 0 ? i < hi : i > hi; i += st) {
      idx.add((int) i);
    }
    if (cps != null) {
      StringBuilder sb = new StringBuilder();
      for (int i : idx) {
        sb.appendCodePoint(cps[i]);
      }
      return sb.toString();
    }
    List<?> l = (List<?>) target;
    List<Object> outList = new ArrayList<>(idx.size());
    for (int i : idx) {
      outList.add(l.get(i));
    }
    return target instanceof Tuple ? new Tuple(outList) : outList;
  }

  private static long sliceIndex(Object v) {
    if (v == null) {
      throw new PyError("slice indices must be integers or None");
    }
    if (!isInt(v)) {
      throw new PyError("slice indices must be integers or None, not " + typeName(v));
    }
    return asLong(v);
  }

  private static long clamp(long i, int n, long lo, long hi) {
    long v = i < 0 ? i + n : i;
    return Math.max(lo, Math.min(hi, v));
  }

  private Object call(Object fn, List<Object> args, Map<String, Object> kwargs) {
    if (fn instanceof Fn f) {
      return f.call(args, kwargs);
    }
    if (fn instanceof Undefined u) {
      throw new PyError(u.hint().endsWith("is undefined") ? u.hint() + " (not a function the chat"
          + " template engine provides)" : u.hint());
    }
    throw new PyError("'" + typeName(fn) + "' object is not callable");
  }

  /** The Python methods of str, dict and list that templates may call; null if {@code name} is none. */
  private Object method(Object target, String name) {
    if (target instanceof String s) {
      return StringMethods.method(s, name, this::sizedString);
    }
    if (target instanceof Map<?, ?> m) {
      if (UNSAFE_DICT.contains(name)) {
        return unsafe("dict", name);
      }
      return switch (name) {
        case "items", "keys", "values" -> (Fn) (a, k) -> {
          noArgs(name, a, k);
          return new PyOps.DictView(name, m);
        };
        case "get" -> (Fn) (a, k) -> {
          if (a.isEmpty() || a.size() > 2 || !k.isEmpty()) {
            throw new PyError("get expected 1 or 2 arguments, got " + (a.size() + k.size()));
          }
          return m.containsKey(a.get(0)) ? m.get(a.get(0)) : a.size() > 1 ? a.get(1) : null;
        };
        default -> null;
      };
    }
    if (target instanceof List<?> l) {
      if (UNSAFE_LIST.contains(name)) {
        return unsafe(typeName(target), name);
      }
      return switch (name) {
        case "index" -> (Fn) (a, k) -> {
          for (int i = 0; i < l.size(); i++) {
            if (PyOps.eq(l.get(i), a.get(0))) {
              return (long) i;
            }
          }
          throw new PyError(PyOps.repr(a.get(0)) + " is not in list");
        };
        case "count" -> (Fn) (a, k) -> l.stream().filter(x -> PyOps.eq(x, a.get(0))).count();
        default -> null;
      };
    }
    return null;
  }

  private String sizedString(String s) {
    if (s.length() > limits.maxOutputChars()) {
      throw new PyError("a string of " + s.length() + " characters exceeds the limit of "
          + limits.maxOutputChars() + " characters (ChatTemplateLimits.maxOutputChars)");
    }
    return s;
  }

  static void noArgs(String name, List<Object> a, Map<String, Object> k) {
    if (!a.isEmpty() || !k.isEmpty()) {
      throw new PyError(name + "() takes no arguments");
    }
  }

  private static Fn unsafe(String type, String name) {
    return (a, k) -> {
      throw new PyError("access to attribute '" + name + "' of '" + type
          + "' object is unsafe (the sandbox is immutable)");
    };
  }

  // ---- globals ----

  private Map<String, Object> globals() {
    Map<String, Object> g = new HashMap<>();
    g.put("range", (Fn) (a, k) -> range(a, k));
    g.put("namespace", (Fn) (a, k) -> {
      Namespace ns = new Namespace();
      for (Object o : a) {
        if (!(o instanceof Map<?, ?> m)) {
          throw new PyError("namespace() takes keyword arguments or a dict, found a " + typeName(o));
        }
        m.forEach((key, v) -> ns.attributes.put(str(key), v));
      }
      ns.attributes.putAll(k);
      return ns;
    });
    g.put("dict", (Fn) (a, k) -> {
      Map<Object, Object> m = new LinkedHashMap<>();
      for (Object o : a) {
        if (!(o instanceof Map<?, ?> src)) {
          throw new PyError("dict() takes keyword arguments or a dict, found a " + typeName(o));
        }
        m.putAll(src);
      }
      m.putAll(k);
      return m;
    });
    g.put("raise_exception", (Fn) (a, k) -> {
      throw new PyError("raise_exception: " + (a.isEmpty() ? "" : str(a.get(0))));
    });
    g.put("strftime_now", (Fn) (a, k) -> {
      if (a.size() != 1 || !(a.get(0) instanceof String f)) {
        throw new PyError("strftime_now(format) takes one string argument");
      }
      return strftime(f, LocalDateTime.now(clock));
    });
    return g;
  }

  private Object range(List<Object> a, Map<String, Object> k) {
    if (a.isEmpty() || a.size() > 3 || !k.isEmpty()) {
      throw new PyError("range expected 1 to 3 integer arguments, got " + (a.size() + k.size()));
    }
    for (Object o : a) {
      if (!isInt(o)) {
        throw new PyError("'" + typeName(o) + "' object cannot be interpreted as an integer");
      }
    }
    long start = a.size() == 1 ? 0 : asLong(a.get(0));
    long stop = a.size() == 1 ? asLong(a.get(0)) : asLong(a.get(1));
    long step = a.size() == 3 ? asLong(a.get(2)) : 1;
    if (step == 0) {
      throw new PyError("range() arg 3 must not be zero");
    }
    long n = step > 0 ? Math.max(0, (stop - start + step - 1) / step)
        : Math.max(0, (start - stop - step - 1) / -step);
    if (n > limits.maxRange()) {
      throw new PyError("range of " + n + " items exceeds the limit of " + limits.maxRange()
          + " (ChatTemplateLimits.maxRange)");
    }
    List<Object> out = new ArrayList<>((int) n);
    for (long i = 0; i < n; i++) {
      out.add(start + i * step);
    }
    return out;
  }

  /** C strftime with English names, as Python's datetime.strftime on Linux renders it. */
  static String strftime(String format, LocalDateTime t) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < format.length(); i++) {
      char c = format.charAt(i);
      if (c != '%' || i + 1 >= format.length()) {
        sb.append(c);
        continue;
      }
      char d = format.charAt(++i);
      boolean noPad = false;
      if (d == '-' && i + 1 < format.length()) {
        noPad = true;
        d = format.charAt(++i);
      }
      int hour12 = t.getHour() % 12 == 0 ? 12 : t.getHour() % 12;
      String v = switch (d) {
        case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
        case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
        case 'b', 'h' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
        case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
        case 'd' -> pad(t.getDayOfMonth(), 2, noPad);
        case 'e' -> noPad ? Integer.toString(t.getDayOfMonth())
            : String.format("%2d", t.getDayOfMonth());
        case 'm' -> pad(t.getMonthValue(), 2, noPad);
        case 'y' -> pad(t.getYear() % 100, 2, noPad);
        case 'Y' -> Integer.toString(t.getYear());
        case 'H' -> pad(t.getHour(), 2, noPad);
        case 'I' -> pad(hour12, 2, noPad);
        case 'M' -> pad(t.getMinute(), 2, noPad);
        case 'S' -> pad(t.getSecond(), 2, noPad);
        case 'f' -> String.format("%06d", t.getNano() / 1000);
        case 'p' -> t.getHour() < 12 ? "AM" : "PM";
        case 'j' -> pad(t.getDayOfYear(), 3, noPad);
        case 'w' -> Integer.toString(t.getDayOfWeek().getValue() % 7);
        case 'u' -> Integer.toString(t.getDayOfWeek().getValue());
        case 'F' -> String.format("%d-%02d-%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth());
        case 'D' -> String.format("%02d/%02d/%02d", t.getMonthValue(), t.getDayOfMonth(),
            t.getYear() % 100);
        case 'T' -> String.format("%02d:%02d:%02d", t.getHour(), t.getMinute(), t.getSecond());
        case 'R' -> String.format("%02d:%02d", t.getHour(), t.getMinute());
        case 'z', 'Z' -> "";
        case '%' -> "%";
        default -> throw new PyError("strftime_now: the directive %" + d + " is not supported");
      };
      sb.append(v);
    }
    return sb.toString();
  }

  private static String pad(int v, int width, boolean noPad) {
    return noPad ? Integer.toString(v) : String.format("%0" + width + "d", v);
  }

  // ---- filters and tests ----

  private Object filter(Node at, String name, Object v, List<Object> a, Map<String, Object> k) {
    return JinjaFilters.apply(this, at, name, v, a, k);
  }

  String checkedString(String s, Node at) {
    return sized(s, at);
  }

  Object attribute(Object item, String dotted) {
    Object v = item;
    for (String part : dotted.split("\\.")) {
      Object key = part.chars().allMatch(Character::isDigit) && !part.isEmpty()
          ? (Object) Long.parseLong(part) : part;
      v = getItem(v, key);
    }
    return v;
  }

  Object callFilter(Node at, String name, Object v, List<Object> a) {
    return filter(at, name, v, a, Map.of());
  }

  boolean test(String name, Object v, List<Object> a) {
    return switch (name) {
      case "defined" -> !(v instanceof Undefined);
      case "undefined" -> v instanceof Undefined;
      case "none" -> v == null;
      case "string" -> v instanceof String;
      case "number" -> isNumber(v);
      case "integer" -> v instanceof Long;
      case "float" -> v instanceof Double;
      case "boolean" -> v instanceof Boolean;
      case "true" -> Boolean.TRUE.equals(v);
      case "false" -> Boolean.FALSE.equals(v);
      case "mapping" -> v instanceof Map;
      case "iterable" -> v instanceof String || v instanceof List || v instanceof Map
          || v instanceof Undefined || v instanceof PyOps.Generator || v instanceof PyOps.DictView;
      case "sequence" -> v instanceof String || v instanceof List || v instanceof Map
          || v instanceof Undefined;
      case "callable" -> v instanceof Fn;
      case "odd" -> asLong(undefinedCheck(v)) % 2 != 0;
      case "even" -> asLong(undefinedCheck(v)) % 2 == 0;
      case "divisibleby" -> asLong(v) % asLong(arg(a, 0, name)) == 0;
      case "equalto", "eq", "==" -> PyOps.eq(v, arg(a, 0, name));
      case "ne", "!=" -> !PyOps.eq(v, arg(a, 0, name));
      case "lt", "<" -> PyOps.compare(v, arg(a, 0, name), "<") < 0;
      case "le", "<=" -> PyOps.compare(v, arg(a, 0, name), "<=") <= 0;
      case "gt", ">" -> PyOps.compare(v, arg(a, 0, name), ">") > 0;
      case "ge", ">=" -> PyOps.compare(v, arg(a, 0, name), ">=") >= 0;
      case "in" -> PyOps.contains(arg(a, 0, name), v);
      case "sameas" -> v == arg(a, 0, name) || (v != null && PyOps.eq(v, arg(a, 0, name))
          && (v instanceof Boolean || v instanceof Undefined));
      case "lower" -> str(v).equals(str(v).toLowerCase(Locale.ROOT));
      case "upper" -> str(v).equals(str(v).toUpperCase(Locale.ROOT));
      case "filter" -> FILTERS.contains(str(v));
      case "test" -> TESTS.contains(str(v));
      default -> throw new PyError("no test named '" + name + "'");
    };
  }

  private static Object arg(List<Object> a, int i, String name) {
    if (a.size() <= i) {
      throw new PyError("the test '" + name + "' needs an argument");
    }
    return a.get(i);
  }
}
