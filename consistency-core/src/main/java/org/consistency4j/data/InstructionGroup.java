package org.consistency4j.data;

import java.util.List;
import org.consistency4j.internal.Check;

/**
 * Semantically equivalent verbalizations of one task's instruction, applied to the same instances:
 * the unit of every consistency measurement. JSONL form (one group per line):
 *
 * <pre>{"task": "...", "variants": ["template", ...],
 *  "instances": [{"input": "...", "references": ["..."]} | {"fields": {...}, "references": [...]}]}</pre>
 *
 * <p>A variant is a prompt template: {@code {name}} placeholders are filled from an instance's
 * fields by {@link GroupInstance#render(String)}; the first variant is by convention the original
 * wording.
 *
 * @param task the task name, not blank
 * @param variants the templates, at least one, none blank, no duplicates
 * @param instances the instances, at least one
 */
public record InstructionGroup(String task, List<String> variants, List<GroupInstance> instances) {
  /** Validates and copies. */
  public InstructionGroup {
    Check.notNull(task, "task");
    Check.argument(!task.isBlank(), "task must not be blank");
    variants = List.copyOf(Check.notEmpty(variants, "variants"));
    for (String v : variants) {
      Check.argument(!v.isBlank(), "variants must not contain a blank template");
    }
    Check.argument(
        variants.stream().distinct().count() == variants.size(),
        "variants must be distinct, found a repeated template in task " + task);
    instances = List.copyOf(Check.notEmpty(instances, "instances"));
  }
}
