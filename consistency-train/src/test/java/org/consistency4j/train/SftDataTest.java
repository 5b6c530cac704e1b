package org.consistency4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.consistency4j.InvalidInputException;
import org.consistency4j.tokenizer.ChatMessage;
import org.consistency4j.tokenizer.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SftDataTest {
  private static Tokenizer tok;

  @BeforeAll
  static void load() throws Exception {
    tok = Tokenizer.load(Path.of(SftDataTest.class.getResource("/fixtures/tiny-llama").toURI()));
  }

  @AfterAll
  static void close() {
    tok.close();
  }

  @Test
  void prompt_completion_lines_train_only_on_the_completion_and_its_eos(@TempDir Path dir)
      throws Exception {
    Path f = dir.resolve("d.jsonl");
    Files.writeString(f, "{\"prompt\": \"user: Hi\\nassistant: \", \"completion\": \"Hello\"}\n\n");
    List<SftExample> ex = SftData.read(f, tok, 512, true, false);
    assertEquals(1, ex.size());
    int[] p = tok.encode("user: Hi\nassistant: ", false);
    int[] c = tok.encode("Hello", false);
    int[] labels = ex.get(0).labels();
    int[] ids = ex.get(0).inputIds();
    assertEquals(p.length + c.length + 1, ids.length);
    for (int i = 0; i < p.length; i++) {
      assertEquals(-100, labels[i]);
    }
    for (int i = 0; i < c.length; i++) {
      assertEquals(c[i], labels[p.length + i]);
    }
    assertEquals(2, ids[ids.length - 1], "EOS </s> = 2 appended");
  }

  @Test
  void chat_lines_render_the_template_and_train_on_the_last_assistant_message(@TempDir Path dir)
      throws Exception {
    Path f = dir.resolve("d.jsonl");
    Files.writeString(f, "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"},"
        + " {\"role\": \"assistant\", \"content\": \"Hello\"}]}\n");
    SftExample ex = SftData.read(f, tok, 512, false).get(0);
    String prompt = tok.applyChatTemplate(List.of(ChatMessage.user("Hi")), true);
    assertEquals("user: Hi\nassistant: ", prompt);
    int[] p = tok.encode(prompt, false);
    int[] c = tok.encode("Hello\n", false);
    int[] expected = concat(p, c);
    assertArrayEquals(expected, ex.inputIds());
    assertEquals(c.length, ex.targetCount());
  }

  @Test
  void prompts_are_rendered_as_one_user_turn_with_the_chat_template_by_default(@TempDir Path dir)
      throws Exception {
    Path f = dir.resolve("d.jsonl");
    Files.writeString(f, "{\"prompt\": \"Hi\", \"completion\": \"Hello\"}\n");
    SftExample templated = SftData.read(f, tok, 512, false).get(0);
    SftExample raw = SftData.read(f, tok, 512, false, false).get(0);
    int[] p = tok.encode("user: Hi\nassistant: ", false);
    int[] c = tok.encode("Hello", false);
    int[] expected = concat(p, c);
    assertArrayEquals(expected, templated.inputIds());
    assertEquals(c.length, templated.targetCount());
    int[] rawPrompt = tok.encode("Hi", false);
    assertEquals(rawPrompt.length + c.length, raw.inputIds().length);
    assertEquals(c.length, raw.targetCount());
  }

  @Test
  void without_the_chat_template_chats_use_plain_role_lines(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("d.jsonl");
    Files.writeString(f, "{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"},"
        + " {\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Yo\"}]}\n");
    SftExample ex = SftData.read(f, tok, 512, false, false).get(0);
    int[] p = tok.encode("system: Be brief.\nuser: Hi\nassistant: ", false);
    int[] c = tok.encode("Yo\n", false);
    int[] expected = concat(p, c);
    assertArrayEquals(expected, ex.inputIds());
    assertEquals(c.length, ex.targetCount());
  }

  @Test
  void a_failing_chat_template_is_reported_with_file_and_line(@TempDir Path dir) throws Exception {
    Path model = dir.resolve("model");
    Files.createDirectories(model);
    Files.copy(Path.of(SftDataTest.class.getResource("/fixtures/tiny-llama/tokenizer.json").toURI()),
        model.resolve("tokenizer.json"));
    Files.writeString(model.resolve("tokenizer_config.json"),
        "{\"chat_template\": \"{{ raise_exception('only chats') }}\"}");
    Path f = dir.resolve("d.jsonl");
    Files.writeString(f, "{\"prompt\": \"Hi\", \"completion\": \"Hello\"}\n");
    try (Tokenizer t = Tokenizer.load(model)) {
      InvalidInputException e =
          assertThrows(InvalidInputException.class, () -> SftData.read(f, t, 64, true));
      assertEquals(f + ":1: chat template line 1, column 19: raise_exception: only chats (train with"
          + " --no-chat-template to use the text as given)", e.getMessage());
    }
  }

  @Test
  void truncation_keeps_the_beginning_and_drops_examples_without_targets(@TempDir Path dir)
      throws Exception {
    Path f = dir.resolve("d.jsonl");
    Files.writeString(f, "{\"prompt\": \"a b c d e f g h\", \"completion\": \"x\"}\n"
        + "{\"prompt\": \"a\", \"completion\": \"x y z\"}\n");
    List<SftExample> ex = SftData.read(f, tok, 4, false, false);
    assertEquals(1, ex.size());
    assertEquals(4, ex.get(0).length());
  }

  @Test
  void malformed_lines_are_reported_with_file_line_and_field(@TempDir Path dir) throws Exception {
    String[][] cases = {
      {"{\"prompt\": \"a\"}", "completion is missing"},
      {"{\"prompt\": \"a\", \"completion\": 3}", "completion must be a string, found number"},
      {"{\"prompt\": \"a\", \"completion\": \"\"}", "completion must not be empty"},
      {"[1]", "expected a JSON object, found array"},
      {"{\"prompt\": \"a\", \"completion\": \"b\"} {\"prompt\": \"c\", \"completion\": \"d\"}",
          "expected exactly one JSON value per line, found more text after it at column 36: "
              + "{\"prompt\": \"c\", \"completion\": \"d\"}"},
      {"{\"text\": \"a\"}", "expected fields prompt and completion, or messages"},
      {"{\"messages\": []}", "messages must be a non-empty array"},
      {"{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}",
          "the last message must have role assistant, found user"},
      {"{\"messages\": [{\"role\": \"user\"}]}", "messages[0].content is missing"},
    };
    for (String[] c : cases) {
      Path f = dir.resolve("bad.jsonl");
      Files.writeString(f, "{\"prompt\": \"p\", \"completion\": \"c\"}\n" + c[0] + "\n");
      InvalidInputException ex =
          assertThrows(InvalidInputException.class, () -> SftData.read(f, tok, 64, true));
      assertEquals(f + ":2: " + c[1], ex.getMessage());
    }
    Path f = dir.resolve("json.jsonl");
    Files.writeString(f, "{oops\n");
    InvalidInputException ex =
        assertThrows(InvalidInputException.class, () -> SftData.read(f, tok, 64, true));
    assertEquals(true, ex.getMessage().startsWith(f + ":1: not valid JSON: "), ex.getMessage());
  }

  @Test
  void sft_example_validation_names_the_fields() {
    assertEquals("inputIds size (2) != labels size (1)",
        assertThrows(IllegalArgumentException.class,
            () -> new SftExample(new int[2], new int[1])).getMessage());
    assertEquals("completion must not be empty",
        assertThrows(IllegalArgumentException.class,
            () -> SftExample.of(new int[1], new int[0])).getMessage());
  }

  static int[] concat(int[] a, int[] b) {
    int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
