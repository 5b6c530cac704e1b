package org.consistency4j.reward;

import org.consistency4j.internal.Check;

/**
 * A response with a known verdict, for measuring the quality judge ({@link JudgeAccuracy}).
 *
 * @param item the instruction, input and response
 * @param correct whether the response correctly follows the instruction (the judge should say Yes)
 */
public record LabeledResponse(InstructionResponse item, boolean correct) {
  /** Validates. */
  public LabeledResponse {
    Check.notNull(item, "item");
  }
}
