package org.consistency4j.judge;

import java.util.ArrayList;
import java.util.List;
import org.consistency4j.internal.Check;
import org.consistency4j.metrics.ResponseSimilarity;

/**
 * A {@link ResponseSimilarity} decided by an LLM judge, as in the paper's consistency-rate metric: the
 * judge is asked whether two responses give the same answer ({@link JudgeTemplates#sameAnswer()} by
 * default). Two modes:
 *
 * <ul>
 *   <li>{@linkplain #graded graded}: the similarity is P(Yes) / (P(Yes) + P(No));
 *   <li>{@linkplain #thresholded thresholded}: 1 ("same") when that probability is strictly greater
 *       than a threshold, else 0 ("contradicted"), the paper's binary verdict.
 * </ul>
 *
 * The judge sees each pair in both orders (A, B) and (B, A) and the two probabilities are averaged
 * before thresholding, so the similarity is symmetric and free of the judge's position bias. Texts
 * that are equal after stripping whitespace score 1 without asking the judge (the contract of {@link
 * ResponseSimilarity}). {@link #pairwise(List)} sends every pair of a group in one batched judge call;
 * results are cached by the judge.
 *
 * <p>Thread-safe (the judge serializes model calls). It does not own the judge's model.
 */
public final class LlmJudgeSimilarity implements ResponseSimilarity {
  private final YesNoJudge judge;
  private final JudgeTemplate template;
  private final double threshold;
  private final boolean graded;

  private LlmJudgeSimilarity(YesNoJudge judge, JudgeTemplate template, double threshold, boolean graded) {
    this.judge = Check.notNull(judge, "judge");
    this.template = Check.notNull(template, "template");
    Check.argument(
        template.uses("other"), "template " + template.name() + " must contain the placeholder {other}");
    for (String p : List.of("instruction", "input")) {
      Check.argument(
          !template.uses(p),
          "template "
              + template.name()
              + " uses {"
              + p
              + "}, which a similarity of two responses cannot fill");
    }
    this.threshold = Check.inRange(threshold, 0, 1, "threshold");
    this.graded = graded;
  }

  /** Graded similarity, P(Yes), with the {@link JudgeTemplates#sameAnswer()} template. */
  public static LlmJudgeSimilarity graded(YesNoJudge judge) {
    return graded(judge, JudgeTemplates.sameAnswer());
  }

  /**
   * Graded similarity with a custom template.
   *
   * @param template uses {@code {response}} and {@code {other}}, not {@code {instruction}} or {@code
   *     {input}}
   */
  public static LlmJudgeSimilarity graded(YesNoJudge judge, JudgeTemplate template) {
    return new LlmJudgeSimilarity(judge, template, 0.5, true);
  }

  /**
   * Binary similarity: 1 when P(Yes) is greater than {@code threshold}, with the {@link
   * JudgeTemplates#sameAnswer()} template.
   *
   * @param threshold in [0, 1], typically 0.5
   */
  public static LlmJudgeSimilarity thresholded(YesNoJudge judge, double threshold) {
    return thresholded(judge, JudgeTemplates.sameAnswer(), threshold);
  }

  /** Binary similarity with a custom template. */
  public static LlmJudgeSimilarity thresholded(
      YesNoJudge judge, JudgeTemplate template, double threshold) {
    return new LlmJudgeSimilarity(judge, template, threshold, false);
  }

  @Override
  public double similarity(String a, String b) {
    return pairwise(List.of(Check.notNull(a, "a"), Check.notNull(b, "b")))[0];
  }

  @Override
  public double[] pairwise(List<String> responses) {
    Check.notNull(responses, "responses");
    int n = responses.size();
    double[] out = new double[ResponseSimilarity.pairCount(n)];
    List<String> prompts = new ArrayList<>();
    int k = 0;
    for (int i = 0; i < n; i++) {
      String a = Check.notNull(responses.get(i), "responses[" + i + "]");
      for (int j = i + 1; j < n; j++) {
        String b = Check.notNull(responses.get(j), "responses[" + j + "]");
        if (a.strip().equals(b.strip())) {
          out[k] = 1;
        } else {
          out[k] = Double.NaN; // filled below
          prompts.add(template.render(null, null, a, b));
          prompts.add(template.render(null, null, b, a));
        }
        k++;
      }
    }
    double[] p = judge.probabilities(prompts);
    int q = 0;
    for (k = 0; k < out.length; k++) {
      if (Double.isNaN(out[k])) {
        double mean = 0.5 * (p[q] + p[q + 1]);
        q += 2;
        out[k] = graded ? mean : (mean > threshold ? 1 : 0);
      }
    }
    return out;
  }

  @Override
  public String name() {
    return graded ? "llm-judge" : "llm-judge>" + threshold;
  }

  /** The judge (not owned). */
  public YesNoJudge judge() {
    return judge;
  }
}
