package org.consistency4j.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.consistency4j.data.Instance;
import org.consistency4j.data.InstructionTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Validation rules of the reward package's records. */
class RewardRecordsTest {

  private static void fails(String message, Executable e) {
    assertEquals(message, assertThrows(IllegalArgumentException.class, e).getMessage());
  }

  private static void isNull(String message, Executable e) {
    assertEquals(message, assertThrows(NullPointerException.class, e).getMessage());
  }

  @Test
  void reward_weights_are_non_negative_with_a_positive_sum() {
    fails("quality must be >= 0, found -1.0", () -> new RewardWeights(-1, 1, 0));
    fails("agreement must be >= 0, found NaN", () -> new RewardWeights(1, Double.NaN, 0));
    fails("frequency must be >= 0, found Infinity", () -> new RewardWeights(1, 0, Double.POSITIVE_INFINITY));
    fails(
        "at least one weight must be > 0, found quality 0, agreement 0, frequency 0",
        () -> new RewardWeights(0, 0, 0));
    assertTrue(RewardWeights.judges().needsJudge());
    assertFalse(RewardWeights.frequencyOnly().needsJudge());
    assertEquals(2, RewardWeights.judges().total());
  }

  @Test
  void reward_breakdowns_hold_values_in_the_unit_interval() {
    fails(
        "reward must be in [0.0, 1.0], found 1.5",
        () -> new RewardBreakdown(OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty(), 1.5));
    fails(
        "quality must be in [0.0, 1.0], found -0.1",
        () -> new RewardBreakdown(OptionalDouble.of(-0.1), OptionalDouble.empty(), OptionalDouble.empty(), 0));
    isNull(
        "frequency must not be null",
        () -> new RewardBreakdown(OptionalDouble.empty(), OptionalDouble.empty(), null, 0));
  }

  @Test
  void groups_and_responses_validate_their_fields() {
    fails("id must not be blank", () -> new InstructionGroup(" ", "i", List.of("i"), ""));
    fails("verbalizations must not be empty", () -> new InstructionGroup("g", "i", List.of(), ""));
    isNull("input must not be null", () -> new InstructionGroup("g", "i", List.of("i"), null));
    fails("id must not be blank", () -> new SampledGroup("", "i", "", List.of()));
    fails("verbalization must be >= 0, found -1", () -> new SampledResponse(-1, 0, "p", "t"));
    fails("sample must be >= 0, found -2", () -> new SampledResponse(0, -2, "p", "t"));
    isNull("text must not be null", () -> new SampledResponse(0, 0, "p", null));
    isNull("response must not be null", () -> new InstructionResponse("i", "x", null));
    isNull("other must not be null", () -> new AgreementQuery("i", "x", "r", null));
    isNull("item must not be null", () -> new LabeledResponse(null, true));
    isNull("query must not be null", () -> new LabeledAgreement(null, true));
    SampledGroup g = new SampledGroup("g", "i", "", List.of(new SampledResponse(0, 0, "p", "t")));
    fails("responses size (1) != rewards size (0)", () -> new ScoredGroup(g, List.of()));
  }

  @Test
  void the_group_of_a_task_instance_holds_its_filled_prompts_in_variant_order() {
    InstructionTask task = InstructionTask.of("capital", List.of("Capital of {input}?", "Name the capital:"),
        List.of(Instance.of("Peru", List.of("Lima")), Instance.of("France", List.of("Paris"))));
    InstructionGroup g = InstructionGroup.of(task, 1);
    assertEquals(new InstructionGroup("capital#1", "Capital of {input}?",
        List.of("Capital of France?", "Name the capital:\n\nFrance"), "France"), g);
    InstructionTask fields = InstructionTask.of("c", List.of("Capital of {country}?"),
        List.of(new Instance(Map.of("country", "Peru"), List.of("Lima"))));
    assertEquals(new InstructionGroup("c#0", "Capital of {country}?", List.of("Capital of Peru?"), ""),
        InstructionGroup.of(fields, 0));
    fails("instance must be in [0, 0], found 1", () -> InstructionGroup.of(fields, 1));
  }

  @Test
  void reward_presets_are_named_once_and_a_bad_name_is_refused_naming_it() {
    assertEquals(new RewardWeights(0, 0, 1), RewardWeights.preset("frequency"));
    assertEquals(new RewardWeights(1, 0, 0), RewardWeights.preset("quality"));
    assertEquals(new RewardWeights(0, 1, 0), RewardWeights.preset("agreement"));
    assertEquals(RewardWeights.judges(), RewardWeights.preset("judges"));
    for (String name : RewardWeights.PRESETS) {
      assertEquals(name.equals("frequency") ? 0 : 1, RewardWeights.preset(name).needsJudge() ? 1 : 0);
    }
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class,
            () -> RewardWeights.preset("Judges"));
    assertEquals("a reward preset must be frequency, quality, agreement or judges, found \"Judges\"",
        e.getMessage());
  }
}
