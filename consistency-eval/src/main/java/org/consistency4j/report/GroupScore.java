package org.consistency4j.report;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.consistency4j.internal.Check;

/**
 * The per-group values of one model on one group (one instance's responses across verbalizations):
 * what paired comparisons between models and bootstrap intervals are computed from.
 *
 * @param task the task name
 * @param group the group id, unique within the task
 * @param values metric key ({@link MetricNames}) to the group's value; finite values only; a metric
 *     that is undefined for the group is absent
 */
public record GroupScore(String task, String group, Map<String, Double> values) {
  /** Validates and copies, keeping the key order. */
  public GroupScore {
    Check.notNull(task, "task");
    Check.notNull(group, "group");
    Check.notNull(values, "values");
    Map<String, Double> copy = new LinkedHashMap<>();
    values.forEach(
        (k, v) -> {
          Check.notNull(k, "values key");
          Check.notNull(v, "values[" + k + "]");
          Check.finite(v, "values[" + k + "]");
          copy.put(k, v);
        });
    values = Collections.unmodifiableMap(copy);
  }
}
