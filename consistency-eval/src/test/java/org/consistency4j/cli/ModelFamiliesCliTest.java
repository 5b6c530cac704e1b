package org.consistency4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.consistency4j.model.LlamaGraphs;
import org.consistency4j.model.ModelConfig;
import org.consistency4j.safetensors.SafetensorsFile;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every model family beyond Llama 2 runs {@code generate}, {@code logprobs}, {@code train sft} (LoRA
 * and full) and {@code train cat} from the command line, on the tiny random-weight checkpoints with
 * each family's real config.json fields that consistency-train's tests check against PyTorch (read
 * from that module's test resources, so the binaries are stored once).
 */
class ModelFamiliesCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  private static Path fixture(String name) {
    Path d = Path.of("../consistency-train/src/test/resources/fixtures", name);
    assertTrue(Files.isDirectory(d), "fixture directory " + d.toAbsolutePath());
    return d;
  }

  private Path sftData() throws Exception {
    return TrainCommandTest.writeSftData(dir);
  }

  private Path pairs() throws Exception {
    return TrainCommandTest.writePairs(dir);
  }

  private static double logprobSum(CliRun r) throws Exception {
    assertEquals(0, r.exitCode(), r.err());
    return JSON.readTree(r.out().split("\n")[0]).get("logprob_sum").asDouble();
  }

  @ParameterizedTest
  @ValueSource(strings = {"tiny-llama3", "tiny-qwen3", "tiny-phi3", "tiny-gemma2", "tiny-gemma3"})
  void generate_logprobs_train_sft_and_train_cat_run_from_the_cli(String name) throws Exception {
    Path model = fixture(name);
    JsonNode seq = JSON.readTree(model.resolve("reference.json").toFile()).get("sequences").get(1);
    List<Integer> ids = new ArrayList<>();
    seq.get("input_ids").forEach(n -> ids.add(n.asInt()));
    Path in = dir.resolve("in.jsonl");
    Files.writeString(in, "{\"input_ids\": " + ids + "}\n");

    // generate: greedy output ids are the PyTorch reference's greedy continuation.
    CliRun gen = CliRun.of("generate", "--model", model.toString(), "--input", in.toString(),
        "--max-new-tokens", String.valueOf(seq.get("greedy_new_tokens").size()), "--temperature",
        "0");
    assertEquals(0, gen.exitCode(), gen.err());
    assertEquals(seq.get("greedy_new_tokens"), JSON.readTree(gen.out().split("\n")[0])
        .get("output_ids"));

    // logprobs: the sum of next-token log-probabilities of the reference.
    CliRun lp = CliRun.of("logprobs", "--model", model.toString(), "--input", in.toString());
    assertEquals(seq.get("sum_logprob_f64").asDouble(), logprobSum(lp), 1e-3);

    // train sft, LoRA then full; the full model is exported in the family's own layout and loads.
    Path lora = dir.resolve("sft-lora");
    CliRun sft = CliRun.of("train", "sft", "--model", model.toString(), "--data",
        sftData().toString(), "--out", lora.toString(), "--lora-rank", "2", "--lora-targets",
        "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj", "--steps", "2", "--lr", "1e-2",
        "--batch-size", "2", "--seed", "5", "--threads", "1");
    assertEquals(0, sft.exitCode(), sft.err());
    assertTrue(sft.out().startsWith("trained 2 steps on 2 examples"), sft.out());
    assertTrue(Files.isRegularFile(lora.resolve("adapter/adapter_model.safetensors")));
    Path full = dir.resolve("sft-full");
    CliRun sftFull = CliRun.of("train", "sft", "--model", model.toString(), "--data",
        sftData().toString(), "--out", full.toString(), "--full", "--steps", "2", "--lr", "1e-3",
        "--batch-size", "2", "--seed", "5", "--threads", "1");
    assertEquals(0, sftFull.exitCode(), sftFull.err());
    ModelConfig config = ModelConfig.parse(model.resolve("config.json"));
    try (SafetensorsFile f = SafetensorsFile.open(full.resolve("model/model.safetensors"))) {
      assertEquals(LlamaGraphs.fileShapes(config).keySet(), java.util.Set.copyOf(f.names()));
    }
    double trained = logprobSum(CliRun.of("logprobs", "--model", full.resolve("model").toString(),
        "--input", in.toString()));
    assertTrue(Double.isFinite(trained) && trained != logprobSum(lp), "full fine-tuning changed "
        + "nothing: " + trained);

    // train cat: continues the stage-1 adapter (LoRA), and merges it for full training.
    Path cat = dir.resolve("cat");
    CliRun run = CliRun.of("train", "cat", "--model", model.toString(), "--adapter",
        lora.resolve("adapter").toString(), "--pairs", pairs().toString(), "--loss", "dpo",
        "--beta", "0.5", "--out", cat.toString(), "--steps", "2", "--lr", "1e-2", "--batch-size",
        "2", "--seed", "5", "--threads", "1");
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().startsWith("trained 2 steps on 2 pairs with dpo"), run.out());
    assertTrue(Files.isRegularFile(cat.resolve("adapter/adapter_model.safetensors")));
    Path catFull = dir.resolve("cat-full");
    CliRun merged = CliRun.of("train", "cat", "--model", model.toString(), "--adapter",
        lora.resolve("adapter").toString(), "--pairs", pairs().toString(), "--loss", "rank",
        "--out", catFull.toString(), "--full", "--steps", "1", "--batch-size", "2", "--threads",
        "1");
    assertEquals(0, merged.exitCode(), merged.err());
    CliRun mergedScore = CliRun.of("logprobs", "--model", catFull.resolve("stage1-merged")
        .toString(), "--input", in.toString());
    assertTrue(Double.isFinite(logprobSum(mergedScore)));
  }
}
