package org.consistency4j.reward;

import org.consistency4j.data.PromptTemplate;
import org.consistency4j.internal.Check;

/**
 * How {@link ResponseSampler} turns a verbalization of an instruction and a task input into the prompt
 * the model answers. Use the same format as the stage-1 SFT data, so that the sampled responses and
 * the trained pairs see the prompts the model was fine-tuned on; for groups whose verbalizations are
 * already full prompts ({@link InstructionGroup#of}) use {@code (prompt, input) -> prompt}. The
 * prompts themselves are built by {@link PromptTemplate}; the factories here only adapt it.
 * Implementations must be deterministic and thread-safe.
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

  /** {@link PromptTemplate#plain}: the instruction, a blank line, then the input (if not empty). */
  static PromptFormat plain() {
    return PromptTemplate::plain;
  }

  /**
   * {@link PromptTemplate#substitute} on {@code template}: its {@code {instruction}} and {@code
   * {input}} placeholders replaced literally in one pass.
   *
   * @param template the template, which must contain {@code {instruction}}
   * @throws IllegalArgumentException if it does not
   */
  static PromptFormat template(String template) {
    Check.notNull(template, "template");
    Check.argument(
        template.contains("{instruction}"), "template must contain the placeholder {instruction}");
    return (instruction, input) -> PromptTemplate.substitute(template, instruction, input);
  }
}
