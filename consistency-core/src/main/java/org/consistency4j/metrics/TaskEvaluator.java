package org.consistency4j.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.consistency4j.internal.Check;

/**
 * Evaluates {@link TaskResponses}: consistency rate and majority agreement over the instance groups
 * (each instance's responses across verbalizations), and per verbalization the accuracy
 * (normalized exact match against any reference) and the mean best-reference ROUGE F, with the
 * spread of accuracy across verbalizations.
 *
 * <pre>{@code
 * TaskEvaluation e = TaskEvaluator.of(Similarities.exactMatch()).evaluate(task);
 * e.consistency().macro(); e.spread(); e.verbalizations().get(0).rouge().get("rougeL");
 * }</pre>
 *
 * <p>Immutable; thread-safe when its similarity is.
 */
public final class TaskEvaluator {
  /** The ROUGE metrics reported by default. */
  public static final List<String> DEFAULT_ROUGE_METRICS =
      List.of("rouge1", "rouge2", "rougeL", "rougeLsum");

  private final ConsistencyRate consistency;
  private final MajorityAgreement agreement;
  private final RougeScorer rouge;

  private TaskEvaluator(ResponseSimilarity similarity, double majorityThreshold, RougeScorer rouge) {
    this.consistency = ConsistencyRate.of(similarity);
    this.agreement = MajorityAgreement.of(similarity, majorityThreshold);
    this.rouge = Check.notNull(rouge, "rouge");
  }

  /**
   * An evaluator with the default majority threshold ({@value MajorityAgreement#DEFAULT_THRESHOLD})
   * and ROUGE metrics ({@link #DEFAULT_ROUGE_METRICS}, without stemming).
   */
  public static TaskEvaluator of(ResponseSimilarity similarity) {
    return of(
        similarity,
        MajorityAgreement.DEFAULT_THRESHOLD,
        RougeScorer.of(DEFAULT_ROUGE_METRICS, false));
  }

  /**
   * An evaluator.
   *
   * @param similarity compares responses for the consistency rate and majority agreement
   * @param majorityThreshold agreement threshold of {@link MajorityAgreement}, in (0, 1]
   * @param rouge the ROUGE metrics (and stemming) reported per verbalization
   */
  public static TaskEvaluator of(
      ResponseSimilarity similarity, double majorityThreshold, RougeScorer rouge) {
    return new TaskEvaluator(similarity, majorityThreshold, rouge);
  }

  /**
   * Evaluates one task.
   *
   * @throws IllegalArgumentException if the task has fewer than two verbalizations
   */
  public TaskEvaluation evaluate(TaskResponses task) {
    Check.notNull(task, "task");
    Check.argument(
        task.verbalizationCount() >= 2,
        "task \""
            + task.task()
            + "\" needs >= 2 verbalizations for a consistency rate, found "
            + task.verbalizationCount());
    List<ResponseGroup> groups = task.groups();
    ConsistencyResult cr = consistency.compute(groups);
    AgreementResult ma = agreement.compute(groups);
    List<VerbalizationScores> perVerbalization = new ArrayList<>();
    if (task.hasReferences()) {
      int instances = task.instanceCount();
      for (int v = 0; v < task.verbalizationCount(); v++) {
        int correct = 0;
        Map<String, Double> sums = new LinkedHashMap<>();
        for (String metric : rouge.metricNames()) {
          sums.put(metric, 0.0);
        }
        for (int i = 0; i < instances; i++) {
          String response = task.response(v, i);
          List<String> references = task.references().get(i);
          if (AnswerMatch.exactAny(response, references)) {
            correct++;
          }
          for (Map.Entry<String, RougeScore> e : rouge.scoreMulti(references, response).entrySet()) {
            sums.merge(e.getKey(), e.getValue().fmeasure(), Double::sum);
          }
        }
        Map<String, Double> means = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : sums.entrySet()) {
          means.put(e.getKey(), e.getValue() / instances);
        }
        perVerbalization.add(
            new VerbalizationScores(
                task.verbalizations().get(v), instances, (double) correct / instances, means));
      }
    }
    return new TaskEvaluation(task.task(), cr, ma, perVerbalization);
  }
}
