package org.consistency4j.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.consistency4j.judge.FakeJudgeModel;
import org.consistency4j.judge.JudgeTemplate;
import org.junit.jupiter.api.Test;

class JudgeAccuracyTest {
  // P(Yes) is the number after the last '=' of the response (quality) or of the other response
  private final FakeJudgeModel model =
      new FakeJudgeModel(p -> Double.parseDouble(p.substring(p.lastIndexOf('=') + 1)));
  private final SelfRewardScorer scorer =
      SelfRewardScorer.builder(model)
          .qualityTemplate(new JudgeTemplate("q", "{instruction}{input}{response}"))
          .agreementTemplate(new JudgeTemplate("a", "{response}{other}"))
          .build();

  private static LabeledResponse labeled(double p, boolean correct) {
    return new LabeledResponse(new InstructionResponse("i", "x", "r=" + p), correct);
  }

  @Test
  void quality_judge_accuracy_counts_thresholded_verdicts_against_labels() {
    JudgeAccuracyResult r =
        JudgeAccuracy.measure(
            scorer,
            List.of(
                labeled(0.9, true), // TP
                labeled(0.5, true), // FN: 0.5 is not > 0.5
                labeled(0.7, false), // FP
                labeled(0.2, false), // TN
                labeled(0.1, false))); // TN
    assertEquals(new JudgeAccuracyResult(1, 1, 2, 1, 0.5, 0.7, (0.7 + 0.2 + 0.1) / 3), r);
    assertEquals(0.6, r.accuracy(), 1e-15);
    assertEquals(0.5 * (0.5 + 2.0 / 3), r.balancedAccuracy(), 1e-15);
    assertEquals(5, r.total());
    assertEquals(1, model.judgeCalls.size());
  }

  @Test
  void agreement_judge_accuracy_uses_the_agreement_template() {
    JudgeAccuracyResult r =
        JudgeAccuracy.measureAgreement(
            scorer,
            List.of(
                new LabeledAgreement(new AgreementQuery("i", "x", "a", "b=0.8"), true),
                new LabeledAgreement(new AgreementQuery("i", "x", "a", "b=0.6"), false)),
            0.7);
    assertEquals(1, r.truePositives());
    assertEquals(1, r.trueNegatives());
    assertEquals(1.0, r.accuracy());
    assertEquals(List.of(List.of("ab=0.8", "ab=0.6")), model.judgeCalls);
  }

  @Test
  void balanced_accuracy_uses_one_class_when_the_other_is_absent() {
    JudgeAccuracyResult r = new JudgeAccuracyResult(3, 0, 0, 1, 0.5, 0.7, Double.NaN);
    assertEquals(0.75, r.balancedAccuracy());
    assertEquals(1.0, new JudgeAccuracyResult(0, 0, 2, 0, 0.5, Double.NaN, 0.1).balancedAccuracy());
  }

  @Test
  void validation_messages_name_the_rule() {
    assertEquals(
        "examples must not be empty",
        assertThrows(IllegalArgumentException.class, () -> JudgeAccuracy.measure(scorer, List.of()))
            .getMessage());
    assertEquals(
        "threshold must be in [0.0, 1.0], found 2.0",
        assertThrows(
                IllegalArgumentException.class,
                () -> JudgeAccuracy.measure(scorer, List.of(labeled(0.5, true)), 2))
            .getMessage());
    assertEquals(
        "the counts must not all be 0",
        assertThrows(
                IllegalArgumentException.class,
                () -> new JudgeAccuracyResult(0, 0, 0, 0, 0.5, 0, 0))
            .getMessage());
    assertEquals(
        "falseNegatives must be >= 0, found -1",
        assertThrows(
                IllegalArgumentException.class,
                () -> new JudgeAccuracyResult(1, 0, 0, -1, 0.5, 0, 0))
            .getMessage());
  }
}
