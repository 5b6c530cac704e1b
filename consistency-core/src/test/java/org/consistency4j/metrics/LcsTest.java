package org.consistency4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class LcsTest {

  /** Renumbers {@code a} densely from 0 and maps {@code b} onto those ids (others -> UNKNOWN). */
  static int[][] dense(int[] a, int[] b) {
    java.util.Map<Integer, Integer> ids = new java.util.HashMap<>();
    int[] da = new int[a.length];
    for (int i = 0; i < a.length; i++) {
      da[i] = ids.computeIfAbsent(a[i], k -> ids.size());
    }
    int[] db = new int[b.length];
    for (int j = 0; j < b.length; j++) {
      db[j] = ids.getOrDefault(b[j], TokenIds.UNKNOWN);
    }
    return new int[][] {da, db, {ids.size()}};
  }

  static int bitParallel(int[] a, int[] b) {
    int[][] d = dense(a, b);
    int alphabet = d[2][0];
    long[] masks = new long[Lcs.scratchFor(a.length, b.length, alphabet)];
    Arrays.fill(masks, 0x5555_5555_5555_5555L); // garbage: the method must not rely on zeros
    return Lcs.lengthBitParallel(d[0], a.length, d[1], b.length, alphabet, masks);
  }

  @Provide
  Arbitrary<int[]> sequences() {
    // Small alphabets give many matches; lengths cross the 64- and 128-row block boundaries.
    return Arbitraries.integers()
        .between(2, 12)
        .flatMap(
            k ->
                Arbitraries.integers()
                    .between(0, k)
                    .array(int[].class)
                    .ofMaxSize(200));
  }

  @Property(tries = 300)
  void bit_parallel_lcs_equals_the_dynamic_program(
      @ForAll("sequences") int[] a, @ForAll("sequences") int[] b) {
    assertEquals(Lcs.lengthDp(a, b), bitParallel(a, b));
  }

  @Property(tries = 100)
  void shared_vocabulary_ids_and_lcs_length_agree_with_the_string_path(
      @ForAll("sequences") int[] a, @ForAll("sequences") int[] b, @ForAll boolean stem) {
    String ta = words(a);
    String tb = words(b);
    int[][] ids = Rouge.tokenIds(List.of(ta, tb), stem);
    assertEquals(3, ids.length);
    assertEquals(Lcs.lengthDp(ids[0], ids[1]), Rouge.lcsLength(ids[0], ids[1], ids[2][0]));
    RougeScore expected = Rouge.rougeL(ta, tb, stem);
    int lcs = Rouge.lcsLength(ids[1], ids[0], ids[2][0]);
    assertEquals(expected, RougeMath.rougeL(ids[0].length, ids[1].length, lcs));
  }

  private static String words(int[] ids) {
    String[] vocabulary = {"the", "cats", "cat", "running", "runs", "a", "of", "dogs", "dog", "on", "x", "y", "z"};
    StringBuilder sb = new StringBuilder();
    for (int id : ids) {
      sb.append(vocabulary[id % vocabulary.length]).append(id % 3 == 0 ? ", " : " ");
    }
    return sb.toString();
  }

  @Test
  void bit_parallel_lcs_equals_the_dynamic_program_at_block_boundaries() {
    Random random = new Random(20240321L);
    for (int m : new int[] {1, 63, 64, 65, 127, 128, 129, 300}) {
      for (int n : new int[] {0, 1, 64, 65, 200}) {
        for (int alphabet : new int[] {1, 2, 5, 50}) {
          int[] a = random.ints(m, 0, alphabet).toArray();
          int[] b = random.ints(n, 0, alphabet + 2).toArray();
          assertEquals(Lcs.lengthDp(a, b), bitParallel(a, b), m + "x" + n + " over " + alphabet);
        }
      }
    }
  }

  @Test
  void lcs_of_identical_all_equal_sequences_carries_across_words() {
    int[] a = new int[1000];
    assertEquals(1000, bitParallel(a, a));
    assertEquals(500, bitParallel(a, new int[500]));
  }

  @Property(tries = 300)
  void bit_packed_backtracking_marks_the_same_indices_as_the_int_table(
      @ForAll("sequences") int[] ref, @ForAll("sequences") int[] can) {
    boolean[] expected = new boolean[ref.length];
    Lcs.markBacktrackedLcs(ref, can, expected, new int[(ref.length + 1) * (can.length + 1)]);
    boolean[] actual = new boolean[ref.length];
    LcsBacktracker backtracker = new LcsBacktracker(13);
    backtracker.setReference(new int[] {1, 2, 3}); // a previous reference must not leak
    backtracker.setReference(ref);
    backtracker.mark(can, actual);
    assertEquals(Arrays.toString(expected), Arrays.toString(actual));
  }

  @Test
  void bit_packed_backtracking_matches_the_int_table_across_many_words() {
    Random random = new Random(7L);
    for (int trial = 0; trial < 40; trial++) {
      int[] ref = random.ints(1 + random.nextInt(400), 0, 6).toArray();
      int[] can = random.ints(random.nextInt(400), 0, 8).toArray();
      boolean[] expected = new boolean[ref.length];
      Lcs.markBacktrackedLcs(ref, can, expected, new int[(ref.length + 1) * (can.length + 1)]);
      boolean[] actual = new boolean[ref.length];
      LcsBacktracker backtracker = new LcsBacktracker(8);
      backtracker.setReference(ref);
      backtracker.mark(can, actual);
      assertEquals(Arrays.toString(expected), Arrays.toString(actual), "trial " + trial);
    }
  }

  @Test
  void backtracking_breaks_ties_upwards_as_rouge_score_does() {
    // ref = [a, b], can = [b, a]: both "a" and "b" are an LCS. Ties move up (drop the reference's
    // last token), so rouge-score keeps the first reference token: index 0.
    int[] ref = {0, 1};
    int[] can = {1, 0};
    boolean[] hit = new boolean[2];
    Lcs.markBacktrackedLcs(ref, can, hit, new int[9]);
    assertEquals(List.of(true, false), List.of(hit[0], hit[1]));
    boolean[] bits = new boolean[2];
    LcsBacktracker backtracker = new LcsBacktracker(2);
    backtracker.setReference(ref);
    backtracker.mark(can, bits);
    assertEquals(List.of(true, false), List.of(bits[0], bits[1]));
  }
}
