package org.consistency4j.metrics;

import java.util.Arrays;
import org.consistency4j.internal.RougeChars;
import org.consistency4j.internal.StemCache;

/**
 * The allocation-free scoring path: tokenizes texts exactly as {@link
 * org.consistency4j.text.RougeTokenizer} does, but straight into int ids (equal tokens get equal
 * ids, assigned in order of first appearance since the last {@link #reset()}), in one pass over the
 * UTF-16 units, without building strings.
 *
 * <p>Token characters are 7-bit ASCII ({@code [a-z0-9]}, all nonzero), so a token of up to 9
 * characters is packed exactly (injectively) into one {@code long} while scanning, and looked up
 * by comparing longs; longer tokens go through a table keyed by their characters. With stemming, a
 * token longer than 3 characters is replaced by its stem from a bounded per-instance cache (keyed
 * by the packed token), backed by the shared, thread-safe {@link StemCache}.
 *
 * <p>Not thread-safe: each thread uses its own instance (see {@link Workspace}), reused across
 * calls; {@link #reset()} takes time proportional to the vocabulary it forgets. Buffers grow with
 * the largest input seen and are released when they exceed {@link #RETAINED_LIMIT} entries, so a
 * single huge input does not pin memory for the thread's lifetime.
 */
final class TokenIds {
  /** Buffers larger than this (in entries) are dropped at the next {@link #reset()}. */
  static final int RETAINED_LIMIT = 1 << 20;

  /** The id {@link #tokenize} records, in lookup-only mode, for a token never interned. */
  static final int UNKNOWN = Integer.MAX_VALUE;

  /** Result for a token whose stem is empty (rouge-score drops such tokens). */
  private static final int DROPPED = -1;

  /** Longest token packed into a long: 9 chars of 7 bits. */
  private static final int MAX_PACKED = 9;

  /** Slots of the per-instance stem caches (each holds up to half as many words). */
  private static final int STEM_SLOTS = 8192;

  private int size; // ids handed out since the reset

  // Tokens of <= 9 chars: packed key -> id + 1 (0 = empty slot); used slots listed for reset.
  private long[] shortKeys = new long[512];
  private int[] shortIds = new int[512];
  private int[] shortUsed = new int[256];
  private int shortCount;

  /** Tokens of more than 9 chars -> id. */
  private final Table longTokens = new Table();

  private char[] text = new char[256];

  // Stem cache for raw tokens of 4..9 chars: packed raw -> packed stem (0 = empty stem).
  private long[] stemShortRaw;
  private long[] stemShortValue;
  private int stemShortCount;

  // Stem cache for raw tokens of more than 9 chars.
  private char[][] stemRaw;
  private char[][] stemValue;
  private int stemCount;

  /** Forgets all ids; the next token interned gets id 0. */
  void reset() {
    if (shortKeys.length > RETAINED_LIMIT) {
      shortKeys = new long[512];
      shortIds = new int[512];
      shortUsed = new int[256];
    } else {
      for (int k = 0; k < shortCount; k++) {
        shortIds[shortUsed[k]] = 0;
      }
    }
    shortCount = 0;
    longTokens.clear();
    if (text.length > RETAINED_LIMIT) {
      text = new char[256];
    }
    size = 0;
  }

  /** The number of distinct tokens interned since the last reset; ids are below this. */
  int size() {
    return size;
  }

