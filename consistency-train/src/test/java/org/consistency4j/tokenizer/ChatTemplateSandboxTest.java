package org.consistency4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.consistency4j.ModelLoadException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile and unsupported templates fail quickly with a message naming the line and the rule. */
class ChatTemplateSandboxTest {
  static final List<ChatMessage> CHAT = List.of(ChatMessage.user("Hi"));

  static ChatTemplateException renderFails(String template) {
    return renderFails(template, ChatTemplateLimits.defaults());
  }

  static ChatTemplateException renderFails(String template, ChatTemplateLimits limits) {
    ChatTemplate t = ChatTemplate.builder(template).limits(limits).build();
    return assertThrows(ChatTemplateException.class, () -> t.render(CHAT, true));
  }

  static ChatTemplateException buildFails(String template) {
    return assertThrows(ChatTemplateException.class, () -> ChatTemplate.builder(template).build());
  }

  @Test
  void nested_range_loops_stop_at_the_iteration_limit_within_a_second() {
    long start = System.nanoTime();
    var e = renderFails("{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}"
        + "{% endfor %}{% endfor %}{% endfor %}");
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertEquals("chat template line 1, column 30: more than 1000000 loop iterations"
        + " (ChatTemplateLimits.maxLoopIterations)", e.getMessage());
    assertTrue(millis < 10_000, "took " + millis + " ms");
  }

  @Test
  void a_render_past_its_deadline_stops_with_the_timeout_named() {
    ChatTemplateLimits limits = ChatTemplateLimits.defaults().withTimeout(Duration.ofMillis(50))
        .withMaxLoopIterations(Long.MAX_VALUE);
    long start = System.nanoTime();
    var e = renderFails("{% for a in range(100000) %}{% for b in range(100000) %}{{ '' }}"
        + "{% endfor %}{% endfor %}", limits);
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(e.getMessage().endsWith("rendering took longer than 50 ms (ChatTemplateLimits.timeout)"),
        e.getMessage());
    assertTrue(millis < 2000, "took " + millis + " ms");
  }

  @Test
  void twenty_thousand_nested_blocks_are_a_clear_parse_error_not_a_stack_overflow() {
    String deep = "{% if true %}".repeat(20_000) + "x" + "{% endif %}".repeat(20_000);
    var e = buildFails(deep);
    assertEquals("chat template line 1, column 1294: nesting deeper than 100 levels (blocks, brackets"
        + " and operators)", e.getMessage());
  }

  @Test
  void twenty_thousand_nested_brackets_and_operators_are_parse_errors() {
    for (String deep : List.of("{{ " + "(".repeat(20_000) + "1" + ")".repeat(20_000) + " }}",
        "{{ " + "[".repeat(20_000) + "]".repeat(20_000) + " }}",
        "{{ " + "not ".repeat(20_000) + "x }}",
        "{{ " + "-".repeat(20_000) + "1 }}",
        "{{ " + "{'a': ".repeat(20_000) + "1" + "}".repeat(20_000) + " }}")) {
      var e = buildFails(deep);
      assertTrue(e.getMessage().contains("nesting deeper than 100 levels"), e.getMessage());
    }
  }

  @Test
  void huge_output_stops_at_the_output_limit() {
    var e = renderFails("{% for i in range(100000) %}{{ 'x' * 100 }}{% endfor %}");
    assertEquals("chat template line 1, column 29: the rendered text exceeds the limit of 8000000"
        + " characters (ChatTemplateLimits.maxOutputChars)", e.getMessage());
  }

  @Test
  void string_multiplication_is_bounded_and_needs_an_integer() {
    assertEquals("chat template line 1, column 8: can't multiply sequence by non-int of type 'float'",
        renderFails("{{ 'x' * 1e9 }}").getMessage());
    assertEquals("chat template line 1, column 8: a value of 1000000000 characters or items exceeds"
            + " the limit of 8000000 (ChatTemplateLimits.maxOutputChars)",
        renderFails("{{ 'x' * 1000000000 }}").getMessage());
    assertTrue(renderFails("{% set s = 'x' * 4000000 %}{{ s ~ s ~ s }}").getMessage()
        .contains("exceeds the limit of 8000000"));
  }

