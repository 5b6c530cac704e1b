package org.consistency4j.metrics;

import java.util.List;
import java.util.OptionalDouble;
import org.consistency4j.internal.Check;

/**
 * Everything measured on one task's verbalization x instance responses: the consistency rate and
 * majority agreement over its instruction groups (one per instance), and, when the task has
 * references, accuracy and ROUGE per verbalization with the spread of accuracy.
 *
 * @param task the task's name
 * @param consistency the consistency rate over the task's instance groups
 * @param agreement the majority agreement over the same groups
 * @param verbalizations per-verbalization reference scores in verbalization order; empty when the
 *     task has no references
 */
public record TaskEvaluation(
    String task,
    ConsistencyResult consistency,
    AgreementResult agreement,
    List<VerbalizationScores> verbalizations) {
  /** Validates and copies. */
  public TaskEvaluation {
    Check.notNull(task, "task");
    Check.notNull(consistency, "consistency");
    Check.notNull(agreement, "agreement");
    verbalizations = List.copyOf(Check.notNull(verbalizations, "verbalizations"));
  }

  /**
   * The spread of accuracy across verbalizations (max minus min, as in FormatSpread), in [0, 1];
   * empty when the task has no references.
   */
  public OptionalDouble spread() {
    if (verbalizations.isEmpty()) {
      return OptionalDouble.empty();
    }
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (VerbalizationScores v : verbalizations) {
      min = Math.min(min, v.accuracy());
      max = Math.max(max, v.accuracy());
    }
    return OptionalDouble.of(max - min);
  }

  /** The mean accuracy over verbalizations; empty when the task has no references. */
  public OptionalDouble accuracy() {
    return verbalizations.stream().mapToDouble(VerbalizationScores::accuracy).average();
  }
}