  /**
   * Tokenizes {@code text} and appends the token ids to {@code out}.
   *
   * @param sentenceStarts if not null, receives the index in {@code out} where each line after a
   *     {@code '\n'} starts (the first line starts at the initial {@code out.size()})
   * @param insert whether new tokens get new ids; if false they are recorded as {@link #UNKNOWN}
   */
  void tokenize(
      String text, boolean useStemmer, IntList out, IntList sentenceStarts, boolean insert) {
    int n = text.length();
    if (this.text.length < n) {
      this.text = new char[Math.max(n, this.text.length * 2)];
    }
    // Bulk-copy the text (fast for Latin-1 strings), then lowercase tokens in place: every token
    // is a contiguous run of the copy.
    char[] buf = this.text;
    text.getChars(0, n, buf, 0);
    int i = 0;
    scan:
    while (i < n) {
      int t;
      while ((t = RougeChars.classOf(buf[i])) == 0) { // separators
        if (buf[i] == '\n' && sentenceStarts != null) {
          sentenceStarts.add(out.size());
        }
        if (++i == n) {
          break scan;
        }
      }
      int start = i;
      long key = 0; // exact for up to 9 chars; ignored for longer tokens
      do { // token characters, lowercased in place
        if (t >= RougeChars.TABLE_ENDS_TOKEN) { // U+0130: "i" followed by a separator
          t -= RougeChars.TABLE_ENDS_TOKEN;
          buf[i++] = (char) t;
          key = (key << 7) | t;
          break;
        }
        buf[i++] = (char) t;
        key = (key << 7) | t;
      } while (i < n && (t = RougeChars.classOf(buf[i])) != 0);
      int len = i - start;
      int id;
      if (useStemmer && len > 3) {
        id = len <= MAX_PACKED ? stemmedShort(buf, start, len, key, insert)
            : stemmedLong(buf, start, len, insert);
      } else {
        id = len <= MAX_PACKED ? idOfKey(key, insert) : idOfLong(buf, start, len, insert);
      }
      if (id != DROPPED) {
        out.add(id);
      }
    }
  }

  private void ensureShortCapacity(int more) {
    int needed = shortCount + more;
    if (shortUsed.length < needed) {
      shortUsed = Arrays.copyOf(shortUsed, Math.max(needed, shortUsed.length * 2));
    }
    if (shortKeys.length < 2 * needed) {
      int cap = Integer.highestOneBit(2 * needed - 1) << 1;
      long[] keys = new long[cap];
      int[] ids = new int[cap];
      for (int k = 0; k < shortCount; k++) {
        int old = shortUsed[k];
        int idx = slotOf(shortKeys[old], cap - 1);
        while (ids[idx] != 0) {
          idx = (idx + 1) & (cap - 1);
        }
        keys[idx] = shortKeys[old];
        ids[idx] = shortIds[old];
        shortUsed[k] = idx;
      }
      shortKeys = keys;
      shortIds = ids;
    }
  }

  private static int slotOf(long key, int mask) {
    return (int) ((key * 0x9E3779B97F4A7C15L) >>> 32) & mask;
  }

  /** The id of the packed token {@code key}. */
  private int idOfKey(long key, boolean insert) {
    long[] keys = shortKeys;
    int[] ids = shortIds;
    int mask = keys.length - 1;
    int idx = slotOf(key, mask);
    int v;
    while ((v = ids[idx]) != 0) {
      if (keys[idx] == key) {
        return v - 1;
      }
      idx = (idx + 1) & mask;
    }
    if (!insert) {
      return UNKNOWN;
    }
    keys[idx] = key;
    ids[idx] = ++size;
    if (shortCount == shortUsed.length) {
      shortUsed = Arrays.copyOf(shortUsed, shortCount * 2);
    }
    shortUsed[shortCount++] = idx;
    if (2 * shortCount > keys.length) { // keep the load factor <= 1/2 for the next probe
      ensureShortCapacity(0);
    }
    return size - 1;
  }

  /** The id of a token of more than 9 characters. */
  private int idOfLong(char[] buf, int off, int len, boolean insert) {
    int h = 0;
    for (int k = 0; k < len; k++) {
      h = mix(h, buf[off + k]);
    }
    int e = longTokens.find(buf, off, len, h);
    if (e >= 0) {
      return longTokens.value[e];
    }
    return insert ? longTokens.addAtLastProbe(buf, off, len, h, size++) : UNKNOWN;
  }

