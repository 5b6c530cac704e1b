package org.consistency4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.consistency4j.pairs.PreferencePair;
import org.consistency4j.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

class PreferenceExampleTest {
  @Test
  void pair_prompts_go_through_the_chat_template_unless_it_is_turned_off() throws Exception {
    Path model = Path.of(PreferenceExampleTest.class.getResource("/fixtures/tiny-llama").toURI());
    try (Tokenizer tok = Tokenizer.load(model)) {
      List<PreferencePair> pairs = List.of(PreferencePair.unscored("Hi", "Hello", "Go away"));
      PreferenceExample templated = PreferenceExample.tokenize(pairs, tok, 512, false).get(0);
      PreferenceExample raw = PreferenceExample.tokenize(pairs, tok, 512, false, false).get(0);
      int[] templatedPrompt = tok.encode("user: Hi\nassistant: ", false);
      int[] rawPrompt = tok.encode("Hi", false);
      int[] chosen = tok.encode("Hello", false);
      assertArrayEquals(templatedPrompt,
          Arrays.copyOf(templated.chosen().inputIds(), templatedPrompt.length));
      assertEquals(templatedPrompt.length + chosen.length, templated.chosen().length());
      assertArrayEquals(rawPrompt, Arrays.copyOf(raw.chosen().inputIds(), rawPrompt.length));
      assertEquals(rawPrompt.length + chosen.length, raw.chosen().length());
      assertEquals(chosen.length, templated.chosen().targetCount());
    }
  }
}
