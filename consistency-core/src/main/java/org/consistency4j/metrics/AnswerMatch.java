package org.consistency4j.metrics;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.consistency4j.internal.Check;

/**
 * SQuAD-style answer metrics over {@link AnswerNormalizer normalized} text: exact match and token
 * F1, against one reference or the best of several. Stateless and thread-safe.
 */
public final class AnswerMatch {
  private AnswerMatch() {}

  /** Whether {@code a} and {@code b} are equal after normalization (two empty answers are equal). */
  public static boolean exact(String a, String b) {
    Check.notNull(a, "a");
    Check.notNull(b, "b");
    return AnswerNormalizer.normalize(a).equals(AnswerNormalizer.normalize(b));
  }

  /**
   * Whether {@code response} equals, after normalization, at least one of {@code references}.
   *
   * @param references acceptable answers, not empty
   */
  public static boolean exactAny(String response, List<String> references) {
    Check.notNull(response, "response");
    Check.notEmpty(references, "references");
    String r = AnswerNormalizer.normalize(response);
    for (String reference : references) {
      if (r.equals(AnswerNormalizer.normalize(Check.notNull(reference, "reference")))) {
        return true;
      }
    }
    return false;
  }

  /**
   * SQuAD token F1 of two answers: with normalized tokens and c the size of their multiset
   * intersection, precision c/|a|, recall c/|b| and F1 = 2PR/(P+R); 0 when c = 0. As in SQuAD 2.0,
   * when either side has no tokens the score is 1 if both are empty and 0 otherwise. Symmetric; in
   * [0, 1].
   */
  public static double tokenF1(String a, String b) {
    Check.notNull(a, "a");
    Check.notNull(b, "b");
    return tokenF1(AnswerNormalizer.tokens(a), AnswerNormalizer.tokens(b));
  }

  /** The best {@link #tokenF1(String, String)} of {@code response} over non-empty {@code references}. */
  public static double tokenF1Max(String response, List<String> references) {
    Check.notNull(response, "response");
    Check.notEmpty(references, "references");
    List<String> tokens = AnswerNormalizer.tokens(response);
    double best = 0;
    for (String reference : references) {
      best =
          Math.max(
              best, tokenF1(tokens, AnswerNormalizer.tokens(Check.notNull(reference, "reference"))));
    }
    return best;
  }

  static double tokenF1(List<String> a, List<String> b) {
    if (a.isEmpty() || b.isEmpty()) {
      return a.isEmpty() && b.isEmpty() ? 1.0 : 0.0;
    }
    return tokenF1(counts(a), a.size(), counts(b), b.size());
  }

  static Map<String, Integer> counts(List<String> tokens) {
    Map<String, Integer> counts = new HashMap<>();
    for (String t : tokens) {
      counts.merge(t, 1, Integer::sum);
    }
    return counts;
  }

  /** F1 from token counts; sizes are the total token counts, both {@code > 0}. */
  static double tokenF1(Map<String, Integer> a, int sizeA, Map<String, Integer> b, int sizeB) {
    Map<String, Integer> small = a.size() <= b.size() ? a : b;
    Map<String, Integer> large = small == a ? b : a;
    long common = 0;
    for (Map.Entry<String, Integer> e : small.entrySet()) {
      Integer other = large.get(e.getKey());
      if (other != null) {
        common += Math.min(e.getValue(), other);
      }
    }
    if (common == 0) {
      return 0.0;
    }
    double precision = (double) common / sizeA;
    double recall = (double) common / sizeB;
    return 2 * precision * recall / (precision + recall);
  }
}
