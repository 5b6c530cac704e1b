package org.consistency4j.report;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.consistency4j.internal.Check;

/**
 * One model's metrics on one task (or on all tasks together, with task {@link #OVERALL}).
 *
 * @param task the task name
 * @param groups how many groups (instances) were evaluated, {@code >= 0}
 * @param responses how many responses were evaluated, {@code >= 0}
 * @param metrics metric key ({@link MetricNames}) to estimate, in display order; a metric that does
 *     not apply (for example accuracy on free-text tasks) is absent
 * @param variants per verbalization: metric key to mean value, in variant order
 */
public record TaskResult(
    String task,
    int groups,
    int responses,
    Map<String, Estimate> metrics,
    List<Map<String, Double>> variants) {

  /** The task name of the result over all tasks. */
  public static final String OVERALL = "overall";

  /** Validates and copies, keeping the key order. */
  public TaskResult {
    Check.notNull(task, "task");
    Check.nonNegative(groups, "groups");
    Check.nonNegative(responses, "responses");
    Check.notNull(metrics, "metrics");
    metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    Check.notNull(variants, "variants");
    variants =
        variants.stream()
            .map(v -> Collections.unmodifiableMap(new LinkedHashMap<>(Check.notNull(v, "variant"))))
            .toList();
  }

  /** The estimate of {@code metric}, if it applies to this task. */
  public Optional<Estimate> metric(String metric) {
    return Optional.ofNullable(metrics.get(metric));
  }
}
