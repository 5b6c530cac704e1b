package org.consistency4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.consistency4j.metrics.*;
import org.junit.jupiter.api.Test;

/** Compiles and runs the README's "In five lines" example, and checks the README still shows it. */
class ReadmeExampleTest {

  private static final List<String> EXAMPLE =
      List.of(
          "import java.util.List;",
          "import org.consistency4j.metrics.*;",
          "RougeScore s = Rouge.rougeL(\"the cat sat on the mat\", \"a cat sat on a mat\", true);",
          "ConsistencyResult cr = ConsistencyRate.of(Similarities.exactMatch())",
          "    .compute(List.of(ResponseGroup.of(\"g1\", List.of(\"Paris\", \"paris.\", \"Lyon\"))));",
          "System.out.println(s.fmeasure() + \" \" + cr.macro());");

  @Test
  void the_readme_example_compiles_and_gives_the_documented_numbers() {
    RougeScore s = Rouge.rougeL("the cat sat on the mat", "a cat sat on a mat", true);
    ConsistencyResult cr = ConsistencyRate.of(Similarities.exactMatch())
        .compute(List.of(ResponseGroup.of("g1", List.of("Paris", "paris.", "Lyon"))));
    // LCS "cat sat on mat" covers 4 of 6 tokens on each side; 1 of the 3 answer pairs agrees.
    assertEquals(4.0 / 6, s.fmeasure(), 1e-15);
    assertEquals(1.0 / 3, cr.macro(), 1e-15);
  }

  @Test
  void the_readme_shows_the_same_lines() throws IOException {
    Path readme = Path.of("..", "README.md");
    String text = Files.readString(readme);
    int start = text.indexOf("## In five lines");
    assertTrue(start >= 0, "README has an \"In five lines\" section");
    String section = text.substring(start, text.indexOf("```\n", text.indexOf("```java", start) + 7));
    for (String line : EXAMPLE) {
      assertTrue(section.contains(line + "\n"), "README example lacks: " + line);
    }
  }
}
