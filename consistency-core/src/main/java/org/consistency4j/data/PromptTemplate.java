package org.consistency4j.data;

import org.consistency4j.internal.Check;

/**
 * How an instruction and a task input become one prompt. The template holds {@code {instruction}}
 * and {@code {input}} once each; {@link #DEFAULT} is {@code "{instruction}\n\nInput: {input}\nOutput:"}
 * (Super-NaturalInstructions style). Immutable.
 *
 * @param template the template text
 */
public record PromptTemplate(String template) {
  /** The default template. */
  public static final PromptTemplate DEFAULT =
      new PromptTemplate("{instruction}\n\nInput: {input}\nOutput:");

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
   * The variant template for one instruction: {@code {instruction}} replaced, {@code {input}} kept
   * for {@link GroupInstance#render(String)}.
   */
  public String variant(String instruction) {
    Check.notNull(instruction, "instruction");
    int i = template.indexOf("{instruction}");
    return template.substring(0, i) + instruction + template.substring(i + "{instruction}".length());
  }

  /** The full prompt for an instruction and an input. */
  public String render(String instruction, String input) {
    Check.notNull(input, "input");
    String v = variant(instruction);
    int j = v.lastIndexOf("{input}");
    return v.substring(0, j) + input + v.substring(j + "{input}".length());
  }
}
