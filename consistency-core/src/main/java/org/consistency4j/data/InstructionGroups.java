package org.consistency4j.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.consistency4j.InvalidInputException;
import org.consistency4j.internal.Check;

/**
 * Reads and writes {@link InstructionGroup}s as JSON Lines, and builds them from SNI tasks.
 * Stateless and thread-safe.
 */
public final class InstructionGroups {
  private InstructionGroups() {}

  /**
   * Reads one group per non-blank line.
   *
   * @throws InvalidInputException naming the file, line, field and rule of the first bad value
   */
  public static List<InstructionGroup> read(Path file) {
    List<InstructionGroup> out = new ArrayList<>();
    for (JsonLines.Line line : JsonLines.read(file)) {
      out.add(parse(line.json(), file.toString(), line.number()));
    }
    return out;
  }

  /** Parses one group from its JSON object; {@code source} and {@code line} go into errors. */
  public static InstructionGroup parse(JsonNode n, String source, long line) {
    JsonNode task = n.get("task");
    if (task == null || !task.isTextual() || task.asText().isBlank()) {
      throw new InvalidInputException(
          source, line, "field task must be a non-empty string, found " + SniTasks.abbreviate(task));
    }
    JsonNode vs = n.get("variants");
    if (vs == null || !vs.isArray() || vs.isEmpty()) {
      throw new InvalidInputException(
          source, line,
          "field variants must be a non-empty array of strings, found " + SniTasks.abbreviate(vs));
    }
    List<String> variants = new ArrayList<>();
    for (int i = 0; i < vs.size(); i++) {
      JsonNode v = vs.get(i);
      if (!v.isTextual() || v.asText().isBlank()) {
        throw new InvalidInputException(
            source, line,
            "variants[" + i + "] must be a non-empty string, found " + SniTasks.abbreviate(v));
      }
      if (variants.contains(v.asText())) {
        throw new InvalidInputException(
            source, line, "variants[" + i + "] repeats an earlier variant");
      }
      variants.add(v.asText());
    }
    JsonNode is = n.get("instances");
    if (is == null || !is.isArray() || is.isEmpty()) {
      throw new InvalidInputException(
          source, line,
          "field instances must be a non-empty array, found " + SniTasks.abbreviate(is));
    }
    List<GroupInstance> instances = new ArrayList<>();
    for (int i = 0; i < is.size(); i++) {
      instances.add(instance(is.get(i), "instances[" + i + "]", source, line));
    }
    return new InstructionGroup(task.asText(), variants, instances);
  }

  private static GroupInstance instance(JsonNode n, String where, String source, long line) {
    if (!n.isObject()) {
      throw new InvalidInputException(source, line, where + " must be an object");
    }
    JsonNode input = n.get("input");
    JsonNode fields = n.get("fields");
    if ((input == null) == (fields == null)) {
      throw new InvalidInputException(
          source, line, where + " must have exactly one of input and fields");
    }
    Map<String, String> map = new LinkedHashMap<>();
    if (input != null) {
      if (!input.isTextual()) {
        throw new InvalidInputException(
            source, line, where + ".input must be a string, found " + SniTasks.abbreviate(input));
      }
      map.put("input", input.asText());
    } else {
      if (!fields.isObject() || fields.isEmpty()) {
        throw new InvalidInputException(
            source, line,
            where + ".fields must be a non-empty object, found " + SniTasks.abbreviate(fields));
      }
      Iterator<Map.Entry<String, JsonNode>> it = fields.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getValue().isTextual() || e.getKey().isBlank()) {
          throw new InvalidInputException(
              source, line,
              where + ".fields." + e.getKey() + " must be a string, found "
                  + SniTasks.abbreviate(e.getValue()));
        }
        map.put(e.getKey(), e.getValue().asText());
      }
    }
    JsonNode refs = n.get("references");
    if (refs == null || !refs.isArray() || refs.isEmpty()) {
      throw new InvalidInputException(
          source, line,
          where + ".references must be a non-empty array of strings, found "
              + SniTasks.abbreviate(refs));
    }
    List<String> references = new ArrayList<>();
    for (JsonNode r : refs) {
      if (!r.isTextual()) {
        throw new InvalidInputException(
            source, line,
            where + ".references must hold only strings, found " + SniTasks.abbreviate(r));
      }
      references.add(r.asText());
    }
    return new GroupInstance(map, references);
  }

  /** The JSON object of a group (the inverse of {@link #parse}). */
  public static ObjectNode toJson(InstructionGroup group) {
    Check.notNull(group, "group");
    ObjectNode n = JsonLines.MAPPER.createObjectNode();
    n.put("task", group.task());
    ArrayNode vs = n.putArray("variants");
    group.variants().forEach(vs::add);
    ArrayNode is = n.putArray("instances");
    for (GroupInstance gi : group.instances()) {
      ObjectNode o = is.addObject();
      if (gi.fields().size() == 1 && gi.fields().containsKey("input")) {
        o.put("input", gi.fields().get("input"));
      } else {
        ObjectNode f = o.putObject("fields");
        gi.fields().forEach(f::put);
      }
      ArrayNode refs = o.putArray("references");
      gi.references().forEach(refs::add);
    }
    return n;
  }

  /** Writes groups as JSONL, atomically replacing {@code file}. */
  public static void write(Path file, List<InstructionGroup> groups) {
    Check.notNull(groups, "groups");
    JsonLines.write(file, groups.stream().map(InstructionGroups::toJson).toList());
  }

  /**
   * The group of an SNI task: one variant per instruction (rendered with {@code template}, keeping
   * {@code {input}}) and the given instances with all their outputs as references.
   *
   * @param task the task
   * @param instructions the verbalizations, the original first by convention; distinct
   * @param template how instruction and input form a prompt
   * @param instances the instances to include (for example a held-out subset of the task's)
   */
  public static InstructionGroup fromSni(
      SniTask task, List<String> instructions, PromptTemplate template,
      List<TaskInstance> instances) {
    Check.notNull(task, "task");
    Check.notNull(template, "template");
    List<String> variants = Check.notNull(instructions, "instructions").stream()
        .map(template::variant).toList();
    List<GroupInstance> gi = Check.notNull(instances, "instances").stream()
        .map(i -> GroupInstance.ofInput(i.input(), i.outputs())).toList();
    return new InstructionGroup(task.name(), variants, gi);
  }

  /** The group of an SNI task with only its original definition and all its instances. */
  public static InstructionGroup fromSni(SniTask task, PromptTemplate template) {
    return fromSni(task, List.of(task.definition()), template, task.instances());
  }
}
