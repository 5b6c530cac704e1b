package org.consistency4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import org.junit.jupiter.api.Test;

class PromptTemplateTest {
  @Test
  void placeholders_are_filled_from_the_instance_fields() {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("input", "Paris");
    fields.put("country", "France");
    Instance in = new Instance(fields, List.of("yes"));
    assertEquals("Is Paris the capital of France? Answer {yes|no}.",
        PromptTemplate.fill("Is {input} the capital of {country}? Answer {yes|no}.", in));
  }

  @Test
  void a_variant_without_placeholders_gets_the_input_after_a_blank_line() {
    assertEquals("Reverse the word.\n\nabc",
        PromptTemplate.fill("Reverse the word.  \n", Instance.of("abc", List.of("cba"))));
  }

  @Test
  void a_missing_field_is_reported_with_the_fields_present() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PromptTemplate.fill("Translate {text}", Instance.of("x", List.of())));
    assertEquals("the variant uses {text} but the instance has no field text (fields: [input])", e.getMessage());
  }

  @Test
  void a_variant_without_placeholders_needs_an_input() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PromptTemplate.fill("Summarize.", new Instance(Map.of("doc", "d"), List.of())));
    assertEquals("the variant has no {placeholder}, so the input is appended to it, but the instance"
        + " has no input (fields: [doc])", e.getMessage());
  }

  @Test
  void placeholders_are_listed_once_in_order() {
    assertEquals(List.of("a", "b"), PromptTemplate.placeholders("{a} {b} {a} {not valid} {}"));
  }

  @Property(tries = 200)
  void replacement_values_are_inserted_literally(@ForAll String value) {
    Instance in = Instance.of(value, List.of());
    assertEquals("<" + value + ">", PromptTemplate.fill("<{input}>", in));
  }

  @Property(tries = 100)
  void text_without_placeholders_is_kept_before_the_input(@ForAll @AlphaChars String text) {
    Instance in = Instance.of("x", List.of());
    assertEquals(text.stripTrailing() + "\n\nx", PromptTemplate.fill(text, in));
  }

  @Test
  void prompt_template_rules_are_enforced_with_messages() {
    assertEquals("template must contain {instruction} exactly once, found \"{input}\"",
        assertThrows(IllegalArgumentException.class, () -> new PromptTemplate("{input}")).getMessage());
    assertEquals("template must contain {input} exactly once, found \"{instruction}\"",
        assertThrows(IllegalArgumentException.class, () -> new PromptTemplate("{instruction}"))
            .getMessage());
    assertEquals("template must place {instruction} before {input}, found \"{input} {instruction}\"",
        assertThrows(IllegalArgumentException.class,
            () -> new PromptTemplate("{input} {instruction}")).getMessage());
    assertEquals("Do it.\n\nInput: x\nOutput:", PromptTemplate.DEFAULT.render("Do it.", "x"));
  }

  @Property(tries = 100)
  void render_equals_fill_of_the_variant_for_instructions_without_placeholders(
      @ForAll @AlphaChars String instruction, @ForAll String input) {
    assertEquals(PromptTemplate.DEFAULT.render(instruction, input),
        PromptTemplate.fill(PromptTemplate.DEFAULT.variant(instruction), Instance.of(input, List.of())));
  }

  @Test
  void render_takes_the_instruction_literally_where_fill_would_need_a_field() {
    assertEquals("Answer {name}.\n\nInput: x\nOutput:",
        PromptTemplate.DEFAULT.render("Answer {name}.", "x"));
  }

  @Property(tries = 100)
  void render_is_substitute_on_the_template(@ForAll String instruction, @ForAll String input) {
    PromptTemplate t = new PromptTemplate("<{instruction}|{input}>");
    assertEquals("<" + instruction + "|" + input + ">", t.render(instruction, input));
    assertEquals(t.render(instruction, input), PromptTemplate.substitute(t.template(), instruction, input));
  }

  @Test
  void substitute_fills_every_placeholder_once_and_plain_joins_with_a_blank_line() {
    assertEquals("a{input} / a{input} / b",
        PromptTemplate.substitute("{instruction} / {instruction} / {input}", "a{input}", "b"));
    assertEquals("{input}: do", PromptTemplate.substitute("{input}: {instruction}", "do", "{input}"));
    assertEquals("do {x}\n\ny", PromptTemplate.plain("do {x}", "y"));
    assertEquals("do ", PromptTemplate.plain("do ", ""));
  }

  @Property(tries = 100)
  void fill_without_placeholders_and_plain_agree_except_for_empty_inputs_and_trailing_space(
      @ForAll @AlphaChars String instruction, @ForAll @AlphaChars String input) {
    Instance in = Instance.of(input, List.of());
    if (input.isEmpty() || instruction.isEmpty()) {
      // fill keeps the blank line before an empty input; plain returns the instruction alone.
      assertEquals(instruction + "\n\n" + input, PromptTemplate.fill(instruction, in));
      assertEquals(input.isEmpty() ? instruction : instruction + "\n\n" + input,
          PromptTemplate.plain(instruction, input));
    } else {
      assertEquals(PromptTemplate.plain(instruction, input), PromptTemplate.fill(instruction, in));
    }
    // fill strips the variant's trailing white space; plain takes the instruction literally.
    assertEquals(instruction + "\n\n" + input, PromptTemplate.fill(instruction + " \n", in));
    assertEquals(instruction + " \n" + (input.isEmpty() ? "" : "\n\n" + input),
        PromptTemplate.plain(instruction + " \n", input));
  }
}