  @Test
  void range_beyond_the_sandbox_limit_is_refused() {
    assertEquals("chat template line 1, column 9: range of 100001 items exceeds the limit of 100000"
        + " (ChatTemplateLimits.maxRange)", renderFails("{{ range(100001) | length }}").getMessage());
  }

  @Test
  void java_methods_are_not_reachable() {
    assertEquals("chat template line 1, column 14: 'str object' has no attribute 'repeat'",
        renderFails("{{ 'x'.repeat(1000000000) }}").getMessage());
    assertEquals("chat template line 1, column 21: 'list object' has no attribute 'getClass'",
        renderFails("{{ messages.getClass() }}").getMessage());
    assertEquals("", ChatTemplate.builder("{{ messages[0].getClass }}{{ ''.class }}").build()
        .render(CHAT, false));
  }

  @Test
  void mutating_methods_are_refused_as_in_the_immutable_sandbox() {
    assertEquals("chat template line 1, column 19: access to attribute 'append' of 'list' object is"
        + " unsafe (the sandbox is immutable)", renderFails("{{ messages.append(1) }}").getMessage());
    assertTrue(renderFails("{{ messages[0].update({'role': 'x'}) }}").getMessage()
        .contains("access to attribute 'update' of 'dict' object is unsafe"));
    assertEquals("chat template line 1, column 20: cannot assign attribute 'y' on a dict (only"
        + " namespace() objects can be changed)",
        renderFails("{% set x = {} %}{% set x.y = 1 %}").getMessage());
  }

  @Test
  void include_import_extends_and_call_blocks_are_not_supported() {
    for (String tag : List.of("include 'x.jinja'", "import 'x' as y", "extends 'base'",
        "call m() ", "from 'x' import y")) {
      var e = buildFails("ok\n{% " + tag + " %}");
      String name = tag.substring(0, tag.indexOf(' '));
      assertEquals("chat template line 2, column 4: the {% " + name + " %} tag is not supported by"
          + " the chat template engine", e.getMessage());
    }
  }

  @Test
  void endless_macro_recursion_stops_at_the_nesting_limit() {
    assertEquals("chat template line 1, column 21: macro calls nested deeper than 100 levels"
        + " (recursion; ChatTemplateLimits.maxNestingDepth)",
        renderFails("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}").getMessage());
  }

  @Test
  void unknown_filters_and_tests_fail_when_the_template_is_built() {
    assertEquals("chat template line 3, column 10: no filter named 'shout' (not supported by the"
        + " chat template engine)", buildFails("a\nb\n{{ 'x' | shout }}").getMessage());
    assertEquals("chat template line 1, column 9: no test named 'prime' (not supported by the chat"
        + " template engine)", buildFails("{{ 3 is prime }}").getMessage());
  }

  @Test
  void syntax_errors_name_line_column_and_what_was_expected() {
    assertEquals("chat template line 1, column 4: {% if %} is never closed with {% endif %}",
        buildFails("{% if true %}\nno end").getMessage());
    assertEquals("chat template line 2, column 1: tag opened with {{ is never closed with }}",
        buildFails("x\n{{ 'a'").getMessage());
    assertEquals("chat template line 1, column 5: unknown tag {% endfor %} with no open block it"
        + " could belong to", buildFails("x{% endfor %}").getMessage());
    assertEquals("chat template line 1, column 6: expected '}}', found 'b'",
        buildFails("{{ a b }}").getMessage());
  }

  @Test
  void calling_an_undefined_function_names_it() {
    assertEquals("chat template line 1, column 14: 'no_such_fn' is undefined (not a function the chat"
        + " template engine provides)", renderFails("{{ no_such_fn(1) }}").getMessage());
  }

