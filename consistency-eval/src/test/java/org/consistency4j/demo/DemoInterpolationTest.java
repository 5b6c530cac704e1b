package org.consistency4j.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.consistency4j.graph.Tensor;
import org.consistency4j.safetensors.SafetensorsFile;
import org.consistency4j.safetensors.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Weight-space interpolation of sft_ia with the CAT epochs ({@link DemoConfig#catInterpolation()}). */
class DemoInterpolationTest {
  private static Path model(Path dir, float value) throws Exception {
    Files.createDirectories(dir);
    SafetensorsWriter.write(dir.resolve("model.safetensors"),
        Map.of("w", Tensor.ofFloats(new float[] {value, value}, 2)));
    return dir;
  }

  private static float[] weights(Path dir) {
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
      return f.floats("w");
    }
  }

  /** Scores peaking where the weight is 2: consistency rate 1 - |w - 2| / 10, accuracy 0.5. */
  private static Demo.Validation score(float w) {
    return new Demo.Validation(1 - Math.abs(w - 2) / 10.0, 0.5);
  }

  /** CAT epoch models {@code dir/epoch-N} whose weight is {@code values[N - 1]}. */
  private static List<Path> epochs(Path dir, float... values) throws Exception {
    List<Path> out = new ArrayList<>();
    for (int i = 0; i < values.length; i++) {
      out.add(model(dir.resolve("epoch-" + (i + 1)), values[i]));
    }
    return out;
  }

  @Test
  void every_epoch_and_weight_is_validated_and_the_epoch_rule_picks_among_all_of_them(
      @TempDir Path dir) throws Exception {
    List<Demo.Validation> history = List.of(score(0f), score(4f), score(8f));
    List<Path> validated = new ArrayList<>();
    Demo.Interpolated r = Demo.interpolate(model(dir.resolve("sft_ia"), 0f), epochs(dir, 4f, 8f),
        history, List.of(0.25, 0.5, 1.0), false,
        dir.resolve("interpolated"), model -> {
          validated.add(model);
          return score(weights(model)[0]);
        });
    // The weight 1 is the epoch itself: scored by the history, not validated again.
    assertEquals(List.of(dir.resolve("interpolated/epoch-1-a-0.25"),
        dir.resolve("interpolated/epoch-1-a-0.5"), dir.resolve("interpolated/epoch-2-a-0.25"),
        dir.resolve("interpolated/epoch-2-a-0.5")), validated);
    // Epoch-major: (1, 0.25) w=1, (1, 0.5) w=2, (1, 1) w=4, (2, 0.25) w=2, (2, 0.5) w=4, (2, 1) w=8.
    List<Demo.Interpolation> expected = List.of(
        new Demo.Interpolation(1, 0.25, score(1f)), new Demo.Interpolation(1, 0.5, score(2f)),
        new Demo.Interpolation(1, 1.0, history.get(1)), new Demo.Interpolation(2, 0.25, score(2f)),
        new Demo.Interpolation(2, 0.5, score(4f)), new Demo.Interpolation(2, 1.0, history.get(2)));
    assertEquals(expected, r.candidates());
    // w = 2 twice: the tie keeps the earlier epoch.
    assertEquals(new Demo.Interpolation(1, 0.5, score(2f)), r.chosen());
    assertEquals(dir.resolve("interpolated/epoch-1-a-0.5"), r.model());
    assertArrayEquals(new float[] {2f, 2f}, weights(r.model()));
    assertEquals(2, Demo.keptEpoch(List.of(history.get(0), score(1f), score(2f), score(4f),
        score(2f), score(4f), score(8f)), false));
  }

  @Test
  void with_only_the_weight_one_the_choice_is_the_epoch_rule_and_nothing_is_written(
      @TempDir Path dir) throws Exception {
    List<Path> epochs = epochs(dir, 4f, 2f);
    List<Demo.Validation> history = List.of(score(0f), score(4f), score(2f));
    Demo.Interpolated r = Demo.interpolate(model(dir.resolve("sft_ia"), 0f), epochs, history,
        List.of(1.0), false,
        dir.resolve("interpolated"), model -> {
          throw new AssertionError("validated " + model);
        });
    assertEquals(Demo.keptEpoch(history, false), r.chosen().epoch());
    assertEquals(epochs.get(1), r.model());
    assertTrue(Files.notExists(dir.resolve("interpolated")));
  }

  @Test
  void the_defaults_choose_among_four_weights_and_the_option_is_recorded_in_the_config() {
    assertEquals(List.of(0.25, 0.5, 0.75, 1.0), DemoConfig.defaults().catInterpolation());
    assertEquals(List.of(0.25, 0.5, 0.75, 1.0),
        DemoConfig.defaults().toMap().get("cat_interpolation"));
    assertEquals(List.of(), DemoConfig.quick().catInterpolation());
    assertEquals(List.of(), DemoConfig.defaults().withCatInterpolation(List.of())
        .catInterpolation());
    DemoConfig d = DemoConfig.defaults().withCatInterpolation(List.of(0.5, 1.0));
    assertEquals(List.of(0.5, 1.0), d.catInterpolation());
    assertEquals(List.of(0.5, 1.0), d.toMap().get("cat_interpolation"));
    assertEquals(List.of(0.5, 1.0), d.withSeed(3).withThreads(1).catInterpolation());
  }

  @Test
  void weights_outside_zero_to_one_or_repeated_are_refused_naming_the_field_and_the_value() {
    for (double bad : new double[] {0, -0.5, 1.5, Double.NaN}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> DemoConfig.defaults().withCatInterpolation(List.of(0.5, bad)));
      assertEquals("catInterpolation values must be in (0, 1], found " + bad + " in [0.5, "
          + bad + "]", e.getMessage());
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DemoConfig.defaults().withCatInterpolation(List.of(0.5, 1.0, 0.5)));
    assertEquals("catInterpolation values must be distinct, found [0.5, 1.0, 0.5]",
        e.getMessage());
    IllegalArgumentException n = assertThrows(IllegalArgumentException.class,
        () -> DemoConfig.defaults().withCatInterpolation(Arrays.asList(0.5, null)));
    assertEquals("catInterpolation values must be in (0, 1], found null in [0.5, null]",
        n.getMessage());
  }
}
