package org.consistency4j.train;

import java.util.Arrays;
import java.util.OptionalInt;
import org.consistency4j.internal.Check;

/**
 * One tokenized supervised example: token ids and labels of the same length, labels {@code -100} where
 * the token is not a target (the prompt) and equal to the token where it is (the completion), in the
 * Hugging Face convention (the loss shifts them). Arrays are copied in and out; immutable.
 *
 * @param inputIds token ids, non-empty
 * @param labels same length as {@code inputIds}
 */
public record SftExample(int[] inputIds, int[] labels) {
  /** Validates the lengths and copies the arrays. */
  public SftExample {
    Check.notNull(inputIds, "inputIds");
    Check.notNull(labels, "labels");
    Check.argument(inputIds.length > 0, "inputIds must not be empty");
    Check.sameSize(inputIds.length, "inputIds", labels.length, "labels");
    inputIds = inputIds.clone();
    labels = labels.clone();
  }

  /**
   * An example whose targets are the completion tokens.
   *
   * @param prompt prompt token ids (may be empty)
   * @param completion completion token ids (non-empty)
   */
  public static SftExample of(int[] prompt, int[] completion) {
    Check.argument(completion.length > 0, "completion must not be empty");
    int[] ids = new int[prompt.length + completion.length];
    int[] labels = new int[ids.length];
    System.arraycopy(prompt, 0, ids, 0, prompt.length);
    System.arraycopy(completion, 0, ids, prompt.length, completion.length);
    Arrays.fill(labels, 0, prompt.length, (int) LmLosses.IGNORE_INDEX);
    System.arraycopy(completion, 0, labels, prompt.length, completion.length);
    return new SftExample(ids, labels);
  }

  /** {@code ids} followed by the EOS id when there is one. */
  static int[] withEos(int[] ids, OptionalInt eos) {
    if (eos.isEmpty()) {
      return ids;
    }
    int[] out = Arrays.copyOf(ids, ids.length + 1);
    out[ids.length] = eos.getAsInt();
    return out;
  }

  /** Number of tokens. */
  public int length() {
    return inputIds.length;
  }

  /** Number of target tokens that the loss sees (labels at positions 1..n-1 that are not -100). */
  public int targetCount() {
    int n = 0;
    for (int i = 1; i < labels.length; i++) {
      if (labels[i] != LmLosses.IGNORE_INDEX) {
        n++;
      }
    }
    return n;
  }

  /** A copy of the ids. */
  @Override
  public int[] inputIds() {
    return inputIds.clone();
  }

  /** A copy of the labels. */
  @Override
  public int[] labels() {
    return labels.clone();
  }

  /** The first {@code max} tokens (this example if not longer). */
  public SftExample truncate(int max) {
    Check.positive(max, "max");
    if (inputIds.length <= max) {
      return this;
    }
    return new SftExample(Arrays.copyOf(inputIds, max), Arrays.copyOf(labels, max));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SftExample e
        && Arrays.equals(inputIds, e.inputIds)
        && Arrays.equals(labels, e.labels);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(inputIds) * 31 + Arrays.hashCode(labels);
  }

  @Override
  public String toString() {
    return "SftExample[length=" + inputIds.length + ", targets=" + targetCount() + "]";
  }
}