  @Test
  void raise_exception_fails_with_the_template_message_and_line() {
    assertEquals("chat template line 2, column 19: raise_exception: bad roles",
        renderFails("x\n{{ raise_exception('bad roles') }}").getMessage());
  }

  @Test
  void integers_beyond_64_bits_fail_loudly() {
    assertEquals("chat template line 1, column 4: integer literal 12345678901234567890 is out of the"
        + " supported range (64-bit)", buildFails("{{ 12345678901234567890 }}").getMessage());
    assertTrue(renderFails("{{ 2 ** 64 }}").getMessage().contains("integer overflow"));
  }

  @Test
  void strftime_now_reads_the_given_clock_in_its_zone() {
    Clock clock = Clock.fixed(Instant.parse("2025-01-02T23:30:00Z"), ZoneId.of("Asia/Tokyo"));
    ChatTemplate t = ChatTemplate.builder("{{ strftime_now('%d %b %Y %H:%M') }}|{{ strftime_now('%-d %B') }}")
        .clock(clock).build();
    assertEquals("03 Jan 2025 08:30|3 January", t.render(CHAT, false));
    assertEquals("chat template line 1, column 16: strftime_now: the directive %Q is not supported",
        renderFails("{{ strftime_now('%Q') }}").getMessage());
  }

  @Test
  void variables_are_checked() {
    ChatTemplate t = ChatTemplate.builder("{{ tools | tojson }}").build();
    assertEquals("[{\"name\": \"f\"}]",
        t.render(CHAT, false, Map.of("tools", List.of(Map.of("name", "f")))));
    var e = assertThrows(IllegalArgumentException.class,
        () -> t.render(CHAT, false, Map.of("messages", List.of())));
    assertEquals("variables must not contain 'messages' (it is set from the arguments)", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> t.render(CHAT, false, Map.of("tools", new Object())));
    assertEquals("variables['tools'] must be a string, boolean, number, null, list or map, found a"
        + " java.lang.Object", e.getMessage());
  }

