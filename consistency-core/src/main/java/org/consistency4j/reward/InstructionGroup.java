package org.consistency4j.reward;

import java.util.ArrayList;
import java.util.List;
import org.consistency4j.data.Instance;
import org.consistency4j.data.InstructionTask;
import org.consistency4j.internal.Check;

/**
 * A training instruction group: semantically equivalent verbalizations of one instruction, applied
 * to one task input. {@link ResponseSampler} samples responses for each verbalization. The group of
 * instance {@code i} of an {@link InstructionTask} is {@link #of(InstructionTask, int)}.
 *
 * @param id a stable identifier, not blank (used in logs, reports and exported records)
 * @param instruction the original instruction, not null; the quality and agreement judges see this
 *     wording, so that every response of the group is judged against the same instruction
 * @param verbalizations the wordings to prompt with (typically the original and its paraphrases), not
 *     empty, no null element
 * @param input the task input, not null (may be empty)
 */
public record InstructionGroup(
    String id, String instruction, List<String> verbalizations, String input) {
  /** Validates and copies. */
  public InstructionGroup {
    Check.notNull(id, "id");
    Check.argument(!id.isBlank(), "id must not be blank");
    Check.notNull(instruction, "instruction");
    verbalizations = List.copyOf(Check.notEmpty(verbalizations, "verbalizations"));
    Check.notNull(input, "input");
  }

  /**
   * The group of one instance of a task: id {@code task + "#" + instance}, instruction the first
   * (original) variant, verbalizations the task's prompts of that instance in variant order ({@link
   * InstructionTask#prompt(int, int)}, already filled, so use them with a {@link PromptFormat} that
   * returns the prompt unchanged), input the instance's plain input or empty.
   *
   * @param task the task
   * @param instance the instance index, in {@code [0, task.instances().size())}
   */
  public static InstructionGroup of(InstructionTask task, int instance) {
    Check.notNull(task, "task");
    Check.inRange(instance, 0, task.instances().size() - 1, "instance");
    List<String> prompts = new ArrayList<>(task.variants().size());
    for (int v = 0; v < task.variants().size(); v++) {
      prompts.add(task.prompt(v, instance));
    }
    Instance in = task.instances().get(instance);
    return new InstructionGroup(
        task.name() + "#" + instance, task.variants().get(0), prompts, in.input().orElse(""));
  }
}
