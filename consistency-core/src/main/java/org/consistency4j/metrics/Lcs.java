package org.consistency4j.metrics;

/**
 * Longest common subsequence of token-id sequences: a bit-parallel length computation (used by
 * ROUGE-L) and the textbook dynamic program with rouge-score's backtracking, kept as the simple
 * oracle that the tests compare the fast paths ({@link #lengthBitParallel}, {@link
 * LcsBacktracker}) against. Package-private; all methods are pure.
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

  /**
   * LCS length by the bit-parallel algorithm of Allison and Dix (1986) in Hyyro's formulation
   * (2004): one machine word holds 64 cells of a DP column, so the cost is about {@code |b| *
   * ceil(|a| / 64)} word operations instead of {@code |a| * |b|} cell updates.
   *
   * <p>{@code a}'s ids must lie in {@code [0, alphabet)}; ids of {@code b} outside that range
   * (such as {@link TokenIds#UNKNOWN}) match nothing and are skipped.
   *
   * @param masks scratch of at least {@link #scratchFor scratchFor(aLen, bLen, alphabet)} longs
   *     (contents ignored)
   */
  static int lengthBitParallel(
      int[] a, int aLen, int[] b, int bLen, int alphabet, long[] masks) {
    if (aLen == 0 || bLen == 0) {
      return 0;
    }
    if (aLen <= 64) {
      java.util.Arrays.fill(masks, 0, alphabet, 0L);
      for (int i = 0; i < aLen; i++) {
        masks[a[i]] |= 1L << i;
      }
      // V has a 0 bit at each row where the LCS grows; rows start as all 1.
      long v = -1L;
      for (int j = 0; j < bLen; j++) {
        int id = b[j];
        if (id < alphabet) {
          long u = v & masks[id];
          v = (v + u) | (v - u);
        }
      }
      long rows = aLen == 64 ? -1L : (1L << aLen) - 1;
      return aLen - Long.bitCount(v & rows);
    }
    // Longer a: process 64-row blocks of a one after the other, each over all of b, keeping the
    // carry out of every step for the next block. This is the same computation as the usual
    // multi-word loop in another order, and needs masks for one block only: alphabet + |b| / 64.
    int carryOffset = alphabet;
    int carryWords = (bLen + 63) >>> 6;
    java.util.Arrays.fill(masks, carryOffset, carryOffset + carryWords, 0L);
    int zeros = 0;
    java.util.Arrays.fill(masks, 0, alphabet, 0L);
    for (int from = 0; from < aLen; from += 64) {
      int to = Math.min(aLen, from + 64);
      for (int i = from; i < to; i++) {
        masks[a[i]] |= 1L << (i - from);
      }
      long v = -1L;
      for (int j = 0; j < bLen; j++) {
        int id = b[j];
        if (id >= alphabet) {
          continue; // matches nothing: v and the (zero) carry stay
        }
        long u = v & masks[id];
        int cw = carryOffset + (j >>> 6);
        long carryIn = (masks[cw] >>> j) & 1L;
        long sum = v + u;
        long carryOut = Long.compareUnsigned(sum, v) < 0 ? 1L : 0L;
        long total = sum + carryIn;
        if (carryIn != 0 && total == 0) {
          carryOut = 1L;
        }
        v = total | (v - u);
        masks[cw] = (masks[cw] & ~(1L << j)) | (carryOut << j);
      }
      for (int i = from; i < to; i++) {
        masks[a[i]] = 0L; // clear only this block's masks: O(64), not O(alphabet), per block
      }
      int rowsInBlock = to - from;
      long rows = rowsInBlock == 64 ? -1L : (1L << rowsInBlock) - 1;
      zeros += rowsInBlock - Long.bitCount(v & rows);
    }
    return zeros;
  }

  /** Longs of scratch {@link #lengthBitParallel} needs. */
  static int scratchFor(int aLen, int bLen, int alphabet) {
    return aLen <= 64 ? alphabet : alphabet + ((bLen + 63) >>> 6);
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
