package org.consistency4j.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.consistency4j.tokenizer.JinjaLexer.Token;
import org.consistency4j.tokenizer.JinjaLexer.Type;

/**
 * Parses the tokens of {@link JinjaLexer} into a tree, following Jinja2's grammar and operator
 * precedence for the subset chat templates use. Statements other than if/for/set/break/continue/
 * generation/raw (include, import, extends, macro, call, filter blocks, ...) are rejected with the
 * line and the tag name. Nesting deeper than the limit is rejected before the Java stack can overflow.
 */
final class JinjaParser {
  /** A node with a place in the template. */
  sealed interface Node permits Stmt, Expr {
    int line();

    int column();
  }

  sealed interface Stmt extends Node {}

  record Text(String text, int line, int column) implements Stmt {}

  record Emit(Expr value, int line, int column) implements Stmt {}

  record If(List<Expr> conditions, List<List<Stmt>> bodies, List<Stmt> orElse, int line, int column)
      implements Stmt {}

  record For(List<String> targets, Expr iterable, Expr filter, List<Stmt> body, List<Stmt> orElse,
      int line, int column) implements Stmt {}

  /** {@code set name = value}, {@code set a, b = value} or {@code set ns.attr = value}. */
  record Assign(List<String> targets, String attribute, Expr value, int line, int column) implements Stmt {}

  record SetBlock(String target, List<Stmt> body, int line, int column) implements Stmt {}

  record LoopControl(boolean isBreak, int line, int column) implements Stmt {}

  /**
   * {@code {% macro name(a, b=default) %}}: {@code defaults} has a null entry for a parameter
   * without default; {@code varargs}/{@code kwargs} say whether the body reads those names (then
   * extra arguments are collected, as Jinja2 does).
   */
  record Macro(String name, List<String> params, List<Expr> defaults, List<Stmt> body,
      boolean varargs, boolean kwargs, int line, int column) implements Stmt {}

  sealed interface Expr extends Node {}

  record Const(Object value, int line, int column) implements Expr {}

  record Name(String name, int line, int column) implements Expr {}

  record ListExpr(List<Expr> items, boolean tuple, int line, int column) implements Expr {}

  record DictExpr(List<Expr> keys, List<Expr> values, int line, int column) implements Expr {}

  record GetAttr(Expr target, String name, int line, int column) implements Expr {}

  record GetItem(Expr target, Expr key, int line, int column) implements Expr {}

  record Slice(Expr target, Expr start, Expr stop, Expr step, int line, int column) implements Expr {}

  record Args(List<Expr> positional, List<String> names, List<Expr> named) {}

  record Call(Expr function, Args args, int line, int column) implements Expr {}

  record Filter(Expr value, String name, Args args, int line, int column) implements Expr {}

  record Test(Expr value, String name, Args args, boolean negated, int line, int column)
      implements Expr {}

  record Unary(String op, Expr operand, int line, int column) implements Expr {}

  record Binary(String op, Expr left, Expr right, int line, int column) implements Expr {}

  record Compare(Expr first, List<String> ops, List<Expr> rest, int line, int column) implements Expr {}

  record Conditional(Expr condition, Expr then, Expr orElse, int line, int column) implements Expr {}

  private static final Set<String> UNSUPPORTED_TAGS =
      Set.of("include", "import", "from", "extends", "block", "call", "filter", "with",
          "autoescape", "do", "trans", "pluralize");
  private static final Set<String> COMPARE_OPS = Set.of("==", "!=", "<", "<=", ">", ">=");

  private final List<Token> tokens;
  private final int maxDepth;
  private int pos;
  private int depth;

  private JinjaParser(List<Token> tokens, int maxDepth) {
    this.tokens = tokens;
    this.maxDepth = maxDepth;
  }

  /** Parses a whole template. */
  static List<Stmt> parse(String source, int maxDepth) {
    JinjaParser p = new JinjaParser(JinjaLexer.tokenize(source), maxDepth);
    List<Stmt> body = p.body(Set.of());
    if (p.pos < p.tokens.size()) {
      Token t = p.tokens.get(p.pos + 1 < p.tokens.size() ? p.pos + 1 : p.pos);
      throw new ChatTemplateException(t.line(), t.column(),
          "unexpected {% " + t.text() + " %} with no open block it could close");
    }
    return body;
  }

  // ---- statements ----

