package org.consistency4j.reward;

import java.util.ArrayList;
import java.util.List;
import org.consistency4j.internal.Check;

/**
 * The sampled responses of one instruction group, the unit that self-rewards compare and that
 * preference pairs are built from. Unlike {@link org.consistency4j.metrics.ResponseGroup} (one
 * response per verbalization, the input of the consistency metrics), it keeps what the judges need:
 * the instruction, the input, and per response its verbalization, sample index and exact prompt.
 *
 * @param id the group's identifier, not blank
 * @param instruction the original instruction the judges see, not null
 * @param input the task input, not null
 * @param responses the responses, no null element (order is kept)
 */
public record SampledGroup(
    String id, String instruction, String input, List<SampledResponse> responses) {
  /** Validates and copies. */
  public SampledGroup {
    Check.notNull(id, "id");
    Check.argument(!id.isBlank(), "id must not be blank");
    Check.notNull(instruction, "instruction");
    Check.notNull(input, "input");
    responses = List.copyOf(Check.notNull(responses, "responses"));
  }

  /** The response texts, in order. */
  public List<String> texts() {
    List<String> texts = new ArrayList<>(responses.size());
    for (SampledResponse r : responses) {
      texts.add(r.text());
    }
    return texts;
  }

  /** The number of responses. */
  public int size() {
    return responses.size();
  }
}
