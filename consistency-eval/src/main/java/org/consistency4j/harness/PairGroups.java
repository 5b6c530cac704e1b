package org.consistency4j.harness;

import java.util.ArrayList;
import java.util.List;
import org.consistency4j.data.Instance;
import org.consistency4j.data.InstructionTask;
import org.consistency4j.internal.Check;
import org.consistency4j.reward.InstructionGroup;

/**
 * The instruction groups of stage-2 pair generation ({@code consistency pairs}) from evaluation
 * tasks: one group per task instance, {@code TASK#i}, whose verbalizations are the instance's prompts
 * under every variant (rendered with its fields) and whose instruction, the one the judges see, is the
 * first variant ({@link InstructionGroup#of}).
 */
public final class PairGroups {
  private PairGroups() {}

  /**
   * One group per instance of every task, in order.
   *
   * @param tasks the tasks
   * @return the groups
   */
  public static List<InstructionGroup> of(List<InstructionTask> tasks) {
    Check.notNull(tasks, "tasks");
    List<InstructionGroup> groups = new ArrayList<>();
    for (InstructionTask task : tasks) {
      for (int i = 0; i < task.instances().size(); i++) {
        groups.add(InstructionGroup.of(task, i));
      }
    }
    return groups;
  }

  /**
   * The references of every group of {@link #of}, in the same order (empty lists for instances
   * without references).
   *
   * @param tasks the tasks
   * @return the references
   */
  public static List<List<String>> references(List<InstructionTask> tasks) {
    Check.notNull(tasks, "tasks");
    List<List<String>> references = new ArrayList<>();
    for (InstructionTask task : tasks) {
      for (Instance inst : task.instances()) {
        references.add(inst.references());
      }
    }
    return references;
  }
}
