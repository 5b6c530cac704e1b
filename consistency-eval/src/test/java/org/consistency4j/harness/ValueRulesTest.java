package org.consistency4j.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class ValueRulesTest {
  private static void rejects(String message, Executable e) {
    assertEquals(message, assertThrows(IllegalArgumentException.class, e).getMessage());
  }

  @Test
  void instance_task_and_record_rules_are_pinned() {
    rejects("fields key must match [A-Za-z_][A-Za-z0-9_]*, found \"a b\"",
        () -> new Instance(Map.of("a b", "x"), List.of()));
    rejects("name must not be blank",
        () -> InstructionTask.of(" ", List.of("{input}"), List.of(Instance.of("x", List.of()))));
    rejects("variants must not be empty",
        () -> InstructionTask.of("t", List.of(), List.of(Instance.of("x", List.of()))));
    rejects("instances must not be empty", () -> InstructionTask.of("t", List.of("{input}"), List.of()));
    rejects("variant must be >= 0, found -1",
        () -> new ResponseRecord("m", "t", -1, 0, "p", "c", "r", "EOS"));
    rejects("instance must be >= 0, found -2",
        () -> new ResponseRecord("m", "t", 0, -2, "p", "c", "r", "EOS"));
  }
}
