package org.consistency4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.consistency4j.http.FakeOpenAiServer;
import org.consistency4j.report.EvaluationReport;
import org.consistency4j.report.MetricNames;
import org.consistency4j.report.ModelResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluateOverHttpTest {
  @Test
  void the_example_evaluates_a_served_model_and_writes_reports(@TempDir Path out) {
    try (FakeOpenAiServer server = FakeOpenAiServer.start()) {
      // Answers well except that the last sentiment wording always gets "Positive".
      server.answers(p -> {
        if (p.contains("France")) {
          return "Paris";
        }
        if (p.contains("Japan")) {
          return "Tokyo";
        }
        if (p.startsWith("Answer with")) {
          return "Positive";
        }
        return p.contains("never") ? "negative" : "positive";
      });
      EvaluationReport report = EvaluateOverHttp.run(server.baseUrl(), "tiny", out, false);
      ModelResult m = report.models().get(0);
      // Sentiment groups: [pos,pos,pos], [neg,neg,pos], [pos,pos,pos] -> CR (1 + 1/3 + 1) / 3.
      assertEquals(7.0 / 9, m.task("sentiment").orElseThrow().metric(MetricNames.CONSISTENCY_RATE)
          .orElseThrow().value(), 1e-12);
      assertEquals(1.0, m.task("capital").orElseThrow().metric(MetricNames.ACCURACY).orElseThrow().value(), 1e-12);
      assertEquals(15, server.requests().size());
      assertTrue(Files.exists(out.resolve("report.html")));
      assertTrue(Files.exists(out.resolve("report.md")));
    }
  }
}
