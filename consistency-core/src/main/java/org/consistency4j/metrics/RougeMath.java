package org.consistency4j.metrics;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ROUGE formulas of rouge-score 0.1.2 over token-id sequences (equal ids mean equal tokens).
 * Package-private; all methods are pure.
 */
final class RougeMath {
  private RougeMath() {}

  /**
   * Maps token strings to dense ids, in order of first appearance. The scoring functions use the
   * faster {@link TokenIds}; this string-based form serves callers that already hold tokens.
   */
  static final class Vocabulary {
    private final Map<String, Integer> ids = new HashMap<>();

    int[] ids(List<String> tokens) {
      int[] out = new int[tokens.size()];
      for (int i = 0; i < out.length; i++) {
        Integer id = ids.putIfAbsent(tokens.get(i), ids.size());
        out[i] = id == null ? ids.size() - 1 : id;
      }
      return out;
    }

    int size() {
      return ids.size();
    }
  }

  /** ROUGE-L: (0, 0, 0) if either side is empty, else LCS / |P| and LCS / |T|. */
  static RougeScore rougeL(int targetLength, int predictionLength, int lcs) {
    if (targetLength == 0 || predictionLength == 0) {
      return RougeScore.ZERO;
    }
    return RougeScore.of((double) lcs / predictionLength, (double) lcs / targetLength);
  }

  /**
   * ROUGE-N: clipped n-gram overlap over max(#n-grams, 1) on each side.
   *
   * @param vocabularySize an upper bound (exclusive) of the ids in both sequences
   */
  static RougeScore rougeN(
      int[] target, int targetLength, int[] prediction, int predictionLength, int n,
      int vocabularySize) {
    int targetCount = Math.max(targetLength - n + 1, 0);
    int predictionCount = Math.max(predictionLength - n + 1, 0);
    int overlap = 0;
    if (targetCount > 0 && predictionCount > 0) {
      int[] t0 = java.util.Arrays.copyOf(target, targetLength);
      int[] p0 = java.util.Arrays.copyOf(prediction, predictionLength);
      int[] t = t0;
      int[] p = p0;
      int size = vocabularySize;
      if (n > 1) {
        // Give every distinct n-gram a dense id, extending (n-1)-grams one token at a time.
        for (int k = 2; k <= n; k++) {
          GramIds grams = new GramIds(t.length + p.length);
          t = extend(grams, t, t0, k);
          p = extend(grams, p, p0, k);
          size = grams.size;
        }
      }
      int[] counts = new int[size];
      for (int id : t) {
        counts[id]++;
      }
      for (int id : p) {
        if (counts[id] > 0) {
          counts[id]--;
          overlap++;
        }
      }
    }
    return RougeScore.of(
        (double) overlap / Math.max(predictionCount, 1), (double) overlap / Math.max(targetCount, 1));
  }

  /** Ids of the k-grams of {@code tokens}, given the ids of its (k-1)-grams. */
  private static int[] extend(GramIds grams, int[] shorter, int[] tokens, int k) {
    int[] out = new int[tokens.length - k + 1];
    for (int i = 0; i < out.length; i++) {
      out[i] = grams.idOf(((long) shorter[i] << 32) | (tokens[i + k - 1] & 0xFFFFFFFFL));
    }
    return out;
  }

  /** Dense ids for (shorter-gram id, token id) keys: open addressing over primitive longs. */
  private static final class GramIds {
    private final long[] keys;
    private final int[] ids; // id + 1; 0 = empty
    private final int mask;
    int size;

    GramIds(int expected) {
      int cap = Integer.highestOneBit(Math.max(4, 2 * expected) - 1) << 1;
      keys = new long[cap];
      ids = new int[cap];
      mask = cap - 1;
    }

    int idOf(long key) {
      int idx = (int) ((key * 0x9E3779B97F4A7C15L) >>> 32) & mask;
      while (ids[idx] != 0) {
        if (keys[idx] == key) {
          return ids[idx] - 1;
        }
        idx = (idx + 1) & mask;
      }
      keys[idx] = key;
      ids[idx] = ++size;
      return size - 1;
    }
  }

  /**
   * ROUGE-Lsum (rouge-score's {@code _summary_level_lcs}): per reference sentence, the union of
   * the backtracked LCS indices against every candidate sentence; each such token is a hit while
   * both sides' token budgets (multisets over all sentences) still hold it.
   */
  static RougeScore rougeLsum(int[][] reference, int[][] candidate, int vocabularySize) {
    if (reference.length == 0 || candidate.length == 0) {
      return RougeScore.ZERO;
    }
    int m = 0;
    int maxRef = 0;
    int[] refCounts = new int[vocabularySize];
    for (int[] s : reference) {
      m += s.length;
      maxRef = Math.max(maxRef, s.length);
      for (int id : s) {
        refCounts[id]++;
      }
    }
    int n = 0;
    int[] canCounts = new int[vocabularySize];
    for (int[] s : candidate) {
      n += s.length;
      for (int id : s) {
        canCounts[id]++;
      }
    }
    if (m == 0 || n == 0) {
      return RougeScore.ZERO;
    }
    LcsBacktracker backtracker = new LcsBacktracker(vocabularySize);
    boolean[] hit = new boolean[maxRef];
    int hits = 0;
    for (int[] r : reference) {
      java.util.Arrays.fill(hit, 0, r.length, false);
      backtracker.setReference(r);
      for (int[] c : candidate) {
        backtracker.mark(c, hit);
      }
      for (int i = 0; i < r.length; i++) {
        if (hit[i]) {
          int id = r[i];
          if (canCounts[id] > 0 && refCounts[id] > 0) {
            hits++;
            canCounts[id]--;
            refCounts[id]--;
          }
        }
      }
    }
    return RougeScore.of((double) hits / n, (double) hits / m);
  }
}
