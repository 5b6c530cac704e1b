package org.consistency4j.harness;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.consistency4j.data.InstructionTask;
import org.consistency4j.data.InstructionTasks;
import org.consistency4j.data.PromptTemplate;
import org.consistency4j.data.SniTask;
import org.consistency4j.internal.Check;
import org.consistency4j.paraphrase.Instruction;
import org.consistency4j.paraphrase.Paraphrase;
import org.consistency4j.paraphrase.Paraphraser;

/**
 * Evaluation tasks from Super-NaturalInstructions tasks (read by {@link
 * org.consistency4j.data.SniTasks}). An SNI task has one
 * instruction, its definition; the other variants are paraphrases of it made by a {@link
 * Paraphraser} (label words protected), each put in {@link PromptTemplate#DEFAULT}. Stateless.
 */
public final class SniEvaluationTasks {
  private SniEvaluationTasks() {}

  /**
   * One evaluation task per SNI task: the definition plus up to {@code paraphrases} paraphrases.
   * A task is a label task when {@link SniTask#labelWords()} finds label words.
   *
   * @param paraphrases the most paraphrases per task, {@code >= 0}
   * @param seed the paraphraser's seed
   */
  public static List<InstructionTask> fromSni(
      List<SniTask> tasks, Paraphraser paraphraser, int paraphrases, long seed) {
    Check.notNull(tasks, "tasks");
    Check.notNull(paraphraser, "paraphraser");
    Check.nonNegative(paraphrases, "paraphrases");
    List<InstructionTask> out = new ArrayList<>();
    for (SniTask t : tasks) {
      if (t.instances().isEmpty()) {
        continue;
      }
      Set<String> instructions = new LinkedHashSet<>();
      instructions.add(t.definition());
      if (paraphrases > 0) {
        List<String> labels = t.labelWords();
        for (Paraphrase p :
            paraphraser.paraphrase(Instruction.of(t.definition(), labels), paraphrases, seed)) {
          instructions.add(p.text());
        }
      }
      InstructionTask task =
          InstructionTasks.fromSni(
              t, new ArrayList<>(instructions), PromptTemplate.DEFAULT, t.instances());
      out.add(new InstructionTask(task.name(), task.variants(), task.instances(),
          Optional.of(!t.labelWords().isEmpty())));
    }
    return out;
  }
}
