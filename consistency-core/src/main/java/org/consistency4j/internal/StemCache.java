package org.consistency4j.internal;

import java.util.concurrent.ConcurrentHashMap;
import org.consistency4j.text.PorterStemmer;

/**
 * A bounded, thread-safe cache of {@link PorterStemmer#stem} results. Stemming is a pure function,
 * so a cached answer is always the same as a fresh one; the cache only saves time. When it holds
 * {@link #MAX_ENTRIES} words it is cleared, which bounds memory on unbounded vocabularies while
 * keeping typical vocabularies (tens of thousands of words) resident. Internal: not part of the
 * public API.
 */
public final class StemCache {
  /** Maximum number of cached words before the cache is cleared. */
  public static final int MAX_ENTRIES = 200_000;

  private static final ConcurrentHashMap<String, String> CACHE = new ConcurrentHashMap<>(4096);

  private StemCache() {}

  /** The stem of {@code word}, from the cache when present. */
  public static String stem(String word) {
    String stem = CACHE.get(word);
    if (stem == null) {
      stem = PorterStemmer.stem(word);
      if (CACHE.size() >= MAX_ENTRIES) {
        CACHE.clear();
      }
      CACHE.put(word, stem);
    }
    return stem;
  }
}
