package org.consistency4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class LcsRowsTest {

  @Provide
  Arbitrary<List<int[]>> sequences() {
    // Lengths around the 64-bit word boundaries, over small alphabets so that matches are common.
    Arbitrary<int[]> seq =
        Arbitraries.integers()
            .between(0, 5)
            .array(int[].class)
            .ofMinSize(0)
            .ofMaxSize(200)
            .edgeCases(c -> c.add(new int[63]).add(new int[64]).add(new int[65]).add(new int[128]));
    return seq.list().ofMinSize(1).ofMaxSize(6);
  }

  @Property(tries = 300)
  void bit_parallel_lengths_equal_the_dynamic_program(@ForAll("sequences") List<int[]> seqs) {
    LcsRows rows = new LcsRows(6);
    for (int[] a : seqs) {
      rows.load(a);
      for (int[] b : seqs) {
        assertEquals(Lcs.lengthDp(a, b), rows.lcs(b));
      }
    }
  }

  @Test
  void multi_word_rows_carry_between_words() {
    int[] a = new int[130];
    int[] b = new int[130];
    for (int i = 0; i < 130; i++) {
      a[i] = i % 7;
      b[i] = (i * 3) % 7;
    }
    LcsRows rows = new LcsRows(7);
    rows.load(a);
    assertEquals(Lcs.lengthDp(a, b), rows.lcs(b));
    assertEquals(130, rows.lcs(a));
    rows.load(new int[0]);
    assertEquals(0, rows.lcs(b));
  }
}
