package org.consistency4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Guards the build: a test class whose name matches neither Surefire's ({@code *Test}, {@code Test*},
 * {@code *Tests}, {@code *TestCase}) nor Failsafe's ({@code *IT}) default includes never runs in {@code
 * mvn verify}, silently.
 */
class TestClassNamesTest {
  private static final Pattern RUNS =
      Pattern.compile("(Test.*|.*Test|.*Tests|.*TestCase|IT.*|.*IT|.*ITCase)\\.java");
  private static final Pattern HAS_TESTS =
      Pattern.compile("@(Test|Property|Example|ParameterizedTest|RepeatedTest|TestFactory)\\b");

  @Test
  void every_class_with_tests_in_any_module_has_a_name_surefire_or_failsafe_runs() throws IOException {
    Path root = Path.of("..").toAbsolutePath().normalize();
    assertTrue(Files.isRegularFile(root.resolve("pom.xml")), "run from a module directory: " + root);
    List<String> missed = new ArrayList<>();
    int scanned = 0;
    try (Stream<Path> modules = Files.list(root)) {
      for (Path module : modules.toList()) {
        Path tests = module.resolve("src/test/java");
        if (!Files.isDirectory(tests)) {
          continue;
        }
        try (Stream<Path> files = Files.walk(tests)) {
          for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
            String text = Files.readString(f, StandardCharsets.UTF_8);
            if (HAS_TESTS.matcher(text).find()) {
              scanned++;
              if (!RUNS.matcher(f.getFileName().toString()).matches()) {
                missed.add(root.relativize(f).toString());
              }
            }
          }
        }
      }
    }
    assertTrue(scanned > 50, "expected to find the project's test classes, found " + scanned);
    assertEquals(List.of(), missed, "test classes that mvn verify never runs");
  }
}
