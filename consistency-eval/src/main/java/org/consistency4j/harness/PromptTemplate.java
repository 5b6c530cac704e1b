package org.consistency4j.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.consistency4j.internal.Check;

/**
 * Fills a task variant (an instruction wording) with an instance: every {@code {name}} placeholder
 * ({@code name} matching {@code [A-Za-z_][A-Za-z0-9_]*}) is replaced by the instance's field of that
 * name ({@code {input}} by the input); a variant without placeholders gets the input appended after a
 * blank line. Other braces (for example JSON in an instruction) are left as they are. Stateless.
 */
public final class PromptTemplate {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)\\}");
  private static final Pattern FIELD = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private PromptTemplate() {}

  static boolean isFieldName(String name) {
    return FIELD.matcher(name).matches();
  }

  /** The placeholder names of {@code template}, in order of first appearance. */
  public static List<String> placeholders(String template) {
    List<String> names = new ArrayList<>();
    Matcher m = PLACEHOLDER.matcher(Check.notNull(template, "template"));
    while (m.find()) {
      if (!names.contains(m.group(1))) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  /**
   * The prompt for {@code instance} under {@code template}.
   *
   * @throws IllegalArgumentException if a placeholder has no field, or the template has no
   *     placeholder and the instance no input
   */
  public static String render(String template, Instance instance) {
    Check.notNull(template, "template");
    Check.notNull(instance, "instance");
    Map<String, String> fields = instance.fields();
    Matcher m = PLACEHOLDER.matcher(template);
    if (!m.find()) {
      String input = fields.get(Instance.INPUT);
      Check.argument(
          input != null,
          "the variant has no {placeholder}, so the input is appended to it, but the instance has no"
              + " input (fields: "
              + fields.keySet()
              + ")");
      return template.stripTrailing() + "\n\n" + input;
    }
    m.reset();
    StringBuilder out = new StringBuilder(template.length() + 64);
    while (m.find()) {
      String value = fields.get(m.group(1));
      Check.argument(
          value != null,
          "the variant uses {"
              + m.group(1)
              + "} but the instance has no field "
              + m.group(1)
              + " (fields: "
              + fields.keySet()
              + ")");
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }
}
