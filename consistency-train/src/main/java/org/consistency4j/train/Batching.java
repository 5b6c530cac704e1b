package org.consistency4j.train;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.consistency4j.internal.Check;

/**
 * Seeded shuffling and length-bucketed batching. Each epoch: the examples are permuted with a generator
 * derived from (seed, epoch); consecutive windows of {@code window * batchSize} examples are sorted by
 * length and cut into batches (so a batch holds examples of similar length and pads little); then the
 * batch order is shuffled. The layout depends only on the arguments, so a resumed run sees exactly the
 * same batches. Stateless.
 */
public final class Batching {
  private Batching() {}

  /**
   * The batches of one epoch, as lists of example indices.
   *
   * @param lengths length of each example
   * @param batchSize examples per batch, &gt; 0 (the last batch of a window may be smaller)
   * @param window batches per sorting window, &gt; 0 (1 = no bucketing)
   */
  public static List<int[]> epoch(int[] lengths, int batchSize, int window, long seed, int epoch) {
    Check.positive(batchSize, "batchSize");
    Check.positive(window, "window");
    Check.nonNegative(epoch, "epoch");
    int n = lengths.length;
    SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
    Integer[] perm = new Integer[n];
    for (int i = 0; i < n; i++) {
      perm[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      Integer t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    List<int[]> batches = new ArrayList<>();
    int span = batchSize * window;
    for (int start = 0; start < n; start += span) {
      List<Integer> chunk = new ArrayList<>(List.of(perm).subList(start, Math.min(n, start + span)));
      chunk.sort(Comparator.comparingInt((Integer i) -> lengths[i]).thenComparingInt(i -> i));
      for (int b = 0; b < chunk.size(); b += batchSize) {
        batches.add(chunk.subList(b, Math.min(chunk.size(), b + batchSize)).stream()
            .mapToInt(Integer::intValue).toArray());
      }
    }
    for (int i = batches.size() - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int[] t = batches.get(i);
      batches.set(i, batches.get(j));
      batches.set(j, t);
    }
    return batches;
  }

  /**
   * Right-pads examples to the longest one: padding ids are {@code padId}, padding labels {@code -100}.
   * With causal attention, right padding does not change the logits of real tokens.
   */
  public static TrainingSession.Batch collate(List<SftExample> examples, int padId) {
    Check.notEmpty(examples, "examples");
    int seq = 0;
    for (SftExample e : examples) {
      seq = Math.max(seq, e.length());
    }
    long[] ids = new long[examples.size() * seq];
    long[] labels = new long[ids.length];
    java.util.Arrays.fill(ids, padId);
    java.util.Arrays.fill(labels, LmLosses.IGNORE_INDEX);
    for (int b = 0; b < examples.size(); b++) {
      int[] x = examples.get(b).inputIds();
      int[] y = examples.get(b).labels();
      for (int t = 0; t < x.length; t++) {
        ids[b * seq + t] = x[t];
        labels[b * seq + t] = y[t];
      }
    }
    return new TrainingSession.Batch(ids, labels, examples.size(), seq);
  }
}
