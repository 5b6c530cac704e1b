package org.consistency4j.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class ValueRulesTest {
  private static void rejects(String message, Executable e) {
    assertEquals(message, assertThrows(IllegalArgumentException.class, e).getMessage());
  }

  @Test
  void response_record_rules_are_pinned() {
    rejects("variant must be >= 0, found -1",
        () -> new ResponseRecord("m", "t", -1, 0, "p", "c", "r", "EOS"));
    rejects("instance must be >= 0, found -2",
        () -> new ResponseRecord("m", "t", 0, -2, "p", "c", "r", "EOS"));
  }
}
