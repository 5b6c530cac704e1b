package org.consistency4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.consistency4j.lm.Capability;
import org.consistency4j.lm.Generation;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.lm.LanguageModel;
import org.junit.jupiter.api.Test;

class ChatPromptModelTest {
  @Test
  void the_chat_wrapper_formats_prompts_and_keeps_the_delegates_capabilities() {
    List<String> seen = new ArrayList<>();
    LanguageModel inner = new LanguageModel() {
      @Override
      public List<Generation> generate(List<String> prompts, GenerationConfig config) {
        seen.addAll(prompts);
        return prompts.stream()
            .map(p -> new Generation(p, List.of(), Generation.FinishReason.EOS)).toList();
      }

      @Override
      public Set<Capability> capabilities() {
        return Set.of(Capability.SCORE, Capability.NEXT_TOKEN_LOGPROBS);
      }

      @Override
      public String name() {
        return "inner";
      }
    };
    try (ChatPromptModel chat = new ChatPromptModel(inner, p -> "<user>" + p + "</user>")) {
      assertEquals(Set.of(Capability.SCORE, Capability.NEXT_TOKEN_LOGPROBS), chat.capabilities());
      assertEquals("<user>hi</user>", chat.generate("hi", GenerationConfig.greedy(1)).text());
      assertEquals(List.of("<user>hi</user>"), seen);
    }
  }
}
