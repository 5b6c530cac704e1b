package org.consistency4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.consistency4j.loss.Losses;
import org.junit.jupiter.api.Test;

class SftConfigChatTemplateTest {
  @Test
  void the_chat_template_choice_defaults_to_on_and_is_recorded_in_the_config_map() {
    assertEquals("true", SftConfig.builder().build().toMap().get("chatTemplate"));
    SftConfig off = SftConfig.builder().chatTemplate(false).build();
    assertEquals("false", off.toMap().get("chatTemplate"));
    assertEquals(off, off.toBuilder().build());
    assertEquals("false", new CatConfig(Losses.byName("rank"), off).toMap()
        .get("training.chatTemplate"));
  }
}
