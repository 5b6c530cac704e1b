package org.consistency4j.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.consistency4j.InvalidInputException;
import org.consistency4j.internal.Check;

/**
 * Reads and writes {@link InstructionTask}s as JSON Lines, one task per line, and builds them from
 * Super-NaturalInstructions tasks. The one parser of the task format: {@code augment} writes it
 * ({@code train.groups.jsonl}, {@code heldout.groups.jsonl}), {@code evaluate --data} and {@code
 * pairs --groups} read it.
 *
 * <pre>{@code
 * {"task": "sentiment",
 *  "variants": ["Is this review positive or negative? {input}", "Classify the sentiment:"],
 *  "instances": [{"input": "Great film.", "references": ["positive"]},
 *                {"fields": {"input": "Dull.", "title": "..."}, "references": ["negative"]}],
 *  "labels": true}
 * }</pre>
 *
 * <p>An instance has {@code "input"} (a string), {@code "fields"} (an object of strings), or both
 * (then {@code fields} must not also hold {@code input}); {@code "references"} is optional (a string
 * or an array of strings). {@code "labels"} is optional (see {@link InstructionTask#labels()}).
 * The file is read under the rules of {@link JsonLines} (one JSON object per line, duplicate keys
 * refused, blank lines skipped, a leading byte-order mark skipped, lines longer than {@link
 * JsonLines#DEFAULT_MAX_LINE_BYTES} refused unless another limit is given). Errors are {@link InvalidInputException}s naming the file, the line, the field and the rule. Stateless and thread-safe.
 */
public final class InstructionTasks {
  private InstructionTasks() {}

  /** Reads every task of a JSONL file with the {@linkplain JsonLines#DEFAULT_MAX_LINE_BYTES default line limit}. */
  public static List<InstructionTask> read(Path file) {
    return read(file, JsonLines.DEFAULT_MAX_LINE_BYTES);
  }

  /**
   * Reads every task of a JSONL file.
   *
   * @param maxLineBytes the longest accepted line in UTF-8 bytes, {@code >= 1}
   * @throws InvalidInputException naming the file and line of the first bad value, or if the file
   *     holds no task
   */
  public static List<InstructionTask> read(Path file, int maxLineBytes) {
    Check.notNull(file, "file");
    String source = file.toString();
    List<InstructionTask> tasks = new ArrayList<>();
    Set<String> names = new HashSet<>();
    JsonLines.forEach(file, maxLineBytes, line -> {
      InstructionTask task = parse(line.json(), source, line.number());
      if (!names.add(task.name())) {
        throw line.error("field task: \"" + task.name() + "\" appears on an earlier line too");
      }
      tasks.add(task);
    });
    if (tasks.isEmpty()) {
      throw new InvalidInputException(source, 0, "no task found (expected one JSON object per line)");
    }
    return tasks;
  }

  /**
   * Parses one JSONL line into a task; errors name {@code source} and {@code line}.
   *
   * @throws InvalidInputException naming the source, line, field and rule of a bad value
   */
  public static InstructionTask parse(JsonNode root, String source, long line) {
    String name = text(root.get("task"), "task", source, line);
    List<String> variants = strings(root.get("variants"), "variants", source, line, false);
    JsonNode instancesNode = root.get("instances");
    if (instancesNode == null || !instancesNode.isArray() || instancesNode.isEmpty()) {
      throw new InvalidInputException(source, line, "field instances: must be a non-empty array");
    }
    List<Instance> instances = new ArrayList<>();
    for (int i = 0; i < instancesNode.size(); i++) {
      instances.add(instance(instancesNode.get(i), "instances[" + i + "]", source, line));
    }
    Optional<Boolean> labels = Optional.empty();
    JsonNode labelsNode = root.get("labels");
    if (labelsNode != null && !labelsNode.isNull()) {
      if (!labelsNode.isBoolean()) {
        throw new InvalidInputException(
            source, line, "field labels: must be true or false, found " + labelsNode);
      }
      labels = Optional.of(labelsNode.booleanValue());
    }
    try {
      return new InstructionTask(name, variants, instances, labels);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(source, line, "task \"" + name + "\": " + e.getMessage(), e);
    }
  }

