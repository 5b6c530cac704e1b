package org.consistency4j.metrics;

import java.util.Arrays;

/**
 * One-against-many LCS lengths by the bit-parallel algorithm of Allison and Dix (1986) in Hyyrö's
 * multi-word formulation (2004): {@link #load} precomputes, for one "row" sequence a, a bit mask
 * per symbol marking where it occurs in a; {@link #lcs} then runs each "column" sequence b through
 * a bit vector of |a| bits, costing |b| * ceil(|a| / 64) word operations instead of |a| * |b|
 * table cells. Loading once and comparing with many sequences is what the pairwise similarities of
 * a response group need (each response is the row of all later ones).
 *
 * <p>Symbols are ids in {@code [0, alphabet)}. Not thread-safe (holds scratch); package-private.
 */
final class LcsRows {
  private final int alphabet;
  private long[] masks = new long[0];
  private long[] v = new long[0];
  private int[] row = new int[0];
  private int rowLength;
  private int words;

  /** Scratch for ids in {@code [0, alphabet)}. */
  LcsRows(int alphabet) {
    this.alphabet = alphabet;
  }

  /** Makes {@code a} the row sequence. */
  void load(int[] a) {
    clear();
    rowLength = a.length;
    words = (a.length + 63) >>> 6;
    int needed = alphabet * words;
    if (masks.length < needed) {
      masks = new long[needed];
    }
    if (v.length < words) {
      v = new long[words];
    }
    row = a;
    for (int i = 0; i < a.length; i++) {
      masks[a[i] * words + (i >>> 6)] |= 1L << (i & 63);
    }
  }

  /** The length of the longest common subsequence of the loaded row and {@code b}. */
  int lcs(int[] b) {
    if (rowLength == 0 || b.length == 0) {
      return 0;
    }
    final int w = words;
    long[] vec = v;
    Arrays.fill(vec, 0, w, -1L);
    if (w == 1) {
      long x = -1L;
      for (int id : b) {
        long u = x & masks[id];
        x = (x + u) | (x - u);
      }
      vec[0] = x;
    } else {
      for (int id : b) {
        int base = id * w;
        long carry = 0;
        for (int k = 0; k < w; k++) {
          long x = vec[k];
          long u = x & masks[base + k];
          long sum = x + u;
          long carryOut = Long.compareUnsigned(sum, x) < 0 ? 1L : 0L;
          long total = sum + carry;
          if (carry != 0 && total == 0) {
            carryOut = 1L;
          }
          vec[k] = total | (x - u);
          carry = carryOut;
        }
      }
    }
    // The LCS length is the number of 0 bits among the first |a| bits.
    int ones = 0;
    for (int k = 0; k < w - 1; k++) {
      ones += Long.bitCount(vec[k]);
    }
    int lastBits = rowLength - ((w - 1) << 6);
    long lastMask = lastBits == 64 ? -1L : (1L << lastBits) - 1;
    ones += Long.bitCount(vec[w - 1] & lastMask);
    return rowLength - ones;
  }

  /** Resets the masks of the loaded row (cost proportional to its length). */
  private void clear() {
    for (int i = 0; i < rowLength; i++) {
      masks[row[i] * words + (i >>> 6)] = 0;
    }
    rowLength = 0;
  }
}
