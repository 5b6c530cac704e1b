package org.consistency4j.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JudgeTemplateTest {

  @Test
  void render_replaces_known_placeholders_once_and_keeps_other_braces() {
    JudgeTemplate t = new JudgeTemplate("t", "I={instruction} X={input} R={response} {json} {");
    assertEquals(
        "I=say {input} X=in R={response}? {json} {",
        t.render(Map.of("instruction", "say {input}", "input", "in", "response", "{response}?")));
  }

  @Test
  void the_standard_quality_template_renders_the_documented_prompt() {
    assertEquals(
        "Instruction: Translate to French.\nInput: cat\nResponse: chat\n\n"
            + "Does the response correctly follow the instruction for this input? Answer Yes or No.\n"
            + "Answer:",
        JudgeTemplates.quality().render("Translate to French.", "cat", "chat", null));
    assertEquals(List.of("instruction", "input", "response", "other"), JudgeTemplates.agreement().placeholders());
    assertTrue(JudgeTemplates.sameAnswer().uses("other"));
    assertFalse(JudgeTemplates.sameAnswer().uses("instruction"));
  }

  @Test
  void a_used_placeholder_without_value_is_an_error_naming_it() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> JudgeTemplates.agreement().render("i", "x", "r", null));
    assertEquals("template agreement uses {other} but no value was given", e.getMessage());
  }

  @Test
  void templates_need_a_name_and_the_response_placeholder() {
    assertEquals(
        "template q must contain the placeholder {response}",
        assertThrows(IllegalArgumentException.class, () -> new JudgeTemplate("q", "Is it {input}?"))
            .getMessage());
    assertEquals(
        "name must not be blank",
        assertThrows(IllegalArgumentException.class, () -> new JudgeTemplate(" ", "{response}"))
            .getMessage());
    assertEquals(
        "text must not be null",
        assertThrows(NullPointerException.class, () -> new JudgeTemplate("q", null)).getMessage());
  }
}
