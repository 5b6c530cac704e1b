package org.consistency4j.paraphrase;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class InflectorTest {
  private final Inflector inf =
      new Inflector(Map.of("child", "children"), Map.of("find", "found"));

  @Test
  void nouns_pluralize_regularly_and_irregularly_on_the_head_word() {
    assertEquals("boxes", inf.plural("box"));
    assertEquals("stories", inf.plural("story"));
    assertEquals("days", inf.plural("day"));
    assertEquals("children", inf.plural("child"));
    assertEquals("motion pictures", inf.plural("motion picture"));
  }

  @Test
  void verbs_inflect_on_the_first_word_of_a_phrasal_verb() {
    assertEquals("sums up", inf.thirdPerson("sum up"));
    assertEquals("making", inf.presentParticiple("make"));
    assertEquals("running", inf.presentParticiple("run"));
    assertEquals("lying", inf.presentParticiple("lie"));
    assertEquals("agreeing", inf.presentParticiple("agree"));
    assertEquals(Optional.of("tried"), inf.regularPast("try"));
    assertEquals(Optional.of("stopped"), inf.regularPast("stop"));
    assertEquals(Optional.empty(), inf.regularPast("find out"));
  }
}
