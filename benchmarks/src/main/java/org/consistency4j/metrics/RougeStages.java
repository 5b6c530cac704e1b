package org.consistency4j.metrics;

/**
 * Benchmark access to the package-private stages of ROUGE-L scoring, so that {@code
 * RougeBenchmark} can time tokenizing, stemming and the LCS separately. It lives in the library's
 * package (same package, different jar; plain class path) and is not part of the library.
 */
public final class RougeStages {
  private RougeStages() {}

  /** A pair already turned into token ids: target ids are dense below {@code alphabet}. */
  public record Prepared(int[] target, int[] prediction, int alphabet) {}

  /** Tokenizes both texts into ids exactly as {@link Rouge#rougeL} does; returns the token count. */
  public static int tokenize(String target, String prediction, boolean useStemmer) {
    Workspace w = Workspace.get();
    w.ids.tokenize(target, useStemmer, w.target, null, true);
    w.ids.tokenize(prediction, useStemmer, w.prediction, null, false);
    return w.target.size() + w.prediction.size();
  }

  /** The token ids {@link Rouge#rougeL} computes the LCS over. */
  public static Prepared prepare(String target, String prediction, boolean useStemmer) {
    Workspace w = Workspace.get();
    w.ids.tokenize(target, useStemmer, w.target, null, true);
    int alphabet = w.ids.size();
    w.ids.tokenize(prediction, useStemmer, w.prediction, null, false);
    return new Prepared(
        w.target.toArray(0, w.target.size()),
        w.prediction.toArray(0, w.prediction.size()),
        alphabet);
  }

  /** The bit-parallel LCS length used by {@link Rouge#rougeL}. */
  public static int lcsBitParallel(Prepared p, long[] scratch) {
    return Lcs.lengthBitParallel(
        p.target(), p.target().length, p.prediction(), p.prediction().length, p.alphabet(),
        scratch);
  }

  /** The textbook dynamic-program LCS length (the tests' oracle). */
  public static int lcsDp(Prepared p) {
    return Lcs.lengthDp(p.target(), p.prediction());
  }
}
