package org.consistency4j.metrics;

/**
 * Longest common subsequence of token-id sequences: the textbook dynamic program (the reference the
 * tests compare against, and the table ROUGE-Lsum backtracks through) and a bit-parallel length
 * computation. Package-private; all methods are pure.
 */
final class Lcs {
  private Lcs() {}

  /** LCS length by the O(|a|*|b|) dynamic program over two rows. */
  static int lengthDp(int[] a, int aLen, int[] b, int bLen) {
    if (aLen == 0 || bLen == 0) {
      return 0;
    }
    int[] prev = new int[bLen + 1];
    int[] cur = new int[bLen + 1];
    for (int i = 1; i <= aLen; i++) {
      int ai = a[i - 1];
      for (int j = 1; j <= bLen; j++) {
        cur[j] = ai == b[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[bLen];
  }

  /** {@link #lengthDp(int[], int, int[], int)} over whole arrays. */
  static int lengthDp(int[] a, int[] b) {
    return lengthDp(a, a.length, b, b.length);
  }

  /**
   * Marks in {@code hit} the indices into {@code ref} of the one LCS that rouge-score's {@code
   * _backtrack_norec} finds: from the end of both sequences, a match is recorded and both move
   * back; otherwise the candidate moves back only if {@code table[i][j-1] > table[i-1][j]}, else
   * the reference moves back (ties go up). {@code table} is scratch of at least
   * {@code (ref.length + 1) * (can.length + 1)} ints.
   */
  static void markBacktrackedLcs(int[] ref, int[] can, boolean[] hit, int[] table) {
    int m = ref.length;
    int n = can.length;
    if (m == 0 || n == 0) {
      return;
    }
    int w = n + 1;
    for (int j = 0; j <= n; j++) {
      table[j] = 0;
    }
    for (int i = 1; i <= m; i++) {
      int row = i * w;
      int up = row - w;
      table[row] = 0;
      int ri = ref[i - 1];
      for (int j = 1; j <= n; j++) {
        table[row + j] =
            ri == can[j - 1]
                ? table[up + j - 1] + 1
                : Math.max(table[up + j], table[row + j - 1]);
      }
    }
    int i = m;
    int j = n;
    while (i > 0 && j > 0) {
      if (ref[i - 1] == can[j - 1]) {
        hit[i - 1] = true;
        i--;
        j--;
      } else if (table[i * w + j - 1] > table[(i - 1) * w + j]) {
        j--;
      } else {
        i--;
      }
    }
  }
}
