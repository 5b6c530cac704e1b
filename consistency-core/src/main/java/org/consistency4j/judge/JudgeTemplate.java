package org.consistency4j.judge;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.consistency4j.internal.Check;

/**
 * A judge prompt with placeholders, rendered in one pass: {@code {instruction}}, {@code {input}},
 * {@code {response}} and {@code {other}} (the second response of an agreement judge) are replaced by
 * their values; any other text, including other braces, is kept as it is. Values are inserted
 * literally, so a response that itself contains {@code "{input}"} is not substituted again.
 *
 * <p>The prompt is passed to the model as it is (see {@link org.consistency4j.lm.LanguageModel}); it
 * should end where the model is expected to answer "Yes" or "No".
 *
 * @param name a short name for logs and reports, not blank
 * @param text the template, which must contain {@code {response}}
 */
public record JudgeTemplate(String name, String text) {
  /** The placeholder names, without braces. */
  public static final List<String> PLACEHOLDERS = List.of("instruction", "input", "response", "other");

  /** Validates. */
  public JudgeTemplate {
    Check.notNull(name, "name");
    Check.argument(!name.isBlank(), "name must not be blank");
    Check.notNull(text, "text");
    Check.argument(
        text.contains("{response}"),
        "template " + name + " must contain the placeholder {response}");
  }

  /** The placeholders (without braces) that occur in the text, in {@link #PLACEHOLDERS} order. */
  public List<String> placeholders() {
    List<String> used = new ArrayList<>();
    for (String p : PLACEHOLDERS) {
      if (text.contains("{" + p + "}")) {
        used.add(p);
      }
    }
    return used;
  }

  /** Whether the text contains {@code {name}}. */
  public boolean uses(String placeholder) {
    return text.contains("{" + placeholder + "}");
  }

  /**
   * Renders the template.
   *
   * @param values a value for every placeholder the text uses (extra entries are ignored)
   * @return the prompt
   * @throws IllegalArgumentException if a used placeholder has no value
   */
  public String render(Map<String, String> values) {
    Check.notNull(values, "values");
    StringBuilder out = new StringBuilder(text.length() + 256);
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '{') {
        int close = text.indexOf('}', i + 1);
        if (close > 0) {
          String key = text.substring(i + 1, close);
          if (PLACEHOLDERS.contains(key)) {
            String v = values.get(key);
            if (v == null) {
              throw new IllegalArgumentException(
                  "template " + name + " uses {" + key + "} but no value was given");
            }
            out.append(v);
            i = close + 1;
            continue;
          }
        }
      }
      out.append(c);
      i++;
    }
    return out.toString();
  }

  /**
   * Renders with the four standard values.
   *
   * @param instruction the instruction
   * @param input the task input (may be empty)
   * @param response the judged response
   * @param other the response it is compared with, or null when the template does not use {@code
   *     {other}}
   */
  public String render(String instruction, String input, String response, String other) {
    Map<String, String> values = new java.util.HashMap<>();
    putIfNotNull(values, "instruction", instruction);
    putIfNotNull(values, "input", input);
    putIfNotNull(values, "response", response);
    putIfNotNull(values, "other", other);
    return render(values);
  }

  private static void putIfNotNull(Map<String, String> values, String key, String value) {
    if (value != null) {
      values.put(key, value);
    }
  }
}
