package org.consistency4j.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class ReportsRoundTripTest {
  private static Arbitrary<Estimate> estimates() {
    Arbitrary<Double> d = Arbitraries.doubles().between(-1e6, 1e6);
    return Combinators.combine(d, d, d).as((a, b, c) -> {
      double lo = Math.min(b, c);
      double hi = Math.max(b, c);
      return new Estimate(a, lo, hi);
    });
  }

  private static Arbitrary<Map<String, Estimate>> metricMaps() {
    return Arbitraries.subsetOf(MetricNames.ALL).flatMap(keys -> {
      List<String> ordered = new ArrayList<>(keys);
      return estimates().list().ofSize(ordered.size()).map(values -> {
        Map<String, Estimate> m = new LinkedHashMap<>();
        for (int i = 0; i < ordered.size(); i++) {
          m.put(ordered.get(i), values.get(i));
        }
        return m;
      });
    });
  }

  @Provide
  Arbitrary<EvaluationReport> reports() {
    Arbitrary<String> names = Arbitraries.strings().ofMinLength(0).ofMaxLength(12);
    Arbitrary<TaskResult> tasks = Combinators.combine(names, Arbitraries.integers().between(0, 500), metricMaps(),
            Arbitraries.doubles().between(0, 1).map(v -> Map.of(MetricNames.ROUGE_L, v)).list().ofMaxSize(3))
        .as((name, n, metrics, variants) -> new TaskResult(name, n, 3 * n, metrics, variants));
    Arbitrary<GroupScore> groups = Combinators.combine(names, names, Arbitraries.doubles().between(0, 1))
        .as((t, g, v) -> new GroupScore(t, g, Map.of(MetricNames.CONSISTENCY_RATE, v)));
    Arbitrary<ModelResult> models = Combinators.combine(names, tasks, tasks.list().ofMaxSize(3), groups.list().ofMaxSize(4))
        .as(ModelResult::new);
    Arbitrary<Comparison> comparisons = Combinators.combine(names, names, estimates(), Arbitraries.doubles().between(0, 1),
            Arbitraries.integers().between(1, 100))
        .as((t, m, e, p, n) -> new Comparison(t, MetricNames.ROUGE_L, m, m + "b", n, 0.25, 0.5, e, p));
    Arbitrary<Map<String, String>> config = Arbitraries.maps(names, names).ofMaxSize(4);
    return Combinators.combine(names, Arbitraries.longs(), config, models.list().ofMaxSize(3),
            comparisons.list().ofMaxSize(3))
        .as((title, seed, cfg, ms, cs) -> new EvaluationReport(title, "1.2.3", seed, cfg, ms, cs));
  }

  @Property(tries = 60)
  void json_reports_read_back_equal(@ForAll("reports") EvaluationReport report) throws Exception {
    Path f = Files.createTempFile("report", ".json");
    try {
      Reports.writeJson(report, f);
      assertEquals(report, Reports.readJson(f));
    } finally {
      Files.deleteIfExists(f);
    }
  }
}
