package org.consistency4j.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashSet;
import java.util.List;
import org.consistency4j.ConsistencyException;
import org.consistency4j.judge.FakeJudgeModel;
import org.consistency4j.lm.Generation;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.lm.Sampling;
import org.junit.jupiter.api.Test;

class ResponseSamplerTest {
  private final FakeJudgeModel model = new FakeJudgeModel(p -> 0.5);

  private static final List<InstructionGroup> GROUPS =
      List.of(
          new InstructionGroup("g1", "Name the capital.", List.of("Name the capital.", "Which city is the capital?"), "France"),
          new InstructionGroup("g2", "Say hi.", List.of("Greet me."), ""));

  private ResponseSampler sampler(int batchSize, long seed) {
    return ResponseSampler.builder(model)
        .config(ResponseSampler.defaultConfig(seed))
        .samplesPerVerbalization(2)
        .batchSize(batchSize)
        .build();
  }

  @Test
  void samples_m_responses_per_verbalization_in_group_verbalization_sample_order() {
    List<SampledGroup> groups = sampler(100, 7).sample(GROUPS);
    assertEquals(2, groups.size());
    SampledGroup g1 = groups.get(0);
    assertEquals("g1", g1.id());
    assertEquals("Name the capital.", g1.instruction());
    assertEquals("France", g1.input());
    assertEquals(4, g1.size());
    assertEquals(
        List.of(
            "Name the capital.\n\nFrance",
            "Name the capital.\n\nFrance",
            "Which city is the capital?\n\nFrance",
            "Which city is the capital?\n\nFrance"),
        g1.responses().stream().map(SampledResponse::prompt).toList());
    assertEquals(List.of(0, 0, 1, 1), g1.responses().stream().map(SampledResponse::verbalization).toList());
    assertEquals(List.of(0, 1, 0, 1), g1.responses().stream().map(SampledResponse::sample).toList());
    assertEquals("Greet me.", groups.get(1).responses().get(0).prompt());
    for (SampledGroup g : groups) {
      for (SampledResponse r : g.responses()) {
        assertEquals(r.prompt(), r.text().substring(0, r.text().lastIndexOf('#')));
      }
    }
  }

  @Test
  void each_batch_is_one_generate_call_with_a_seed_derived_from_the_call_index() {
    sampler(4, 7).sample(GROUPS);
    assertEquals(List.of(4, 2), model.generateCalls.stream().map(List::size).toList());
    GenerationConfig first = model.generateConfigs.get(0);
    assertEquals(Sampling.rng(7, 0).nextLong(), first.seed());
    assertEquals(Sampling.rng(7, 1).nextLong(), model.generateConfigs.get(1).seed());
    assertEquals(0.8, first.temperature());
    assertEquals(0.95, first.topP());
    assertEquals(256, first.maxNewTokens());
  }

  @Test
  void sampling_is_reproducible_and_copies_of_a_prompt_get_different_samples() {
    List<SampledGroup> a = sampler(4, 7).sample(GROUPS);
    List<SampledGroup> b = sampler(4, 7).sample(GROUPS);
    assertEquals(a, b);
    List<String> texts = a.get(0).texts();
    assertEquals(4, new HashSet<>(texts).size());
    assertNotEquals(a, sampler(4, 8).sample(GROUPS));
  }

  @Test
  void a_custom_prompt_format_is_applied_to_every_verbalization() {
    List<SampledGroup> groups =
        ResponseSampler.builder(model)
            .format(PromptFormat.template("### {instruction}\n{input}\n### Answer:"))
            .samplesPerVerbalization(1)
            .build()
            .sample(GROUPS.subList(1, 2));
    assertEquals("### Greet me.\n\n### Answer:", groups.get(0).responses().get(0).prompt());
  }

  @Test
  void a_model_returning_the_wrong_number_of_generations_is_an_error() {
    FakeJudgeModel broken =
        new FakeJudgeModel(p -> 0.5) {
          @Override
          public List<Generation> generate(List<String> prompts, GenerationConfig config) {
            return super.generate(prompts, config).subList(0, 1);
          }
        };
    ConsistencyException e =
        assertThrows(
            ConsistencyException.class,
            () -> ResponseSampler.builder(broken).batchSize(3).build().sample(GROUPS));
    assertEquals("fake returned 1 generations for 3 prompts", e.getMessage());
  }

  @Test
  void settings_are_validated_with_named_messages() {
    assertEquals(
        "samplesPerVerbalization must be in [1, 1024], found 0",
        assertThrows(
                IllegalArgumentException.class,
                () -> ResponseSampler.builder(model).samplesPerVerbalization(0).build())
            .getMessage());
    assertEquals(
        "samplesPerVerbalization must be in [1, 1024], found 1025",
        assertThrows(
                IllegalArgumentException.class,
                () -> ResponseSampler.builder(model).samplesPerVerbalization(1025).build())
            .getMessage());
    assertEquals(
        "batchSize must be > 0, found -1",
        assertThrows(
                IllegalArgumentException.class,
                () -> ResponseSampler.builder(model).batchSize(-1).build())
            .getMessage());
    assertEquals(
        "model must not be null",
        assertThrows(NullPointerException.class, () -> ResponseSampler.builder(null).build())
            .getMessage());
    assertEquals(
        "template must contain the placeholder {instruction}",
        assertThrows(IllegalArgumentException.class, () -> PromptFormat.template("{input}"))
            .getMessage());
  }

  @Test
  void prompt_formats_substitute_values_literally() {
    assertEquals("do {input}\n\nx", PromptFormat.plain().format("do {input}", "x"));
    assertEquals("only", PromptFormat.plain().format("only", ""));
    assertEquals("I: a{input} / b", PromptFormat.template("I: {instruction} / {input}").format("a{input}", "b"));
  }
}
