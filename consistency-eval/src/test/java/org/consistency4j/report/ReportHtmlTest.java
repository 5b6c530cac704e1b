package org.consistency4j.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.consistency4j.report.ReportHtml.Box;
import org.consistency4j.report.ReportHtml.Mark;
import org.consistency4j.report.ReportHtml.Placement;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class ReportHtmlTest {

  private static List<String> pointLabels(String html) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8)));
    NodeList texts = doc.getElementsByTagName("text");
    List<String> labels = new ArrayList<>();
    for (int i = 0; i < texts.getLength(); i++) {
      Element e = (Element) texts.item(i);
      if ("pt".equals(e.getAttribute("class"))) {
        labels.add(e.getTextContent());
      }
    }
    return labels;
  }

  @Test
  void every_scatter_point_of_the_sample_is_labeled_with_its_model_and_task() throws Exception {
    String html = Reports.toHtml(ReportsTest.sample());
    List<String> labels = pointLabels(html);
    // 2 models x (3 tasks + overall), overall diamonds first.
    assertEquals(List.of(
        "baseline@http:/\u2026: overall", "sft-ia: overall",
        "baseline@http:/\u2026: sentiment", "baseline@http:/\u2026: capital <lookup> & \u2026",
        "baseline@http:/\u2026: summarize | pipes",
        "sft-ia: sentiment", "sft-ia: capital <lookup> & \u2026", "sft-ia: summarize | pipes"), labels);
    assertFalse(html.contains("left out where no free spot"));
  }

  @Test
  void with_one_model_a_label_is_the_task_name_alone() throws Exception {
    EvaluationReport two = ReportsTest.sample();
    EvaluationReport one = new EvaluationReport(two.title(), two.libraryVersion(), two.seed(), two.config(),
        List.of(two.models().get(1)), List.of());
    assertEquals(List.of("overall", "sentiment", "capital <lookup> & \"quotes\"", "summarize | pipes"),
        pointLabels(Reports.toHtml(one)));
  }

  @Test
  void points_on_top_of_each_other_get_labels_set_off_with_leader_lines_until_no_spot_is_free() {
    List<Mark> marks = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      marks.add(new Mark(200, 200, "task " + i));
    }
    List<Placement> placed = ReportHtml.placeLabels(marks, 0, 0, 400, 400);
    assertTrue(placed.size() >= 8 && placed.size() < 40, "placed " + placed.size());
    assertTrue(placed.stream().anyMatch(Placement::leader));
    assertNoOverlap(marks, placed, 400, 400);
  }

  @Test
  void a_label_that_would_leave_the_chart_on_the_right_goes_to_the_left() {
    List<Placement> placed = ReportHtml.placeLabels(
        List.of(new Mark(395, 200, "a long task name")), 0, 0, 400, 400);
    assertEquals(1, placed.size());
    assertEquals("end", placed.get(0).anchor());
    assertFalse(placed.get(0).leader());
  }

  @Property(tries = 200)
  void placed_labels_stay_inside_and_overlap_no_label_and_no_point(
      @ForAll @Size(min = 1, max = 30) List<@DoubleRange(min = 0, max = 400) Double> xs,
      @ForAll @IntRange(min = 0, max = 1000) int seed) {
    List<Mark> marks = new ArrayList<>();
    java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
    for (int i = 0; i < xs.size(); i++) {
      marks.add(new Mark(xs.get(i), rng.nextDouble(0, 400), "t" + "x".repeat(rng.nextInt(20))));
    }
    List<Placement> placed = ReportHtml.placeLabels(marks, 0, 0, 560, 400);
    assertNoOverlap(marks, placed, 560, 400);
    if (marks.size() == 1) {
      assertEquals(1, placed.size());
    }
  }

  @Test
  void well_spread_points_are_all_labeled_next_to_their_point() {
    List<Mark> marks = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      for (int j = 0; j < 5; j++) {
        marks.add(new Mark(20 + 90 * i, 20 + 80 * j, "task" + i + j));
      }
    }
    List<Placement> placed = ReportHtml.placeLabels(marks, 0, 0, 560, 420);
    assertEquals(marks.size(), placed.size());
    assertTrue(placed.stream().noneMatch(Placement::leader));
  }

  private static void assertNoOverlap(List<Mark> marks, List<Placement> placed, double maxX, double maxY) {
    Map<Integer, Box> boxes = new LinkedHashMap<>();
    for (Placement p : placed) {
      assertTrue(p.box().inside(0, 0, maxX, maxY), p.toString());
      for (Mark m : marks) {
        Box point = new Box(m.x() - ReportHtml.MARK_RADIUS, m.y() - ReportHtml.MARK_RADIUS,
            m.x() + ReportHtml.MARK_RADIUS, m.y() + ReportHtml.MARK_RADIUS);
        assertFalse(p.box().overlaps(point), p + " covers " + m);
      }
      for (Box other : boxes.values()) {
        assertFalse(p.box().overlaps(other), p + " overlaps " + other);
      }
      assertEquals(marks.get(p.mark()).label().length() * ReportHtml.LABEL_CHAR_WIDTH,
          p.box().x1() - p.box().x0(), 1e-9);
      assertTrue(boxes.put(p.mark(), p.box()) == null, "mark " + p.mark() + " placed twice");
    }
  }
}