  /** The id of any token given as chars (a stem): packed if short enough. */
  private int idOfChars(char[] buf, int off, int len, boolean insert) {
    if (len == 0) {
      return DROPPED;
    }
    if (len > MAX_PACKED) {
      return idOfLong(buf, off, len, insert);
    }
    long key = 0;
    for (int k = 0; k < len; k++) {
      key = (key << 7) | buf[off + k];
    }
    return idOfKey(key, insert);
  }

  /** Id of the stem of a raw token of 4 to 9 characters, packed as {@code key}. */
  private int stemmedShort(char[] buf, int start, int len, long key, boolean insert) {
    if (stemShortRaw == null) {
      stemShortRaw = new long[STEM_SLOTS];
      stemShortValue = new long[STEM_SLOTS];
    }
    int mask = STEM_SLOTS - 1;
    int idx = slotOf(key, mask);
    long raw;
    while ((raw = stemShortRaw[idx]) != 0L) { // raw keys of 4+ chars are never 0
      if (raw == key) {
        long stem = stemShortValue[idx];
        return stem == 0L ? DROPPED : idOfKey(stem, insert);
      }
      idx = (idx + 1) & mask;
    }
    String stem = StemCache.stem(new String(buf, start, len));
    if (stem.length() > MAX_PACKED) { // never for Porter stems (never longer than the word)
      char[] chars = stem.toCharArray();
      return idOfChars(chars, 0, chars.length, insert);
    }
    long packed = 0;
    for (int k = 0; k < stem.length(); k++) {
      packed = (packed << 7) | stem.charAt(k);
    }
    if (stemShortCount >= STEM_SLOTS / 2) {
      Arrays.fill(stemShortRaw, 0L);
      stemShortCount = 0;
      idx = slotOf(key, mask);
    }
    stemShortRaw[idx] = key;
    stemShortValue[idx] = packed;
    stemShortCount++;
    return packed == 0L ? DROPPED : idOfKey(packed, insert);
  }

  /** Id of the stem of a raw token of more than 9 characters. */
  private int stemmedLong(char[] buf, int start, int len, boolean insert) {
    char[] stem = stemOf(buf, start, len);
    return idOfChars(stem, 0, stem.length, insert);
  }

  /**
   * Adds one char to a token hash. Rotate-xor has a one-cycle dependency chain per char (a
   * multiply has three), and {@link #spread} mixes the bits before a table lookup.
   */
  private static int mix(int h, int c) {
    return Integer.rotateLeft(h, 5) ^ c;
  }

  private static int spread(int h) {
    return (h * 0x9E3779B9) ^ (h >>> 16);
  }

