package org.consistency4j.reward;

import org.consistency4j.internal.Check;

/**
 * One sampled response of an instruction group.
 *
 * @param verbalization index of the verbalization in {@link InstructionGroup#verbalizations()},
 *     {@code >= 0}
 * @param sample index of the sample among those of its verbalization, {@code >= 0}
 * @param prompt the exact prompt the model was given, not null
 * @param text the generated response, not null
 */
public record SampledResponse(int verbalization, int sample, String prompt, String text) {
  /** Validates. */
  public SampledResponse {
    Check.nonNegative(verbalization, "verbalization");
    Check.nonNegative(sample, "sample");
    Check.notNull(prompt, "prompt");
    Check.notNull(text, "text");
  }
}
