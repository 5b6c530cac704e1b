package org.consistency4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class BatchingTest {
  @Property(tries = 50)
  void every_example_appears_exactly_once_per_epoch_and_sorting_stays_within_windows(
      @ForAll @IntRange(min = 1, max = 60) int n,
      @ForAll @IntRange(min = 1, max = 7) int batchSize,
      @ForAll @IntRange(min = 1, max = 4) int window,
      @ForAll long seed,
      @ForAll @IntRange(min = 0, max = 3) int epoch) {
    SplittableRandom rng = new SplittableRandom(seed);
    int[] lengths = new int[n];
    for (int i = 0; i < n; i++) {
      lengths[i] = 1 + rng.nextInt(50);
    }
    List<int[]> batches = Batching.epoch(lengths, batchSize, window, seed, epoch);
    assertEquals((n + batchSize - 1) / batchSize, batches.size());
    int[] seen = new int[n];
    for (int[] b : batches) {
      assertTrue(b.length >= 1 && b.length <= batchSize);
      for (int i = 1; i < b.length; i++) {
        assertTrue(lengths[b[i - 1]] <= lengths[b[i]], "sorted by length inside a batch");
      }
      for (int i : b) {
        seen[i]++;
      }
    }
    int[] ones = new int[n];
    Arrays.fill(ones, 1);
    assertArrayEquals(ones, seen);
    List<int[]> again = Batching.epoch(lengths, batchSize, window, seed, epoch);
    for (int i = 0; i < batches.size(); i++) {
      assertArrayEquals(batches.get(i), again.get(i));
    }
  }

  @Test
  void different_epochs_have_different_orders() {
    int[] lengths = new int[40];
    Arrays.fill(lengths, 5);
    List<int[]> a = Batching.epoch(lengths, 4, 1, 3, 0);
    List<int[]> b = Batching.epoch(lengths, 4, 1, 3, 1);
    boolean differ = false;
    for (int i = 0; i < a.size(); i++) {
      differ |= !Arrays.equals(a.get(i), b.get(i));
    }
    assertTrue(differ);
  }

  @Test
  void collate_right_pads_ids_and_ignores_padded_labels() {
    SftExample a = SftExample.of(new int[] {5}, new int[] {6, 7});
    SftExample b = SftExample.of(new int[] {8}, new int[] {9});
    TrainingSession.Batch batch = Batching.collate(List.of(a, b), 0);
    assertEquals(2, batch.batchSize());
    assertEquals(3, batch.seqLen());
    assertArrayEquals(new long[] {5, 6, 7, 8, 9, 0}, batch.inputIds());
    assertArrayEquals(new long[] {-100, 6, 7, -100, 9, -100}, batch.labels());
  }
}
