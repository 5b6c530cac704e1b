package org.consistency4j.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a Jinja template into tokens with Jinja2's whitespace rules as transformers configures them:
 * newlines normalized to {@code \n}, one trailing newline dropped, {@code trim_blocks} (the newline
 * after a block or comment tag is removed), {@code lstrip_blocks} (spaces and tabs from the start of
 * a line up to a block or comment tag are removed), and the {@code -} / {@code +} markers.
 */
final class JinjaLexer {
  enum Type {
    DATA, VAR_BEGIN, VAR_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INT, FLOAT, OP, EOF
  }

  record Token(Type type, String text, Object value, int line, int column) {
    boolean is(Type t, String s) {
      return type == t && text.equals(s);
    }

    boolean isOp(String s) {
      return is(Type.OP, s);
    }

    boolean isName(String s) {
      return is(Type.NAME, s);
    }
  }

  private static final String[] OPERATORS = {
    "//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}",
    ">", "<", "=", ".", ":", "|", ",", ";"
  };

  private final String src;
  private final int[] lineStarts;
  private final List<Token> tokens = new ArrayList<>();
  private int pos;
  private boolean lineStarting = true;

  private JinjaLexer(String source) {
    String s = source.replace("\r\n", "\n").replace('\r', '\n');
    if (s.endsWith("\n")) {
      s = s.substring(0, s.length() - 1);
    }
    this.src = s;
    int lines = 1;
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == '\n') {
        lines++;
      }
    }
    lineStarts = new int[lines];
    for (int i = 0, l = 1; i < s.length(); i++) {
      if (s.charAt(i) == '\n') {
        lineStarts[l++] = i + 1;
      }
    }
  }

  static List<Token> tokenize(String source) {
    JinjaLexer lexer = new JinjaLexer(source);
    lexer.run();
    return lexer.tokens;
  }

  private void run() {
    while (pos < src.length()) {
      int start = nextTagStart(pos);
      if (start < 0) {
        addData(src.substring(pos), pos);
        return;
      }
      char kind = src.charAt(start + 1);
      char marker = start + 2 < src.length() ? src.charAt(start + 2) : 0;
      String text = src.substring(pos, start);
      if (marker == '-') {
        text = rstrip(text);
      } else if (marker != '+' && kind != '{') {
        int lpos = text.lastIndexOf('\n') + 1;
        if ((lpos > 0 || lineStarting) && lpos < text.length() && isBlank(text, lpos)) {
          text = text.substring(0, lpos);
        }
      }
      addData(text, pos);
      int inner = start + 2 + (marker == '-' || marker == '+' ? 1 : 0);
      if (kind == '#') {
        comment(start, inner);
      } else if (kind == '%' && isRawBegin(inner)) {
        raw(start, inner);
      } else {
        tag(kind, start, inner);
      }
    }
  }

  private int nextTagStart(int from) {
    int i = from;
    while (true) {
      int j = src.indexOf('{', i);
      if (j < 0 || j + 1 >= src.length()) {
        return -1;
      }
      char c = src.charAt(j + 1);
      if (c == '{' || c == '%' || c == '#') {
        return j;
      }
      i = j + 1;
    }
  }

  private void addData(String text, int at) {
    if (!text.isEmpty()) {
      tokens.add(new Token(Type.DATA, text, text, lineOf(at), columnOf(at)));
    }
  }

  private void comment(int start, int inner) {
    int end = src.indexOf("#}", inner);
    if (end < 0) {
      throw error(start, "comment opened with {# is never closed with #}");
    }
    pos = end + 2;
    afterEnd(src.charAt(end - 1), true);
  }

  private boolean isRawBegin(int inner) {
    int i = skipSpaces(inner);
    if (!src.startsWith("raw", i)) {
      return false;
    }
    i = skipSpaces(i + 3);
    if (i < src.length() && (src.charAt(i) == '-' || src.charAt(i) == '+')) {
      i++;
    }
    return src.startsWith("%}", i);
  }

  private void raw(int start, int inner) {
    int close = src.indexOf("%}", inner);
    boolean stripAfterBegin = src.charAt(close - 1) == '-';
    int bodyStart = close + 2;
    if (stripAfterBegin) {
      bodyStart = skipWhitespace(bodyStart);
    }
    int search = bodyStart;
    while (true) {
      int tag = src.indexOf("{%", search);
      if (tag < 0) {
        throw error(start, "{% raw %} is never closed with {% endraw %}");
      }
      int i = tag + 2;
      char marker = i < src.length() ? src.charAt(i) : 0;
      if (marker == '-' || marker == '+') {
        i++;
      }
      i = skipSpaces(i);
      if (src.startsWith("endraw", i)) {
        int j = skipSpaces(i + 6);
        char endMarker = j < src.length() ? src.charAt(j) : 0;
        if (endMarker == '-' || endMarker == '+') {
          j++;
        }
        if (src.startsWith("%}", j)) {
          String body = src.substring(bodyStart, tag);
          addData(marker == '-' ? rstrip(body) : body, bodyStart);
          pos = j + 2;
          afterEnd(endMarker, true);
          return;
        }
      }
      search = tag + 2;
    }
  }

  private void tag(char kind, int start, int inner) {
    boolean block = kind == '%';
    tokens.add(
        new Token(block ? Type.BLOCK_BEGIN : Type.VAR_BEGIN, block ? "{%" : "{{", null,
            lineOf(start), columnOf(start)));
    String close = block ? "%}" : "}}";
    int depth = 0;
    int i = inner;
    while (true) {
      i = skipWhitespace(i);
      if (i >= src.length()) {
        throw error(start, "tag opened with " + (block ? "{%" : "{{") + " is never closed with " + close);
      }
      if (depth == 0) {
        char c = src.charAt(i);
        if ((c == '-' || c == '+') && src.startsWith(close, i + 1)) {
          tokens.add(new Token(block ? Type.BLOCK_END : Type.VAR_END, close, null, lineOf(i), columnOf(i)));
          pos = i + 3;
          afterEnd(c, block);
          return;
        }
        if (src.startsWith(close, i)) {
          tokens.add(new Token(block ? Type.BLOCK_END : Type.VAR_END, close, null, lineOf(i), columnOf(i)));
          pos = i + 2;
          afterEnd((char) 0, block);
          return;
        }
      }
      i = innerToken(i);
      Token t = tokens.get(tokens.size() - 1);
      if (t.type() == Type.OP) {
        switch (t.text()) {
          case "(", "[", "{" -> depth++;
          case ")", "]", "}" -> depth = Math.max(0, depth - 1);
          default -> { }
        }
      }
    }
  }

  /** After a closing delimiter: '-' strips all following whitespace; a block's plain end eats one newline. */
  private void afterEnd(char marker, boolean trims) {
    int before = pos;
    if (marker == '-') {
      pos = skipWhitespace(pos);
    } else if (marker != '+' && trims && pos < src.length() && src.charAt(pos) == '\n') {
      pos++;
    }
    lineStarting = pos > before ? src.charAt(pos - 1) == '\n' : false;
  }

  private int innerToken(int i) {
    char c = src.charAt(i);
    int line = lineOf(i);
    int col = columnOf(i);
    if (c == '\'' || c == '"') {
      int j = i + 1;
      while (j < src.length() && src.charAt(j) != c) {
        j += src.charAt(j) == '\\' ? 2 : 1;
      }
      if (j >= src.length()) {
        throw error(i, "string literal starting here is never closed");
      }
      String raw = src.substring(i, j + 1);
      tokens.add(new Token(Type.STRING, raw, unescape(raw.substring(1, raw.length() - 1), i), line, col));
      return j + 1;
    }
    if (Character.isDigit(c)) {
      int j = digits(i);
      boolean isFloat = false;
      if (j + 1 < src.length() && src.charAt(j) == '.' && Character.isDigit(src.charAt(j + 1))) {
        j = digits(j + 1);
        isFloat = true;
      }
      if (j < src.length() && (src.charAt(j) == 'e' || src.charAt(j) == 'E')) {
        int k = j + 1;
        if (k < src.length() && (src.charAt(k) == '+' || src.charAt(k) == '-')) {
          k++;
        }
        if (k < src.length() && Character.isDigit(src.charAt(k))) {
          j = digits(k);
          isFloat = true;
        }
      }
      String text = src.substring(i, j);
      String clean = text.replace("_", "");
      if (isFloat) {
        tokens.add(new Token(Type.FLOAT, text, Double.parseDouble(clean), line, col));
      } else {
        try {
          tokens.add(new Token(Type.INT, text, Long.parseLong(clean), line, col));
        } catch (NumberFormatException e) {
          throw error(i, "integer literal " + text + " is out of the supported range (64-bit)");
        }
      }
      return j;
    }
    if (Character.isLetter(c) || c == '_') {
      int j = i + 1;
      while (j < src.length() && (Character.isLetterOrDigit(src.charAt(j)) || src.charAt(j) == '_')) {
        j++;
      }
      String name = src.substring(i, j);
      tokens.add(new Token(Type.NAME, name, name, line, col));
      return j;
    }
    for (String op : OPERATORS) {
      if (src.startsWith(op, i)) {
        tokens.add(new Token(Type.OP, op, op, line, col));
        return i + op.length();
      }
    }
    throw error(i, "unexpected character '" + c + "' in a tag");
  }

  private int digits(int i) {
    int j = i;
    while (j < src.length() && (Character.isDigit(src.charAt(j))
        || (src.charAt(j) == '_' && j + 1 < src.length() && Character.isDigit(src.charAt(j + 1))))) {
      j++;
    }
    return j;
  }

  /** Python string literal escapes, as Jinja2 decodes them ("unicode-escape"). */
  private String unescape(String s, int at) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '\\' || i + 1 >= s.length()) {
        sb.append(c);
        continue;
      }
      char e = s.charAt(++i);
      switch (e) {
        case 'n' -> sb.append('\n');
        case 't' -> sb.append('\t');
        case 'r' -> sb.append('\r');
        case '\\' -> sb.append('\\');
        case '\'' -> sb.append('\'');
        case '"' -> sb.append('"');
        case 'a' -> sb.append('\u0007');
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'v' -> sb.append('\u000b');
        case '\n' -> { }
        case 'x', 'u', 'U' -> {
          int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          String hex = s.substring(i + 1, Math.min(s.length(), i + 1 + n));
          try {
            if (hex.length() != n) {
              throw new NumberFormatException();
            }
            sb.appendCodePoint(Integer.parseInt(hex, 16));
          } catch (IllegalArgumentException ex) {
            throw error(at, "bad \\" + e + " escape '\\" + e + hex + "' in a string literal");
          }
          i += n;
        }
        default -> {
          if (e >= '0' && e <= '7') {
            int j = i;
            int v = 0;
            while (j < s.length() && j < i + 3 && s.charAt(j) >= '0' && s.charAt(j) <= '7') {
              v = v * 8 + (s.charAt(j) - '0');
              j++;
            }
            sb.append((char) v);
            i = j - 1;
          } else {
            sb.append('\\').append(e);
          }
        }
      }
    }
    return sb.toString();
  }

  private int skipSpaces(int i) {
    while (i < src.length() && (src.charAt(i) == ' ' || src.charAt(i) == '\t' || src.charAt(i) == '\n')) {
      i++;
    }
    return i;
  }

  private int skipWhitespace(int i) {
    while (i < src.length()) {
      int cp = src.codePointAt(i);
      if (!PyOps.isSpace(cp)) {
        break;
      }
      i += Character.charCount(cp);
    }
    return i;
  }

  private static boolean isBlank(String text, int from) {
    for (int i = from; i < text.length(); ) {
      int cp = text.codePointAt(i);
      if (!PyOps.isSpace(cp)) {
        return false;
      }
      i += Character.charCount(cp);
    }
    return true;
  }

  static String rstrip(String text) {
    int end = text.length();
    while (end > 0) {
      int cp = text.codePointBefore(end);
      if (!PyOps.isSpace(cp)) {
        break;
      }
      end -= Character.charCount(cp);
    }
    return text.substring(0, end);
  }

  private int lineOf(int at) {
    int i = java.util.Arrays.binarySearch(lineStarts, at);
    return i >= 0 ? i + 1 : -i - 1;
  }

  private int columnOf(int at) {
    return at - lineStarts[lineOf(at) - 1] + 1;
  }

  private ChatTemplateException error(int at, String message) {
    return new ChatTemplateException(lineOf(at), columnOf(at), message);
  }
}
