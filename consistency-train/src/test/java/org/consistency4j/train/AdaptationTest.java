package org.consistency4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.consistency4j.lora.LoraConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run identity each adaptation records, and the mapping from optional LoRA settings. */
class AdaptationTest {
  private static final LoraConfig LORA = new LoraConfig(4, 8, List.of("q_proj", "v_proj"), 3, 0.1);

  @Test
  void empty_lora_settings_mean_full_fine_tuning_and_present_ones_new_adapters() {
    assertInstanceOf(Adaptation.Full.class, Adaptation.of(Optional.empty()));
    assertEquals(new Adaptation.NewLora(LORA), Adaptation.of(Optional.of(LORA)));
    assertEquals(Optional.of(LORA), new Adaptation.ContinueAdapter(Path.of("a"), LORA).lora());
    NullPointerException e = assertThrows(NullPointerException.class,
        () -> new Adaptation.NewLora(null));
    assertEquals("settings must not be null", e.getMessage());
  }

  @Test
  void run_fields_name_the_model_the_lora_settings_and_a_continued_adapter(@TempDir Path dir)
      throws Exception {
    Path model = Files.createDirectories(dir.resolve("model"));
    Files.writeString(model.resolve("config.json"), "{}");
    Path adapter = Files.createDirectories(dir.resolve("adapter"));
    Files.writeString(adapter.resolve("adapter_config.json"), "{\"r\": 4}");
    Map<String, String> full = new Adaptation.Full().runFields(model);
    assertEquals(List.of("model", "lora"), List.copyOf(full.keySet()));
    assertEquals("none (full fine-tuning)", full.get("lora"));
    assertTrue(full.get("model").startsWith("crc32c:"), full.get("model"));
    Map<String, String> lora = new Adaptation.NewLora(LORA).runFields(model);
    assertEquals(List.of("model", "lora.rank", "lora.alpha", "lora.targets", "lora.dropout",
        "lora.seed"), List.copyOf(lora.keySet()));
    assertEquals("8.0", lora.get("lora.alpha"));
    assertEquals("q_proj,v_proj", lora.get("lora.targets"));
    Map<String, String> continued = new Adaptation.ContinueAdapter(adapter, LORA).runFields(model);
    assertEquals(RunFingerprints.directory(adapter), continued.get("adapter"));
    assertEquals(lora.get("lora.rank"), continued.get("lora.rank"));
  }
}
