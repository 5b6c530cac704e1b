package org.consistency4j.paraphrase;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.consistency4j.internal.Check;

/**
 * The spans of an instruction that paraphrasing must leave unchanged: what {@link ProtectionRules}
 * detects plus the instruction's protected terms. Overlapping matches are merged into one span.
 * Immutable and thread-safe.
 *
 * <p>Paraphrasers work on a masked copy of the text in which each span is one private-use character
 * (U+E000 and up) that no rewrite may touch; a rewrite that loses or duplicates a mask is discarded.
 * {@link #preservedIn(String)} checks the result independently of how it was made.
 */
public final class ProtectedSpans {

  /** One protected span: characters {@code [start, end)} of the instruction. */
  public record Span(int start, int end, String text) {
    /** Validates. */
    public Span {
      Check.nonNegative(start, "start");
      Check.argument(end > start, "end must be > start (" + start + "), found " + end);
      Check.notNull(text, "text");
    }
  }

  private final String text;
  private final List<Span> spans;

  private ProtectedSpans(String text, List<Span> spans) {
    this.text = text;
    this.spans = List.copyOf(spans);
  }

  /** The spans of {@code instruction} under {@link ProtectionRules#defaults()}. */
  public static ProtectedSpans of(Instruction instruction) {
    return of(instruction, ProtectionRules.defaults());
  }

  /** The spans of {@code instruction} under {@code rules}. */
  public static ProtectedSpans of(Instruction instruction, ProtectionRules rules) {
    Check.notNull(instruction, "instruction");
    return find(instruction.text(), instruction.protectedTerms(), rules);
  }

  /**
   * Finds the protected spans of {@code text}.
   *
   * @param text the instruction
   * @param terms literal terms protected as whole words, case-insensitively, with simple inflections
   * @param rules which spans to detect automatically
   */
  public static ProtectedSpans find(String text, Collection<String> terms, ProtectionRules rules) {
    Check.notNull(text, "text");
    Check.notNull(terms, "terms");
    Check.notNull(rules, "rules");
    List<int[]> ranges = new ArrayList<>();
    List<Pattern> patterns = new ArrayList<>(rules.patterns());
    for (String term : terms) {
      Check.argument(!term.isBlank(), "terms must not contain a blank term");
      patterns.add(
          Pattern.compile(
              "(?<![\\p{L}\\p{N}])"
                  + Pattern.quote(term.strip())
                  + "(?:s|es|d|ed|ing)?(?![\\p{L}\\p{N}])",
              Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE));
    }
    for (Pattern p : patterns) {
      Matcher m = p.matcher(text);
      while (m.find()) {
        if (m.end() > m.start()) {
          ranges.add(new int[] {m.start(), m.end()});
        }
      }
    }
    ranges.sort(Comparator.comparingInt((int[] r) -> r[0]).thenComparingInt(r -> -r[1]));
    List<Span> merged = new ArrayList<>();
    int curStart = -1;
    int curEnd = -1;
    for (int[] r : ranges) {
      if (curStart >= 0 && r[0] < curEnd) {
        curEnd = Math.max(curEnd, r[1]);
      } else {
        if (curStart >= 0) {
          merged.add(new Span(curStart, curEnd, text.substring(curStart, curEnd)));
        }
        curStart = r[0];
        curEnd = r[1];
      }
    }
    if (curStart >= 0) {
      merged.add(new Span(curStart, curEnd, text.substring(curStart, curEnd)));
    }
    return new ProtectedSpans(text, merged);
  }

  /** The instruction these spans belong to. */
  public String text() {
    return text;
  }

  /** The spans in text order, non-overlapping. */
  public List<Span> spans() {
    return spans;
  }

  /**
   * Whether {@code candidate} contains every protected span unchanged: each distinct span text
   * occurs in it at least as many times as among the spans.
   */
  public boolean preservedIn(String candidate) {
    Check.notNull(candidate, "candidate");
    Map<String, Integer> needed = new HashMap<>();
    for (Span s : spans) {
      needed.merge(s.text(), 1, Integer::sum);
    }
    for (Map.Entry<String, Integer> e : needed.entrySet()) {
      if (count(candidate, e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  private static int count(String haystack, String needle) {
    int n = 0;
    int from = 0;
    while (true) {
      int i = haystack.indexOf(needle, from);
      if (i < 0) {
        return n;
      }
      n++;
      from = i + needle.length();
    }
  }

  /** The text with every span replaced by its mask character. */
  Masked mask() {
    StringBuilder out = new StringBuilder(text.length());
    List<Character> masks = new ArrayList<>(spans.size());
    char next = Masked.FIRST_MASK;
    int pos = 0;
    for (Span s : spans) {
      while (text.indexOf(next) >= 0) {
        next++;
      }
      out.append(text, pos, s.start()).append(next);
      masks.add(next);
      next++;
      pos = s.end();
    }
    out.append(text, pos, text.length());
    return new Masked(out.toString(), masks, spans.stream().map(Span::text).toList());
  }

  /** A masked instruction: restore a rewrite with {@link #restore(String)}. */
  static final class Masked {
    static final char FIRST_MASK = '\uE000';

    private final String text;
    private final List<String> originals;
    /** Index of each mask character minus {@link #FIRST_MASK}, or -1. */
    private final int[] slot;

    Masked(String text, List<Character> masks, List<String> originals) {
      this.text = text;
      this.originals = originals;
      int max = masks.isEmpty() ? FIRST_MASK : masks.get(masks.size() - 1);
      this.slot = new int[max - FIRST_MASK + 1];
      java.util.Arrays.fill(slot, -1);
      for (int i = 0; i < masks.size(); i++) {
        slot[masks.get(i) - FIRST_MASK] = i;
      }
    }

    private int indexOf(char c) {
      int k = c - FIRST_MASK;
      return k >= 0 && k < slot.length ? slot[k] : -1;
    }

    /** The masked text. */
    String text() {
      return text;
    }

    /** Whether {@code c} is one of this text's masks. */
    boolean isMask(char c) {
      return indexOf(c) >= 0;
    }

    /**
     * The rewrite with masks replaced by the original spans, or empty if the rewrite lost or
     * duplicated a mask.
     */
    Optional<String> restore(String rewritten) {
      int[] seen = new int[originals.size()];
      for (int i = 0; i < rewritten.length(); i++) {
        int k = indexOf(rewritten.charAt(i));
        if (k >= 0) {
          seen[k]++;
        }
      }
      for (int s : seen) {
        if (s != 1) {
          return Optional.empty();
        }
      }
      StringBuilder out = new StringBuilder(rewritten.length() + 64);
      for (int i = 0; i < rewritten.length(); i++) {
        char c = rewritten.charAt(i);
        int k = indexOf(c);
        if (k >= 0) {
          out.append(originals.get(k));
        } else {
          out.append(c);
        }
      }
      return Optional.of(out.toString());
    }
  }
}
