package org.consistency4j.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PorterStemmerTest {

  /** One row of porter_stems.tsv. */
  record StemRow(int line, String word, String nltkStem, String rougeToken) {}

  static List<StemRow> stemTable() throws IOException {
    List<StemRow> rows = new ArrayList<>();
    try (InputStream in =
            Objects.requireNonNull(
                PorterStemmerTest.class.getResourceAsStream("/rouge/porter_stems.tsv"));
        BufferedReader reader =
            new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      int number = 0;
      while ((line = reader.readLine()) != null) {
        number++;
        if (line.startsWith("#")) {
          continue;
        }
        String[] f = line.split("\t", -1);
        assertEquals(3, f.length, "porter_stems.tsv:" + number + ": expected 3 fields");
        rows.add(new StemRow(number, f[0], f[1], f[2]));
      }
    }
    return rows;
  }

  @Test
  void stem_matches_nltk_on_every_word_of_the_conformance_table() throws IOException {
    List<StemRow> rows = stemTable();
    assertEquals(24_131, rows.size());
    List<String> failures = new ArrayList<>();
    for (StemRow row : rows) {
      String actual = PorterStemmer.stem(row.word());
      if (!actual.equals(row.nltkStem())) {
        failures.add(row.word() + " -> " + actual + " (nltk: " + row.nltkStem() + ")");
      }
    }
    assertEquals(List.of(), failures.subList(0, Math.min(20, failures.size())));
  }

  @Test
  void rouge_tokenizer_with_stemmer_matches_rouge_score_on_every_word_of_the_table()
      throws IOException {
    List<String> failures = new ArrayList<>();
    for (StemRow row : stemTable()) {
      List<String> actual = RougeTokenizer.tokenize(row.word(), true);
      if (!actual.equals(List.of(row.rougeToken()))) {
        failures.add(row.word() + " -> " + actual + " (rouge-score: " + row.rougeToken() + ")");
      }
    }
    assertEquals(List.of(), failures.subList(0, Math.min(20, failures.size())));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "skies, sky", "sky, sky", "dying, die", "lying, lie", "tying, tie", "news, news",
    "innings, inning", "outings, outing", "cannings, canning", "howe, howe",
    "proceed, proceed", "exceed, exceed", "succeed, succeed",
    "dies, die", "cries, cri", "died, die", "spied, spi", "hopefully, hope", "analogi, analog",
    "caresses, caress", "ponies, poni", "agreed, agre", "hopping, hop", "filing, file",
    "happy, happi", "enjoy, enjoy", "relational, relat", "generalization, gener",
    "controll, control", "is, is", "a, a"
  })
  void stem_follows_nltk_extensions_on_documented_examples(String word, String stem) {
    assertEquals(stem, PorterStemmer.stem(word));
  }

  @Test
  void stem_lowercases_its_input_but_looks_up_irregular_forms_as_given() {
    assertEquals("run", PorterStemmer.stem("RUNNING"));
    // NLTK checks its irregular-form table before lowercasing: "SKIES" is stemmed by the rules.
    assertEquals("ski", PorterStemmer.stem("SKIES"));
    assertEquals("sky", PorterStemmer.stem("skies"));
  }

  @Test
  void stem_handles_very_long_words_without_deep_recursion() {
    // NLTK defines "consonant" recursively through runs of y; 200,000 of them must not overflow.
    String ys = "y".repeat(200_000);
    String stem = PorterStemmer.stem(ys);
    assertEquals(200_000, stem.length());
    assertEquals("y".repeat(199_999) + "i", stem);
    assertEquals("sky", PorterStemmer.stem("sky"));
  }

  @Test
  void stem_of_empty_and_short_words_is_the_word() {
    assertEquals("", PorterStemmer.stem(""));
    assertEquals("ab", PorterStemmer.stem("ab"));
    assertEquals("abc", PorterStemmer.stem("abc"));
  }

  @Test
  void stem_rejects_null_naming_the_parameter() {
    NullPointerException e = assertThrows(NullPointerException.class, () -> PorterStemmer.stem(null));
    assertEquals("word must not be null", e.getMessage());
  }
}
