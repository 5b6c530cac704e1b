package org.consistency4j.data;

import java.util.List;
import org.consistency4j.internal.Check;

/**
 * One input of a task with its acceptable outputs.
 *
 * @param input the task input, not null (may be empty)
 * @param outputs the reference outputs, at least one
 */
public record TaskInstance(String input, List<String> outputs) {
  /** Validates and copies. */
  public TaskInstance {
    Check.notNull(input, "input");
    outputs = List.copyOf(Check.notEmpty(outputs, "outputs"));
  }
}
