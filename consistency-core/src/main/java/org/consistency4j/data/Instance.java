package org.consistency4j.data;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.consistency4j.internal.Check;

/**
 * One input of a task: the values of the fields that fill a variant's placeholders, and the
 * acceptable reference answers.
 *
 * @param fields placeholder name to value; the plain input of a task is the field {@value #INPUT}
 * @param references acceptable answers, possibly empty (then ROUGE and accuracy are not computed)
 */
public record Instance(Map<String, String> fields, List<String> references) {
  /** The field that holds a task's plain input (filled into {@code {input}}). */
  public static final String INPUT = "input";

  /** Validates and copies, keeping the field order. */
  public Instance {
    Check.notNull(fields, "fields");
    Map<String, String> copy = new LinkedHashMap<>();
    fields.forEach(
        (k, v) -> {
          Check.notNull(k, "fields key");
          Check.argument(
              PromptTemplate.isFieldName(k),
              "fields key must match [A-Za-z_][A-Za-z0-9_]*, found \"" + k + "\"");
          copy.put(k, Check.notNull(v, "fields[" + k + "]"));
        });
    fields = Collections.unmodifiableMap(copy);
    references = List.copyOf(Check.notNull(references, "references"));
  }

  /** An instance with a plain input. */
  public static Instance of(String input, List<String> references) {
    return new Instance(Map.of(INPUT, Check.notNull(input, "input")), references);
  }

  /** The plain input, if the instance has one. */
  public Optional<String> input() {
    return Optional.ofNullable(fields.get(INPUT));
  }
}