  private static Instance instance(JsonNode node, String at, String source, long line) {
    if (node == null || !node.isObject()) {
      throw new InvalidInputException(source, line, "field " + at + ": must be an object");
    }
    Map<String, String> fields = new LinkedHashMap<>();
    JsonNode fieldsNode = node.get("fields");
    if (fieldsNode != null && !fieldsNode.isNull()) {
      if (!fieldsNode.isObject()) {
        throw new InvalidInputException(source, line, "field " + at + ".fields: must be an object");
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = fieldsNode.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String key = e.getKey();
        if (!PromptTemplate.isFieldName(key)) {
          throw new InvalidInputException(
              source, line,
              "field " + at + ".fields: name must match [A-Za-z_][A-Za-z0-9_]*, found \"" + key + "\"");
        }
        fields.put(key, text(e.getValue(), at + ".fields." + key, source, line));
      }
    }
    JsonNode input = node.get("input");
    if (input != null && !input.isNull()) {
      if (fields.containsKey(Instance.INPUT)) {
        throw new InvalidInputException(
            source, line, "field " + at + ": has both input and fields.input; give one");
      }
      fields.put(Instance.INPUT, text(input, at + ".input", source, line));
    }
    if (fields.isEmpty()) {
      throw new InvalidInputException(source, line, "field " + at + ": needs input or fields");
    }
    JsonNode refs = node.get("references");
    List<String> references =
        refs == null || refs.isNull()
            ? List.of()
            : refs.isTextual()
                ? List.of(refs.asText())
                : strings(refs, at + ".references", source, line, true);
    return new Instance(fields, references);
  }

  private static String text(JsonNode node, String field, String source, long line) {
    if (node == null || node.isNull()) {
      throw new InvalidInputException(source, line, "field " + field + ": is missing");
    }
    if (!node.isTextual()) {
      throw new InvalidInputException(
          source, line, "field " + field + ": must be a string, found " + node.getNodeType());
    }
    return node.asText();
  }

  private static List<String> strings(
      JsonNode node, String field, String source, long line, boolean emptyAllowed) {
    if (node == null || !node.isArray() || (!emptyAllowed && node.isEmpty())) {
      throw new InvalidInputException(
          source, line, "field " + field + ": must be a" + (emptyAllowed ? "n" : " non-empty") + " array of strings");
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      out.add(text(node.get(i), field + "[" + i + "]", source, line));
    }
    return out;
  }

  /** The JSON object of a task (the inverse of {@link #parse}). */
  public static ObjectNode toJson(InstructionTask task) {
    Check.notNull(task, "task");
    ObjectNode n = JsonLines.MAPPER.createObjectNode();
    n.put("task", task.name());
    ArrayNode vs = n.putArray("variants");
    task.variants().forEach(vs::add);
    ArrayNode is = n.putArray("instances");
    for (Instance in : task.instances()) {
      ObjectNode o = is.addObject();
      if (in.fields().size() == 1 && in.input().isPresent()) {
        o.put(Instance.INPUT, in.input().get());
      } else {
        ObjectNode f = o.putObject("fields");
        in.fields().forEach(f::put);
      }
      ArrayNode refs = o.putArray("references");
      in.references().forEach(refs::add);
    }
    task.labels().ifPresent(l -> n.put("labels", l));
    return n;
  }

  /** Writes tasks as JSONL, atomically replacing {@code file}. */
  public static void write(Path file, List<InstructionTask> tasks) {
    Check.notNull(tasks, "tasks");
    JsonLines.write(file, tasks.stream().map(InstructionTasks::toJson).toList());
  }

  /**
   * The task of an SNI task: one variant per instruction ({@link PromptTemplate#variant(String)})
   * and the given instances (an SNI instance's outputs are its references); label status automatic.
   *
   * @param task the task
   * @param instructions the verbalizations, the original first by convention; distinct
   * @param template how instruction and input form a prompt
   * @param instances the instances to include (for example a held-out subset of the task's)
   */
  public static InstructionTask fromSni(
      SniTask task, List<String> instructions, PromptTemplate template,
      List<Instance> instances) {
    Check.notNull(task, "task");
    Check.notNull(template, "template");
    List<String> variants = Check.notNull(instructions, "instructions").stream()
        .map(template::variant).toList();
    return InstructionTask.of(task.name(), variants, Check.notNull(instances, "instances"));
  }

  /** The task of an SNI task with only its original definition and all its instances. */
  public static InstructionTask fromSni(SniTask task, PromptTemplate template) {
    return fromSni(task, List.of(task.definition()), template, task.instances());
  }
}
