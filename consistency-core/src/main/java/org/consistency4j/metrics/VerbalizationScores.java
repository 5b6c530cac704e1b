package org.consistency4j.metrics;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.consistency4j.internal.Check;

/**
 * Reference-based scores of one verbalization of a task, averaged over the task's instances.
 *
 * @param verbalization the verbalization's label
 * @param instances the number of instances averaged, {@code >= 1}
 * @param accuracy the share of instances whose response equals one of the references after SQuAD
 *     normalization ({@link AnswerMatch#exactAny}), in [0, 1]
 * @param rouge per ROUGE metric name (for example {@code "rougeL"}), the mean over instances of the
 *     best F-measure over the instance's references, in [0, 1]; iteration in metric order
 */
public record VerbalizationScores(
    String verbalization, int instances, double accuracy, Map<String, Double> rouge) {
  /** Validates and copies (keeping the metric order). */
  public VerbalizationScores {
    Check.notNull(verbalization, "verbalization");
    Check.positive(instances, "instances");
    Check.inRange(accuracy, 0, 1, "accuracy");
    Check.notNull(rouge, "rouge");
    Map<String, Double> copy = new LinkedHashMap<>();
    for (Map.Entry<String, Double> e : rouge.entrySet()) {
      String metric = Check.notNull(e.getKey(), "rouge metric name");
      Double value = Check.notNull(e.getValue(), "rouge " + metric);
      copy.put(metric, Check.inRange(value, 0, 1, "rouge " + metric));
    }
    rouge = Collections.unmodifiableMap(copy);
  }
}
