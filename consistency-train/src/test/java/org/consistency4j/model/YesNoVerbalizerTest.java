package org.consistency4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.consistency4j.lm.Sampling;
import org.consistency4j.lm.YesNoTokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Judges on a tokenizer that splits "Yes" and "No" into several tokens (the tiny-llama fixture's
 * byte-level BPE): each verbalizer counts with the probability of its whole token sequence after the
 * prompt.
 */
class YesNoVerbalizerTest {
  static OnnxLanguageModel model;
  static final List<String> PROMPTS = List.of("user: Is the sky blue?\nassistant:",
      "Is four even? Answer:", "x");

  @BeforeAll
  static void load() {
    model = OnnxLanguageModel.load(OnnxLanguageModelTest.FIXTURE,
        RuntimeOptions.builder().intraOpThreads(1).build());
  }

  @AfterAll
  static void close() {
    model.close();
  }

  private static int[] ids(String text) {
    return model.tokenizer().encode(text, false);
  }

  /** log P(variant tokens | prompt) from the full-sequence logits, independently of the judge code. */
  private static double sequenceLogProb(String prompt, String variant) {
    int[] p = model.tokenizer().encode(prompt);
    int[] v = ids(variant);
    int[] all = Arrays.copyOf(p, p.length + v.length);
    System.arraycopy(v, 0, all, p.length, v.length);
    float[][] logits = model.logits(all);
    double lp = 0;
    for (int t = 0; t < v.length; t++) {
      lp += Sampling.logSoftmax(logits[p.length + t - 1])[v[t]];
    }
    return lp;
  }

  private static double expected(String prompt, List<String> yes, List<String> no) {
    double py = 0;
    double pn = 0;
    for (String y : yes) {
      py += Math.exp(sequenceLogProb(prompt, y));
    }
    for (String n : no) {
      pn += Math.exp(sequenceLogProb(prompt, n));
    }
    return py / (py + pn);
  }

  @Test
  void multi_token_yes_and_no_count_with_their_whole_sequence_probability() {
    List<String> yes = List.of("Yes", " yes");
    List<String> no = List.of("No", " no");
    for (String v : List.of("Yes", " yes", "No", " no")) {
      assertTrue(ids(v).length > 1, "the fixture tokenizer must split \"" + v + "\"");
    }
    double[] p = model.probabilityOfYes(PROMPTS, new YesNoTokens(yes, no));
    assertEquals(PROMPTS.size(), p.length);
    for (int i = 0; i < p.length; i++) {
      assertEquals(expected(PROMPTS.get(i), yes, no), p[i], 1e-5, PROMPTS.get(i));
      assertTrue(p[i] > 0 && p[i] < 1);
    }
  }

  @Test
  void the_default_variants_work_where_no_variant_is_a_single_token() {
    for (String v : YesNoTokens.defaults().all()) {
      assertTrue(ids(v).length > 1, v);
    }
    double p = model.probabilityOfYes(PROMPTS.get(0));
    assertTrue(p > 0 && p < 1, "P(yes) " + p);
  }

  @Test
  void with_single_token_yes_and_no_the_longer_variants_count_zero_as_before() {
    assertEquals(1, ids("Y").length);
    var next = model.nextTokenLogProbs(PROMPTS, List.of("Y", "N"));
    double[] single = model.probabilityOfYes(PROMPTS, new YesNoTokens(List.of("Y"), List.of("N")));
    double[] mixed = model.probabilityOfYes(PROMPTS,
        new YesNoTokens(List.of("Y", "Yes"), List.of("N", "No")));
    for (int i = 0; i < single.length; i++) {
      double y = Math.exp(next.get(i).get("Y"));
      double n = Math.exp(next.get(i).get("N"));
      assertEquals(y / (y + n), single[i], 1e-12);
      assertEquals(single[i], mixed[i], 0.0);
    }
  }

  @Test
  void where_one_kind_has_no_single_token_every_variant_counts_by_its_sequence() {
    // "y" is a single token, but no "no" variant is: all four are scored as sequences.
    List<String> yes = List.of("y", "Yes");
    List<String> no = List.of("No", " no");
    double[] p = model.probabilityOfYes(PROMPTS, new YesNoTokens(yes, no));
    for (int i = 0; i < p.length; i++) {
      assertEquals(expected(PROMPTS.get(i), yes, no), p[i], 1e-5);
    }
  }

  @Test
  void a_variant_extending_another_of_its_kind_is_counted_once() {
    int[] yes = ids("Yes");
    int[] longer = ids("Yess");
    assertTrue(longer.length > yes.length
        && Arrays.equals(Arrays.copyOf(longer, yes.length), yes), "\"Yess\" extends \"Yes\"");
    double[] once = model.probabilityOfYes(PROMPTS, new YesNoTokens(List.of("Yes"), List.of("No")));
    double[] both = model.probabilityOfYes(PROMPTS,
        new YesNoTokens(List.of("Yes", "Yess"), List.of("No")));
    for (int i = 0; i < once.length; i++) {
      assertEquals(once[i], both[i], 1e-12);
    }
  }

  @Test
  void a_yes_variant_that_is_a_prefix_of_a_no_variant_is_rejected_naming_both() {
    // "Yess" extends "Yes"; no variant is a single token, so sequences count.
    int[] yes = ids("Yes");
    int[] yess = ids("Yess");
    assertTrue(yess.length > yes.length && Arrays.equals(Arrays.copyOf(yess, yes.length), yes));
    var e = assertThrows(IllegalArgumentException.class, () -> model.probabilityOfYes(PROMPTS,
        new YesNoTokens(List.of("Yes"), List.of("Yess"))));
    assertEquals("yes variant \"Yes\" " + Arrays.toString(yes) + " and no variant \"Yess\" "
        + Arrays.toString(yess) + " must not be the same or prefixes of each other",
        e.getMessage());
  }
}
