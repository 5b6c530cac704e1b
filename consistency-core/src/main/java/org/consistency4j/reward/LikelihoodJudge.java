package org.consistency4j.reward;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.consistency4j.internal.Check;
import org.consistency4j.lm.Capability;
import org.consistency4j.lm.Continuation;
import org.consistency4j.lm.ContinuationScore;
import org.consistency4j.lm.LanguageModel;

/**
 * A quality judge inferred from the model's own answer distribution: the probability that the model
 * gives a response as its whole answer, averaged over the wordings it was fine-tuned on. For a
 * response {@code y} to input {@code x} with wordings {@code w_1..w_k},
 *
 * <pre>P_judge(y) = (1 / k) * sum_i P_model(prefix + strip(y) + end | format(w_i, x))</pre>
 *
 * where {@code prefix} and {@code end} lay the response out as the fine-tuning completions were
 * (typically a leading space and the end-of-sequence token's text, so that the probability is of
 * the complete answer and not of any answer starting with it). With the end token the probabilities
 * of the different answers to one prompt sum to at most 1, so at most one answer can reach {@link
 * #CORRECT_THRESHOLD}: the verdict "correct" means the model, across its training wordings, puts the
 * majority of its probability on this answer. No yes/no prompt is involved, so it works for a model
 * that never learned to judge; it is as good as the model's own skill under its training wordings.
 *
 * <p>Every distinct (prompt, continuation) of a call is scored once, in batches of at most {@code
 * batchSize} continuations ({@link LanguageModel#score(List)}). Not thread-safe when the model is not;
 * the judge does not own the model and never closes it.
 */
public final class LikelihoodJudge {
  /** {@code P_judge} from which a response is judged correct: a majority of the probability. */
  public static final double CORRECT_THRESHOLD = 0.5;

  private final LanguageModel model;
  private final PromptFormat format;
  private final String prefix;
  private final String end;
  private final int batchSize;

  /**
   * One response to judge.
   *
   * @param wordings the wordings whose prompts the response is scored under, not empty
   * @param input the task input, not null
   * @param response the response, not null (stripped before scoring)
   */
  public record Query(List<String> wordings, String input, String response) {
    /** Validates and copies. */
    public Query {
      wordings = List.copyOf(Check.notEmpty(wordings, "wordings"));
      Check.notNull(input, "input");
      Check.notNull(response, "response");
    }
  }

  private LikelihoodJudge(LanguageModel model, PromptFormat format, String prefix, String end,
      int batchSize) {
    this.model = Check.notNull(model, "model");
    Capability.SCORE.require(model, "a likelihood judge");
    this.format = Check.notNull(format, "format");
    this.prefix = Check.notNull(prefix, "prefix");
    this.end = Check.notNull(end, "end");
    this.batchSize = Check.positive(batchSize, "batchSize");
  }

  /**
   * A judge scoring with {@code model}.
   *
   * @param model the model whose answer distribution judges (needs {@link Capability#SCORE})
   * @param format how a wording and an input become the prompt (as in fine-tuning)
   * @param prefix text before the stripped response (for example {@code " "})
   * @param end text after it, for example the end-of-sequence token's text ({@code ""}: none, then
   *     the probability is that of every answer starting with the response)
   * @param batchSize continuations per {@link LanguageModel#score(List)} call
   * @throws IllegalArgumentException if the model cannot score continuations or an argument is bad
   */
  public static LikelihoodJudge of(LanguageModel model, PromptFormat format, String prefix,
      String end, int batchSize) {
    return new LikelihoodJudge(model, format, prefix, end, batchSize);
  }

  /**
   * {@code P_judge} of every query, in order, each in [0, 1].
   *
   * @throws IllegalStateException if the model returns a log-probability that is NaN or above 0
   */
  public double[] probabilities(List<Query> queries) {
    Check.notNull(queries, "queries");
    Map<Continuation, Double> logProbs = new LinkedHashMap<>();
    for (Query q : queries) {
      for (String w : q.wordings()) {
        logProbs.putIfAbsent(continuation(w, q), Double.NaN);
      }
    }
    List<Continuation> distinct = new ArrayList<>(logProbs.keySet());
    for (int from = 0; from < distinct.size(); from += batchSize) {
      List<Continuation> batch = distinct.subList(from, Math.min(distinct.size(), from + batchSize));
      List<ContinuationScore> scores = model.score(batch);
      Check.sameSize(batch.size(), "continuations", scores.size(), "scores");
      for (int i = 0; i < batch.size(); i++) {
        double lp = scores.get(i).sum();
        // A probability above 1 or NaN would be clamped into a silent verdict: refuse it instead.
        if (!(lp <= 0)) {
          throw new IllegalStateException("model " + model.name() + " scored the continuation '"
              + batch.get(i).continuation() + "' of prompt '" + batch.get(i).prompt()
              + "' with log-probability " + lp + "; a likelihood judge needs log-probabilities <= 0");
        }
        logProbs.put(batch.get(i), lp);
      }
    }
    double[] out = new double[queries.size()];
    for (int i = 0; i < out.length; i++) {
      Query q = queries.get(i);
      double sum = 0;
      for (String w : q.wordings()) {
        sum += Math.exp(logProbs.get(continuation(w, q)));
      }
      out[i] = Math.min(1, sum / q.wordings().size());
    }
    return out;
  }

  /** Whether {@code probability} (a {@code P_judge}) is the verdict "correct". */
  public static boolean judgedCorrect(double probability) {
    return probability >= CORRECT_THRESHOLD;
  }

  private Continuation continuation(String wording, Query q) {
    return new Continuation(format.format(wording, q.input()), prefix + q.response().strip() + end);
  }
}
