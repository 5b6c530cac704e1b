package org.consistency4j.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.consistency4j.internal.Check;

/**
 * How prompts are made, in one place. Two steps:
 *
 * <ol>
 *   <li>An instance of this record, a template holding {@code {instruction}} and {@code {input}}
 *       once each, turns an instruction into a task <em>variant</em> ({@link #variant(String)}):
 *       the instruction is put in, {@code {input}} is kept. {@link #DEFAULT} is {@code
 *       "{instruction}\n\nInput: {input}\nOutput:"} (Super-NaturalInstructions style).
 *   <li>{@link #fill(String, Instance)} fills a variant with an instance: every {@code {name}}
 *       placeholder ({@code name} matching {@code [A-Za-z_][A-Za-z0-9_]*}) is replaced by the
 *       instance's field of that name ({@code {input}} by the input); a variant without placeholders
 *       gets the input appended after a blank line. Other braces (for example JSON in an
 *       instruction) are left as they are. This is the rendering of every {@link InstructionTask}
 *       prompt, whatever command reads the task.
 * </ol>
 *
 * <p>{@link #render(String, String)} does both for a plain input, taking the instruction literally:
 * it equals {@code fill(variant(instruction), Instance.of(input, ...))} unless the instruction
 * itself contains a {@code {name}} placeholder, which {@code render} keeps as text (this is how the
 * stage-1 SFT prompts of {@link InstructionAugmentation} are written). {@link #substitute} does the
 * same for any template text and {@link #plain} joins an instruction and an input without one; this
 * class is the one place prompts are built ({@code reward.PromptFormat}, the response sampler's
 * seam, delegates here). Immutable and thread-safe.
 *
 * @param template the template text
 */
public record PromptTemplate(String template) {
  /** The default template. */
  public static final PromptTemplate DEFAULT =
      new PromptTemplate("{instruction}\n\nInput: {input}\nOutput:");

  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)\\}");
  private static final Pattern FIELD = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /** Validates: both placeholders present exactly once, instruction first. */
  public PromptTemplate {
    Check.notNull(template, "template");
    int i = template.indexOf("{instruction}");
    int j = template.indexOf("{input}");
    Check.argument(
        i >= 0 && template.indexOf("{instruction}", i + 1) < 0,
        "template must contain {instruction} exactly once, found \"" + template + "\"");
    Check.argument(
        j >= 0 && template.indexOf("{input}", j + 1) < 0,
        "template must contain {input} exactly once, found \"" + template + "\"");
    Check.argument(i < j, "template must place {instruction} before {input}, found \"" + template + "\"");
  }

  /**
   * The variant for one instruction: {@code {instruction}} replaced, {@code {input}} kept for
   * {@link #fill(String, Instance)}.
   */
  public String variant(String instruction) {
    Check.notNull(instruction, "instruction");
    int i = template.indexOf("{instruction}");
    return template.substring(0, i) + instruction + template.substring(i + "{instruction}".length());
  }

  /** The full prompt for an instruction (taken literally) and an input: {@link #substitute}. */
  public String render(String instruction, String input) {
    return substitute(template, instruction, input);
  }

  /**
   * Any template text filled literally in one pass: every {@code {instruction}} and {@code {input}}
   * of {@code template} replaced by the values (a value that holds a placeholder is not substituted
   * again); other text is kept. {@link #render} is this on the record's template; a {@code
   * reward.PromptFormat#template} is this on a template that need not hold {@code {input}}, or may
   * hold a placeholder more than once.
   */
  public static String substitute(String template, String instruction, String input) {
    Check.notNull(template, "template");
    Check.notNull(instruction, "instruction");
    Check.notNull(input, "input");
    StringBuilder out = new StringBuilder(template.length() + instruction.length() + input.length());
    int i = 0;
    while (i < template.length()) {
      if (template.startsWith("{instruction}", i)) {
        out.append(instruction);
        i += "{instruction}".length();
      } else if (template.startsWith("{input}", i)) {
        out.append(input);
        i += "{input}".length();
      } else {
        out.append(template.charAt(i++));
      }
    }
    return out.toString();
  }

  /**
   * The prompt without a template: the instruction, a blank line, then the input; the instruction
   * alone when the input is empty. Both are taken literally.
   *
   * <p>This is deliberately not the no-placeholder branch of {@link #fill(String, Instance)}, although
   * both append an input after a blank line: they agree when the input is not empty and the
   * instruction does not end in white space, and differ otherwise ({@code fill} strips trailing white
   * space and keeps the blank line before an empty input). Sharing one path would change either the
   * prompts {@code evaluate}, {@code augment} and {@code pairs} build from tasks or the self-reward
   * sampler's prompts, and with them every recorded response and score; {@code
   * PromptTemplateTest.fill_without_placeholders_and_plain_agree_except_for_empty_inputs_and_trailing_space}
   * pins both.
   */
  public static String plain(String instruction, String input) {
    Check.notNull(instruction, "instruction");
    Check.notNull(input, "input");
    return input.isEmpty() ? instruction : instruction + "\n\n" + input;
  }

  static boolean isFieldName(String name) {
    return FIELD.matcher(name).matches();
  }

  /** The placeholder names of {@code variant}, in order of first appearance. */
  public static List<String> placeholders(String variant) {
    List<String> names = new ArrayList<>();
    Matcher m = PLACEHOLDER.matcher(Check.notNull(variant, "variant"));
    while (m.find()) {
      if (!names.contains(m.group(1))) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  /**
   * The prompt for {@code instance} under {@code variant} (see the class comment). A variant without
   * placeholders becomes {@code variant.stripTrailing() + "\n\n" + input}, also for an empty input,
   * so that every prompt of a task keeps the same layout; {@link #plain} differs there (see its
   * comment).
   *
   * @throws IllegalArgumentException if a placeholder has no field, or the variant has no
   *     placeholder and the instance no input
   */
  public static String fill(String variant, Instance instance) {
    Check.notNull(variant, "variant");
    Check.notNull(instance, "instance");
    Map<String, String> fields = instance.fields();
    Matcher m = PLACEHOLDER.matcher(variant);
    if (!m.find()) {
      String input = fields.get(Instance.INPUT);
      Check.argument(
          input != null,
          "the variant has no {placeholder}, so the input is appended to it, but the instance has no"
              + " input (fields: "
              + fields.keySet()
              + ")");
      return variant.stripTrailing() + "\n\n" + input;
    }
    m.reset();
    StringBuilder out = new StringBuilder(variant.length() + 64);
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
