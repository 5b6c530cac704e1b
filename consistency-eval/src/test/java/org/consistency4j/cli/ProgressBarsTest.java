package org.consistency4j.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The evaluation's progress bars: what they print on the stream they are given. */
class ProgressBarsTest {
  @Test
  void generation_and_scoring_bars_show_their_model_and_final_counts() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        ProgressBars bars = new ProgressBars(err)) {
      bars.generationStarted("a-model-with-a-name-longer-than-thirty-two-characters", 10, 4);
      bars.responsesStored("a-model-with-a-name-longer-than-thirty-two-characters", 6);
      bars.generationFinished("a-model-with-a-name-longer-than-thirty-two-characters");
      bars.scoringStarted("small", 2);
      bars.taskScored("small", "t1");
      bars.taskScored("small", "t2");
    }
    String text = bytes.toString(StandardCharsets.UTF_8);
    // Long model names are shortened to 31 characters and an ellipsis.
    assertTrue(text.contains("generate a-model-with-a-name-longer-than\u2026 100%"), text);
    assertTrue(text.contains("10/10"), "the generation bar ends full (4 stored + 6 new): " + text);
    assertTrue(text.contains("score small"), text);
    assertTrue(text.contains("2/2"), text);
    assertTrue(text.contains("100%"), text);
  }
}
