package org.consistency4j.reward;

import org.consistency4j.internal.Check;

/**
 * Two responses to one instruction and input, for the agreement judge: do they give the same answer?
 *
 * @param instruction the instruction, not null
 * @param input the task input, not null
 * @param response the first response (rendered as {@code {response}}), not null
 * @param other the second response (rendered as {@code {other}}), not null
 */
public record AgreementQuery(String instruction, String input, String response, String other) {
  /** Validates. */
  public AgreementQuery {
    Check.notNull(instruction, "instruction");
    Check.notNull(input, "input");
    Check.notNull(response, "response");
    Check.notNull(other, "other");
  }
}
