package org.consistency4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.consistency4j.graph.Tensor;
import org.consistency4j.loss.Losses;
import org.consistency4j.safetensors.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The resume comparison of {@link TrainingLoop} against checkpoints with other fields. */
class CheckpointsTest {
  private static final String FORMAT = CatTrainer.FORMAT;

  /** A checkpoint as earlier versions wrote it: every loss parameter, used or not. */
  private static Path legacyCheckpoint(Path dir, String beta) throws Exception {
    Map<String, String> config = new LinkedHashMap<>();
    config.put("loss", "dpo");
    config.put("lambda", "1.0");
    config.put("beta", beta);
    config.put("tau", "0.1");
    config.put("gamma", "0.0");
    config.put("margin", "1.0");
    config.put("useReference", "false");
    SftConfig t = SftConfig.builder().seed(3).build();
    t.toMap().forEach((k, v) -> config.put("training." + k, v));
    Path file = dir.resolve("checkpoint.safetensors");
    SafetensorsWriter.write(file, Map.of("m/x", Tensor.ofFloats(new float[] {0}, 1)),
        Map.of("format", FORMAT, "step", "1", "seed", "3", "trainables", "[\"x\"]",
            "config", new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(config),
            "run", "{}"));
    return file;
  }

  private static TrainingLoop loop(CatConfig c, boolean allowChange) {
    return new TrainingLoop(FORMAT, c.training(), c.toMap()).allowingConfigChange(allowChange);
  }

  @Test
  void unused_loss_parameters_recorded_by_earlier_versions_do_not_block_a_resume(@TempDir Path dir)
      throws Exception {
    Path file = legacyCheckpoint(dir, "0.1");
    CatConfig now = new CatConfig(Losses.dpo(0.1), SftConfig.builder().seed(3).build());
    assertTrue(loop(now, false).checkResume(file, Map.of()).isEmpty());
  }

  @Test
  void a_changed_loss_parameter_is_still_refused_naming_it(@TempDir Path dir) throws Exception {
    Path file = legacyCheckpoint(dir, "0.2");
    CatConfig now = new CatConfig(Losses.dpo(0.1), SftConfig.builder().seed(3).build());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> loop(now, false).checkResume(file, Map.of()));
    assertTrue(e.getMessage().contains("beta: checkpoint 0.2, this run 0.1"), e.getMessage());
    assertEquals(1, loop(now, true).checkResume(file, Map.of()).size());
  }
}
