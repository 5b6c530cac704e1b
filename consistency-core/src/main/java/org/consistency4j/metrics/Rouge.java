package org.consistency4j.metrics;

import java.util.List;
import org.consistency4j.internal.Check;

/**
 * ROUGE-N, ROUGE-L and ROUGE-Lsum exactly as Google's {@code rouge-score} 0.1.2 computes them
 * ({@code rouge_scorer.RougeScorer(types, use_stemmer=...).score(target, prediction)}): the same
 * tokens ({@link org.consistency4j.text.RougeTokenizer}), the same formulas, the same tie-breaks
 * and the same double arithmetic, so every precision, recall and F-measure is bit-identical to
 * Python's.
 *
 * <ul>
 *   <li>ROUGE-N: clipped n-gram overlap; precision = overlap / max(#prediction n-grams, 1),
 *       recall = overlap / max(#target n-grams, 1).
 *   <li>ROUGE-L: longest common subsequence of the two token sequences; precision = LCS / |P|,
 *       recall = LCS / |T|; 0 if either side has no token (so two empty texts score 0, not 1).
 *   <li>ROUGE-Lsum: summary-level LCS over sentences (see {@link #rougeLsum(List, List, boolean)}).
 * </ul>
 *
 * <p>F-measure is {@code 2 * p * r / (p + r)} or 0 when {@code p + r == 0}. "target" is the
 * reference, "prediction" the candidate, as in rouge-score. All methods are pure and thread-safe.
 * For several metrics on the same texts, {@link RougeScorer} tokenizes once.
 */
public final class Rouge {
  private Rouge() {}

  /**
   * ROUGE-N of {@code prediction} against {@code target}.
   *
   * @param n the n-gram length, {@code >= 1} (rouge1 is unigrams)
   * @param useStemmer whether tokens longer than 3 characters are Porter-stemmed
   * @throws IllegalArgumentException if {@code n <= 0}: {@code "n must be > 0, found 0"}
   * @throws NullPointerException if a text is null
   */
  public static RougeScore rougeN(String target, String prediction, int n, boolean useStemmer) {
    Check.positive(n, "n");
    Check.notNull(target, "target");
    Check.notNull(prediction, "prediction");
    Workspace w = Workspace.get();
    w.ids.tokenize(target, useStemmer, w.target, null, true);
    w.ids.tokenize(prediction, useStemmer, w.prediction, null, true);
    return RougeMath.rougeN(
        w.target.array(), w.target.size(), w.prediction.array(), w.prediction.size(), n,
        w.ids.size());
  }

  /**
   * ROUGE-L (one LCS over the whole token sequences) of {@code prediction} against {@code
   * target}; {@link RougeScore#ZERO} if either has no token.
   *
   * @throws NullPointerException if a text is null
   */
  public static RougeScore rougeL(String target, String prediction, boolean useStemmer) {
    Check.notNull(target, "target");
    Check.notNull(prediction, "prediction");
    Workspace w = Workspace.get();
    w.ids.tokenize(target, useStemmer, w.target, null, true);
    int alphabet = w.ids.size();
    // Prediction tokens absent from the target can never match: look up, don't insert.
    w.ids.tokenize(prediction, useStemmer, w.prediction, null, false);
    return RougeMath.rougeL(w.target.size(), w.prediction.size(), lcs(w, alphabet));
  }

  /**
   * Token ids of several texts under one shared vocabulary, for callers in this package that score
   * many pairs of the same texts (each text is tokenized once): equal tokens get equal ids, all
   * below {@code ids[texts.size()][0]} (the last row holds the vocabulary size).
   */
  static int[][] tokenIds(List<String> texts, boolean useStemmer) {
    Workspace w = Workspace.get();
    int[][] out = new int[texts.size() + 1][];
    for (int i = 0; i < texts.size(); i++) {
      w.target.clear(TokenIds.RETAINED_LIMIT);
      String text = Check.notNull(texts.get(i), "texts[" + i + "]");
      w.ids.tokenize(text, useStemmer, w.target, null, true);
      out[i] = w.target.toArray(0, w.target.size());
    }
    out[texts.size()] = new int[] {w.ids.size()};
    return out;
  }

  /**
   * LCS length of two id sequences whose ids are below {@code vocabularySize}, by the bit-parallel
   * algorithm (equal to the dynamic program, see the tests).
   */
  static int lcsLength(int[] a, int[] b, int vocabularySize) {
    Workspace w = Workspace.get();
    long[] masks = w.masks(Lcs.scratchFor(a.length, b.length, vocabularySize));
    return Lcs.lengthBitParallel(a, a.length, b, b.length, vocabularySize, masks);
  }

