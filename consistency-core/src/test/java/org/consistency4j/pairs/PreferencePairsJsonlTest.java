package org.consistency4j.pairs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.consistency4j.ConsistencyException;
import org.consistency4j.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreferencePairsJsonlTest {
  @TempDir Path dir;

  @Test
  void writes_trl_keys_in_order_and_omits_unknown_scores() {
    assertEquals(
        "{\"prompt\":\"Q: 2+2?\",\"chosen\":\"4\",\"rejected\":\"5\",\"score_chosen\":0.9,\"score_rejected\":0.25}",
        PreferencePairsJsonl.toJson(new PreferencePair("Q: 2+2?", "4", "5", 0.9, 0.25)));
    assertEquals(
        "{\"prompt\":\"\",\"chosen\":\"a\\nb\",\"rejected\":\"\\\"c\\\"\"}",
        PreferencePairsJsonl.toJson(PreferencePair.unscored("", "a\nb", "\"c\"")));
  }

  @Test
  void write_replaces_the_target_atomically_and_leaves_no_temporary_file() throws IOException {
    Path file = dir.resolve("pairs.jsonl");
    Files.writeString(file, "old content\n");
    List<PreferencePair> pairs =
        List.of(new PreferencePair("p", "c", "r", 1, 0), PreferencePair.unscored("p2", "x", "y"));
    PreferencePairsJsonl.write(file, pairs);
    assertEquals(pairs, PreferencePairsJsonl.read(file));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(file), files.toList());
    }
  }

  @Test
  void write_into_a_missing_directory_fails_naming_the_file() {
    Path file = dir.resolve("missing").resolve("pairs.jsonl");
    ConsistencyException e =
        assertThrows(ConsistencyException.class, () -> PreferencePairsJsonl.write(file, List.of()));
    assertTrue(e.getMessage().startsWith("writing preference pairs to " + file + " failed"));
  }

  @Property(tries = 50)
  void write_then_read_returns_the_same_pairs(@ForAll("pairLists") List<PreferencePair> pairs)
      throws IOException {
    // jqwik properties do not get JUnit's @TempDir
    Path tmp = Files.createTempDirectory("pairs-roundtrip");
    Path file = tmp.resolve("pairs.jsonl");
    try {
      PreferencePairsJsonl.write(file, pairs);
      assertEquals(pairs, PreferencePairsJsonl.read(file));
    } finally {
      Files.deleteIfExists(file);
      Files.delete(tmp);
    }
  }

  @Provide
  Arbitrary<List<PreferencePair>> pairLists() {
    Arbitrary<String> text =
        Arbitraries.strings()
            .withCharRange(' ', '~')
            .withChars('\n', '\r', '\t', '\u00e9', '\u4e2d', '\u2028', '\\', '"')
            .ofMinLength(1)
            .ofMaxLength(30);
    Arbitrary<OptionalDouble> score =
        Arbitraries.oneOf(
            Arbitraries.just(OptionalDouble.empty()),
            Arbitraries.doubles().between(-1e6, 1e6).ofScale(10).map(OptionalDouble::of));
    return Combinators.combine(text, text, text, score, score)
        .filter((p, c, r, sc, sr) -> !PreferencePair.sameText(c, r))
        .as(PreferencePair::new)
        .list()
        .ofMaxSize(5);
  }

  @Test
  void reading_skips_blank_lines_accepts_crlf_and_ignores_extra_trl_columns() throws IOException {
    Path file = dir.resolve("in.jsonl");
    Files.writeString(
        file,
        "\n{\"prompt\":\"p\",\"chosen\":\"c\",\"rejected\":\"r\",\"source\":\"ultrafeedback\"}\r\n"
            + "   \n"
            + "{\"prompt\":\"p\",\"chosen\":\"c\",\"rejected\":\"r\",\"score_chosen\":8,\"score_rejected\":null}");
    assertEquals(
        List.of(
            PreferencePair.unscored("p", "c", "r"),
            new PreferencePair("p", "c", "r", OptionalDouble.of(8), OptionalDouble.empty())),
        PreferencePairsJsonl.read(file));
  }

  private InvalidInputException readFails(String content) throws IOException {
    Path file = dir.resolve("bad.jsonl");
    Files.writeString(file, content);
    return assertThrows(InvalidInputException.class, () -> PreferencePairsJsonl.read(file));
  }

  private String at(int line) {
    return dir.resolve("bad.jsonl") + ":" + line + ": ";
  }

  @Test
  void every_record_rule_is_reported_with_file_line_field_and_value() throws IOException {
    String ok = "{\"prompt\":\"p\",\"chosen\":\"c\",\"rejected\":\"r\"}\n";
    assertEquals(
        at(2) + "missing field \"chosen\"",
        readFails(ok + "{\"prompt\":\"p\",\"rejected\":\"r\"}\n").getMessage());
    assertEquals(
        at(1) + "field \"prompt\" must be a string, found array",
        readFails("{\"prompt\":[{\"role\":\"user\"}],\"chosen\":\"c\",\"rejected\":\"r\"}")
            .getMessage());
    assertEquals(
        at(1) + "field \"rejected\" must be a string, found number 3",
        readFails("{\"prompt\":\"p\",\"chosen\":\"c\",\"rejected\":3}").getMessage());
    assertEquals(
        at(1) + "field \"score_chosen\" must be a number, found string",
        readFails("{\"prompt\":\"p\",\"chosen\":\"c\",\"rejected\":\"r\",\"score_chosen\":\"0.5\"}")
            .getMessage());
    assertEquals(
        at(1) + "field \"score_rejected\" must be finite, found Infinity",
        readFails("{\"prompt\":\"p\",\"chosen\":\"c\",\"rejected\":\"r\",\"score_rejected\":1e400}")
            .getMessage());
    assertEquals(
        at(1) + "chosen must not be empty",
        readFails("{\"prompt\":\"p\",\"chosen\":\"\",\"rejected\":\"r\"}").getMessage());
    assertEquals(
        at(1) + "chosen and rejected must differ, both are \"same\"",
        readFails("{\"prompt\":\"p\",\"chosen\":\"same\",\"rejected\":\"same \"}").getMessage());
    assertEquals(
        at(3) + "expected a JSON object, found array", readFails(ok + ok + "[1,2]").getMessage());
  }

  @Test
  void malformed_json_duplicate_keys_and_trailing_content_are_errors() throws IOException {
    assertTrue(readFails("{\"prompt\":").getMessage().startsWith(at(1) + "not valid JSON: "));
    assertTrue(
        readFails("{\"prompt\":\"p\",\"prompt\":\"q\",\"chosen\":\"c\",\"rejected\":\"r\"}")
            .getMessage()
            .startsWith(at(1) + "not valid JSON: Duplicate field 'prompt'"));
    assertTrue(
        readFails("{\"prompt\":\"p\",\"chosen\":\"c\",\"rejected\":\"r\"} {}")
            .getMessage()
            .startsWith(at(1) + "expected exactly one JSON value per line, found more text after it"));
  }

  @Test
  void an_overlong_line_is_refused_without_reading_it_whole() throws IOException {
    Path file = dir.resolve("long.jsonl");
    Files.writeString(file, "{\"prompt\":\"p\",\"chosen\":\"c\",\"rejected\":\"r\"}\n" + "x".repeat(100_000));
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class, () -> PreferencePairsJsonl.forEach(file, 1000, p -> {}));
    assertEquals(
        file + ":2: line is longer than the limit of 1000 bytes (maxLineBytes)", e.getMessage());
    assertEquals(2L, e.line().orElseThrow());
  }

  @Test
  void invalid_utf8_is_reported_with_its_line() throws IOException {
    Path file = dir.resolve("latin1.jsonl");
    byte[] ok = "{\"prompt\":\"p\",\"chosen\":\"c\",\"rejected\":\"r\"}\n".getBytes(StandardCharsets.UTF_8);
    byte[] bad = {'{', '"', (byte) 0xE9, '"', '}', '\n'};
    byte[] all = new byte[ok.length + bad.length];
    System.arraycopy(ok, 0, all, 0, ok.length);
    System.arraycopy(bad, 0, all, ok.length, bad.length);
    Files.write(file, all);
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> PreferencePairsJsonl.read(file));
    assertEquals(
        file + ":2: not valid UTF-8: malformed byte 0xE9 at byte 3 of the line", e.getMessage());
  }

  @Test
  void a_missing_file_or_a_directory_is_bad_input_naming_it() {
    Path file = dir.resolve("nope.jsonl");
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> PreferencePairsJsonl.read(file));
    assertEquals(file + ": file not found", e.getMessage());
    InvalidInputException d =
        assertThrows(InvalidInputException.class, () -> PreferencePairsJsonl.read(dir));
    assertEquals(dir + ": is a directory, expected a JSONL file", d.getMessage());
  }

  @Test
  void pair_records_validate_their_fields() {
    assertEquals(
        "rejected must not be empty",
        assertThrows(IllegalArgumentException.class, () -> PreferencePair.unscored("p", "c", ""))
            .getMessage());
    assertEquals(
        "scoreChosen must be finite, found NaN",
        assertThrows(
                IllegalArgumentException.class,
                () -> new PreferencePair("p", "c", "r", Double.NaN, 0))
            .getMessage());
    assertEquals(
        "scoreRejected must be finite, found -Infinity",
        assertThrows(
                IllegalArgumentException.class,
                () -> new PreferencePair("p", "c", "r", 0, Double.NEGATIVE_INFINITY))
            .getMessage());
    assertEquals(
        "prompt must not be null",
        assertThrows(NullPointerException.class, () -> PreferencePair.unscored(null, "c", "r"))
            .getMessage());
    assertEquals(
        "chosen and rejected must differ, both are \"" + "y".repeat(40) + "...\"",
        assertThrows(
                IllegalArgumentException.class,
                () -> PreferencePair.unscored("p", "y".repeat(50), "y".repeat(50)))
            .getMessage());
  }
}
