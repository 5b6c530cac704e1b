package org.consistency4j.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class GenerationConfigTest {

  private static GenerationConfig stops(String... stops) {
    return GenerationConfig.builder().stopStrings(List.of(stops)).build();
  }

  @Test
  void firstStop_is_the_earliest_occurrence_of_any_stop_string() {
    GenerationConfig c = stops("\n\n", "###", "END");
    assertEquals(5, c.firstStop("hello###world\n\nEND"));
    assertEquals(5, c.firstStop("hello\n\n###"));
    assertEquals(0, c.firstStop("END of it"));
  }

  @Test
  void firstStop_is_minus_one_without_a_match_or_without_stop_strings() {
    assertEquals(-1, stops("###").firstStop("no marker here"));
    assertEquals(-1, GenerationConfig.greedy(4).firstStop("anything ### END"));
    assertEquals(-1, stops("###").firstStop(""));
  }

  @Test
  void firstStop_of_overlapping_stops_takes_the_one_that_starts_first() {
    assertEquals(1, stops("bc", "abcd").firstStop("xabcd"));
  }

  @Test
  void firstStop_rejects_null_text() {
    assertEquals("text must not be null",
        assertThrows(NullPointerException.class, () -> stops("x").firstStop(null)).getMessage());
  }
}
