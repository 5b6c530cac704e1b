package org.consistency4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class RougeConcurrencyTest {

  @Test
  void concurrent_scoring_from_many_threads_equals_rouge_score() throws Exception {
    List<RougeVectors.Row> rows = RougeVectorsTest.newlineRows();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<List<String>>> futures = new ArrayList<>();
      for (int worker = 0; worker < 4; worker++) {
        int offset = worker * 37;
        futures.add(
            pool.submit(
                () -> {
                  List<String> failures = new ArrayList<>();
                  for (int k = 0; k < rows.size(); k++) {
                    RougeVectors.Row row = rows.get((k + offset) % rows.size());
                    Map<String, RougeScore> s =
                        RougeScorer.of(RougeVectors.METRICS, row.useStemmer())
                            .score(row.target(), row.prediction());
                    RougeScore l = Rouge.rougeL(row.target(), row.prediction(), row.useStemmer());
                    if (!s.equals(row.scores()) || !l.equals(row.scores().get("rougeL"))) {
                      failures.add(row.id());
                    }
                  }
                  return failures;
                }));
      }
      for (Future<List<String>> f : futures) {
        assertEquals(List.of(), f.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
