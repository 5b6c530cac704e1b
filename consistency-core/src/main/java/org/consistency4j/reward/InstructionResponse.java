package org.consistency4j.reward;

import org.consistency4j.internal.Check;

/**
 * A response to an instruction applied to a task input: what the quality judge looks at.
 *
 * @param instruction the instruction, not null
 * @param input the task input, not null (empty when the instruction stands alone)
 * @param response the response, not null
 */
public record InstructionResponse(String instruction, String input, String response) {
  /** Validates. */
  public InstructionResponse {
    Check.notNull(instruction, "instruction");
    Check.notNull(input, "input");
    Check.notNull(response, "response");
  }
}
