package org.consistency4j.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SimilaritiesTest {

  @Test
  void exact_match_is_one_for_equal_normalized_answers_and_zero_otherwise() {
    ResponseSimilarity exact = Similarities.exactMatch();
    assertEquals(1.0, exact.similarity("Paris", "paris."));
    assertEquals(0.0, exact.similarity("Paris", "Lyon"));
    assertEquals("exact", exact.name());
  }

  @Test
  void token_f1_similarity_is_squad_token_f1() {
    ResponseSimilarity f1 = Similarities.tokenF1();
    assertEquals(4.0 / 7.0, f1.similarity("the cat sat on mat", "a cat on a hat"), 1e-15);
    assertEquals("tokenF1", f1.name());
  }

  @Test
  void pairwise_lists_unordered_pairs_in_row_order() {
    List<String> responses = List.of("a cat", "the cat", "dog", "cat dog");
    assertArrayEquals(
        new double[] {1, 0, 0, 0, 0, 0}, Similarities.exactMatch().pairwise(responses));
    // Pairs: (0,1) (0,2) (0,3) (1,2) (1,3) (2,3); cat vs "cat dog": P=1, R=1/2 -> 2/3.
    assertArrayEquals(
        new double[] {1, 0, 2.0 / 3, 0, 2.0 / 3, 2.0 / 3},
        Similarities.tokenF1().pairwise(responses),
        1e-15);
  }

  @Test
  void optimized_pairwise_equals_the_default_pairwise() {
    List<String> responses = List.of("", "The cat.", "a cat sat", "cat cat sat", "!!", "dog");
    for (ResponseSimilarity s :
        List.of(
            Similarities.exactMatch(),
            Similarities.tokenF1(),
            Similarities.rougeL(),
            Similarities.rougeL(true),
            Similarities.rougeL(0.5))) {
      ResponseSimilarity plain = s::similarity;
      assertArrayEquals(plain.pairwise(responses), s.pairwise(responses), s.name());
    }
  }

  @Test
  void by_name_returns_the_standard_similarity_for_each_name() {
    assertSame(Similarities.exactMatch(), Similarities.byName("exact"));
    assertSame(Similarities.tokenF1(), Similarities.byName("tokenF1"));
    for (ResponseSimilarity s : List.of(Similarities.exactMatch(), Similarities.tokenF1())) {
      assertEquals(s, Similarities.byName(s.name()));
    }
  }

  @Test
  void by_name_rejects_an_unknown_name_listing_the_valid_ones() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Similarities.byName("cosine"));
    assertEquals(
        "unknown similarity \"cosine\"; valid names: exact, tokenF1, rougeL, rougeL>=T,"
            + " rougeL+stem, rougeL+stem>=T (T a threshold in (0, 1], for example rougeL>=0.5)",
        e.getMessage());
  }

  @Test
  void by_name_rejects_a_threshold_that_is_not_a_decimal_in_the_unit_interval() {
    IllegalArgumentException nan =
        assertThrows(IllegalArgumentException.class, () -> Similarities.byName("rougeL>=NaN"));
    assertTrue(
        nan.getMessage()
            .startsWith(
                "unknown similarity \"rougeL>=NaN\" (threshold \"NaN\" is not a decimal number);"
                    + " valid names: exact,"),
        nan.getMessage());
    IllegalArgumentException big =
        assertThrows(
            IllegalArgumentException.class, () -> Similarities.byName("rougeL+stem>=1.5"));
    assertTrue(
        big.getMessage()
            .startsWith(
                "unknown similarity \"rougeL+stem>=1.5\" (threshold must be in (0, 1], found"
                    + " 1.5)"),
        big.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Similarities.byName("rougeL>=0"));
    assertThrows(IllegalArgumentException.class, () -> Similarities.byName("rougeL>="));
  }

  @Test
  void rouge_l_similarities_have_parseable_names() {
    assertEquals("rougeL", Similarities.rougeL().name());
    assertEquals("rougeL+stem", Similarities.rougeL(true).name());
    assertEquals("rougeL>=0.5", Similarities.rougeL(0.5).name());
    assertEquals("rougeL+stem>=0.75", Similarities.rougeL(0.75, true).name());
    assertEquals("rougeL>=1", Similarities.rougeL(1.0).name());
    for (ResponseSimilarity s :
        List.of(
            Similarities.rougeL(),
            Similarities.rougeL(true),
            Similarities.rougeL(0.5),
            Similarities.rougeL(0.75, true),
            Similarities.rougeL(1.0))) {
      assertEquals(s, Similarities.byName(s.name()));
    }
    assertEquals(Similarities.rougeL(0.5), Similarities.byName("rougeL>=0.50"));
    assertEquals(Similarities.rougeL(1.0), Similarities.byName("rougeL>=1.0"));
  }

  @Test
  void rouge_l_similarity_is_the_rouge_l_f_measure() {
    String a = "the cat sat on the mat";
    String b = "a cat sat on a mat";
    // Tokens [the cat sat on the mat] vs [a cat sat on a mat]: LCS 4 of 6 on both sides.
    assertEquals(4.0 / 6, Similarities.rougeL().similarity(a, b), 1e-15);
    assertEquals(Rouge.rougeL(a, b, false).fmeasure(), Similarities.rougeL().similarity(a, b));
    assertEquals(
        Rouge.rougeL("running dogs", "run dog", true).fmeasure(),
        Similarities.rougeL(true).similarity("running dogs", "run dog"));
    assertEquals(1.0, Similarities.rougeL(true).similarity("running dogs", "run dog"));
    assertEquals(0.0, Similarities.rougeL().similarity("running dogs", "run dog"));
  }

  @Test
  void rouge_l_threshold_similarity_is_binary() {
    String a = "the cat sat on the mat";
    String b = "a cat sat on a mat";
    assertEquals(1.0, Similarities.rougeL(0.5).similarity(a, b));
    assertEquals(0.0, Similarities.rougeL(0.7).similarity(a, b));
    assertArrayEquals(
        new double[] {1, 0, 0}, Similarities.rougeL(0.5).pairwise(List.of(a, b, "dogs bark")));
  }

  @Test
  void rouge_l_treats_two_responses_without_tokens_as_agreeing() {
    assertEquals(1.0, Similarities.rougeL().similarity("", "?!"));
    assertEquals(0.0, Similarities.rougeL().similarity("", "cat"));
    assertEquals(0.0, Rouge.rougeL("", "", false).fmeasure());
  }

  @Test
  void rouge_l_threshold_must_be_in_the_unit_interval() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Similarities.rougeL(1.5));
    assertEquals("threshold must be in (0, 1], found 1.5", e.getMessage());
  }

  @Test
  void named_gives_a_lambda_a_report_name() {
    ResponseSimilarity lengthRatio =
        (a, b) -> Math.min(a.length(), b.length()) / (double) Math.max(1, Math.max(a.length(), b.length()));
    assertEquals("custom", lengthRatio.name());
    ResponseSimilarity named = Similarities.named("lengthRatio", lengthRatio);
    assertEquals("lengthRatio", named.name());
    assertEquals(0.5, named.similarity("ab", "abcd"));
  }

  @Test
  void named_rejects_a_blank_name() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Similarities.named(" ", Similarities.exactMatch()));
    assertEquals("name must not be blank", e.getMessage());
  }

  @Test
  void pair_count_rejects_counts_that_overflow_an_int() {
    assertEquals(2_147_450_880, ResponseSimilarity.pairCount(65_536));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ResponseSimilarity.pairCount(65_537));
    assertEquals("n must be <= 65536 (pair count fits an int), found 65537", e.getMessage());
  }
}
