package org.consistency4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.consistency4j.ConsistencyException;
import org.consistency4j.ModelLoadException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerTest {
  static final Path FIXTURE = Path.of("src/test/resources/fixtures/tiny-llama");
  static Tokenizer tokenizer;
  static JsonNode tests;

  @BeforeAll
  static void load() throws IOException {
    tokenizer = Tokenizer.load(FIXTURE);
    tests = new ObjectMapper().readTree(FIXTURE.resolve("reference.json").toFile()).get(
        "tokenizer_tests");
  }

  @AfterAll
  static void close() {
    tokenizer.close();
  }

  @Test
  void library_sets_djl_offline_properties_itself() {
    // The test JVM must not get them from its command line, or this would not prove anything.
    for (String arg : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      assertTrue(!arg.startsWith("-Dai.djl.offline") && !arg.startsWith("-DOPT_OUT_TRACKING"),
          "the test JVM was started with " + arg + "; remove it from the surefire argLine");
    }
    assertEquals("true", System.getProperty("ai.djl.offline"));
    assertEquals("true", System.getProperty("OPT_OUT_TRACKING"));
  }

  @Test
  void all_reference_encodings_match_exactly_and_decode_back() {
    JsonNode cases = tests.get("encode");
    assertEquals(10, cases.size());
    for (JsonNode c : cases) {
      String text = c.get("text").asText();
      int[] expected = ints(c.get("ids"));
      assertArrayEquals(expected, tokenizer.encode(text), "encoding of \"" + text + "\"");
      assertEquals(text, tokenizer.decode(expected), "decoding of \"" + text + "\"");
      JsonNode tokens = c.get("tokens");
      for (int i = 0; i < expected.length; i++) {
        assertEquals(Optional.of(tokens.get(i).asText()), tokenizer.idToToken(expected[i]));
        assertEquals(OptionalInt.of(expected[i]), tokenizer.tokenToId(tokens.get(i).asText()));
      }
    }
  }

  @Test
  void chat_template_renders_and_encodes_like_the_reference() {
    for (JsonNode c : tests.get("chat_template")) {
      List<ChatMessage> messages = new ArrayList<>();
      for (JsonNode m : c.get("messages")) {
        messages.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
      }
      String rendered =
          tokenizer.applyChatTemplate(messages, c.get("add_generation_prompt").asBoolean());
      assertEquals(c.get("rendered").asText(), rendered);
      assertArrayEquals(ints(c.get("ids")), tokenizer.encode(rendered));
    }
  }

  @Test
  void vocabulary_and_special_tokens_come_from_the_files() {
    assertEquals(384, tokenizer.vocabSize());
    assertEquals(OptionalInt.of(35), tokenizer.tokenToId("Ġ"));
    assertEquals(OptionalInt.of(2), tokenizer.tokenToId("</s>"));
    assertEquals(Optional.of("<s>"), tokenizer.bosToken());
    assertEquals(Optional.of("</s>"), tokenizer.eosToken());
    assertEquals(OptionalInt.empty(), tokenizer.tokenToId("no such token"));
    assertEquals(Optional.empty(), tokenizer.idToToken(384));
  }

  @Test
  void decoding_can_skip_special_tokens() {
    assertEquals("Hi", tokenizer.decode(new int[] {1, 75, 108, 2}, true));
  }

  @Test
  void decoding_an_out_of_range_id_is_rejected() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> tokenizer.decode(new int[] {5, 384}));
    assertEquals("ids[1] must be in [0, 383], found 384", e.getMessage());
  }

  @Test
  void plain_fallback_renders_role_lines_and_the_assistant_prefix() {
    assertEquals(
        "system: Be brief.\nuser: Hi\nassistant: ",
        ChatTemplate.plain()
            .render(List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi")), true));
    assertEquals("user: Hi\n", ChatTemplate.plain().render(List.of(ChatMessage.user("Hi")), false));
  }

  @Test
  void jinja_template_sees_bos_and_eos_and_uses_hugging_face_block_trimming() {
    ChatTemplate t = ChatTemplate.jinja(
        "{{ bos_token }}{% for m in messages %}\n  {% if m %}{{ m.role }}={{ m.content }}"
            + "{{ eos_token }}{% endif %}\n{% endfor %}  {{ 'x' }} {% if true %}y{% endif %}",
        "<s>", "</s>");
    assertEquals("<s>user=Hi</s>  x y", t.render(List.of(ChatMessage.user("Hi")), false));
  }

  @Test
  void raise_exception_in_a_template_fails_with_its_message() {
    ChatTemplate t = ChatTemplate.jinja(
        "{% if messages[0].role != 'system' %}{{ raise_exception('first must be system') }}{% endif %}",
        "", "");
    var e = assertThrows(ConsistencyException.class,
        () -> t.render(List.of(ChatMessage.user("Hi")), false));
    assertTrue(e.getMessage().contains("first must be system"), e.getMessage());
  }

  @Test
  void missing_tokenizer_json_is_named(@TempDir Path dir) {
    var e = assertThrows(ModelLoadException.class, () -> Tokenizer.load(dir));
    assertEquals(dir.resolve("tokenizer.json") + ": file not found", e.getMessage());
  }

  @Test
  void invalid_tokenizer_json_is_named(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"vocab\": 3}}");
    var e = assertThrows(ModelLoadException.class, () -> Tokenizer.load(dir));
    assertEquals(
        dir.resolve("tokenizer.json") + ": model.vocab must be an object or a list, found 3",
        e.getMessage());
  }

  @Test
  void missing_tokenizer_config_means_plain_chat_template(@TempDir Path dir) throws IOException {
    Files.copy(FIXTURE.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
    try (Tokenizer t = Tokenizer.load(dir)) {
      assertEquals(Optional.empty(), t.chatTemplate().source());
      assertEquals(Optional.empty(), t.bosToken());
    }
  }

  @Test
  void use_after_close_is_an_illegal_state_and_close_is_idempotent() {
    Tokenizer t = Tokenizer.load(FIXTURE);
    t.close();
    t.close();
    var e = assertThrows(IllegalStateException.class, () -> t.encode("x"));
    assertEquals("tokenizer " + FIXTURE.resolve("tokenizer.json") + " is closed", e.getMessage());
  }

  static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }
}
