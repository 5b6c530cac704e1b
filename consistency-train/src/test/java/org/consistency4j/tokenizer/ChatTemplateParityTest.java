package org.consistency4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Byte-for-byte parity with transformers' Jinja2 rendering: every (template, conversation) of
 * {@code chat-templates/references.json}, written by {@code src/test/python/render_chat_templates.py}
 * from real model templates.
 */
class ChatTemplateParityTest {
  static final Path DIR = Path.of("src/test/resources/chat-templates");
  static final ObjectMapper JSON = new ObjectMapper();
  static final List<String> SPECIAL_TOKENS = List.of("bos_token", "eos_token", "unk_token",
      "sep_token", "pad_token", "cls_token", "mask_token");

  static JsonNode references() throws IOException {
    return JSON.readTree(DIR.resolve("references.json").toFile());
  }

  /** The template of a reference file, with the fixed time the references were rendered at. */
  static ChatTemplate template(String name, String now) throws IOException {
    JsonNode config = JSON.readTree(DIR.resolve("templates").resolve(name + ".json").toFile());
    ChatTemplate.Builder b = ChatTemplate.builder(config.get("chat_template").asText())
        .clock(Clock.fixed(LocalDateTime.parse(now).toInstant(ZoneOffset.UTC), ZoneOffset.UTC));
    for (String token : SPECIAL_TOKENS) {
      if (config.hasNonNull(token)) {
        b.specialToken(token, config.get(token).asText());
      }
    }
    return b.build();
  }

  static Stream<Arguments> cases() throws IOException {
    JsonNode refs = references();
    List<Arguments> out = new ArrayList<>();
    for (JsonNode c : refs.get("cases")) {
      out.add(Arguments.of(c.get("template").asText(), c.get("conversation").asText(), c,
          refs.get("strftime_now").asText()));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} / {1}")
  @MethodSource("cases")
  void renders_exactly_as_transformers_does(String name, String conversation, JsonNode c, String now)
      throws IOException {
    ChatTemplate template = template(name, now);
    List<ChatMessage> messages = new ArrayList<>();
    for (JsonNode m : c.get("messages")) {
      messages.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
    }
    Map<String, Object> variables = JSON.convertValue(c.get("variables"), LinkedHashMap.class);
    boolean generationPrompt = c.get("add_generation_prompt").asBoolean();
    if (c.has("rendered")) {
      assertEquals(c.get("rendered").asText(), template.render(messages, generationPrompt, variables));
    } else {
      var e = assertThrows(ChatTemplateException.class,
          () -> template.render(messages, generationPrompt, variables));
      // The template's own raise_exception message must come through; Python errors (TypeError...)
      // only need to fail.
      if (c.get("error_type").asText().equals("TemplateError")) {
        assertTrue(e.getMessage().contains(c.get("error").asText()), e.getMessage());
      }
    }
  }

  @Test
  void references_cover_eight_families_and_every_conversation_kind() throws IOException {
    JsonNode refs = references();
    Set<String> templates = new TreeSet<>();
    Set<String> conversations = new TreeSet<>();
    int errors = 0;
    for (JsonNode c : refs.get("cases")) {
      templates.add(c.get("template").asText());
      conversations.add(c.get("conversation").asText());
      errors += c.has("error") ? 1 : 0;
    }
    for (String family : List.of("llama2", "llama3", "qwen2_5", "qwen3", "mistral", "gemma", "phi",
        "smollm")) {
      assertTrue(templates.stream().anyMatch(t -> t.startsWith(family)), family + " in " + templates);
    }
    assertTrue(conversations.containsAll(List.of("system_and_user", "multi_turn_generation_prompt",
        "multi_turn_no_generation_prompt", "non_ascii", "two_users_in_a_row")), conversations.toString());
    assertTrue(errors > 0, "some references are template errors");
    assertEquals(16 * 12, refs.get("cases").size());
  }

  static Stream<Arguments> features() throws IOException {
    JsonNode refs = references();
    List<Arguments> out = new ArrayList<>();
    int i = 0;
    for (JsonNode f : refs.get("features")) {
      out.add(Arguments.of(i++, f, refs.get("feature_context"), refs.get("strftime_now").asText()));
    }
    return out.stream();
  }

  /**
   * One Jinja2/Python behaviour per template (scoping, printing of values, float formatting,
   * slicing, filters, tests, whitespace control, Python errors), rendered by Jinja2 with a fixed
   * context. Where Jinja2 fails, the engine must fail too.
   */
  @ParameterizedTest(name = "feature {0}")
  @MethodSource("features")
  void small_templates_behave_as_in_jinja2(int index, JsonNode f, JsonNode context, String now) {
    Map<String, Object> variables = JSON.convertValue(context, LinkedHashMap.class);
    List<ChatMessage> messages = new ArrayList<>();
    for (JsonNode m : context.get("messages")) {
      messages.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
    }
    variables.remove("messages");
    boolean generationPrompt = (Boolean) variables.remove("add_generation_prompt");
    String bos = (String) variables.remove("bos_token");
    Clock clock = Clock.fixed(LocalDateTime.parse(now).toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
    String source = f.get("template").asText();
    if (f.has("rendered")) {
      ChatTemplate t = ChatTemplate.builder(source).specialToken("bos_token", bos).clock(clock).build();
      assertEquals(f.get("rendered").asText(), t.render(messages, generationPrompt, variables), source);
    } else {
      assertThrows(ChatTemplateException.class, () -> ChatTemplate.builder(source)
          .specialToken("bos_token", bos).clock(clock).build()
          .render(messages, generationPrompt, variables), source + " fails in Jinja2 with "
          + f.get("error_type").asText() + ": " + f.get("error").asText());
    }
  }
}