  /** Parses statements until a block tag whose name is in {@code ends} (left unconsumed) or the end. */
  private List<Stmt> body(Set<String> ends) {
    List<Stmt> out = new ArrayList<>();
    while (pos < tokens.size()) {
      Token t = tokens.get(pos);
      switch (t.type()) {
        case DATA -> {
          out.add(new Text((String) t.value(), t.line(), t.column()));
          pos++;
        }
        case VAR_BEGIN -> {
          pos++;
          Expr e = tuple(true);
          expect(Type.VAR_END, "}}");
          out.add(new Emit(e, t.line(), t.column()));
        }
        case BLOCK_BEGIN -> {
          Token name = tokens.get(pos + 1);
          check(name.type() == Type.NAME, name,
              "expected a tag name after {%, found '" + name.text() + "'");
          if (ends.contains(name.text())) {
            return out;
          }
          pos += 2;
          out.add(statement(name));
        }
        default -> throw at(t, "unexpected '" + t.text() + "'");
      }
    }
    return out;
  }

  private Stmt statement(Token name) {
    enter(name);
    try {
      return switch (name.text()) {
        case "if" -> ifStatement(name);
        case "for" -> forStatement(name);
        case "set" -> setStatement(name);
        case "macro" -> macroStatement(name);
        case "break", "continue" -> {
          expect(Type.BLOCK_END, "%}");
          yield new LoopControl(name.text().equals("break"), name.line(), name.column());
        }
        case "generation" -> {
          // transformers' assistant-mask tag: the body renders unchanged.
          expect(Type.BLOCK_END, "%}");
          List<Stmt> body = body(Set.of("endgeneration"));
          closeTag(name, "endgeneration");
          yield new If(List.of(new Const(true, name.line(), name.column())), List.of(body), List.of(),
              name.line(), name.column());
        }
        default -> throw at(name, UNSUPPORTED_TAGS.contains(name.text())
            ? "the {% " + name.text() + " %} tag is not supported by the chat template engine"
            : "unknown tag {% " + name.text() + " %}" + (name.text().startsWith("end")
                || name.text().equals("else") || name.text().equals("elif")
                ? " with no open block it could belong to" : ""));
      };
    } finally {
      depth--;
    }
  }

  private Stmt ifStatement(Token start) {
    List<Expr> conditions = new ArrayList<>();
    List<List<Stmt>> bodies = new ArrayList<>();
    conditions.add(tuple(false));
    expect(Type.BLOCK_END, "%}");
    Set<String> ends = Set.of("elif", "else", "endif");
    while (true) {
      bodies.add(body(ends));
      Token tag = closing(start, "endif");
      if (tag.text().equals("elif")) {
        conditions.add(tuple(false));
        expect(Type.BLOCK_END, "%}");
      } else if (tag.text().equals("else")) {
        expect(Type.BLOCK_END, "%}");
        List<Stmt> orElse = body(Set.of("endif"));
        closeTag(start, "endif");
        return new If(conditions, bodies, orElse, start.line(), start.column());
      } else {
        expect(Type.BLOCK_END, "%}");
        return new If(conditions, bodies, List.of(), start.line(), start.column());
      }
    }
  }

  private Stmt forStatement(Token start) {
    List<String> targets = new ArrayList<>();
    do {
      targets.add(expectName("a loop variable name"));
    } while (accept(","));
    Token in = next();
    check(in.isName("in"), in, "expected 'in' in {% for %}, found '" + in.text() + "'");
    Expr iterable = tuple(false, true);
    Expr filter = null;
    if (peek().isName("if")) {
      pos++;
      filter = expression(true);
    }
    check(!peek().isName("recursive"), peek(),
        "recursive for loops are not supported by the chat template engine");
    expect(Type.BLOCK_END, "%}");
    List<Stmt> body = body(Set.of("else", "endfor"));
    List<Stmt> orElse = List.of();
    Token tag = closing(start, "endfor");
    expect(Type.BLOCK_END, "%}");
    if (tag.text().equals("else")) {
      orElse = body(Set.of("endfor"));
      closeTag(start, "endfor");
    }
    return new For(List.copyOf(targets), iterable, filter, body, orElse, start.line(), start.column());
  }

  private Stmt setStatement(Token start) {
    List<String> targets = new ArrayList<>();
    String attribute = null;
    targets.add(expectName("a variable name"));
    if (accept(".")) {
      attribute = expectName("an attribute name");
    } else {
      while (accept(",")) {
        targets.add(expectName("a variable name"));
      }
    }
    if (peek().type() == Type.BLOCK_END && attribute == null && targets.size() == 1) {
      pos++;
      List<Stmt> body = body(Set.of("endset"));
      closeTag(start, "endset");
      return new SetBlock(targets.get(0), body, start.line(), start.column());
    }
    expect(Type.OP, "=");
    Expr value = tuple(false);
    expect(Type.BLOCK_END, "%}");
    return new Assign(List.copyOf(targets), attribute, value, start.line(), start.column());
  }

