package org.consistency4j.metrics;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.consistency4j.internal.Check;

/**
 * A model's responses to one task under several verbalizations of its instruction: V
 * verbalizations (the original instruction and its paraphrases) times I instances (task inputs),
 * {@code responses.get(v).get(i)} being the response to instance i under verbalization v, and
 * optionally the reference answers of each instance.
 *
 * <p>Instance i's responses across verbalizations form the instruction group {@code task + "/" + i}
 * ({@link #groups()}), which the consistency rate compares; accuracy and ROUGE are computed per
 * verbalization (see {@link TaskEvaluator}).
 *
 * @param task the task's name, not blank; prefixes the group ids
 * @param verbalizations a distinct label per verbalization (an id or the instruction text), not
 *     empty
 * @param responses one list per verbalization, each with one response per instance, all of the
 *     same non-zero size
 * @param references empty when the task has no references, else one non-empty list of acceptable
 *     answers per instance
 */
public record TaskResponses(
    String task,
    List<String> verbalizations,
    List<List<String>> responses,
    List<List<String>> references) {
  /** Validates and copies deeply. */
  public TaskResponses {
    Check.notNull(task, "task");
    Check.argument(!task.isBlank(), "task must not be blank");
    verbalizations = List.copyOf(Check.notEmpty(verbalizations, "verbalizations"));
    Set<String> labels = new HashSet<>();
    for (String label : verbalizations) {
      Check.argument(labels.add(label), "verbalization \"" + label + "\" appears more than once");
    }
    Check.notNull(responses, "responses");
    Check.sameSize(responses.size(), "responses", verbalizations.size(), "verbalizations");
    List<List<String>> r = new ArrayList<>(responses.size());
    int instances = -1;
    for (int v = 0; v < responses.size(); v++) {
      List<String> row = Check.notNull(responses.get(v), "responses[" + v + "]");
      if (instances < 0) {
        instances = row.size();
        Check.argument(instances > 0, "responses[0] must not be empty");
      } else {
        Check.sameSize(row.size(), "responses[" + v + "]", instances, "responses[0]");
      }
      r.add(copyStrings(row, "responses[" + v + "]"));
    }
    responses = List.copyOf(r);
    Check.notNull(references, "references");
    if (!references.isEmpty()) {
      Check.sameSize(references.size(), "references", instances, "responses[0]");
    }
    List<List<String>> refs = new ArrayList<>(references.size());
    for (int i = 0; i < references.size(); i++) {
      List<String> row = Check.notNull(references.get(i), "references[" + i + "]");
      Check.argument(!row.isEmpty(), "references[" + i + "] must not be empty");
      refs.add(copyStrings(row, "references[" + i + "]"));
    }
    references = List.copyOf(refs);
  }

  /** A task without references (consistency and agreement only). */
  public static TaskResponses of(
      String task, List<String> verbalizations, List<List<String>> responses) {
    return new TaskResponses(task, verbalizations, responses, List.of());
  }

  /** A task with references. */
  public static TaskResponses of(
      String task,
      List<String> verbalizations,
      List<List<String>> responses,
      List<List<String>> references) {
    return new TaskResponses(task, verbalizations, responses, references);
  }

  /** V, the number of verbalizations. */
  public int verbalizationCount() {
    return verbalizations.size();
  }

  /** I, the number of instances. */
  public int instanceCount() {
    return responses.get(0).size();
  }

  /** Whether references are present. */
  public boolean hasReferences() {
    return !references.isEmpty();
  }

  /** The response to instance {@code i} under verbalization {@code v}. */
  public String response(int v, int i) {
    Check.inRange(v, 0, verbalizationCount() - 1, "v");
    Check.inRange(i, 0, instanceCount() - 1, "i");
    return responses.get(v).get(i);
  }

  /** The id of instance i's group: {@code task + "/" + i}. */
  public String groupId(int i) {
    return task + "/" + i;
  }

  /**
   * Instance {@code i}'s instruction group: its responses under every verbalization, in
   * verbalization order, with its references.
   */
  public ResponseGroup group(int i) {
    Check.inRange(i, 0, instanceCount() - 1, "i");
    List<String> column = new ArrayList<>(verbalizationCount());
    for (List<String> row : responses) {
      column.add(row.get(i));
    }
    return ResponseGroup.of(groupId(i), column, hasReferences() ? references.get(i) : List.of());
  }

  /** Every instance's instruction group, in instance order. */
  public List<ResponseGroup> groups() {
    List<ResponseGroup> groups = new ArrayList<>(instanceCount());
    for (int i = 0; i < instanceCount(); i++) {
      groups.add(group(i));
    }
    return groups;
  }

  private static List<String> copyStrings(List<String> values, String name) {
    for (int i = 0; i < values.size(); i++) {
      Check.notNull(values.get(i), name + "[" + i + "]");
    }
    return List.copyOf(values);
  }
}