  /** Bit-parallel LCS of the workspace's target (ids below {@code alphabet}) and prediction. */
  static int lcs(Workspace w, int alphabet) {
    int m = w.target.size();
    int n = w.prediction.size();
    long[] masks = w.masks(Lcs.scratchFor(m, n, alphabet));
    return Lcs.lengthBitParallel(w.target.array(), m, w.prediction.array(), n, alphabet, masks);
  }

  /**
   * ROUGE-Lsum with sentences taken as the {@code '\n'}-separated lines of each text (rouge-score's
   * default, {@code split_summaries=False}); empty lines are dropped. Only {@code '\n'} separates
   * sentences; a {@code '\r'} is removed by tokenization.
   *
   * <p>rouge-score's {@code split_summaries=True} splits with NLTK's punkt model instead, which this
   * library does not implement: split the texts into sentences yourself (for example with punkt)
   * and call {@link #rougeLsum(List, List, boolean)}. Calling this method on texts without
   * newlines scores each text as one sentence, which is what rouge-score does without {@code
   * split_summaries}, not what it does with it.
   *
   * @throws IllegalArgumentException if one pair of lines is too long for the LCS table (about
   *     {@code (|prediction line| + 1) * |target line| / 64 > 2^23}, e.g. 30,000 x 18,000 tokens)
   * @throws NullPointerException if a text is null
   */
  public static RougeScore rougeLsum(String target, String prediction, boolean useStemmer) {
    Check.notNull(target, "target");
    Check.notNull(prediction, "prediction");
    // Tokens never span a '\n' (a separator), so one pass per text gives every line's tokens.
    Workspace w = Workspace.get();
    w.ids.tokenize(target, useStemmer, w.target, w.targetStarts, true);
    w.ids.tokenize(prediction, useStemmer, w.prediction, w.predictionStarts, true);
    return RougeMath.rougeLsum(
        Workspace.sentences(w.target, w.targetStarts),
        Workspace.sentences(w.prediction, w.predictionStarts),
        w.ids.size());
  }

  /**
   * ROUGE-Lsum over pre-split sentences (rouge-score's {@code _summary_level_lcs}). Use this to
   * reproduce {@code split_summaries=True}: pass the sentences NLTK's punkt produced.
   *
   * <p>Empty strings are dropped (as rouge-score drops empty sentences). If either side has no
   * sentence or no token, the score is {@link RougeScore#ZERO}. Otherwise the tokens of all
   * target sentences and of all prediction sentences are counted into two multisets; for each
   * target sentence in order, the indices of one LCS with every prediction sentence are found by
   * backtracking (on a match move diagonally, else move left only if {@code table[i][j-1] >
   * table[i-1][j]}, otherwise up), and for each token at the sorted union of those indices a hit
   * is counted while both multisets still hold that token (decrementing both). Precision = hits /
   * prediction tokens, recall = hits / target tokens.
   *
   * @param targetSentences the reference sentences, in order
   * @param predictionSentences the candidate sentences, in order
   * @throws IllegalArgumentException if one sentence pair is too long for the LCS table (about
   *     {@code (|prediction sentence| + 1) * |target sentence| / 64 > 2^23})
   * @throws NullPointerException if a list or one of its elements is null
   */
  public static RougeScore rougeLsum(
      List<String> targetSentences, List<String> predictionSentences, boolean useStemmer) {
    Check.notNull(targetSentences, "targetSentences");
    Check.notNull(predictionSentences, "predictionSentences");
    Workspace w = Workspace.get();
    addSentences(targetSentences, "targetSentences", useStemmer, w, w.target, w.targetStarts);
    addSentences(
        predictionSentences, "predictionSentences", useStemmer, w, w.prediction,
        w.predictionStarts);
    return RougeMath.rougeLsum(
        Workspace.sentences(w.target, w.targetStarts),
        Workspace.sentences(w.prediction, w.predictionStarts),
        w.ids.size());
  }

  /** Tokenizes each sentence into {@code tokens}, recording where each one after the first starts. */
  private static void addSentences(
      List<String> sentences, String name, boolean useStemmer, Workspace w, IntList tokens,
      IntList starts) {
    for (int i = 0; i < sentences.size(); i++) {
      String s = Check.notNull(sentences.get(i), name + "[" + i + "]");
      if (i > 0) {
        starts.add(tokens.size());
      }
      w.ids.tokenize(s, useStemmer, tokens, null, true);
    }
  }
}
