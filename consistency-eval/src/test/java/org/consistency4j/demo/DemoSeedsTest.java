package org.consistency4j.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.consistency4j.report.Estimate;
import org.consistency4j.model.RuntimeOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoSeedsTest {
  @TempDir Path dir;

  @Test
  void seed_lists_take_ranges_and_commas_and_refuse_anything_else_naming_the_part() {
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L), DemoSeeds.parseSeeds("1-10"));
    assertEquals(List.of(1L, 3L, 7L, 8L, 9L), DemoSeeds.parseSeeds("1, 3,7-9"));
    assertEquals(List.of(5L), DemoSeeds.parseSeeds("5"));
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> DemoSeeds.parseSeeds("1-x"));
    assertTrue(bad.getMessage().contains("\"1-x\""), bad.getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> DemoSeeds.parseSeeds("9-3"))
        .getMessage().contains("\"9-3\""));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> DemoSeeds.parseSeeds("1-3,2"))
        .getMessage().contains("repeats seed 2"));
    assertThrows(IllegalArgumentException.class, () -> DemoSeeds.parseSeeds(""));
    assertThrows(IllegalArgumentException.class, () -> DemoSeeds.parseSeeds("-1"));
  }

  @Test
  void the_interval_is_the_student_t_interval_of_the_mean() {
    // 1..5: mean 3, sd sqrt(2.5), standard error sqrt(0.5), t(4) = 2.776.
    DemoSeeds.Interval i = DemoSeeds.interval(new double[] {1, 2, 3, 4, 5});
    assertEquals(3.0, i.mean(), 1e-12);
    assertEquals(3.0 - 2.776 * Math.sqrt(0.5), i.low(), 1e-12);
    assertEquals(3.0 + 2.776 * Math.sqrt(0.5), i.high(), 1e-12);
    assertEquals(5, i.n());
    // Two values: t(1) = 12.706.
    DemoSeeds.Interval two = DemoSeeds.interval(new double[] {0.5, 0.7});
    assertEquals(0.6 + 12.706 * 0.1, two.high(), 1e-12);
    assertEquals(1.96, DemoSeeds.t975(200));
    assertThrows(IllegalArgumentException.class, () -> DemoSeeds.interval(new double[] {1}));
  }

  @Test
  void the_summary_pairs_cat_with_sft_ia_by_seed_and_counts_signs() throws Exception {
    // Three runs whose cat - sft_ia consistency differences are +0.1, +0.2 and -0.05.
    List<Demo.Result> runs = List.of(result(0.7, 0.8, 0.9), result(0.6, 0.8, 0.7),
        result(0.75, 0.7, 0.6));
    DemoSeeds.Summary s = DemoSeeds.summarize(DemoConfig.quick(), List.of(1L, 2L, 3L), runs, dir);
    DemoSeeds.Interval d = s.difference().get("consistency_rate");
    assertEquals((0.1 + 0.2 - 0.05) / 3, d.mean(), 1e-12);
    assertEquals(new DemoSeeds.Signs(2, 1, 0), s.signs().get("consistency_rate"));
    assertEquals((0.7 + 0.6 + 0.75) / 3, s.systems().get("sft_ia").get("consistency_rate").mean(),
        1e-12);
    assertEquals(1, s.judgeAtLeast08());
    JsonNode json = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    assertEquals(2, json.get("paired_cat_minus_sft_ia").get("consistency_rate").get("seeds_higher")
        .asInt());
    assertEquals(3, json.get("runs").size());
    String md = Files.readString(dir.resolve("summary.md"));
    assertTrue(md.contains("| cat - sft_ia (paired by seed) | +0.083"), md);
    assertEquals(0, s.likelihoodJudgeAtLeast08());
    assertTrue(!md.contains("Likelihood judge"), md);

    // Likelihood judge measured in two of three runs, at least 0.8 in one.
    List<Demo.Result> measured = List.of(withLikelihood(runs.get(0), 0.9), runs.get(1),
        withLikelihood(runs.get(2), 0.7));
    DemoSeeds.Summary l = DemoSeeds.summarize(DemoConfig.quick(), List.of(1L, 2L, 3L), measured,
        dir.resolve("l"));
    assertEquals(1, l.likelihoodJudgeAtLeast08());
    assertEquals(1, l.judgeAtLeast08());
    String lmd = Files.readString(dir.resolve("l/summary.md"));
    assertTrue(lmd.contains("Likelihood judge accuracy (by seed: 1: 0.900, 3: 0.700) at least 0.8"
        + " in 1 of 3 seeds."), lmd);
    JsonNode lj = new ObjectMapper().readTree(dir.resolve("l/summary.json").toFile());
    assertEquals(1, lj.get("seeds_with_likelihood_judge_accuracy_at_least_0.8").asInt());
    assertEquals(0.9, lj.get("runs").get(0).get("likelihood_judge_accuracy").asDouble());
    assertTrue(lj.get("runs").get(1).get("likelihood_judge_accuracy") == null);
  }

  private static Demo.Result withLikelihood(Demo.Result r, double accuracy) {
    return new Demo.Result(r.systems(), r.judgeAccuracy(), r.reward(), r.pairs(),
        r.rewardAccuracyBefore(), r.rewardAccuracyAfter(), r.report(), r.seconds(),
        r.judgeAccuracyByTask(), r.rewardByTask(), r.catEpoch(), r.validation(), r.paired(),
        r.catEpochs(), accuracy, Map.of("addition", accuracy), r.catAlpha(), r.interpolation());
  }

  @Test
  void parallel_runs_match_a_single_run_and_finished_seeds_are_kept() throws Exception {
    List<String> stages = new ArrayList<>();
    DemoSeeds.Listener listener = new DemoSeeds.Listener() {
      @Override
      public void stage(String description) {
        stages.add(description);
      }
    };
    DemoSeeds.Summary s = DemoSeeds.run(DemoConfig.quick(), List.of(7L, 8L), 2, dir.resolve("all"),
        listener);
    assertEquals(List.of(7L, 8L), s.seeds());
    assertTrue(stages.stream().anyMatch(x -> x.startsWith("seed 8: ")), stages.toString());

    // A run of seed 8 on its own writes the same report (threads 1; the wall time aside).
    Demo.run(DemoConfig.quick().withSeed(8), dir.resolve("alone"), new Demo.Listener() {});
    ObjectMapper json = new ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode parallel =
        (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(
            dir.resolve("all/seed-8/report.json").toFile());
    com.fasterxml.jackson.databind.node.ObjectNode alone =
        (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(
            dir.resolve("alone/report.json").toFile());
    parallel.remove("seconds");
    alone.remove("seconds");
    assertEquals(alone, parallel);

    // Run again: both seeds are finished runs of this configuration, read back, not rerun.
    stages.clear();
    DemoSeeds.Summary again = DemoSeeds.run(DemoConfig.quick(), List.of(7L, 8L), 1,
        dir.resolve("all"), listener);
    assertEquals(List.of("seed 7: kept the finished run in seed-7",
        "seed 8: kept the finished run in seed-8"), stages);
    assertEquals(s.systems(), again.systems());
    assertEquals(s.difference(), again.difference());
    assertEquals(s.runs().get(1).paired(), again.runs().get(1).paired());
    assertEquals(s.runs().get(1).judgeAccuracyByTask(), again.runs().get(1).judgeAccuracyByTask());

    // Another configuration is not a finished run of this one, nor is a run on another device.
    assertTrue(DemoSeeds.finished(DemoConfig.quick().withSeed(9), RuntimeOptions.cpu(),
        dir.resolve("all/seed-8")).isEmpty());
    assertTrue(DemoSeeds.finished(DemoConfig.quick().withSeed(8), RuntimeOptions.cpu(),
        dir.resolve("all/seed-8")).isPresent());
    Path report = dir.resolve("all/seed-8/report.json");
    com.fasterxml.jackson.databind.node.ObjectNode onGpu =
        (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(report.toFile());
    assertEquals("cpu", onGpu.get("device").asText());
    onGpu.put("device", "cuda:0");
    json.writeValue(report.toFile(), onGpu);
    assertTrue(DemoSeeds.finished(DemoConfig.quick().withSeed(8), RuntimeOptions.cpu(),
        dir.resolve("all/seed-8")).isEmpty());
  }

  /** A run with the given sft_ia and cat consistency rates (accuracy and ROUGE-L 0.5) and judge. */
  private static Demo.Result result(double sftIa, double cat, double judge) {
    Map<String, Map<String, Estimate>> systems = new LinkedHashMap<>();
    for (String system : Demo.SYSTEMS) {
      double cr = system.equals("cat") ? cat : system.equals("sft_ia") ? sftIa : 0.3;
      Map<String, Estimate> m = new LinkedHashMap<>();
      m.put("consistency_rate", new Estimate(cr, cr - 0.05, cr + 0.05));
      m.put("accuracy", new Estimate(0.5, 0.45, 0.55));
      m.put("rougeL", new Estimate(0.5, 0.45, 0.55));
      systems.put(system, m);
    }
    return new Demo.Result(systems, judge, "agreement frequency", 10, 0.5, 0.6, Path.of("r"), 1.0,
        Map.of(), Map.of(), 1, new ArrayList<>(), Map.of(), List.of(), Double.NaN, Map.of(), 1,
        List.of());
  }
}