  private static boolean sameChars(char[] a, int aOff, char[] b, int bOff, int len) {
    for (int i = 0; i < len; i++) {
      if (a[aOff + i] != b[bOff + i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Char-sequence keys with int values, open addressing at load factor <= 1/2. A slot holds
   * {@code (hash << 32) | (entry + 1)}, 0 when empty; {@link #clear()} empties exactly the slots
   * in use, so it costs O(entries), not O(table).
   */
  private static final class Table {
    long[] slots = new long[256];
    int[] slotOf = new int[128];
    int[] start = new int[128]; // key chars are pool[start, start + length)
    int[] length = new int[128];
    int[] value = new int[128];
    char[] pool = new char[1024];
    int poolLength;
    int size;
    private int lastProbe;

    void clear() {
      if (slots.length > RETAINED_LIMIT || pool.length > RETAINED_LIMIT) {
        slots = new long[256];
        slotOf = new int[128];
        start = new int[128];
        length = new int[128];
        value = new int[128];
        pool = new char[1024];
      } else {
        for (int e = 0; e < size; e++) {
          slots[slotOf[e]] = 0L;
        }
      }
      size = 0;
      poolLength = 0;
    }

    /** Makes room for {@code more} new entries. */
    void ensureCapacity(int more) {
      int needed = size + more;
      if (slotOf.length < needed) {
        int cap = Math.max(needed, slotOf.length * 2);
        slotOf = Arrays.copyOf(slotOf, cap);
        start = Arrays.copyOf(start, cap);
        length = Arrays.copyOf(length, cap);
        value = Arrays.copyOf(value, cap);
      }
      if (slots.length < 2 * needed) {
        long[] old = slots;
        int cap = Integer.highestOneBit(2 * needed - 1) << 1;
        long[] grown = new long[cap];
        for (int e = 0; e < size; e++) {
          long s = old[slotOf[e]];
          int idx = spread((int) (s >>> 32)) & (cap - 1);
          while (grown[idx] != 0L) {
            idx = (idx + 1) & (cap - 1);
          }
          grown[idx] = s;
          slotOf[e] = idx;
        }
        slots = grown;
      }
    }

    /** The entry of key {@code buf[off, off + len)} (hash {@code h}), or -1 if absent. */
    int find(char[] buf, int off, int len, int h) {
      long[] tab = slots;
      int mask = tab.length - 1;
      int idx = spread(h) & mask;
      long s;
      while ((s = tab[idx]) != 0L) {
        if ((int) (s >>> 32) == h) {
          int e = (int) s - 1;
          if (length[e] == len && sameChars(pool, start[e], buf, off, len)) {
            return e;
          }
        }
        idx = (idx + 1) & mask;
      }
      lastProbe = idx;
      return -1;
    }

    /**
     * Adds a key that the last {@link #find} on this table reported absent, with no other change
     * to this table in between; returns {@code v}.
     */
    int addAtLastProbe(char[] buf, int off, int len, int h, int v) {
      if (size == slotOf.length) {
        int cap = size * 2;
        slotOf = Arrays.copyOf(slotOf, cap);
        start = Arrays.copyOf(start, cap);
        length = Arrays.copyOf(length, cap);
        value = Arrays.copyOf(value, cap);
      }
      int e = size++;
      if (poolLength + len > pool.length) {
        pool = Arrays.copyOf(pool, Math.max(poolLength + len, pool.length * 2));
      }
      char[] dst = pool;
      int at = poolLength;
      for (int i = 0; i < len; i++) { // keys are short: a loop beats the arraycopy stub
        dst[at + i] = buf[off + i];
      }
      start[e] = at;
      length[e] = len;
      value[e] = v;
      slotOf[e] = lastProbe;
      poolLength += len;
      slots[lastProbe] = ((long) h << 32) | (e + 1);
      if (2 * size > slots.length) { // keep the load factor <= 1/2 for the next probe
        ensureCapacity(0);
      }
      return v;
    }
  }

  /**
   * The Porter stem of {@code buf[start, start + len)}, a token of more than 9 characters. Looks
   * in this instance's open-addressing cache first (cleared when half full, so it stays bounded),
   * then in the shared {@link StemCache}.
   */
  private char[] stemOf(char[] buf, int start, int len) {
    if (stemRaw == null) {
      stemRaw = new char[STEM_SLOTS][];
      stemValue = new char[STEM_SLOTS][];
    }
    int h = 0;
    for (int k = 0; k < len; k++) {
      h = mix(h, buf[start + k]);
    }
    int mask = STEM_SLOTS - 1;
    int slot = spread(h) & mask;
    char[] cached;
    while ((cached = stemRaw[slot]) != null) {
      if (cached.length == len && sameChars(cached, 0, buf, start, len)) {
        return stemValue[slot];
      }
      slot = (slot + 1) & mask;
    }
    if (stemCount >= STEM_SLOTS / 2) {
      Arrays.fill(stemRaw, null);
      Arrays.fill(stemValue, null);
      stemCount = 0;
      slot = spread(h) & mask;
    }
    char[] value = StemCache.stem(new String(buf, start, len)).toCharArray();
    stemRaw[slot] = Arrays.copyOfRange(buf, start, start + len);
    stemValue[slot] = value;
    stemCount++;
    return value;
  }
}
