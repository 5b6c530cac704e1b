package org.consistency4j.data;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.consistency4j.internal.Check;

/**
 * One instance of an instruction group: named fields filled into a variant's placeholders and the
 * reference outputs. A plain task input is the single field {@code input}.
 *
 * @param fields placeholder name to value, at least one, names non-blank, in insertion order
 * @param references reference outputs, at least one
 */
public record GroupInstance(Map<String, String> fields, List<String> references) {
  /** Validates and copies (keeping field order). */
  public GroupInstance {
    Check.notEmpty(Check.notNull(fields, "fields").keySet(), "fields");
    Map<String, String> copy = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : fields.entrySet()) {
      Check.argument(e.getKey() != null && !e.getKey().isBlank(), "field names must not be blank");
      copy.put(e.getKey(), Check.notNull(e.getValue(), "fields[" + e.getKey() + "]"));
    }
    fields = java.util.Collections.unmodifiableMap(copy);
    references = List.copyOf(Check.notEmpty(references, "references"));
  }

  /** An instance with the single field {@code input}. */
  public static GroupInstance ofInput(String input, List<String> references) {
    return new GroupInstance(Map.of("input", Check.notNull(input, "input")), references);
  }

  /**
   * Fills {@code variant}: each {@code {name}} of a field is replaced by the field's value. Other
   * braces are left as they are.
   */
  public String render(String variant) {
    Check.notNull(variant, "variant");
    String out = variant;
    for (Map.Entry<String, String> e : fields.entrySet()) {
      out = out.replace("{" + e.getKey() + "}", e.getValue());
    }
    return out;
  }
}
