package org.consistency4j.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.consistency4j.model.RuntimeOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoTest {
  @TempDir Path dir;

  @Test
  void the_suite_has_at_least_8_tasks_with_12_distinct_wordings_split_without_overlap() {
    DemoSuite suite = DemoSuite.load();
    assertTrue(suite.tasks().size() >= 8);
    Set<String> names = new HashSet<>();
    for (DemoSuite.Task t : suite.tasks()) {
      assertTrue(names.add(t.name()), t.name());
      assertTrue(t.wordings().size() >= 12, t.name());
      assertEquals(t.wordings().size(), new HashSet<>(t.wordings()).size(), t.name() + " repeats a wording");
      assertTrue(t.heldOut().size() >= 3, t.name());
      for (String h : t.heldOut()) {
        assertFalse(t.training().contains(h), h);
        assertFalse(t.validation().contains(h), h);
      }
      assertEquals(2, t.validation().size(), t.name());
      for (String v : t.validation()) {
        assertFalse(t.training().contains(v), v);
      }
      assertEquals(t.original(), t.training().get(0));
    }
  }

  @Test
  void generated_instances_are_deterministic_and_answers_are_correct() {
    DemoSuite suite = DemoSuite.load();
    SplittableRandom a = new SplittableRandom(3);
    SplittableRandom b = new SplittableRandom(3);
    for (DemoSuite.Task t : suite.tasks()) {
      for (int i = 0; i < 50; i++) {
        DemoSuite.Example x = suite.generate(t.name(), a);
        assertEquals(x, suite.generate(t.name(), b));
        String[] in = x.input().split(" ");
        switch (t.name()) {
          case "maximum" -> assertEquals(
              java.util.Arrays.stream(in).mapToInt(Integer::parseInt).max().getAsInt(),
              Integer.parseInt(x.answer()));
          case "count" -> assertEquals(in.length, Integer.parseInt(x.answer()));
          case "first_word" -> assertEquals(in[0], x.answer());
          case "last_word" -> assertEquals(in[in.length - 1], x.answer());
          case "addition" -> assertEquals(Integer.parseInt(in[0]) + Integer.parseInt(in[2]),
              Integer.parseInt(x.answer()));
          case "parity" -> assertEquals(Integer.parseInt(in[0]) % 2 == 0 ? "even" : "odd", x.answer());
          default -> assertFalse(x.answer().isBlank());
        }
        assertFalse(x.answer().equals(suite.wrongAnswer(t.name(), x, new SplittableRandom(i))));
      }
    }
    assertThrows(IllegalArgumentException.class, () -> suite.generate("nope", a));
  }

  @Test
  void every_word_of_the_suite_is_in_the_vocabulary() {
    DemoSuite suite = DemoSuite.load();
    Set<String> vocab = new HashSet<>(suite.vocabulary());
    for (DemoSuite.Task t : suite.tasks()) {
      for (String w : t.wordings()) {
        assertTrue(vocab.containsAll(DemoSuite.splitWords(w)), w);
      }
    }
  }

  @Test
  void the_likelihood_judge_and_paraphrased_cat_wordings_are_measured_and_recorded()
      throws Exception {
    DemoConfig config = DemoConfig.quick().withCatParaphrasesPerWording(2);
    assertTrue(config.likelihoodJudge());
    Demo.Result r = Demo.run(config, dir.resolve("l"), new Demo.Listener() {});
    JsonNode report = new ObjectMapper().readTree(dir.resolve("l/report.json").toFile());
    DemoSuite suite = DemoSuite.load();
    assertEquals(suite.tasks().size(), r.likelihoodJudgeAccuracyByTask().size());
    for (DemoSuite.Task t : suite.tasks()) {
      double yesNo = r.judgeAccuracyByTask().get(t.name());
      double likelihood = r.likelihoodJudgeAccuracyByTask().get(t.name());
      assertTrue(likelihood >= 0 && likelihood <= 1, t.name() + " " + likelihood);
      assertEquals(likelihood, report.get("likelihood_judge_accuracy_by_task").get(t.name())
          .asDouble());
      // The reward per task follows both measured accuracies.
      assertEquals(Demo.reward(yesNo, likelihood, config.judgeAccuracyThreshold()),
          r.rewardByTask().get(t.name()));
      assertTrue(report.get("cat_paraphrases").get(t.name()).get("kept").asInt() >= 0);
    }
    assertEquals(r.likelihoodJudgeAccuracy(), report.get("likelihood_judge_accuracy").asDouble());
    assertEquals(true, report.get("config").get("likelihood_judge").asBoolean());
    assertEquals(r.likelihoodJudgeAccuracy(),
        Demo.readResult(dir.resolve("l/report.json")).likelihoodJudgeAccuracy());
    // Off: nothing is measured or recorded.
    Demo.Result off = Demo.run(DemoConfig.quick().withLikelihoodJudge(false)
        .withCatParaphrasesPerWording(0), dir.resolve("off"), new Demo.Listener() {});
    assertTrue(Double.isNaN(off.likelihoodJudgeAccuracy()));
    JsonNode offReport = new ObjectMapper().readTree(dir.resolve("off/report.json").toFile());
    assertFalse(offReport.has("likelihood_judge_accuracy"));
    assertFalse(offReport.has("cat_paraphrases"));
  }

  @Test
  void a_rerun_with_other_stage_two_settings_keeps_stage_one_and_reports_like_a_fresh_run()
      throws Exception {
    DemoConfig quick = DemoConfig.quick();
    // More validation and evaluation instances: stage 2 and the evaluation change, stage 1 does not.
    DemoConfig other = new DemoConfig(quick.seed(), quick.hidden(), quick.layers(), quick.heads(),
        quick.intermediate(), quick.trainExamplesPerTask(), quick.judgeExamplesPerTask(),
        quick.judgeReplayPerTask(), quick.judgeEpochs(), quick.judgeLearningRate(),
        quick.sftEpochs(), quick.sftLearningRate(), quick.batchSize(),
        quick.judgeAccuracyThreshold(), quick.catGroupsPerTask(), quick.samplesPerWording(),
        quick.samplingTemperature(), quick.catLoss(), quick.catLambda(), quick.catEpochs(),
        quick.catLearningRate(), quick.catWarmupFraction(),
        quick.catReplayPerTask(), quick.catKeepAccuracy(),
        quick.catPairs(), quick.likelihoodJudge(), quick.catParaphrasesPerWording(), quick.catAnchorPerTask(),
        quick.catAnchorEvenAnswers(), quick.catAnchorAllGroups(), quick.catInterpolation(),
        quick.validationInstancesPerTask() + 1, quick.evalInstancesPerTask() + 2,
        quick.resamples(), quick.threads());
    Demo.run(quick, dir.resolve("a"), new Demo.Listener() {});
    assertTrue(Files.isRegularFile(dir.resolve("a").resolve(StageOne.MANIFEST)));
    List<String> stages = new ArrayList<>();
    Demo.run(other, dir.resolve("a"), new Demo.Listener() {
      @Override
      public void stage(String description) {
        stages.add(description);
      }
    });
    assertTrue(stages.stream().anyMatch(s -> s.contains("kept from an earlier run")), stages.toString());
    assertFalse(stages.stream().anyMatch(s -> s.contains("SFT on")), stages.toString());
    Demo.run(other, dir.resolve("b"), new Demo.Listener() {});
    ObjectMapper json = new ObjectMapper();
    ObjectNode resumed = (ObjectNode) json.readTree(dir.resolve("a/report.json").toFile());
    ObjectNode fresh = (ObjectNode) json.readTree(dir.resolve("b/report.json").toFile());
    resumed.remove("seconds");
    fresh.remove("seconds");
    assertEquals(fresh, resumed);
    assertEquals(Files.readString(dir.resolve("b/evaluation/responses.jsonl")),
        Files.readString(dir.resolve("a/evaluation/responses.jsonl")));

    // Another seed, thread count or stage-1 setting, or a missing model, is not kept.
    RuntimeOptions cpu = RuntimeOptions.cpu();
    assertTrue(StageOne.read(dir.resolve("a"), other, cpu).isPresent());
    assertTrue(StageOne.read(dir.resolve("a"), other.withSeed(8), cpu).isEmpty());
    assertTrue(StageOne.read(dir.resolve("a"), other.withThreads(2), cpu).isEmpty());
    DemoConfig moreSft = new DemoConfig(quick.seed(), quick.hidden(), quick.layers(),
        quick.heads(), quick.intermediate(), quick.trainExamplesPerTask(),
        quick.judgeExamplesPerTask(), quick.judgeReplayPerTask(), quick.judgeEpochs(),
        quick.judgeLearningRate(), quick.sftEpochs() + 1, quick.sftLearningRate(),
        quick.batchSize(), quick.judgeAccuracyThreshold(), quick.catGroupsPerTask(),
        quick.samplesPerWording(), quick.samplingTemperature(), quick.catLoss(), quick.catLambda(),
        quick.catEpochs(), quick.catLearningRate(), quick.catWarmupFraction(),
        quick.catReplayPerTask(),
        quick.catKeepAccuracy(), quick.catPairs(), quick.likelihoodJudge(),
        quick.catParaphrasesPerWording(), quick.catAnchorPerTask(),
        quick.catAnchorEvenAnswers(), quick.catAnchorAllGroups(), quick.catInterpolation(), quick.validationInstancesPerTask(),
        quick.evalInstancesPerTask(), quick.resamples(), quick.threads());
    assertTrue(StageOne.read(dir.resolve("a"), moreSft, cpu).isEmpty());
    Files.delete(dir.resolve("a/judge/model/config.json"));
    assertTrue(StageOne.read(dir.resolve("a"), other, cpu).isEmpty());
  }

  @Test
  void a_quick_run_writes_the_report_for_three_systems_and_is_reproducible() throws Exception {
    Demo.Result r = Demo.run(DemoConfig.quick(), dir.resolve("a"), new Demo.Listener() {});
    assertEquals(Demo.SYSTEMS, List.copyOf(r.systems().keySet()));
    ObjectMapper json = new ObjectMapper();
    JsonNode report = json.readTree(dir.resolve("a/report.json").toFile());
    assertEquals(7, report.get("seed").asLong());
    assertEquals(7, report.get("config").get("seed").asLong());
    assertEquals(1, report.get("config").get("threads").asInt());
    assertTrue(report.get("smoke_test").asBoolean(), "the quick run says it is a smoke test");
    assertTrue(Files.readString(dir.resolve("a/report.md")).contains("**Smoke test**"));
    for (String system : Demo.SYSTEMS) {
      for (String metric : List.of("consistency_rate", "accuracy", "rougeL")) {
        JsonNode m = report.get("systems").get(system).get(metric);
        double v = m.get("value").asDouble();
        assertTrue(m.get("ci_low").asDouble() <= v && v <= m.get("ci_high").asDouble(), system + metric);
        assertTrue(v >= 0 && v <= 1);
      }
    }
    assertTrue(report.has("judge_accuracy") && report.has("reward"));
    assertEquals(DemoSuite.load().tasks().size(), report.get("judge_accuracy_by_task").size());
    assertEquals(DemoSuite.load().tasks().size(), report.get("reward_by_task").size());
    // Validation scores of sft_ia, then one per CAT epoch (none without pairs).
    assertEquals(r.pairs() == 0 ? 1 : DemoConfig.quick().catEpochs() + 1,
        report.get("validation").size());
    assertTrue(Files.isRegularFile(dir.resolve("a/report.md")));
    assertTrue(Files.isRegularFile(dir.resolve("a/evaluation/report.html")));
    // The harness's report carries the user's seed too; the derived evaluation seed is in its config.
    JsonNode evaluation = new ObjectMapper().readTree(dir.resolve("a/evaluation/report.json").toFile());
    assertEquals(7, evaluation.get("seed").asLong());
    assertFalse(evaluation.get("config").has("seed"));
    assertTrue(evaluation.get("config").get("evaluation_seed").isTextual());

    // No held-out or validation wording ever reaches the training data (SFT, judge phase, pairs).
    StringBuilder training = new StringBuilder();
    for (String file : List.of("sft_ia.sft.jsonl", "baseline.sft.jsonl", "judge.jsonl",
        "cat.pairs.jsonl")) {
      training.append(Files.readString(dir.resolve("a/data").resolve(file)));
    }
    for (DemoSuite.Task t : DemoSuite.load().tasks()) {
      for (String h : t.heldOut()) {
        assertFalse(training.toString().contains(h), h);
      }
      for (String v : t.validation()) {
        assertFalse(training.toString().contains(v), v);
      }
    }
    // The judge phase trains on yes/no verdicts asked right after the proposed answer, which stands
    // where the model's own answer would (after the task prompt's "answer:" cue).
    for (String line : Files.readAllLines(dir.resolve("a/data/judge.jsonl"))) {
      JsonNode j = json.readTree(line);
      if (j.get("completion").asText().equals(" yes") || j.get("completion").asText().equals(" no")) {
        assertTrue(j.get("prompt").asText().matches("(?s).*\ninput: .*\nanswer: \\S.*"), line);
        assertFalse(j.get("prompt").asText().endsWith("answer:"), line);
      }
    }

    // --threads 1 (the quick config's setting): a second run writes the same report.json, bit for
    // bit, apart from the wall time.
    Demo.run(DemoConfig.quick(), dir.resolve("b"), new Demo.Listener() {});
    ObjectNode first = (ObjectNode) report;
    ObjectNode second = (ObjectNode) json.readTree(dir.resolve("b/report.json").toFile());
    first.remove("seconds");
    second.remove("seconds");
    assertEquals(first, second);
    for (String file : List.of("sft_ia.sft.jsonl", "judge.jsonl", "cat.pairs.jsonl")) {
      assertEquals(Files.readString(dir.resolve("a/data").resolve(file)),
          Files.readString(dir.resolve("b/data").resolve(file)), file);
    }
    assertEquals(Files.readString(dir.resolve("a/evaluation/responses.jsonl")),
        Files.readString(dir.resolve("b/evaluation/responses.jsonl")));
  }

  @Test
  void a_truncated_or_oversized_stage_one_manifest_is_not_trusted_and_stage_one_runs_again()
      throws Exception {
    Path manifest = dir.resolve(StageOne.MANIFEST);
    Files.writeString(manifest, "{\"format\": \"consistency4j-demo-stage1/1\", \"settings\": ");
    assertTrue(StageOne.read(dir, DemoConfig.quick(), RuntimeOptions.cpu()).isEmpty());
    Files.writeString(manifest, "[".repeat(300_000));
    assertTrue(Files.size(manifest) <= StageOne.MAX_MANIFEST_BYTES);
    assertTrue(StageOne.read(dir, DemoConfig.quick(), RuntimeOptions.cpu()).isEmpty());
    Files.writeString(manifest, " ".repeat((int) StageOne.MAX_MANIFEST_BYTES + 1) + "{}");
    assertTrue(StageOne.read(dir, DemoConfig.quick(), RuntimeOptions.cpu()).isEmpty());
  }
}
