package org.consistency4j.reward;

import java.util.List;
import org.consistency4j.internal.Check;

/**
 * A training instruction group: semantically equivalent verbalizations of one instruction, applied
 * to one task input. {@link ResponseSampler} samples responses for each verbalization.
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
}