  @Test
  void special_token_names_and_nested_variables_are_checked() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> ChatTemplate.builder("x").specialToken("bos", "<s>"));
    assertEquals("special token name must end with _token, found bos", e.getMessage());
    Object deep = "leaf";
    for (int i = 0; i < 101; i++) {
      deep = List.of(deep);
    }
    Object nested = deep;
    ChatTemplate t = ChatTemplate.builder("x").build();
    e = assertThrows(IllegalArgumentException.class,
        () -> t.render(CHAT, false, Map.of("v", nested)));
    assertTrue(e.getMessage().startsWith("variables['v']"), e.getMessage());
    assertTrue(e.getMessage().endsWith(" is nested deeper than 100 levels"), e.getMessage());
  }

  @Test
  void deeply_nested_values_built_by_a_template_fail_cleanly_when_printed() {
    String build = "{% set ns = namespace(x=1) %}{% for i in range(100000) %}"
        + "{% set ns.x = [ns.x] %}{% endfor %}";
    assertEquals("chat template line 1, column 93: cannot print a value nested deeper than 500"
        + " levels", renderFails(build + "{{ ns.x }}").getMessage());
    assertEquals("chat template line 1, column 103: cannot convert a value nested deeper than 500"
        + " levels to JSON", renderFails(build + "{{ ns.x | tojson }}").getMessage());
  }

  @Test
  void limits_are_validated_with_the_field_named() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> ChatTemplateLimits.defaults().withTimeout(Duration.ZERO));
    assertEquals("timeout must be > 0, found PT0S", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ChatTemplateLimits.defaults().withMaxNestingDepth(501));
    assertEquals("maxNestingDepth must be in [1, 500], found 501", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ChatTemplateLimits.defaults().withMaxOutputChars(0));
    assertEquals("maxOutputChars must be > 0, found 0", e.getMessage());
  }

  @Test
  void message_text_is_never_interpreted_as_template_code() {
    ChatTemplate t = ChatTemplate.builder("{% for m in messages %}{{ m.content }}{% endfor %}").build();
    String hostile = "{{ range(100000) }}{% for x in range(9) %}{% raw %}{# #}";
    assertEquals(hostile, t.render(List.of(ChatMessage.user(hostile)), false));
  }

  @Test
  void a_model_with_an_unusable_template_loads_and_rendering_names_the_file(@TempDir Path dir)
      throws IOException {
    Files.copy(TokenizerTest.FIXTURE.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
    Files.writeString(dir.resolve("tokenizer_config.json"),
        "{\"chat_template\": \"{% include 'evil.jinja' %}\", \"eos_token\": \"</s>\"}");
    try (Tokenizer t = Tokenizer.load(dir)) {
      var e = assertThrows(ChatTemplateException.class, () -> t.applyChatTemplate(CHAT, true));
      assertEquals(dir.resolve("tokenizer_config.json") + ": chat template line 1, column 4: the"
          + " {% include %} tag is not supported by the chat template engine", e.getMessage());
    }
  }

  @Test
  void chat_template_jinja_beside_the_config_is_used_with_the_config_tokens(@TempDir Path dir)
      throws IOException {
    Files.copy(TokenizerTest.FIXTURE.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<s>\"}");
    Files.writeString(dir.resolve("chat_template.jinja"),
        "{{ bos_token }}{{ eos_token is defined }}{{ messages[0].content }}\n");
    try (Tokenizer t = Tokenizer.load(dir)) {
      assertEquals("<s>FalseHi", t.applyChatTemplate(CHAT, true));
    }
  }

  @Test
  void a_chat_template_list_without_default_is_a_load_error(@TempDir Path dir) throws IOException {
    Files.copy(TokenizerTest.FIXTURE.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
    Files.writeString(dir.resolve("tokenizer_config.json"),
        "{\"chat_template\": [{\"name\": \"tool_use\", \"template\": \"x\"}]}");
    var e = assertThrows(ModelLoadException.class, () -> Tokenizer.load(dir));
    assertEquals(dir.resolve("tokenizer_config.json") + ": chat_template is a list without a"
        + " \"default\" entry", e.getMessage());
  }

  @Test
  void generators_fail_where_jinja2_fails_or_prints_a_memory_address_naming_the_line() {
    String head = "{% set g = [1, 2, 3] | select('odd') %}\n";
    assertEquals("chat template line 2, column 8: object of type 'generator' has no len()",
        renderFails(head + "{{ g | length }}").getMessage());
    assertEquals("chat template line 2, column 8: 'generator' object is not reversible",
        renderFails(head + "{{ g | last }}").getMessage());
    for (String printed : List.of("{{ g }}", "{{ 'a' ~ g }}", "{{ [g] }}", "{{ g | string }}",
        "{{ [1] | reverse }}")) {
      String message = renderFails(head + printed).getMessage();
      assertTrue(message.startsWith("chat template line 2, column ") && message.contains("cannot print a")
          && !message.contains("0x"), message);
    }
    assertEquals("chat template line 2, column 8: Object of type generator is not JSON serializable",
        renderFails(head + "{{ g | tojson }}").getMessage());
  }

  @Test
  void dict_views_print_as_in_python_and_fail_in_tojson_naming_the_line() throws Exception {
    ChatTemplate t = ChatTemplate.builder("{% set d = {'a': 1} %}{{ d.items() }} {{ d.keys() }} "
        + "{{ d.values() | length }}").build();
    assertEquals("dict_items([('a', 1)]) dict_keys(['a']) 1", t.render(CHAT, true));
    assertEquals("chat template line 2, column 16: Object of type dict_items is not JSON serializable",
        renderFails("{% set d = {'a': 1} %}\n{{ d.items() | tojson }}").getMessage());
  }
}
