package org.consistency4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/** The commands that run a local model for inference, with tiny inputs, for per-option tests. */
final class InferenceCommands {
  private InferenceCommands() {}

  /** The tiny Llama fixture's directory. */
  static String tinyLlama() throws Exception {
    return Path.of(InferenceCommands.class.getResource("/fixtures/tiny-llama").toURI()).toString();
  }

  /** Writes (or rewrites) {@code dir/sft.jsonl}: one prompt/completion line. */
  static Path sft(Path dir) throws Exception {
    return Files.writeString(dir.resolve("sft.jsonl"),
        "{\"prompt\": \"user: Hi\\nassistant:\", \"completion\": \" Hello there\"}\n");
  }

  /**
   * generate, logprobs, evaluate, pairs and reward on the tiny Llama with their required arguments
   * (inputs written into {@code dir}; evaluate writes {@code dir/eval}), ready for one more option.
   */
  static List<List<String>> of(Path dir) throws Exception {
    Path prompts = Files.writeString(dir.resolve("prompts.jsonl"), "{\"prompt\": \"user: Hi\"}\n");
    Path groups = Files.writeString(dir.resolve("groups.jsonl"), "{\"task\": \"t\", \"variants\":"
        + " [\"Say {input}\", \"Repeat {input}\"], \"instances\": [{\"input\": \"hi\"}]}\n");
    Path responses = Files.writeString(dir.resolve("responses.jsonl"),
        "{\"instruction\": \"Say hi\", \"input\": \"\", \"response\": \"hi\"}\n");
    String m = tinyLlama();
    return List.of(
        List.of("generate", "--model", m, "--input", prompts.toString(), "--max-new-tokens", "2"),
        List.of("logprobs", "--model", m, "--input", sft(dir).toString()),
        List.of("evaluate", "--model", m, "--data", groups.toString(), "--out",
            dir.resolve("eval").toString(), "--max-new-tokens", "2", "--no-progress"),
        List.of("pairs", "--model", m, "--groups", groups.toString(), "--out",
            dir.resolve("pairs.jsonl").toString(), "--m", "2", "--max-new-tokens", "2"),
        List.of("reward", "--model", m, "--input", responses.toString()));
  }

  /**
   * Asserts that each of {@code bad} as {@code option}'s value is a usage error (exit code 2, no
   * stack trace) on every command of {@link #of}, whose message contains {@code message} of the
   * value.
   */
  static void assertBadUsageEverywhere(Path dir, String option, List<String> bad,
      Function<String, String> message) throws Exception {
    for (List<String> command : of(dir)) {
      for (String value : bad) {
        CliRun r = CliRun.withOption(command, option, value);
        assertEquals(2, r.exitCode(), command.get(0) + " " + value + ": " + r.err());
        assertTrue(r.err().contains(message.apply(value)), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
      }
    }
  }
}
