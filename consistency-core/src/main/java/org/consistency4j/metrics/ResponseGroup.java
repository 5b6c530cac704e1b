package org.consistency4j.metrics;

import java.util.List;
import org.consistency4j.internal.Check;

/**
 * An instruction group's responses: one response per verbalization (the original instruction and
 * its paraphrases) of one instruction applied to the same input, and optionally the reference
 * answers of that input.
 *
 * @param id the group's identifier, not blank; unique within one computation
 * @param responses the model's responses, possibly fewer than two (such a group is excluded from
 *     the consistency rate and counted); no null element
 * @param references acceptable reference answers, empty when the task has none; no null element
 */
public record ResponseGroup(String id, List<String> responses, List<String> references) {
  /** Validates and copies. */
  public ResponseGroup {
    Check.notNull(id, "id");
    Check.argument(!id.isBlank(), "id must not be blank");
    responses = copyWithoutNulls(responses, "responses", id);
    references = copyWithoutNulls(references, "references", id);
  }

  /** A group without references. */
  public static ResponseGroup of(String id, List<String> responses) {
    return new ResponseGroup(id, responses, List.of());
  }

  /** A group with references. */
  public static ResponseGroup of(String id, List<String> responses, List<String> references) {
    return new ResponseGroup(id, responses, references);
  }

  /** Whether the group carries at least one reference. */
  public boolean hasReferences() {
    return !references.isEmpty();
  }

  private static List<String> copyWithoutNulls(List<String> values, String name, String id) {
    Check.notNull(values, name);
    for (int i = 0; i < values.size(); i++) {
      if (values.get(i) == null) {
        throw new IllegalArgumentException(
            name + "[" + i + "] of group \"" + id + "\" must not be null");
      }
    }
    return List.copyOf(values);
  }
}
