package org.consistency4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class ConsistencyPropertiesTest {

  private static final List<ResponseSimilarity> SIMILARITIES =
      List.of(
          Similarities.exactMatch(),
          Similarities.tokenF1(),
          Similarities.rougeL(),
          Similarities.rougeL(true),
          Similarities.rougeL(0.5));

  /** Short texts over a tiny vocabulary, so that equal and overlapping answers are common. */
  @Provide
  Arbitrary<String> texts() {
    Arbitrary<String> word =
        Arbitraries.of("the", "a", "cat", "Cat", "dog", "sat", "mat!", "on", "42", "", "é", "...");
    return word.list().ofMaxSize(6).map(ws -> String.join(" ", ws));
  }

  @Provide
  Arbitrary<List<ResponseGroup>> groups() {
    Arbitrary<List<String>> responses = texts().list().ofMinSize(0).ofMaxSize(6);
    return responses
        .list()
        .ofMinSize(1)
        .ofMaxSize(8)
        .filter(rs -> rs.stream().anyMatch(r -> r.size() >= 2))
        .map(
            rs -> {
              List<ResponseGroup> groups = new ArrayList<>();
              for (int i = 0; i < rs.size(); i++) {
                groups.add(ResponseGroup.of("g" + i, rs.get(i)));
              }
              return groups;
            });
  }

  @Provide
  Arbitrary<ResponseSimilarity> similarities() {
    return Arbitraries.of(SIMILARITIES);
  }

  @Property(tries = 200)
  void similarities_are_in_the_unit_interval_and_symmetric(
      @ForAll("texts") String a, @ForAll("texts") String b, @ForAll("similarities") ResponseSimilarity s) {
    double v = s.similarity(a, b);
    assertTrue(v >= 0 && v <= 1, s.name() + " gave " + v);
    assertEquals(v, s.similarity(b, a));
  }

  @Property(tries = 200)
  void rouge_l_similarity_equals_the_rouge_l_f_measure_when_both_texts_have_tokens(
      @ForAll("texts") String a, @ForAll("texts") String b, @ForAll boolean stem) {
    double s = Similarities.rougeL(stem).similarity(a, b);
    boolean aEmpty = org.consistency4j.text.RougeTokenizer.tokenize(a, stem).isEmpty();
    boolean bEmpty = org.consistency4j.text.RougeTokenizer.tokenize(b, stem).isEmpty();
    if (!aEmpty && !bEmpty) {
      assertEquals(Rouge.rougeL(a, b, stem).fmeasure(), s);
    } else {
      assertEquals(aEmpty && bEmpty ? 1.0 : 0.0, s);
    }
  }

  @Property(tries = 200)
  void identical_texts_have_similarity_one(
      @ForAll("texts") String a, @ForAll("similarities") ResponseSimilarity s) {
    assertEquals(1.0, s.similarity(a, a));
  }

  @Property(tries = 200)
  void rates_are_in_the_unit_interval(
      @ForAll("groups") List<ResponseGroup> groups, @ForAll("similarities") ResponseSimilarity s) {
    ConsistencyResult r = ConsistencyRate.of(s).compute(groups);
    assertTrue(r.macro() >= 0 && r.macro() <= 1);
    assertTrue(r.pooled() >= 0 && r.pooled() <= 1);
    for (GroupConsistency g : r.groups()) {
      assertTrue(g.rate() >= 0 && g.rate() <= 1);
    }
    AgreementResult m = MajorityAgreement.of(s).compute(groups);
    assertTrue(m.macro() > 0 && m.macro() <= 1);
    assertEquals(r.groups().size() + r.excluded(), groups.size());
  }

  @Property(tries = 200)
  void rates_do_not_depend_on_the_order_of_groups_or_responses(
      @ForAll("groups") List<ResponseGroup> groups,
      @ForAll("similarities") ResponseSimilarity s,
      @ForAll long shuffleSeed) {
    Random random = new Random(shuffleSeed);
    List<ResponseGroup> shuffled = new ArrayList<>();
    for (ResponseGroup g : groups) {
      List<String> responses = new ArrayList<>(g.responses());
      Collections.shuffle(responses, random);
      shuffled.add(ResponseGroup.of(g.id(), responses));
    }
    Collections.shuffle(shuffled, random);
    ConsistencyResult a = ConsistencyRate.of(s).compute(groups);
    ConsistencyResult b = ConsistencyRate.of(s).compute(shuffled);
    assertEquals(a.macro(), b.macro(), 1e-12);
    assertEquals(a.pooled(), b.pooled(), 1e-12);
    assertEquals(a.excluded(), b.excluded());
  }

  @Property(tries = 200)
  void rates_are_one_when_every_group_repeats_one_response(
      @ForAll @Size(min = 1, max = 6) List<@IntRange(min = 2, max = 6) Integer> sizes,
      @ForAll("texts") String text,
      @ForAll("similarities") ResponseSimilarity s) {
    List<ResponseGroup> groups = new ArrayList<>();
    for (int i = 0; i < sizes.size(); i++) {
      String answer = "answer " + i + " " + text;
      groups.add(ResponseGroup.of("g" + i, Collections.nCopies(sizes.get(i), answer)));
    }
    ConsistencyResult r = ConsistencyRate.of(s).compute(groups);
    assertEquals(1.0, r.macro());
    assertEquals(1.0, r.pooled());
    assertEquals(1.0, MajorityAgreement.of(s).compute(groups).macro());
  }

  @Property(tries = 100)
  void bootstrap_intervals_contain_the_point_estimate(
      @ForAll @Size(min = 1, max = 40) List<@DoubleRange(min = 0, max = 1) Double> values,
      @ForAll @DoubleRange(min = 0.5, max = 0.99) double level,
      @ForAll long seed) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
    ConfidenceInterval ci = Bootstrap.of(200, level, seed).mean(v);
    assertTrue(
        ci.ciLow() <= ci.estimate() + 1e-12 && ci.estimate() <= ci.ciHigh() + 1e-12, ci.toString());
  }

  @Property(tries = 100)
  void pooled_intervals_contain_the_pooled_rate(
      @ForAll("groups") List<ResponseGroup> groups, @ForAll long seed) {
    ConsistencyResult r = ConsistencyRate.of(Similarities.tokenF1()).compute(groups);
    ConfidenceInterval ci = r.pooledInterval(Bootstrap.of(200, 0.95, seed));
    assertEquals(r.pooled(), ci.estimate(), 1e-15);
    assertTrue(ci.ciLow() <= ci.estimate() + 1e-12 && ci.estimate() <= ci.ciHigh() + 1e-12);
    ConfidenceInterval macro = r.macroInterval(Bootstrap.of(200, 0.95, seed));
    assertEquals(r.macro(), macro.estimate());
    assertTrue(macro.ciLow() <= macro.estimate() + 1e-12 && macro.estimate() <= macro.ciHigh() + 1e-12);
  }

  @Provide
  Arbitrary<double[][]> pairedValues() {
    return Arbitraries.integers()
        .between(1, 30)
        .flatMap(
            n -> {
              Arbitrary<double[]> column =
                  Arbitraries.doubles().between(0, 1).array(double[].class).ofSize(n);
              return Combinators.combine(column, column).as((a, b) -> new double[][] {a, b});
            });
  }

  @Property(tries = 100)
  void permutation_p_values_are_in_the_half_open_unit_interval(
      @ForAll("pairedValues") double[][] ab, @ForAll long seed) {
    PairedComparison c = Bootstrap.of(200, 0.95, seed).compareMeans(ab[0], ab[1]);
    assertTrue(c.pValue() > 0 && c.pValue() <= 1, "p = " + c.pValue());
    PairedComparison swapped = Bootstrap.of(200, 0.95, seed).compareMeans(ab[1], ab[0]);
    assertEquals(-c.difference().estimate(), swapped.difference().estimate(), 1e-12);
  }
}
