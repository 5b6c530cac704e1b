package org.consistency4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {
  @TempDir Path dir;

  @Test
  void bad_seed_lists_and_parallel_counts_are_bad_usage_naming_the_value() {
    refused("bad part \"1-x\"", "demo", "--seeds", "1-x", "--out", dir.resolve("a").toString());
    refused("--seeds needs at least 2 seeds, found \"3\"", "demo", "--seeds", "3", "--out",
        dir.resolve("a").toString());
    refused("--parallel must be in [1, 64], found 0", "demo", "--seeds", "1-2", "--parallel", "0",
        "--out", dir.resolve("a").toString());
    assertFalse(Files.exists(dir.resolve("a/seed-1")), "nothing ran");
  }

  @Test
  void quick_says_it_is_a_smoke_test() {
    CliRun run = CliRun.of("demo", "--quick", "--no-progress", "--out", dir.resolve("q").toString());
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().startsWith("SMOKE TEST (--quick)"), run.out());
    assertTrue(run.out().contains("| cat - sft_ia (paired)"), run.out());
  }

  private static void refused(String message, String... args) {
    CliRun run = CliRun.of(args);
    assertEquals(2, run.exitCode(), String.join(" ", args) + ": " + run.err());
    assertTrue(run.err().lines().findFirst().orElse("").contains(message), run.err());
    assertFalse(run.err().contains("\tat "), "stack trace: " + run.err());
  }
}