  private Stmt macroStatement(Token start) {
    String name = expectName("a macro name");
    expect(Type.OP, "(");
    List<String> params = new ArrayList<>();
    List<Expr> defaults = new ArrayList<>();
    while (!peek().isOp(")")) {
      params.add(expectName("a parameter name"));
      defaults.add(accept("=") ? expression(true) : null);
      if (!accept(",")) {
        break;
      }
    }
    expect(Type.OP, ")");
    expect(Type.BLOCK_END, "%}");
    int bodyStart = pos;
    List<Stmt> body = body(Set.of("endmacro"));
    boolean varargs = false;
    boolean kwargs = false;
    for (int i = bodyStart; i < pos; i++) {
      Token t = tokens.get(i);
      varargs |= t.isName("varargs");
      kwargs |= t.isName("kwargs");
    }
    closeTag(start, "endmacro");
    return new Macro(name, List.copyOf(params), java.util.Collections.unmodifiableList(defaults),
        body, varargs, kwargs, start.line(), start.column());
  }

  /** Consumes "{% name" of the tag that ends a body, failing if the template ended instead. */
  private Token closing(Token start, String end) {
    check(pos < tokens.size(), start,
        "{% " + start.text() + " %} is never closed with {% " + end + " %}");
    pos++;
    return next();
  }

  private void closeTag(Token start, String end) {
    Token tag = closing(start, end);
    check(tag.text().equals(end), tag,
        "expected {% " + end + " %}, found {% " + tag.text() + " %}");
    expect(Type.BLOCK_END, "%}");
  }

  // ---- expressions ----

  /** A comma-separated list becomes a tuple; {@code implicitOk} allows an empty one. */
  private Expr tuple(boolean emit) {
    return tuple(emit, false);
  }

  private Expr tuple(boolean emit, boolean noCondExpr) {
    Token first = peek();
    List<Expr> items = new ArrayList<>();
    boolean comma = false;
    while (true) {
      if (!items.isEmpty() && tupleEnds()) {
        break;
      }
      items.add(noCondExpr ? or() : expression(true));
      if (accept(",")) {
        comma = true;
      } else {
        break;
      }
    }
    if (!comma) {
      return items.get(0);
    }
    return new ListExpr(items, true, first.line(), first.column());
  }

  private boolean tupleEnds() {
    Token t = peek();
    return t.type() == Type.VAR_END || t.type() == Type.BLOCK_END || t.isOp(")") || t.isName("in")
        || t.isName("if") || t.isOp("=");
  }

  private Expr expression(boolean withCondExpr) {
    Token t = peek();
    enter(t);
    try {
      if (!withCondExpr) {
        return or();
      }
      Expr e = or();
      while (peek().isName("if")) {
        pos++;
        Expr condition = or();
        Expr orElse = null;
        if (peek().isName("else")) {
          pos++;
          orElse = expression(true);
        }
        e = new Conditional(condition, e, orElse, t.line(), t.column());
      }
      return e;
    } finally {
      depth--;
    }
  }

  private Expr or() {
    Expr left = and();
    while (peek().isName("or")) {
      Token op = next();
      left = new Binary("or", left, and(), op.line(), op.column());
    }
    return left;
  }

  private Expr and() {
    Expr left = not();
    while (peek().isName("and")) {
      Token op = next();
      left = new Binary("and", left, not(), op.line(), op.column());
    }
    return left;
  }

  private Expr not() {
    if (peek().isName("not")) {
      Token op = next();
      enter(op);
      try {
        return new Unary("not", not(), op.line(), op.column());
      } finally {
        depth--;
      }
    }
    return compare();
  }

  private Expr compare() {
    Token start = peek();
    Expr first = math1();
    List<String> ops = new ArrayList<>();
    List<Expr> rest = new ArrayList<>();
    while (true) {
      Token t = peek();
      if (t.type() == Type.OP && COMPARE_OPS.contains(t.text())) {
        pos++;
        ops.add(t.text());
      } else if (t.isName("in")) {
        pos++;
        ops.add("in");
      } else if (t.isName("not") && peekAt(1).isName("in")) {
        pos += 2;
        ops.add("not in");
      } else {
        break;
      }
      rest.add(math1());
    }
    return ops.isEmpty() ? first : new Compare(first, ops, rest, start.line(), start.column());
  }

