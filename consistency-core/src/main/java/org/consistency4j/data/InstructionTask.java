package org.consistency4j.data;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.consistency4j.internal.Check;
import org.consistency4j.metrics.AnswerNormalizer;

/**
 * A task: several semantically equivalent wordings (variants) of one instruction and the instances
 * they are applied to. Instance {@code i}'s responses across all variants form one instruction group,
 * the unit of every consistency measurement. The one task model of the library: {@code augment}
 * writes it, {@code evaluate} and {@code pairs} read it, all through {@link InstructionTasks} (JSONL),
 * and every prompt is {@link PromptTemplate#fill(String, Instance)} of a variant and an instance.
 *
 * @param name the task's name, not blank, unique within a dataset
 * @param variants prompt templates (see {@link PromptTemplate#fill(String, Instance)}), not empty,
 *     distinct, the first by convention the original wording; every one must render for every
 *     instance
 * @param instances the inputs, not empty
 * @param labels whether outputs are labels (then accuracy is computed); empty means automatic: a
 *     task is a label task when every instance has references and every reference has between 1 and
 *     {@value #MAX_LABEL_WORDS} words after answer normalization
 */
public record InstructionTask(
    String name, List<String> variants, List<Instance> instances, Optional<Boolean> labels) {

  /** The most words a reference may have for the automatic label detection. */
  public static final int MAX_LABEL_WORDS = 3;

  /** Validates and copies; every variant is rendered for every instance once. */
  public InstructionTask {
    Check.notNull(name, "name");
    Check.argument(!name.isBlank(), "name must not be blank");
    variants = List.copyOf(Check.notEmpty(variants, "variants"));
    instances = List.copyOf(Check.notEmpty(instances, "instances"));
    Check.notNull(labels, "labels");
    Set<String> seen = new HashSet<>();
    for (int v = 0; v < variants.size(); v++) {
      Check.argument(seen.add(variants.get(v)), "variants[" + v + "] repeats an earlier variant");
    }
    for (int v = 0; v < variants.size(); v++) {
      for (int i = 0; i < instances.size(); i++) {
        try {
          PromptTemplate.fill(variants.get(v), instances.get(i));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "variants[" + v + "] with instances[" + i + "]: " + e.getMessage(), e);
        }
      }
    }
  }

  /** A task whose label status is detected automatically. */
  public static InstructionTask of(String name, List<String> variants, List<Instance> instances) {
    return new InstructionTask(name, variants, instances, Optional.empty());
  }

  /** The prompt of instance {@code instance} under variant {@code variant}. */
  public String prompt(int variant, int instance) {
    return PromptTemplate.fill(variants.get(variant), instances.get(instance));
  }

  /** Whether accuracy applies: the explicit {@link #labels()} flag, or the automatic rule. */
  public boolean isLabelTask() {
    return labels.orElseGet(
        () ->
            instances.stream()
                .allMatch(
                    in ->
                        !in.references().isEmpty()
                            && in.references().stream()
                                .allMatch(
                                    r -> {
                                      int words = AnswerNormalizer.tokens(r).size();
                                      return words >= 1 && words <= MAX_LABEL_WORDS;
                                    })));
  }

  /** Whether every instance has at least one reference (then ROUGE is computed). */
  public boolean hasReferences() {
    return instances.stream().allMatch(in -> !in.references().isEmpty());
  }

  /** This task with at most {@code maxInstances} instances (the first ones). */
  public InstructionTask limit(int maxInstances) {
    Check.positive(maxInstances, "maxInstances");
    return maxInstances >= instances.size()
        ? this
        : new InstructionTask(name, variants, instances.subList(0, maxInstances), labels);
  }

  /** The id of instance {@code i}'s group: {@code name + "/" + i}. */
  public String groupId(int i) {
    return name + "/" + i;
  }
}
