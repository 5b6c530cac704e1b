package org.consistency4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.consistency4j.report.Comparison;
import org.consistency4j.report.Estimate;
import org.consistency4j.report.EvaluationReport;
import org.consistency4j.report.GroupScore;
import org.consistency4j.report.ModelResult;
import org.consistency4j.report.TaskResult;

/** Every number of two reports equal to a tolerance (names, counts and metric sets exactly). */
final class ReportAssertions {
  private ReportAssertions() {}

  static int assertSameNumbers(EvaluationReport expected, EvaluationReport actual, double tol) {
    int compared = 0;
    assertEquals(expected.seed(), actual.seed());
    assertEquals(expected.models().size(), actual.models().size());
    for (int m = 0; m < expected.models().size(); m++) {
      ModelResult e = expected.models().get(m);
      ModelResult a = actual.models().get(m);
      assertEquals(e.model(), a.model());
      compared += task(e.overall(), a.overall(), tol);
      assertEquals(e.tasks().size(), a.tasks().size());
      for (int t = 0; t < e.tasks().size(); t++) {
        compared += task(e.tasks().get(t), a.tasks().get(t), tol);
      }
      assertEquals(e.groups().size(), a.groups().size());
      for (int g = 0; g < e.groups().size(); g++) {
        GroupScore eg = e.groups().get(g);
        GroupScore ag = a.groups().get(g);
        assertEquals(eg.task(), ag.task());
        assertEquals(eg.group(), ag.group());
        compared += values(eg.values(), ag.values(), tol, eg.task() + "/" + eg.group());
      }
    }
    List<Comparison> ec = expected.comparisons();
    List<Comparison> ac = actual.comparisons();
    assertEquals(ec.size(), ac.size());
    for (int c = 0; c < ec.size(); c++) {
      Comparison e = ec.get(c);
      Comparison a = ac.get(c);
      String at = e.task() + " " + e.metric();
      assertEquals(e.task(), a.task());
      assertEquals(e.metric(), a.metric());
      assertEquals(e.groups(), a.groups());
      assertEquals(e.meanA(), a.meanA(), tol, at);
      assertEquals(e.meanB(), a.meanB(), tol, at);
      estimate(e.difference(), a.difference(), tol, at);
      assertEquals(e.pValue(), a.pValue(), tol, at);
      compared += 6;
    }
    return compared;
  }

  private static int task(TaskResult e, TaskResult a, double tol) {
    assertEquals(e.task(), a.task());
    assertEquals(e.groups(), a.groups());
    assertEquals(e.responses(), a.responses());
    assertEquals(e.metrics().keySet(), a.metrics().keySet(), e.task());
    int n = 0;
    for (String k : e.metrics().keySet()) {
      estimate(e.metrics().get(k), a.metrics().get(k), tol, e.task() + " " + k);
      n += 3;
    }
    assertEquals(e.variants().size(), a.variants().size());
    for (int v = 0; v < e.variants().size(); v++) {
      n += values(e.variants().get(v), a.variants().get(v), tol, e.task() + " variant " + v);
    }
    return n;
  }

  private static void estimate(Estimate e, Estimate a, double tol, String at) {
    assertEquals(e.value(), a.value(), tol, at + " value");
    assertEquals(e.ciLow(), a.ciLow(), tol, at + " ci low");
    assertEquals(e.ciHigh(), a.ciHigh(), tol, at + " ci high");
  }

  private static int values(Map<String, Double> e, Map<String, Double> a, double tol, String at) {
    assertEquals(e.keySet(), a.keySet(), at);
    for (String k : e.keySet()) {
      assertEquals(e.get(k), a.get(k), tol, at + " " + k);
    }
    return e.size();
  }
}
