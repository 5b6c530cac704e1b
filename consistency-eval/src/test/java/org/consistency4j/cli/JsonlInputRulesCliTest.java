package org.consistency4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command that reads JSONL applies the same rules (one JSON object per line, no duplicate
 * key, valid UTF-8, a byte-order mark only at the start) and refuses a bad line with exit code 2 and
 * a one-line message naming the file and the line, never a stack trace.
 */
class JsonlInputRulesCliTest {
  @TempDir Path dir;

  private record Command(String name, String validLine, Function<Path, List<String>> args) {}

  private String model() throws Exception {
    return Path.of(getClass().getResource("/fixtures/tiny-llama").toURI()).toString();
  }

  private List<Command> commands() throws Exception {
    String model = model();
    Path out = dir.resolve("out");
    String task =
        "{\"task\": \"t\", \"variants\": [\"Say {input}\", \"Repeat {input}\"],"
            + " \"instances\": [{\"input\": \"a\", \"references\": [\"a\"]}]}";
    return List.of(
        new Command("evaluate --data", task.replace("\"t\"", "\"t1\""),
            f -> List.of("evaluate", "--model", "http://127.0.0.1:9", "--model-name", "m", "--data",
                f.toString(), "--out", out.toString(), "--no-progress")),
        new Command("pairs --groups", task.replace("\"t\"", "\"t1\""),
            f -> List.of("pairs", "--model", model, "--groups", f.toString(), "--out",
                dir.resolve("pairs.jsonl").toString())),
        new Command("train sft --data", "{\"prompt\": \"a\", \"completion\": \"b\"}",
            f -> List.of("train", "sft", "--model", model, "--data", f.toString(), "--out",
                out.toString(), "--full", "--steps", "1")),
        new Command("train cat --pairs", "{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\"}",
            f -> List.of("train", "cat", "--model", model, "--pairs", f.toString(), "--out",
                out.toString(), "--full", "--steps", "1")),
        new Command("rouge --input", "{\"prediction\": \"a b\", \"target\": \"a\"}",
            f -> List.of("rouge", "--input", f.toString())),
        new Command("consistency --input", "{\"group\": \"g1\", \"responses\": [\"a\", \"b\"]}",
            f -> List.of("consistency", "--input", f.toString(), "--similarity", "exact", "--bootstrap", "0")),
        new Command("paraphrase --input", "{\"id\": \"i1\", \"instruction\": \"Say hello.\"}",
            f -> List.of("paraphrase", "--input", f.toString(), "--n", "1")),
        new Command("reward --input",
            "{\"instruction\": \"Say hi.\", \"response\": \"hi\"}",
            f -> List.of("reward", "--model", model, "--input", f.toString())),
        new Command("generate --input", "{\"prompt\": \"a\"}",
            f -> List.of("generate", "--model", model, "--input", f.toString(), "--max-new-tokens", "1")),
        new Command("logprobs --input", "{\"prompt\": \"a\", \"completion\": \"b\"}",
            f -> List.of("logprobs", "--model", model, "--input", f.toString())));
  }

  private CliRun runOn(Command c, byte[] content) throws Exception {
    Path f = dir.resolve("input.jsonl");
    Files.write(f, content);
    return CliRun.of(c.args().apply(f).toArray(String[]::new));
  }

  private void assertRefused(Command c, byte[] content, String problem) throws Exception {
    CliRun run = runOn(c, content);
    String where = dir.resolve("input.jsonl") + ":2: ";
    assertEquals(2, run.exitCode(), c.name() + ": " + run.err());
    assertTrue(run.err().contains(where + problem), c.name() + ": " + run.err());
    assertFalse(run.err().contains("\tat "), c.name() + " printed a stack trace: " + run.err());
    assertFalse(run.err().contains("Exception"), c.name() + " printed an exception: " + run.err());
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void two_objects_on_one_line_are_refused_by_every_command() throws Exception {
    for (Command c : commands()) {
      String second = c.validLine().replace("t1", "t2").replace("i1", "i2").replace("g1", "g2");
      assertRefused(c, utf8(c.validLine() + "\n" + second + second + "\n"),
          "expected exactly one JSON value per line, found more text after it at column "
              + (second.length() + 1) + ": ");
    }
  }

  @Test
  void text_after_the_object_is_refused_by_every_command() throws Exception {
    for (Command c : commands()) {
      assertRefused(c, utf8(c.validLine() + "\n{\"x\": 1} trailing\n"),
          "expected exactly one JSON value per line, found more text after it at column 10: trailing");
    }
  }

  @Test
  void a_duplicate_key_is_refused_by_every_command() throws Exception {
    for (Command c : commands()) {
      assertRefused(c, utf8(c.validLine() + "\n{\"x\": 1, \"x\": 2}\n"),
          "not valid JSON: Duplicate field 'x'");
    }
  }

  @Test
  void invalid_utf8_is_refused_at_its_own_line_by_every_command() throws Exception {
    for (Command c : commands()) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      b.writeBytes(utf8(c.validLine() + "\n"));
      b.writeBytes(new byte[] {'{', '"', 'x', '"', ':', '"', (byte) 0xFF, '"', '}', '\n'});
      assertRefused(c, b.toByteArray(),
          "not valid UTF-8: malformed byte 0xFF at byte 7 of the line");
    }
  }

  @Test
  void a_byte_order_mark_is_skipped_on_line_one_and_refused_later_by_every_command()
      throws Exception {
    for (Command c : commands()) {
      // With the mark skipped, line 1 is valid and the mistake reported is the one on line 2.
      assertRefused(c, utf8("\uFEFF" + c.validLine() + "\n\uFEFF" + c.validLine() + "\n"),
          "not valid JSON: ");
    }
  }

  @Test
  void a_line_over_the_default_limit_is_refused_quickly_without_buffering_it() throws Exception {
    List<Command> cheap = new ArrayList<>();
    for (Command c : commands()) {
      if (c.name().startsWith("evaluate") || c.name().startsWith("rouge")
          || c.name().startsWith("generate")) {
        cheap.add(c);
      }
    }
    byte[] huge = new byte[50 * 1024 * 1024];
    java.util.Arrays.fill(huge, (byte) 'x');
    for (Command c : cheap) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      b.writeBytes(utf8(c.validLine() + "\n{\"input\": \""));
      b.writeBytes(huge);
      b.writeBytes(utf8("\"}\n"));
      assertRefused(c, b.toByteArray(), "line is longer than the limit of 16777216 bytes");
    }
  }
}
