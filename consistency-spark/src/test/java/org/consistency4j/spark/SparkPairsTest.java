package org.consistency4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.consistency4j.cli.ConsistencyCli;
import org.consistency4j.pairs.PreferencePairsJsonl;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Distributed pair generation against the single-machine {@code consistency pairs}. */
class SparkPairsTest {
  @TempDir Path dir;

  @AfterAll
  static void closeModels() {
    ExecutorModels.closeAll();
  }

  private Path singleMachine(String name, String... extra) {
    Path out = dir.resolve(name);
    List<String> args = new ArrayList<>(List.of("pairs", "--model", TestSpark.tinyLlama(),
        "--groups", TestSpark.resource("tasks.jsonl").toString(), "--out", out.toString(),
        "--m", "3", "--seed", "3", "--max-new-tokens", "6", "--similarity", "tokenF1", "--temperature", "0.15",
        "--no-chat-template"));
    args.addAll(List.of(extra));
    assertEquals(0, ConsistencyCli.run(args.toArray(String[]::new)));
    return out;
  }

  private SparkPairs.Builder spark(Path out, ModelSource model) {
    return SparkPairs.builder(TestSpark.resource("tasks.jsonl").toString(), out.toString(), model)
        .m(3).seed(3).maxNewTokens(6).similarity("tokenF1").temperature(0.15);
  }

  @Test
  void quality_judge_pairs_are_byte_identical_to_the_single_machine_pairs_file() throws IOException {
    Path single = singleMachine("single.jsonl", "--reward", "quality");
    Path out = dir.resolve("spark.jsonl");
    // 7 groups x (3 or 2 wordings) x 3 samples = 54 prompts: 4 sampling calls of 16 over 3 partitions
    SparkPairs.Result r = spark(out, LocalModelSource.of(TestSpark.tinyLlama()).withoutChatTemplate())
        .weights(1, 0, 0).partitions(3).scoreChunk(2).build().run(TestSpark.context());

    assertEquals(Files.readString(single), Files.readString(out));
    assertTrue(r.pairs() > 5, "only " + r.pairs() + " pairs: the comparison would be weak");
    assertEquals(r.pairs(), PreferencePairsJsonl.read(out).size());
    JsonNode singleStats = new ObjectMapper().readTree(single.resolveSibling("single.jsonl.stats.json").toFile());
    JsonNode sparkStats = new ObjectMapper().readTree(out.resolveSibling("spark.jsonl.stats.json").toFile());
    for (String field : List.of("groups", "responses", "pairs", "seed")) {
      assertEquals(singleStats.get(field), sparkStats.get(field), field);
    }
  }

  @Test
  void sampling_retried_after_a_failure_and_a_resumed_run_give_the_same_pairs() throws IOException {
    Path single = singleMachine("single.jsonl", "--reward", "quality");
    Path out = dir.resolve("retry.jsonl");
    // 4 sampling calls over 2 partitions: partition 1 (calls 2-3) fails at its second call, first attempt
    CountingSource flaky = new CountingSource(LocalModelSource.of(TestSpark.tinyLlama()).withoutChatTemplate(),
        "pairs-retry", 1, 2);
    SparkPairs pairs = spark(out, flaky).weights(1, 0, 0).partitions(2).build();
    pairs.run(TestSpark.context());
    assertEquals(1, CountingSource.failures("pairs-retry"));
    assertEquals(Files.readString(single), Files.readString(out));

    // a rerun finds every partition file: nothing is sampled or judged again, the same file is written
    Files.delete(out);
    CountingSource again = CountingSource.counting("pairs-resume");
    spark(out, new CountingSource(again.delegate().withoutChatTemplate(), "pairs-resume", -1, 0)).weights(1, 0, 0).partitions(2)
        .build().run(TestSpark.context());
    assertEquals(0, CountingSource.calls("pairs-resume"));
    assertEquals(Files.readString(single), Files.readString(out));
  }
}
