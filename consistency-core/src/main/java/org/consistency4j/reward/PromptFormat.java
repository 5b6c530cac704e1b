package org.consistency4j.reward;

import org.consistency4j.internal.Check;

/**
 * Turns a verbalization of an instruction and a task input into the prompt the model answers. Use the
 * same format as the stage-1 SFT data, so that the sampled responses and the trained pairs see the
 * prompts the model was fine-tuned on. Implementations must be deterministic and thread-safe.
 */
@FunctionalInterface
public interface PromptFormat {

  /**
   * The prompt.
   *
   * @param instruction one verbalization of the instruction, not null
   * @param input the task input, not null (may be empty)
   */
  String format(String instruction, String input);

  /** The instruction, a blank line, then the input; the instruction alone when the input is empty. */
  static PromptFormat plain() {
    return (instruction, input) -> input.isEmpty() ? instruction : instruction + "\n\n" + input;
  }

  /**
   * A template with {@code {instruction}} and {@code {input}} placeholders, replaced in one pass (a
   * value that contains a placeholder is not substituted again).
   *
   * @param template the template, which must contain {@code {instruction}}
   * @throws IllegalArgumentException if it does not
   */
  static PromptFormat template(String template) {
    Check.notNull(template, "template");
    Check.argument(
        template.contains("{instruction}"), "template must contain the placeholder {instruction}");
    return (instruction, input) -> {
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
    };
  }
}
