package org.consistency4j.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.consistency4j.report.Estimate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The full default demo (seed 7; the README's numbers) shows the method's robust effect on wordings
 * the models never saw: instruction-augmented SFT is far more consistent and accurate than SFT on the
 * original wording alone (+0.43 consistency rate and +0.33 accuracy on average over seeds 1-10, higher
 * in every seed), consistency alignment training costs less than 0.1 accuracy, the reward of every
 * task follows its measured judge accuracy, and the CAT epoch kept is the best on the validation
 * wordings.
 *
 * <p>Whether CAT's consistency rate is above SFT (IA)'s on this one seed is not asserted: it is the
 * size of seed-to-seed and float-rounding noise here. Seed 7's paired difference was +0.041 with the
 * training graphs of 2026-12-06, -0.048 under another configuration after the FusedMatMul change, and
 * -0.005 [-0.041, +0.029] after the target-row loss graphs (numerically equivalent to 1e-5); issue 14
 * measures CAT against SFT (IA) over seeds 1-10 instead (the README's summary). Asserting one seed's
 * sign made this test fail on exact-arithmetic-preserving changes.
 */
class DemoOutcomeTest {
  @Test
  void the_default_demo_raises_consistency_with_augmentation_and_keeps_its_cat_rules(@TempDir Path dir) {
    DemoConfig config = DemoConfig.defaults();
    Demo.Result r = Demo.run(config, dir, new Demo.Listener() {});
    Map<String, Estimate> baseline = r.systems().get("baseline");
    Map<String, Estimate> sftIa = r.systems().get("sft_ia");
    Map<String, Estimate> cat = r.systems().get("cat");
    String all = r.systems() + " " + r.paired();
    assertTrue(sftIa.get("consistency_rate").value() > baseline.get("consistency_rate").value() + 0.3,
        all);
    assertTrue(sftIa.get("accuracy").value() > baseline.get("accuracy").value() + 0.3, all);
    assertTrue(cat.get("accuracy").value() > sftIa.get("accuracy").value() - 0.1, all);
    // The paired comparison is of the same two systems on the same instance groups.
    assertEquals(cat.get("consistency_rate").value() - sftIa.get("consistency_rate").value(),
        r.paired().get("consistency_rate").difference().value(), 1e-9, all);

    for (Map.Entry<String, Double> e : r.judgeAccuracyByTask().entrySet()) {
      String expected = e.getValue() >= config.judgeAccuracyThreshold()
          ? "quality judge first, agreement frequency second" : "agreement frequency";
      assertEquals(expected, r.rewardByTask().get(e.getKey()), e.getKey() + " " + e.getValue());
    }
    assertTrue(r.pairs() > 1000, "pairs: " + r.pairs());
    // The kept epoch follows the validation scores by the configured rule (DemoEpochRuleTest).
    assertEquals(config.catEpochs() + 1, r.validation().size());
    assertEquals(Demo.keptEpoch(r.validation(), config.catKeepAccuracy()), r.catEpoch());
  }
}
