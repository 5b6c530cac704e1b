package org.consistency4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
}
