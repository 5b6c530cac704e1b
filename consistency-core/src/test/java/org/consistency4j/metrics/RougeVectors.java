package org.consistency4j.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The rouge-score 0.1.2 test vectors in src/test/resources/rouge/rouge_vectors.jsonl. */
final class RougeVectors {
  static final List<String> METRICS = List.of("rouge1", "rouge2", "rougeL", "rougeLsum");

  /** One vector; {@code targetSentences}/{@code predictionSentences} only with split_summaries. */
  record Row(
      String id,
      String category,
      String target,
      String prediction,
      boolean useStemmer,
      boolean splitSummaries,
      Map<String, RougeScore> scores,
      List<String> targetTokens,
      List<String> predictionTokens,
      List<String> targetSentences,
      List<String> predictionSentences) {
    @Override
    public String toString() {
      return id;
    }
  }

  private static List<Row> rows;

  private RougeVectors() {}

  static synchronized List<Row> all() {
    if (rows == null) {
      rows = load();
    }
    return rows;
  }

  private static List<Row> load() {
    ObjectMapper mapper = new ObjectMapper();
    List<Row> out = new ArrayList<>();
    try (InputStream in =
            Objects.requireNonNull(RougeVectors.class.getResourceAsStream("/rouge/rouge_vectors.jsonl"));
        BufferedReader reader =
            new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode n = mapper.readTree(line);
        Map<String, RougeScore> scores = new java.util.LinkedHashMap<>();
        for (String metric : METRICS) {
          JsonNode s = n.get("scores").get(metric);
          scores.put(
              metric,
              new RougeScore(
                  s.get("precision").doubleValue(),
                  s.get("recall").doubleValue(),
                  s.get("fmeasure").doubleValue()));
        }
        boolean split = n.get("split_summaries").booleanValue();
        out.add(
            new Row(
                n.get("id").asText(),
                n.get("category").asText(),
                n.get("target").asText(),
                n.get("prediction").asText(),
                n.get("use_stemmer").booleanValue(),
                split,
                scores,
                strings(n.get("target_tokens")),
                strings(n.get("prediction_tokens")),
                split ? strings(n.get("lsum_target_sents")) : null,
                split ? strings(n.get("lsum_prediction_sents")) : null));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return List.copyOf(out);
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(e -> out.add(e.asText()));
    return out;
  }

  static List<Row> withSplitSummaries(boolean split) {
    return all().stream().filter(r -> r.splitSummaries() == split).toList();
  }
}
