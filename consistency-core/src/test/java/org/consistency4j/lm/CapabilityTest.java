package org.consistency4j.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CapabilityTest {
  /** A model that only generates (echoes each prompt). */
  static final class EchoModel implements LanguageModel {
    @Override
    public List<Generation> generate(List<String> prompts, GenerationConfig config) {
      List<Generation> out = new ArrayList<>();
      for (String p : prompts) {
        out.add(new Generation(p, List.of(), Generation.FinishReason.EOS));
      }
      return out;
    }

    @Override
    public String name() {
      return "echo";
    }
  }

  @Test
  void a_model_that_only_generates_lists_no_capability_and_its_optional_methods_refuse() {
    LanguageModel m = new EchoModel();
    assertEquals(Set.of(), m.capabilities());
    for (Capability c : Capability.values()) {
      assertFalse(m.supports(c));
    }
    assertEquals("echo cannot score continuations",
        assertThrows(UnsupportedOperationException.class, () -> m.score("a", "b")).getMessage());
    assertEquals("echo cannot expose next-token probabilities",
        assertThrows(UnsupportedOperationException.class, () -> m.probabilityOfYes("a"))
            .getMessage());
  }

  @Test
  void require_names_the_user_the_capability_the_model_and_what_it_can_do() {
    LanguageModel m = new EchoModel();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Capability.SCORE.require(m, "the rank loss"));
    assertEquals("the rank loss needs a model that can score continuations (capability SCORE), but"
        + " model echo cannot (its capabilities: [])", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Capability.NEXT_TOKEN_LOGPROBS.require(m, "a yes/no judge"));
    assertEquals("a yes/no judge needs a model that can expose next-token log-probabilities"
        + " (capability NEXT_TOKEN_LOGPROBS), but model echo cannot (its capabilities: [])",
        e.getMessage());
  }

  @Test
  void a_listed_capability_passes_require_and_an_unlisted_one_is_named() {
    LanguageModel scorer = new LanguageModel() {
      @Override
      public List<Generation> generate(List<String> prompts, GenerationConfig config) {
        return new EchoModel().generate(prompts, config);
      }

      @Override
      public Set<Capability> capabilities() {
        return Set.of(Capability.SCORE);
      }

      @Override
      public String name() {
        return "scorer";
      }
    };
    assertTrue(scorer.supports(Capability.SCORE));
    Capability.SCORE.require(scorer, "logprobs");
    assertEquals("judge needs a model that can expose next-token log-probabilities (capability"
        + " NEXT_TOKEN_LOGPROBS), but model scorer cannot (its capabilities: [SCORE])",
        assertThrows(IllegalArgumentException.class,
            () -> Capability.NEXT_TOKEN_LOGPROBS.require(scorer, "judge")).getMessage());
    assertEquals("capability must not be null",
        assertThrows(NullPointerException.class, () -> scorer.supports(null)).getMessage());
  }
}
