package org.consistency4j.metrics;

import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.consistency4j.internal.Check;

/**
 * A configured set of ROUGE metrics, like {@code rouge_score.rouge_scorer.RougeScorer(rouge_types,
 * use_stemmer)}: each text is tokenized once and every configured metric is computed from the
 * same tokens. Scores equal {@link Rouge}'s single-metric functions bit for bit.
 *
 * <p>Metric names: {@code "rouge1"}, {@code "rouge2"}, ... ({@code "rouge<n>"} for any n >= 1,
 * written without leading zeros; rouge-score itself accepts only one digit), {@code "rougeL"} and
 * {@code "rougeLsum"}. ROUGE-Lsum splits sentences at {@code '\n'} only (rouge-score's default);
 * for {@code split_summaries=True} use {@link Rouge#rougeLsum(List, List, boolean)} with
 * pre-split sentences.
 *
 * <p>Immutable and thread-safe.
 */
public final class RougeScorer {
  private static final int ROUGE_L = 0;
  private static final int ROUGE_LSUM = -1;

  private final List<String> metricNames;
  private final int[] kinds; // n >= 1 for ROUGE-N, ROUGE_L, ROUGE_LSUM
  private final boolean useStemmer;
  private final boolean needsSentences;

  private RougeScorer(List<String> metricNames, boolean useStemmer) {
    this.metricNames = metricNames;
    this.useStemmer = useStemmer;
    this.kinds = new int[metricNames.size()];
    boolean sentences = false;
    for (int i = 0; i < kinds.length; i++) {
      kinds[i] = kindOf(metricNames.get(i));
      if (kinds[i] == ROUGE_LSUM) {
        sentences = true;
      }
    }
    this.needsSentences = sentences;
  }

  /**
   * A scorer computing {@code metricNames} in that order.
   *
   * @param metricNames non-empty, without duplicates; each {@code "rouge<n>"} (n >= 1), {@code
   *     "rougeL"} or {@code "rougeLsum"}
   * @param useStemmer whether tokens longer than 3 characters are Porter-stemmed
   * @throws IllegalArgumentException if the list is empty, names a metric twice ({@code
   *     "metricNames contains rougeL twice"}) or names an unknown metric ({@code "metricNames
   *     contains unknown metric 'rouge0'; expected rouge<n> (n >= 1), rougeL or rougeLsum"})
   * @throws NullPointerException if the list or a name is null
   */
  public static RougeScorer of(List<String> metricNames, boolean useStemmer) {
    Check.notEmpty(metricNames, "metricNames");
    List<String> names = List.copyOf(metricNames);
    Set<String> seen = new HashSet<>();
    for (String name : names) {
      kindOf(name);
      Check.argument(seen.add(name), "metricNames contains " + name + " twice");
    }
    return new RougeScorer(names, useStemmer);
  }

  /** Parses a metric name; see {@link #of}. */
  static int kindOf(String name) {
    if (name.equals("rougeL")) {
      return ROUGE_L;
    }
    if (name.equals("rougeLsum")) {
      return ROUGE_LSUM;
    }
    if (name.startsWith("rouge")
        && name.length() > 5
        && name.length() <= 14
        && name.charAt(5) != '0') {
      int n = 0;
      for (int i = 5; i < name.length(); i++) {
        char c = name.charAt(i);
        if (c < '0' || c > '9') {
          n = -1;
          break;
        }
        n = n * 10 + (c - '0');
      }
      if (n >= 1) {
        return n;
      }
    }
    throw new IllegalArgumentException(
        "metricNames contains unknown metric '"
            + name
            + "'; expected rouge<n> (n >= 1), rougeL or rougeLsum");
  }

  /** The configured metric names, in scoring order (immutable). */
  public List<String> metricNames() {
    return metricNames;
  }

  /** Whether tokens longer than 3 characters are Porter-stemmed. */
  public boolean useStemmer() {
    return useStemmer;
  }

  /**
   * Scores {@code prediction} against {@code target} with every configured metric.
   *
   * @return an unmodifiable map from metric name to score, iterating in metric order
   * @throws IllegalArgumentException with rougeLsum, if one pair of lines is too long for the LCS
   *     table (see {@link Rouge#rougeLsum(String, String, boolean)})
   * @throws NullPointerException if a text is null
   */
  public Map<String, RougeScore> score(String target, String prediction) {
    Check.notNull(target, "target");
    Check.notNull(prediction, "prediction");
    Workspace w = Workspace.get();
    // One pass per text serves every metric: tokens never span a '\n', so the whole-text tokens
    // split at the recorded line starts are the tokens of each line.
    w.ids.tokenize(target, useStemmer, w.target, needsSentences ? w.targetStarts : null, true);
    int targetAlphabet = w.ids.size();
    w.ids.tokenize(
        prediction, useStemmer, w.prediction, needsSentences ? w.predictionStarts : null, true);
    int m = w.target.size();
    int n = w.prediction.size();
    Map<String, RougeScore> scores = new LinkedHashMap<>();
    for (int i = 0; i < kinds.length; i++) {
      RougeScore score;
      if (kinds[i] == ROUGE_L) {
        score = RougeMath.rougeL(m, n, Rouge.lcs(w, targetAlphabet));
      } else if (kinds[i] == ROUGE_LSUM) {
        score =
            RougeMath.rougeLsum(
                Workspace.sentences(w.target, w.targetStarts),
                Workspace.sentences(w.prediction, w.predictionStarts),
                w.ids.size());
      } else {
        score =
            RougeMath.rougeN(
                w.target.array(), m, w.prediction.array(), n, kinds[i], w.ids.size());
      }
      scores.put(metricNames.get(i), score);
    }
    return Collections.unmodifiableMap(scores);
  }

  /**
   * Scores {@code prediction} against several references, like rouge-score's {@code score_multi}:
   * for each metric separately, the score of the reference with the highest F-measure; the first
   * such reference wins ties.
   *
   * @param targets the references, non-empty
   * @return an unmodifiable map from metric name to score, iterating in metric order
   * @throws IllegalArgumentException if {@code targets} is empty ({@code "targets must not be
   *     empty"})
   * @throws NullPointerException if an argument or a reference is null
   */
  public Map<String, RougeScore> scoreMulti(List<String> targets, String prediction) {
    Check.notEmpty(targets, "targets");
    Check.notNull(prediction, "prediction");
    Map<String, RougeScore> best = null;
    for (int i = 0; i < targets.size(); i++) {
      Map<String, RougeScore> scores =
          score(Check.notNull(targets.get(i), "targets[" + i + "]"), prediction);
      if (best == null) {
        best = new LinkedHashMap<>(scores);
        continue;
      }
      for (Map.Entry<String, RougeScore> e : scores.entrySet()) {
        if (e.getValue().fmeasure() > best.get(e.getKey()).fmeasure()) {
          best.put(e.getKey(), e.getValue());
        }
      }
    }
    return Collections.unmodifiableMap(best);
  }

  @Override
  public String toString() {
    return "RougeScorer" + metricNames + (useStemmer ? " with stemmer" : "");
  }
}