  private Expr math1() {
    Expr left = concat();
    while (peek().isOp("+") || peek().isOp("-")) {
      Token op = next();
      left = new Binary(op.text(), left, concat(), op.line(), op.column());
    }
    return left;
  }

  private Expr concat() {
    Expr left = math2();
    while (peek().isOp("~")) {
      Token op = next();
      left = new Binary("~", left, math2(), op.line(), op.column());
    }
    return left;
  }

  private Expr math2() {
    Expr left = pow();
    while (peek().isOp("*") || peek().isOp("/") || peek().isOp("//") || peek().isOp("%")) {
      Token op = next();
      left = new Binary(op.text(), left, pow(), op.line(), op.column());
    }
    return left;
  }

  private Expr pow() {
    Expr left = unary(true);
    while (peek().isOp("**")) {
      Token op = next();
      left = new Binary("**", left, unary(true), op.line(), op.column());
    }
    return left;
  }

  private Expr unary(boolean withFilter) {
    Token t = peek();
    Expr e;
    if (t.isOp("-") || t.isOp("+")) {
      pos++;
      enter(t);
      try {
        e = new Unary(t.text(), unary(false), t.line(), t.column());
      } finally {
        depth--;
      }
    } else {
      e = postfix(primary());
    }
    return withFilter ? filters(e) : e;
  }

  private Expr primary() {
    Token t = next();
    switch (t.type()) {
      case NAME -> {
        return switch (t.text()) {
          case "true", "True" -> new Const(true, t.line(), t.column());
          case "false", "False" -> new Const(false, t.line(), t.column());
          case "none", "None" -> new Const(null, t.line(), t.column());
          default -> new Name(t.text(), t.line(), t.column());
        };
      }
      case STRING -> {
        StringBuilder sb = new StringBuilder((String) t.value());
        while (peek().type() == Type.STRING) {
          sb.append((String) next().value());
        }
        return new Const(sb.toString(), t.line(), t.column());
      }
      case INT, FLOAT -> {
        return new Const(t.value(), t.line(), t.column());
      }
      case OP -> {
        switch (t.text()) {
          case "(" -> {
            enter(t);
            try {
              if (accept(")")) {
                return new ListExpr(List.of(), true, t.line(), t.column());
              }
              Expr first = expression(true);
              if (accept(")")) {
                return first;
              }
              List<Expr> items = new ArrayList<>(List.of(first));
              while (accept(",")) {
                if (peek().isOp(")")) {
                  break;
                }
                items.add(expression(true));
              }
              expect(Type.OP, ")");
              return new ListExpr(items, true, t.line(), t.column());
            } finally {
              depth--;
            }
          }
          case "[" -> {
            enter(t);
            try {
              List<Expr> items = new ArrayList<>();
              while (!peek().isOp("]")) {
                items.add(expression(true));
                if (!accept(",")) {
                  break;
                }
              }
              expect(Type.OP, "]");
              return new ListExpr(items, false, t.line(), t.column());
            } finally {
              depth--;
            }
          }
          case "{" -> {
            enter(t);
            try {
              List<Expr> keys = new ArrayList<>();
              List<Expr> values = new ArrayList<>();
              while (!peek().isOp("}")) {
                keys.add(expression(true));
                expect(Type.OP, ":");
                values.add(expression(true));
                if (!accept(",")) {
                  break;
                }
              }
              expect(Type.OP, "}");
              return new DictExpr(keys, values, t.line(), t.column());
            } finally {
              depth--;
            }
          }
          default -> throw at(t, "unexpected '" + t.text() + "' in an expression");
        }
      }
      default -> throw at(t, t.type() == Type.EOF ? "the template ends inside an expression"
          : "unexpected '" + t.text() + "' where an expression was expected");
    }
  }

  private Expr postfix(Expr e) {
    while (true) {
      Token t = peek();
      if (t.isOp(".")) {
        pos++;
        Token n = next();
        if (n.type() == Type.NAME) {
          e = new GetAttr(e, n.text(), n.line(), n.column());
        } else if (n.type() == Type.INT) {
          e = new GetItem(e, new Const(n.value(), n.line(), n.column()), n.line(), n.column());
        } else {
          throw at(n, "expected an attribute name after '.', found '" + n.text() + "'");
        }
      } else if (t.isOp("[")) {
        pos++;
        e = subscript(e, t);
      } else if (t.isOp("(")) {
        pos++;
        e = new Call(e, arguments(t), t.line(), t.column());
      } else {
        return e;
      }
    }
  }

