package org.consistency4j.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class RougeTokenizerTest {

  /** rouge-score's tokenizer written as literally as possible: lower, regex, split, stem, filter. */
  static List<String> reference(String text, boolean useStemmer) {
    String lower = text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", " ");
    List<String> tokens = new ArrayList<>();
    for (String t : lower.split("\\s+")) {
      String token = useStemmer && t.length() > 3 ? PorterStemmer.stem(t) : t;
      if (token.matches("^[a-z0-9]+$")) {
        tokens.add(token);
      }
    }
    return tokens;
  }

  @Test
  void tokenize_splits_on_every_run_outside_lowercase_ascii_letters_and_digits() {
    assertEquals(List.of("caf"), RougeTokenizer.tokenize("Café", false));
    assertEquals(List.of("don", "t"), RougeTokenizer.tokenize("don't", false));
    assertEquals(List.of("3", "14"), RougeTokenizer.tokenize("3.14", false));
    assertEquals(List.of("snake", "case", "e", "mail"), RougeTokenizer.tokenize("snake_case e-mail", false));
    assertEquals(List.of("a", "b"), RougeTokenizer.tokenize("a\r\nb\t\u00a0", false));
    assertEquals(List.of(), RougeTokenizer.tokenize("", false));
    assertEquals(List.of(), RougeTokenizer.tokenize(" ,.!? \n", false));
    assertEquals(List.of("hello", "world"), RougeTokenizer.tokenize("  HELLO, World!!  ", false));
  }

  @Test
  void tokenize_maps_the_two_non_ascii_letters_that_lowercase_to_ascii() {
    // U+212A KELVIN SIGN lowercases to "k"; U+0130 to "i" + U+0307, which separates.
    assertEquals(List.of("kelvin"), RougeTokenizer.tokenize("\u212Aelvin", false));
    assertEquals(List.of("i", "stanbul"), RougeTokenizer.tokenize("\u0130stanbul", false));
    assertEquals(List.of("ai", "b"), RougeTokenizer.tokenize("A\u0130B", false));
  }

  @Test
  void tokenize_stems_only_tokens_longer_than_three_characters() {
    assertEquals(List.of("was", "its", "has", "thi", "doe"), RougeTokenizer.tokenize("was its has this does", true));
    assertEquals(List.of("run", "dog"), RougeTokenizer.tokenize("Running dogs", true));
    assertEquals(List.of("running", "dogs"), RougeTokenizer.tokenize("Running dogs", false));
  }

  @Test
  void tokenize_agrees_with_the_reference_for_every_code_point_between_letters() {
    List<String> mismatches = new ArrayList<>();
    for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
      if (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) {
        continue; // lone surrogates: covered by the property below through random strings
      }
      String text = "a" + new String(Character.toChars(cp)) + "b";
      List<String> expected = reference(text, false);
      List<String> actual = RougeTokenizer.tokenize(text, false);
      if (!expected.equals(actual)) {
        mismatches.add(Integer.toHexString(cp) + ": " + actual + " != " + expected);
      }
    }
    assertEquals(List.of(), mismatches);
  }

  @Property(tries = 300)
  void tokenize_agrees_with_the_reference_on_random_text(
      @ForAll("texts") String text, @ForAll boolean useStemmer) {
    assertEquals(reference(text, useStemmer), RougeTokenizer.tokenize(text, useStemmer));
  }

  @Provide
  Arbitrary<String> texts() {
    Arbitrary<String> words =
        Arbitraries.of(
            "The", "running", "DOGS", "caf\u00e9", "\u212Aelvin", "\u0130stanbul", "don't", "3.14",
            "e-mail", "na\u00efve", "\u6771\u4eac", "\ud83d\ude00", "happily", "generalization",
            "\u00c9T\u00c9", "x_y", "  ", "\n", "\r\n", "\t", ".", ",", "abc123", "Stra\u00dfe");
    Arbitrary<String> mixed =
        Arbitraries.strings().withCharRange('\u0000', '\u024f').withChars('\u212A', '\u0130', '\ud83d', '\ude00').ofMaxLength(30);
    return Arbitraries.oneOf(
        words.list().ofMaxSize(20).map(l -> String.join(" ", l)),
        words.list().ofMaxSize(20).map(l -> String.join("", l)),
        mixed);
  }

  @Test
  void tokenize_rejects_null_naming_the_parameter() {
    NullPointerException e =
        assertThrows(NullPointerException.class, () -> RougeTokenizer.tokenize(null, false));
    assertEquals("text must not be null", e.getMessage());
  }
}
