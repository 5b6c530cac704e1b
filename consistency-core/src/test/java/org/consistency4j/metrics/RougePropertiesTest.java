package org.consistency4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.consistency4j.text.RougeTokenizer;

class RougePropertiesTest {
  private static final List<String> ALL = List.of("rouge1", "rouge2", "rouge3", "rougeL", "rougeLsum");

  @Provide
  Arbitrary<String> texts() {
    Arbitrary<String> pieces =
        Arbitraries.of(
            "the", "cat", "sat", "on", "mat", "The", "running", "runs", "dogs", "a", "b", "c",
            "caf\u00e9", "42", ",", ".", " ", "\n", "\n\n", "don't", "e-mail", "\u6771\u4eac");
    return pieces.list().ofMaxSize(40).map(l -> String.join(" ", l));
  }

  @Property(tries = 200)
  void every_score_is_in_the_unit_interval(
      @ForAll("texts") String a, @ForAll("texts") String b, @ForAll boolean stem) {
    for (RougeScore s : RougeScorer.of(ALL, stem).score(a, b).values()) {
      assertTrue(s.precision() >= 0 && s.precision() <= 1, s::toString);
      assertTrue(s.recall() >= 0 && s.recall() <= 1, s::toString);
      assertTrue(s.fmeasure() >= 0 && s.fmeasure() <= 1, s::toString);
    }
  }

  @Property(tries = 200)
  void rougeN_equals_a_direct_count_of_string_ngrams(
      @ForAll("texts") String a,
      @ForAll("texts") String b,
      @ForAll boolean stem,
      @ForAll @IntRange(min = 1, max = 5) int n) {
    Map<List<String>, Integer> ta = ngrams(RougeTokenizer.tokenize(a, stem), n);
    Map<List<String>, Integer> pb = ngrams(RougeTokenizer.tokenize(b, stem), n);
    int overlap = 0;
    for (Map.Entry<List<String>, Integer> e : ta.entrySet()) {
      overlap += Math.min(e.getValue(), pb.getOrDefault(e.getKey(), 0));
    }
    int tCount = ta.values().stream().mapToInt(Integer::intValue).sum();
    int pCount = pb.values().stream().mapToInt(Integer::intValue).sum();
    RougeScore expected =
        RougeScore.of((double) overlap / Math.max(pCount, 1), (double) overlap / Math.max(tCount, 1));
    assertEquals(expected, Rouge.rougeN(a, b, n, stem));
  }

  private static Map<List<String>, Integer> ngrams(List<String> tokens, int n) {
    Map<List<String>, Integer> counts = new java.util.HashMap<>();
    for (int i = 0; i + n <= tokens.size(); i++) {
      counts.merge(List.copyOf(tokens.subList(i, i + n)), 1, Integer::sum);
    }
    return counts;
  }

  @Property(tries = 200)
  void rougeL_fmeasure_is_symmetric(
      @ForAll("texts") String a, @ForAll("texts") String b, @ForAll boolean stem) {
    assertEquals(Rouge.rougeL(a, b, stem).fmeasure(), Rouge.rougeL(b, a, stem).fmeasure());
  }

  @Property(tries = 200)
  void swapping_the_texts_swaps_precision_and_recall(
      @ForAll("texts") String a,
      @ForAll("texts") String b,
      @ForAll boolean stem,
      @ForAll @IntRange(min = 1, max = 4) int n) {
    RougeScore ab = Rouge.rougeL(a, b, stem);
    RougeScore ba = Rouge.rougeL(b, a, stem);
    assertEquals(ab.precision(), ba.recall());
    assertEquals(ab.recall(), ba.precision());
    RougeScore nab = Rouge.rougeN(a, b, n, stem);
    RougeScore nba = Rouge.rougeN(b, a, n, stem);
    assertEquals(nab.precision(), nba.recall());
    assertEquals(nab.recall(), nba.precision());
  }

  @Property(tries = 200)
  void identical_texts_with_tokens_score_one(@ForAll("texts") String a, @ForAll boolean stem) {
    List<String> tokens = RougeTokenizer.tokenize(a, stem);
    Assume.that(!tokens.isEmpty());
    RougeScore one = new RougeScore(1, 1, 1);
    assertEquals(one, Rouge.rougeL(a, a, stem));
    assertEquals(one, Rouge.rougeN(a, a, 1, stem));
    assertEquals(one, Rouge.rougeLsum(a, a, stem));
    if (tokens.size() >= 2) {
      assertEquals(one, Rouge.rougeN(a, a, 2, stem));
    }
  }

  @Property(tries = 100)
  void a_text_without_tokens_scores_zero_on_either_side(
      @ForAll("texts") String a, @ForAll boolean stem) {
    for (String empty : List.of("", " ,.\n!", "\u6771\u4eac")) {
      for (Map<String, RougeScore> scores :
          List.of(
              RougeScorer.of(ALL, stem).score(empty, a), RougeScorer.of(ALL, stem).score(a, empty))) {
        scores.values().forEach(s -> assertEquals(RougeScore.ZERO, s));
      }
    }
  }

  @Property(tries = 200)
  void rougeLsum_of_single_line_texts_equals_rougeL(
      @ForAll("texts") String a, @ForAll("texts") String b, @ForAll boolean stem) {
    String a1 = a.replace('\n', ' ');
    String b1 = b.replace('\n', ' ');
    assertEquals(Rouge.rougeL(a1, b1, stem), Rouge.rougeLsum(a1, b1, stem));
  }

  @Property(tries = 200)
  void rougeLsum_of_text_equals_rougeLsum_of_its_lines(
      @ForAll("texts") String a, @ForAll("texts") String b, @ForAll boolean stem) {
    assertEquals(
        Rouge.rougeLsum(a, b, stem),
        Rouge.rougeLsum(List.of(a.split("\n", -1)), List.of(b.split("\n", -1)), stem));
  }

  @Property(tries = 100)
  void scorer_agrees_with_the_single_metric_functions(
      @ForAll("texts") String a, @ForAll("texts") String b, @ForAll boolean stem) {
    Map<String, RougeScore> s = RougeScorer.of(ALL, stem).score(a, b);
    assertEquals(Rouge.rougeN(a, b, 1, stem), s.get("rouge1"));
    assertEquals(Rouge.rougeN(a, b, 2, stem), s.get("rouge2"));
    assertEquals(Rouge.rougeN(a, b, 3, stem), s.get("rouge3"));
    assertEquals(Rouge.rougeL(a, b, stem), s.get("rougeL"));
    assertEquals(Rouge.rougeLsum(a, b, stem), s.get("rougeLsum"));
  }

  @Property(tries = 100)
  void scoreMulti_takes_per_metric_the_first_reference_with_the_highest_fmeasure(
      @ForAll("texts") String r1,
      @ForAll("texts") String r2,
      @ForAll("texts") String r3,
      @ForAll("texts") String p) {
    RougeScorer scorer = RougeScorer.of(ALL, false);
    List<String> refs = List.of(r1, r2, r3);
    Map<String, RougeScore> multi = scorer.scoreMulti(refs, p);
    for (String metric : ALL) {
      RougeScore best = null;
      for (String r : refs) {
        RougeScore s = scorer.score(r, p).get(metric);
        if (best == null || s.fmeasure() > best.fmeasure()) {
          best = s;
        }
      }
      assertEquals(best, multi.get(metric), metric);
    }
  }
}
