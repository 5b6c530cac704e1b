package org.consistency4j.metrics;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.consistency4j.text.RougeTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every rouge-score 0.1.2 vector, compared with exact double equality. */
class RougeVectorsTest {

  static List<RougeVectors.Row> newlineRows() {
    return RougeVectors.withSplitSummaries(false);
  }

  static List<RougeVectors.Row> punktRows() {
    return RougeVectors.withSplitSummaries(true);
  }

  @Test
  void the_vector_file_holds_every_case() {
    assertEquals(363, RougeVectors.all().size());
    assertEquals(344, newlineRows().size());
    assertEquals(19, punktRows().size());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("newlineRows")
  void tokens_and_all_twelve_numbers_equal_rouge_score(RougeVectors.Row row) {
    boolean stem = row.useStemmer();
    assertEquals(row.targetTokens(), RougeTokenizer.tokenize(row.target(), stem), "target tokens");
    assertEquals(
        row.predictionTokens(), RougeTokenizer.tokenize(row.prediction(), stem), "prediction tokens");

    Map<String, RougeScore> scored =
        RougeScorer.of(RougeVectors.METRICS, stem).score(row.target(), row.prediction());
    assertEquals(RougeVectors.METRICS, List.copyOf(scored.keySet()));
    List<Executable> checks = new ArrayList<>();
    for (String metric : RougeVectors.METRICS) {
      RougeScore expected = row.scores().get(metric);
      checks.add(() -> assertExactly(expected, scored.get(metric), "RougeScorer " + metric));
    }
    String t = row.target();
    String p = row.prediction();
    checks.add(() -> assertExactly(row.scores().get("rouge1"), Rouge.rougeN(t, p, 1, stem), "rougeN(1)"));
    checks.add(() -> assertExactly(row.scores().get("rouge2"), Rouge.rougeN(t, p, 2, stem), "rougeN(2)"));
    checks.add(() -> assertExactly(row.scores().get("rougeL"), Rouge.rougeL(t, p, stem), "rougeL"));
    checks.add(
        () -> assertExactly(row.scores().get("rougeLsum"), Rouge.rougeLsum(t, p, stem), "rougeLsum"));
    checks.add(
        () ->
            assertExactly(
                row.scores().get("rougeL"), Metrics.rougeL(stem).score(t, p), "Metrics.rougeL"));
    assertAll(checks);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("punktRows")
  void punkt_split_rows_match_with_pre_split_sentences(RougeVectors.Row row) {
    boolean stem = row.useStemmer();
    String t = row.target();
    String p = row.prediction();
    assertAll(
        () -> assertEquals(row.targetTokens(), RougeTokenizer.tokenize(t, stem)),
        () -> assertEquals(row.predictionTokens(), RougeTokenizer.tokenize(p, stem)),
        () -> assertExactly(row.scores().get("rouge1"), Rouge.rougeN(t, p, 1, stem), "rouge1"),
        () -> assertExactly(row.scores().get("rouge2"), Rouge.rougeN(t, p, 2, stem), "rouge2"),
        () -> assertExactly(row.scores().get("rougeL"), Rouge.rougeL(t, p, stem), "rougeL"),
        () ->
            assertExactly(
                row.scores().get("rougeLsum"),
                Rouge.rougeLsum(row.targetSentences(), row.predictionSentences(), stem),
                "rougeLsum"));
  }

  static void assertExactly(RougeScore expected, RougeScore actual, String what) {
    assertAll(
        what,
        () -> assertEquals(expected.precision(), actual.precision(), what + " precision"),
        () -> assertEquals(expected.recall(), actual.recall(), what + " recall"),
        () -> assertEquals(expected.fmeasure(), actual.fmeasure(), what + " fmeasure"));
  }
}
