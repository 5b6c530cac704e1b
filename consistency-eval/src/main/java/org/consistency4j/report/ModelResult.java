package org.consistency4j.report;

import java.util.List;
import java.util.Optional;
import org.consistency4j.internal.Check;

/**
 * Everything measured for one model.
 *
 * @param model the model's name ({@link org.consistency4j.lm.LanguageModel#name()} or a label)
 * @param overall the metrics over all tasks together (task {@link TaskResult#OVERALL})
 * @param tasks the metrics per task, in dataset order
 * @param groups the per-group values behind the metrics (for paired comparisons and re-analysis)
 */
public record ModelResult(
    String model, TaskResult overall, List<TaskResult> tasks, List<GroupScore> groups) {
  /** Validates and copies. */
  public ModelResult {
    Check.notNull(model, "model");
    Check.notNull(overall, "overall");
    tasks = List.copyOf(Check.notNull(tasks, "tasks"));
    groups = List.copyOf(Check.notNull(groups, "groups"));
  }

  /** The result of {@code task}, or {@link #overall()} for {@link TaskResult#OVERALL}. */
  public Optional<TaskResult> task(String task) {
    if (TaskResult.OVERALL.equals(task)) {
      return Optional.of(overall);
    }
    return tasks.stream().filter(t -> t.task().equals(task)).findFirst();
  }
}
