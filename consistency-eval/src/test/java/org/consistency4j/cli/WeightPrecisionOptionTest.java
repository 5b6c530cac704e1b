package org.consistency4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.Tensor;
import org.consistency4j.model.RuntimeOptions;
import org.consistency4j.report.Reports;
import org.consistency4j.safetensors.SafetensorsCheckpoint;
import org.consistency4j.safetensors.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --weight-precision} on every command that runs a local model for inference. */
class WeightPrecisionOptionTest {
  @TempDir Path dir;

  @Test
  void a_value_other_than_float32_or_as_stored_is_bad_usage_on_every_command() throws Exception {
    InferenceCommands.assertBadUsageEverywhere(dir, "--weight-precision",
        List.of("as_stored", "bf16", ""),
        bad -> "--weight-precision must be float32 or as-stored, found \"" + bad + "\"");
  }

  @Test
  void as_stored_with_quantize_is_bad_usage_on_every_command() throws Exception {
    for (List<String> command : InferenceCommands.of(dir)) {
      List<String> quantized = new ArrayList<>(command);
      quantized.addAll(List.of("--quantize", "int8"));
      CliRun r = CliRun.withOption(quantized, "--weight-precision", "as-stored");
      assertEquals(2, r.exitCode(), command.get(0) + ": " + r.err());
      assertTrue(r.err().contains("--weight-precision as-stored cannot be combined with"
          + " --quantize int8"), r.err());
      assertFalse(r.err().contains("\tat "), r.err());
    }
  }

  @Test
  void as_stored_runs_every_command_and_evaluate_records_it() throws Exception {
    for (List<String> command : InferenceCommands.of(dir)) {
      CliRun r = CliRun.withOption(command, "--weight-precision", "as-stored");
      assertEquals(0, r.exitCode(), command + ": " + r.err());
    }
    assertEquals("as-stored", Reports.readJson(dir.resolve("eval").resolve("report.json"))
        .config().get("weight_precision"));
  }

  @Test
  void as_stored_runs_on_one_thread_unless_the_runtime_names_a_count() {
    WeightPrecisionOption o = new WeightPrecisionOption();
    new picocli.CommandLine(o).parseArgs("--weight-precision", "as-stored");
    RuntimeOptions one = o.apply(RuntimeOptions.cpu());
    assertEquals(RuntimeOptions.WeightPrecision.AS_STORED, one.weightPrecision());
    assertEquals(1, one.intraOpThreads());
    assertEquals(3, o.apply(RuntimeOptions.builder().intraOpThreads(3).build()).intraOpThreads());
    WeightPrecisionOption f = new WeightPrecisionOption();
    new picocli.CommandLine(f).parseArgs();
    assertEquals(0, f.apply(RuntimeOptions.cpu()).intraOpThreads());
    assertEquals(RuntimeOptions.WeightPrecision.FLOAT32, f.apply(RuntimeOptions.cpu())
        .weightPrecision());
  }

  /** On a bfloat16 file both precisions give the same log-probabilities up to float rounding. */
  @Test
  void a_bf16_model_gives_the_same_log_probabilities_either_way() throws Exception {
    Path bf16 = bf16Copy(Path.of(InferenceCommands.tinyLlama()), dir.resolve("bf16"));
    List<String> logprobs = List.of("logprobs", "--model", bf16.toString(), "--input",
        InferenceCommands.sft(dir).toString());
    CliRun f32 = CliRun.withOption(logprobs, "--weight-precision", "float32");
    CliRun stored = CliRun.withOption(logprobs, "--weight-precision", "as-stored");
    assertEquals(0, f32.exitCode(), f32.err());
    assertEquals(0, stored.exitCode(), stored.err());
    ObjectMapper json = new ObjectMapper();
    JsonNode a = json.readTree(f32.out().strip()).get("token_logprobs");
    JsonNode b = json.readTree(stored.out().strip()).get("token_logprobs");
    assertEquals(a.size(), b.size());
    assertTrue(a.size() > 1, a.toString());
    for (int i = 0; i < a.size(); i++) {
      assertEquals(a.get(i).asDouble(), b.get(i).asDouble(), 1e-5, "token " + i);
    }
  }

  /** A copy of model directory {@code src} with its weights rounded to bfloat16. */
  private static Path bf16Copy(Path src, Path d) throws Exception {
    Files.createDirectories(d);
    for (String f : List.of("config.json", "tokenizer.json", "tokenizer_config.json")) {
      Files.copy(src.resolve(f), d.resolve(f));
    }
    Map<String, Tensor> out = new LinkedHashMap<>();
    try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(src)) {
      for (String n : ckpt.names()) {
        out.put(n, Tensor.ofHalfFloats(DType.BFLOAT16, ckpt.floats(n),
            ckpt.info(n).orElseThrow().shapeArray()));
      }
    }
    SafetensorsWriter.write(d.resolve("model.safetensors"), out);
    return d;
  }
}
