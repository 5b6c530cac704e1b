package org.consistency4j.metrics;

/**
 * Per-thread scratch space of the scoring functions: the token-id interner, the token sequences
 * and the LCS bit masks, reused across calls so that scoring a pair allocates nothing but its
 * result. Each thread gets its own instance through a {@link ThreadLocal}, which is what makes the
 * public functions thread-safe; a workspace is never shared or handed out.
 */
final class Workspace {
  private static final ThreadLocal<Workspace> LOCAL = ThreadLocal.withInitial(Workspace::new);

  final TokenIds ids = new TokenIds();
  final IntList target = new IntList(128);
  final IntList prediction = new IntList(128);
  final IntList targetStarts = new IntList(16);
  final IntList predictionStarts = new IntList(16);
  long[] masks = new long[256];

  private Workspace() {}

  /** This thread's workspace, reset: empty vocabulary and empty sequences. */
  static Workspace get() {
    Workspace w = LOCAL.get();
    w.ids.reset();
    w.target.clear(TokenIds.RETAINED_LIMIT);
    w.prediction.clear(TokenIds.RETAINED_LIMIT);
    w.targetStarts.clear(TokenIds.RETAINED_LIMIT);
    w.predictionStarts.clear(TokenIds.RETAINED_LIMIT);
    if (w.masks.length > TokenIds.RETAINED_LIMIT) {
      w.masks = new long[256];
    }
    return w;
  }

  /** The mask scratch, grown to at least {@code n} longs. */
  long[] masks(int n) {
    if (masks.length < n) {
      masks = new long[Math.max(n, masks.length * 2)];
    }
    return masks;
  }

  /** Splits {@code tokens} at {@code starts} (first sentence starts at 0) into sentences. */
  static int[][] sentences(IntList tokens, IntList starts) {
    int[][] out = new int[starts.size() + 1][];
    int from = 0;
    for (int s = 0; s <= starts.size(); s++) {
      int to = s < starts.size() ? starts.get(s) : tokens.size();
      out[s] = tokens.toArray(from, to);
      from = to;
    }
    return out;
  }
}
