package org.consistency4j.data;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.consistency4j.internal.Check;

/**
 * A Super-NaturalInstructions task: its instruction (the definition), worked examples and
 * instances.
 *
 * @param name the task name, for example {@code task363_sst2_polarity_classification}
 * @param definition the instruction, not blank
 * <p>Its examples and instances are {@link Instance}s of the one task model with a plain input
 * ({@link Instance#of(String, List)}); unlike a task's instances in general, every one must have at
 * least one reference (the SNI output), since stage-1 SFT trains on the first.
 *
 * @param positiveExamples worked examples (one reference each)
 * @param instances the task's instances
 */
public record SniTask(
    String name, String definition, List<Instance> positiveExamples, List<Instance> instances) {

  /** The most distinct outputs a task may have for them to count as label words. */
  public static final int MAX_LABELS = 10;

  /** Validates and copies. */
  public SniTask {
    Check.notNull(name, "name");
    Check.argument(!name.isBlank(), "name must not be blank");
    Check.notNull(definition, "definition");
    Check.argument(!definition.isBlank(), "definition must not be blank");
    positiveExamples = checked(positiveExamples, "positiveExamples");
    instances = checked(instances, "instances");
  }

  private static List<Instance> checked(List<Instance> instances, String name) {
    List<Instance> copy = List.copyOf(Check.notNull(instances, name));
    for (int i = 0; i < copy.size(); i++) {
      Check.argument(copy.get(i).input().isPresent(),
          name + "[" + i + "] must have a plain input (field " + Instance.INPUT + "), found fields "
              + copy.get(i).fields().keySet());
      Check.argument(!copy.get(i).references().isEmpty(),
          name + "[" + i + "] must have at least one reference (output)");
    }
    return copy;
  }

  /**
   * The label words that define the output space, detected from the instances' and examples'
   * outputs: when all outputs together take at most {@link #MAX_LABELS} distinct values, each of at
   * most three words and 30 characters, and some value repeats, those values (in first-seen order);
   * otherwise (free-text outputs) an empty list. Paraphrasers protect them.
   */
  public List<String> labelWords() {
    Set<String> distinct = new LinkedHashSet<>();
    int total = 0;
    List<Instance> all = new ArrayList<>(instances);
    all.addAll(positiveExamples);
    for (Instance i : all) {
      for (String o : i.references()) {
        String s = o.strip();
        total++;
        if (s.isEmpty() || s.length() > 30 || s.split("\\s+").length > 3) {
          return List.of();
        }
        distinct.add(s);
        if (distinct.size() > MAX_LABELS) {
          return List.of();
        }
      }
    }
    if (distinct.isEmpty() || distinct.size() == total) {
      return List.of();
    }
    return List.copyOf(distinct);
  }
}
