package org.consistency4j.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Set;
import org.consistency4j.lm.Capability;
import org.consistency4j.lm.Generation;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.lm.LanguageModel;
import org.junit.jupiter.api.Test;

class NamedModelTest {
  private static LanguageModel model(Set<Capability> capabilities) {
    return new LanguageModel() {
      @Override
      public List<Generation> generate(List<String> prompts, GenerationConfig config) {
        throw new AssertionError("not called");
      }

      @Override
      public Set<Capability> capabilities() {
        return capabilities;
      }

      @Override
      public String name() {
        return "inner";
      }
    };
  }

  @Test
  void a_named_model_reports_its_delegates_capabilities_under_its_own_name() {
    NamedModel scoring = new NamedModel("sft", model(Set.of(Capability.SCORE)));
    assertEquals(Set.of(Capability.SCORE), scoring.capabilities());
    Capability.SCORE.require(scoring, "logprobs");
    assertEquals("judge needs a model that can expose next-token log-probabilities (capability"
        + " NEXT_TOKEN_LOGPROBS), but model sft cannot (its capabilities: [SCORE])",
        assertThrows(IllegalArgumentException.class,
            () -> Capability.NEXT_TOKEN_LOGPROBS.require(scoring, "judge")).getMessage());
    assertEquals(Set.of(), new NamedModel("base", model(Set.of())).capabilities());
  }
}
