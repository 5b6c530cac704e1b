package org.consistency4j.cli;

import java.nio.file.Path;
import java.util.List;
import org.consistency4j.InvalidInputException;
import org.consistency4j.harness.InstructionTask;

/** Loads a directory of Super-NaturalInstructions task files as evaluation tasks. */
final class SniData {
  private SniData() {}

  /**
   * The tasks of an SNI directory.
   *
   * @throws InvalidInputException while this build has no SNI loader
   */
  static List<InstructionTask> load(Path dir) {
    // The SNI loader (org.consistency4j.data) is not part of this build yet.
    throw new InvalidInputException(
        dir.toString(),
        0,
        "is a directory; reading Super-NaturalInstructions task directories needs the SNI loader"
            + " (org.consistency4j.data), which this build does not include yet; give a JSONL file of"
            + " tasks instead");
  }
}
