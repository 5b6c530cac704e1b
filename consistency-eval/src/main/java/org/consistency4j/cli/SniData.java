package org.consistency4j.cli;

import java.nio.file.Path;
import java.util.List;
import org.consistency4j.data.SniTasks;
import org.consistency4j.data.InstructionTask;
import org.consistency4j.harness.SniEvaluationTasks;
import org.consistency4j.paraphrase.Paraphrasers;

/** Loads a directory of Super-NaturalInstructions task files as evaluation tasks. */
final class SniData {
  private SniData() {}

  /**
   * The tasks of an SNI directory: each definition plus up to {@code paraphrases} paraphrases made
   * by the paraphraser named {@code method} ({@link Paraphrasers#byName}).
   */
  static List<InstructionTask> load(Path dir, String method, int paraphrases, long seed) {
    return SniEvaluationTasks.fromSni(
        SniTasks.loadDirectory(dir), Paraphrasers.byName(method), paraphrases, seed);
  }
}
