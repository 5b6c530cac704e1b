package org.consistency4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --device} on every command that runs a local model. */
class DeviceOptionTest {
  @TempDir Path dir;

  /** Each command that runs a local model with its required arguments, ready for --device. */
  private List<List<String>> commands() throws Exception {
    Path instructions = Files.writeString(dir.resolve("instructions.jsonl"),
        "{\"id\": \"a\", \"instruction\": \"Say hi.\"}\n");
    String m = InferenceCommands.tinyLlama();
    List<List<String>> commands = new ArrayList<>(InferenceCommands.of(dir));
    commands.add(List.of("paraphrase", "--method", "lm", "--model", m, "--input",
        instructions.toString(), "--n", "1"));
    commands.add(List.of("demo", "--quick", "--no-progress", "--out", dir.resolve("demo").toString()));
    commands.add(List.of("train", "sft", "--model", m, "--data",
        InferenceCommands.sft(dir).toString(), "--out", dir.resolve("sft").toString(), "--lora-rank",
        "2", "--steps", "1", "--batch-size", "1"));
    return commands;
  }

  @Test
  void a_device_that_is_not_cpu_or_cuda_is_bad_usage_on_every_command() throws Exception {
    for (List<String> command : commands()) {
      for (String bad : List.of("gpu", "cuda:", "cuda:-1", "cuda:x", "cuda:123456")) {
        CliRun r = CliRun.withOption(command, "--device", bad);
        assertEquals(2, r.exitCode(), command.get(0) + " " + bad + ": " + r.err());
        assertTrue(r.err().contains("--device must be cpu, cuda or cuda:N with N a GPU number in"
            + " [0, 9999], found \"" + bad + "\""), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
      }
    }
  }

  @Test
  void cpu_runs_every_command() throws Exception {
    for (List<String> command : commands()) {
      CliRun r = CliRun.withOption(command, "--device", "cpu");
      assertEquals(0, r.exitCode(), command + ": " + r.err());
    }
  }

  @Test
  void cuda_without_the_cuda_build_fails_with_a_message_saying_what_is_missing() throws Exception {
    assumeFalse(OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA),
        "this ONNX Runtime has the CUDA provider");
    for (List<String> command : commands()) {
      for (String cuda : List.of("cuda", "cuda:1")) {
        CliRun r = CliRun.withOption(command, "--device", cuda);
        assertNotEquals(0, r.exitCode(), command.get(0) + " " + cuda);
        assertTrue(r.err().contains("CUDA execution provider is not available")
            && r.err().contains("cuda Maven profile"), command.get(0) + ": " + r.err());
        assertFalse(r.err().contains("\tat "), r.err());
      }
    }
  }
}