  private Expr subscript(Expr target, Token open) {
    Expr[] parts = new Expr[3];
    int part = 0;
    boolean slice = false;
    while (!peek().isOp("]")) {
      if (peek().isOp(":")) {
        pos++;
        slice = true;
        part++;
        check(part <= 2, peek(), "a slice has at most three parts");
        continue;
      }
      parts[part] = expression(true);
      check(slice || !peek().isOp(","), peek(),
          "tuple subscripts are not supported by the chat template engine");
    }
    expect(Type.OP, "]");
    if (!slice) {
      check(parts[0] != null, open, "empty subscript []");
      return new GetItem(target, parts[0], open.line(), open.column());
    }
    return new Slice(target, parts[0], parts[1], parts[2], open.line(), open.column());
  }

  private Args arguments(Token open) {
    enter(open);
    try {
      List<Expr> positional = new ArrayList<>();
      List<String> names = new ArrayList<>();
      List<Expr> named = new ArrayList<>();
      while (!peek().isOp(")")) {
        Token t = peek();
        check(!t.isOp("*") && !t.isOp("**"), t,
            "*args and **kwargs in calls are not supported by the chat template engine");
        if (t.type() == Type.NAME && peekAt(1).isOp("=")) {
          pos += 2;
          names.add(t.text());
          named.add(expression(true));
        } else {
          check(names.isEmpty(), t, "a positional argument follows a keyword argument");
          positional.add(expression(true));
        }
        if (!accept(",")) {
          break;
        }
      }
      expect(Type.OP, ")");
      return new Args(positional, names, named);
    } finally {
      depth--;
    }
  }

  private Expr filters(Expr e) {
    while (true) {
      Token t = peek();
      if (t.isOp("|")) {
        pos++;
        Token name = next();
        check(name.type() == Type.NAME, name,
            "expected a filter name after '|', found '" + name.text() + "'");
        String n = name.text();
        while (accept(".")) {
          n += "." + expectName("a filter name");
        }
        Args args = new Args(List.of(), List.of(), List.of());
        if (peek().isOp("(")) {
          Token open = next();
          args = arguments(open);
        }
        e = new Filter(e, n, args, name.line(), name.column());
      } else if (t.isName("is")) {
        pos++;
        boolean negated = false;
        if (peek().isName("not")) {
          pos++;
          negated = true;
        }
        Token name = next();
        check(name.type() == Type.NAME, name,
            "expected a test name after 'is', found '" + name.text() + "'");
        String n = name.text();
        Args args = new Args(List.of(), List.of(), List.of());
        Token a = peek();
        if (a.isOp("(")) {
          pos++;
          args = arguments(a);
        } else if ((a.type() == Type.NAME || a.type() == Type.STRING || a.type() == Type.INT
            || a.type() == Type.FLOAT || a.isOp("[") || a.isOp("{"))
            && !a.isName("else") && !a.isName("or") && !a.isName("and") && !a.isName("is")
            && !a.isName("if") && !a.isName("in") && !a.isName("not")) {
          args = new Args(List.of(postfix(primary())), List.of(), List.of());
        }
        e = new Test(e, n, args, negated, name.line(), name.column());
      } else if (t.isOp("(")) {
        pos++;
        e = new Call(e, arguments(t), t.line(), t.column());
      } else {
        return e;
      }
    }
  }

  // ---- token helpers ----

  private void enter(Token t) {
    depth++;
    check(depth <= maxDepth, t,
        "nesting deeper than " + maxDepth + " levels (blocks, brackets and operators)");
  }

  private Token peek() {
    return peekAt(0);
  }

  private Token peekAt(int k) {
    int i = pos + k;
    if (i < tokens.size()) {
      return tokens.get(i);
    }
    Token last = tokens.isEmpty() ? null : tokens.get(tokens.size() - 1);
    return new Token(Type.EOF, "end of template", null, last == null ? 1 : last.line(),
        last == null ? 1 : last.column());
  }

  private Token next() {
    Token t = peek();
    pos++;
    return t;
  }

  private boolean accept(String op) {
    if (peek().isOp(op)) {
      pos++;
      return true;
    }
    return false;
  }

  private void expect(Type type, String text) {
    Token t = next();
    check(t.type() == type && t.text().equals(text), t,
        "expected '" + text + "', found '" + t.text() + "'");
  }

  private String expectName(String what) {
    Token t = next();
    check(t.type() == Type.NAME, t, "expected " + what + ", found '" + t.text() + "'");
    return t.text();
  }

  private static ChatTemplateException at(Token t, String message) {
    return new ChatTemplateException(t.line(), t.column(), message);
  }

  private static void check(boolean condition, Token t, String message) {
    if (!condition) {
      throw at(t, message);
    }
  }
}
