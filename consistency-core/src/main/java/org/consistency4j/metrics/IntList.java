package org.consistency4j.metrics;

import java.util.Arrays;

/** A growable int array (no boxing). Package-private; not thread-safe. */
final class IntList {
  private int[] a;
  private int size;

  IntList(int capacity) {
    a = new int[capacity];
  }

  void add(int v) {
    if (size == a.length) {
      a = Arrays.copyOf(a, a.length * 2 + 8);
    }
    a[size++] = v;
  }

  int size() {
    return size;
  }

  int get(int i) {
    return a[i];
  }

  /** The backing array; entries at or above {@link #size()} are garbage. */
  int[] array() {
    return a;
  }

  /** Empties the list, dropping the backing array if it grew beyond {@code retainLimit}. */
  void clear(int retainLimit) {
    size = 0;
    if (a.length > retainLimit) {
      a = new int[64];
    }
  }

  int[] toArray(int from, int to) {
    return Arrays.copyOfRange(a, from, to);
  }
}
