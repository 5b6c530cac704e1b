package org.consistency4j.metrics;

import java.util.Arrays;

/**
 * ROUGE-Lsum's LCS backtracking (rouge-score's {@code _backtrack_norec}) over a bit-packed DP
 * table: column j of the table is stored as Hyyro's bit vector V_j (bit i is 0 exactly where
 * {@code table[i+1][j] = table[i][j] + 1}), so {@code table[i][j]} is the number of 0 bits among the
 * low i bits of V_j. This needs one bit per cell instead of an int, and each column costs
 * {@code ceil(|ref| / 64)} word operations instead of {@code |ref|} cell updates; the path found,
 * ties included, is the one the int table gives (the tests compare both).
 *
 * <p>Usage: {@link #setReference} once per reference sentence, then {@link #mark} for every
 * candidate sentence. Package-private; not thread-safe (one per scoring call).
 */
final class LcsBacktracker {
  /** Upper bound on the longs of one table, so that absurdly long sentences fail cleanly. */
  static final long MAX_TABLE_LONGS = 1L << 23;

  private final int[] localOf; // global id -> index among the reference's distinct ids, or -1
  private int[] ref = new int[0];
  private int refLength;
  private int words;
  private int distinct;
  private long[] masks = new long[64];
  private long[] columns = new long[256];

  /** @param vocabularySize ids of all sentences are below this */
  LcsBacktracker(int vocabularySize) {
    localOf = new int[vocabularySize];
    Arrays.fill(localOf, -1);
  }

  /** Prepares the match masks of {@code reference}. */
  void setReference(int[] reference) {
    for (int i = 0; i < refLength; i++) {
      localOf[ref[i]] = -1;
    }
    ref = reference;
    refLength = reference.length;
    words = Math.max(1, (refLength + 63) >>> 6);
    distinct = 0;
    for (int id : reference) {
      if (localOf[id] < 0) {
        localOf[id] = distinct++;
      }
    }
    int needed = distinct * words;
    if (masks.length < needed) {
      masks = new long[Math.max(needed, masks.length * 2)];
    }
    Arrays.fill(masks, 0, needed, 0L);
    for (int i = 0; i < refLength; i++) {
      masks[localOf[reference[i]] * words + (i >>> 6)] |= 1L << i;
    }
  }

  /**
   * Marks in {@code hit} the reference indices of the LCS with {@code candidate} that rouge-score
   * backtracks: from the end, on a match record and move diagonally, else move left only if
   * {@code table[i][j-1] > table[i-1][j]}, otherwise up.
   *
   * @throws IllegalArgumentException if the pair needs more than {@link #MAX_TABLE_LONGS} longs
   */
  void mark(int[] candidate, boolean[] hit) {
    int m = refLength;
    int n = candidate.length;
    if (m == 0 || n == 0) {
      return;
    }
    int w = words;
    long size = (long) (n + 1) * w;
    if (size > MAX_TABLE_LONGS) {
      throw new IllegalArgumentException(
          "ROUGE-Lsum sentence pair too long: "
              + m
              + " x "
              + n
              + " tokens needs "
              + size
              + " table words, more than the limit "
              + MAX_TABLE_LONGS);
    }
    if (columns.length < size) {
      columns = new long[(int) Math.max(size, Math.min(MAX_TABLE_LONGS, 2L * columns.length))];
    }
    long[] col = columns;
    Arrays.fill(col, 0, w, -1L); // column 0: table[i][0] = 0 for every i
    for (int j = 1; j <= n; j++) {
      int prev = (j - 1) * w;
      int cur = j * w;
      int local = localOf[candidate[j - 1]];
      if (local < 0) {
        System.arraycopy(col, prev, col, cur, w); // no match in the reference: column repeats
        continue;
      }
      int mk = local * w;
      long carry = 0;
      for (int k = 0; k < w; k++) {
        long v = col[prev + k];
        long u = v & masks[mk + k];
        long sum = v + u;
        long carryOut = Long.compareUnsigned(sum, v) < 0 ? 1L : 0L;
        long total = sum + carry;
        if (carry != 0 && total == 0) {
          carryOut = 1L;
        }
        col[cur + k] = total | (v - u);
        carry = carryOut;
      }
    }
    int i = m;
    int j = n;
    while (i > 0 && j > 0) {
      if (ref[i - 1] == candidate[j - 1]) {
        hit[i - 1] = true;
        i--;
        j--;
      } else if (cell(i, j - 1) > cell(i - 1, j)) {
        j--;
      } else {
        i--;
      }
    }
  }

  /** {@code table[i][j]}: the number of 0 bits among the low {@code i} bits of V_j. */
  private int cell(int i, int j) {
    int base = j * words;
    int full = i >>> 6;
    int ones = 0;
    for (int k = 0; k < full; k++) {
      ones += Long.bitCount(columns[base + k]);
    }
    int rest = i & 63;
    if (rest != 0) {
      ones += Long.bitCount(columns[base + full] & ((1L << rest) - 1));
    }
    return i - ones;
  }
}
