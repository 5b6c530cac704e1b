package org.consistency4j.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.consistency4j.report.Estimate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The full default demo (seed 7, one intra-op thread so that the run is the one the README quotes)
 * shows the method's robust effects on wordings the models never saw: instruction-augmented SFT is
 * more consistent and more accurate than SFT on the original wording alone, consistency alignment
 * training fits its pairs and costs little accuracy, the likelihood judge is accurate, the reward of
 * every task follows its two measured judge accuracies, and the CAT epoch and interpolation weight
 * kept are the best on the validation wordings.
 *
 * <p>Seed 7 measured (2026-12-07, the README's 10 seeds of the defaults with the likelihood judge,
 * paraphrased CAT wordings and no judge phase): baseline consistency rate 0.618 / accuracy 0.637,
 * sft_ia 0.749 / 0.811, cat 0.775 / 0.779, likelihood judge 0.956 (the yes/no judge, sft_ia itself
 * without the judge phase, 0.497; the same cat with the phase); the margins below leave
 * room for that (+0.131 and +0.174 for augmentation, -0.032 for CAT; the previous defaults measured
 * cat 0.763 / 0.789, -0.022). With CAT interpolated with sft_ia in weight space (the defaults
 * now, {@link DemoConfig#catInterpolation()}) the same stage 1 and CAT epochs give cat 0.761 / 0.816
 * (epoch 3 at a = 0.25; the accuracy difference -0.032 became +0.005). Whether CAT's consistency rate is above SFT
 * (IA)'s on this one seed is not asserted: across seeds 1-10 it is the size of seed-to-seed noise
 * (the README's summary measures it).
 */
class DemoOutcomeTest {
  @Test
  void the_default_demo_raises_consistency_with_augmentation_and_keeps_its_cat_rules(@TempDir Path dir) {
    DemoConfig config = DemoConfig.defaults();
    // One thread by default: the README's tables (one thread) are what `consistency demo` prints.
    assertEquals(1, config.threads());
    Demo.Result r = Demo.run(config, dir, new Demo.Listener() {});
    Map<String, Estimate> baseline = r.systems().get("baseline");
    Map<String, Estimate> sftIa = r.systems().get("sft_ia");
    Map<String, Estimate> cat = r.systems().get("cat");
    String all = r.systems() + " " + r.paired() + " " + r.catEpochs();
    assertTrue(sftIa.get("consistency_rate").value() > baseline.get("consistency_rate").value() + 0.08,
        all);
    assertTrue(sftIa.get("accuracy").value() > baseline.get("accuracy").value() + 0.1, all);
    assertTrue(cat.get("accuracy").value() > sftIa.get("accuracy").value() - 0.05, all);
    // The paired comparison is of the same two systems on the same instance groups.
    assertEquals(cat.get("consistency_rate").value() - sftIa.get("consistency_rate").value(),
        r.paired().get("consistency_rate").difference().value(), 1e-9, all);

    // Every task's reward follows its two measured judge accuracies (DemoPairsTest checks the rule).
    for (Map.Entry<String, Double> e : r.judgeAccuracyByTask().entrySet()) {
      double likelihood = r.likelihoodJudgeAccuracyByTask().get(e.getKey());
      assertEquals(Demo.reward(e.getValue(), likelihood, config.judgeAccuracyThreshold()),
          r.rewardByTask().get(e.getKey()), e.getKey() + " " + e.getValue() + " " + likelihood);
    }
    // The likelihood judge is the self-judge that works: at least 0.8 on the balanced proposals.
    assertTrue(r.likelihoodJudgeAccuracy() >= 0.8, "likelihood judge " + r.likelihoodJudgeAccuracy());
    assertTrue(r.pairs() > 1000, "pairs: " + r.pairs());
    // CAT is not a no-op: every epoch is recorded, and the first one fits its pairs (lower loss,
    // more pairs ranked right, a wider chosen-vs-rejected margin).
    assertEquals(config.catEpochs(), r.catEpochs().size());
    Demo.CatEpoch first = r.catEpochs().get(0);
    assertTrue(first.lossAfter() < 0.5 * first.lossBefore(), all);
    assertTrue(first.rewardAccuracyAfter() > first.rewardAccuracyBefore(), all);
    assertTrue(first.marginAfter() > first.marginBefore() + 0.5, all);
    // The kept epoch and interpolation weight follow the validation scores by the configured rule
    // over every (epoch, a) candidate (DemoEpochRuleTest, DemoInterpolationTest); a = 1 is the
    // epoch itself.
    assertEquals(config.catEpochs() + 1, r.validation().size());
    assertEquals(config.catEpochs() * config.catInterpolation().size(), r.interpolation().size());
    List<Demo.Validation> scores = new ArrayList<>(List.of(r.validation().get(0)));
    for (Demo.Interpolation c : r.interpolation()) {
      scores.add(c.validation());
      if (c.alpha() == 1) {
        assertEquals(r.validation().get(c.epoch()), c.validation(), c.toString());
      }
    }
    Demo.Interpolation kept = r.interpolation().get(
        Demo.keptEpoch(scores, config.catKeepAccuracy()) - 1);
    assertEquals(kept.epoch(), r.catEpoch());
    assertEquals(kept.alpha(), r.catAlpha());
  }
}
