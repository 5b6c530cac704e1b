package org.consistency4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.consistency4j.text.RougeTokenizer;
import org.junit.jupiter.api.Test;

class TokenIdsTest {

  /** The ids the string tokenizer implies: dense, in order of first appearance. */
  static List<Integer> expectedIds(List<String> tokens, Map<String, Integer> vocabulary) {
    List<Integer> ids = new ArrayList<>();
    for (String t : tokens) {
      ids.add(vocabulary.computeIfAbsent(t, k -> vocabulary.size()));
    }
    return ids;
  }

  static List<Integer> list(IntList l) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < l.size(); i++) {
      out.add(l.get(i));
    }
    return out;
  }

  @Provide
  Arbitrary<String> texts() {
    Arbitrary<String> pieces =
        Arbitraries.of(
            "The", "running", "runs", "runner", "DOGS", "dog", "caf\u00e9", "\u212Aelvin",
            "\u0130stanbul", "don't", "3.14", "e-mail", "\u6771\u4eac", "happily", "happy",
            "generalization", "general", " ", "\n", ".", "abc123", "a", "b", "abcdefghi",
            "abcdefghij", "abcdefghijk", "zzzzzzzzz", "zzzzzzzzzz", "internationalization",
            "nationalization", "relational", "relationals", "999999999", "9999999999");
    return Arbitraries.oneOf(
        pieces.list().ofMaxSize(60).map(l -> String.join(" ", l)),
        Arbitraries.strings().withCharRange(' ', '\u017f').ofMaxLength(200));
  }

  @Property(tries = 300)
  void ids_follow_the_string_tokenizer(
      @ForAll("texts") String a, @ForAll("texts") String b, @ForAll boolean stem) {
    TokenIds ids = new TokenIds();
    ids.reset();
    IntList ta = new IntList(4);
    IntList tb = new IntList(4);
    ids.tokenize(a, stem, ta, null, true);
    ids.tokenize(b, stem, tb, null, true);
    Map<String, Integer> vocabulary = new HashMap<>();
    assertEquals(expectedIds(RougeTokenizer.tokenize(a, stem), vocabulary), list(ta));
    assertEquals(expectedIds(RougeTokenizer.tokenize(b, stem), vocabulary), list(tb));
    assertEquals(vocabulary.size(), ids.size());

    // A reset starts over; lookup-only mode marks unseen tokens UNKNOWN.
    ids.reset();
    IntList la = new IntList(4);
    IntList lb = new IntList(4);
    ids.tokenize(a, stem, la, null, true);
    ids.tokenize(b, stem, lb, null, false);
    assertEquals(list(ta), list(la));
    for (int i = 0; i < lb.size(); i++) {
      int expected = tb.get(i) < ta.size() && list(ta).contains(tb.get(i)) ? tb.get(i) : TokenIds.UNKNOWN;
      assertEquals(expected, lb.get(i));
    }
  }

  @Test
  void ids_follow_the_string_tokenizer_for_every_code_point_between_letters() {
    TokenIds ids = new TokenIds();
    List<String> mismatches = new ArrayList<>();
    for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
      String text = "a" + new String(Character.toChars(cp)) + "b a";
      ids.reset();
      IntList out = new IntList(8);
      ids.tokenize(text, false, out, null, true);
      List<Integer> expected = expectedIds(RougeTokenizer.tokenize(text, false), new HashMap<>());
      if (!expected.equals(list(out))) {
        mismatches.add(Integer.toHexString(cp) + ": " + list(out) + " != " + expected);
      }
    }
    assertEquals(List.of(), mismatches);
  }

  @Test
  void line_starts_split_tokens_into_the_lines_of_the_text() {
    TokenIds ids = new TokenIds();
    ids.reset();
    IntList tokens = new IntList(4);
    IntList starts = new IntList(4);
    ids.tokenize("a b\n\nc, d\ne\n", false, tokens, starts, true);
    assertEquals(List.of(0, 1, 2, 3, 4), list(tokens));
    assertEquals(List.of(2, 2, 4, 5), list(starts));
    int[][] sentences = Workspace.sentences(tokens, starts);
    assertEquals(5, sentences.length);
    assertEquals(List.of(0, 1), List.of(sentences[0][0], sentences[0][1]));
    assertEquals(0, sentences[1].length);
    assertEquals(0, sentences[4].length);
  }

  @Test
  void tokens_around_the_nine_character_packing_limit_keep_distinct_ids() {
    TokenIds ids = new TokenIds();
    for (boolean stem : new boolean[] {false, true}) {
      ids.reset();
      StringBuilder text = new StringBuilder();
      for (int len = 1; len <= 20; len++) {
        text.append("z".repeat(len)).append(' ').append("y".repeat(len - 1)).append("z ");
      }
      String t = text.toString();
      IntList out = new IntList(4);
      ids.tokenize(t + t, stem, out, null, true);
      assertEquals(expectedIds(RougeTokenizer.tokenize(t + t, stem), new HashMap<>()), list(out));
    }
  }

  @Test
  void many_distinct_tokens_grow_the_table_and_keep_ids_stable() {
    TokenIds ids = new TokenIds();
    ids.reset();
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 5000; i++) {
      text.append("w").append(i).append(' ');
    }
    IntList first = new IntList(4);
    ids.tokenize(text.toString(), false, first, null, true);
    IntList again = new IntList(4);
    ids.tokenize(text.toString(), false, again, null, false);
    assertEquals(5000, ids.size());
    assertEquals(list(first), list(again));
    assertEquals(4999, first.get(4999));
  }
}
