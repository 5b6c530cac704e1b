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
 * <p>With stemming, a token longer than 3 characters is replaced by its stem from a bounded
 * per-instance cache, backed by the shared, thread-safe {@link StemCache}. (Also mapping raw
 * tokens to stem ids per call was tried: it did not measurably help, as about half the tokens of
 * a pair occur only once.)
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

  /** Value of a raw token whose stem is empty (rouge-score drops such tokens). */
  private static final int DROPPED = -1;

  /** Slots of the per-instance stem cache (holds up to half as many words). */
  private static final int STEM_SLOTS = 8192;

  private static final char[] CLASSES = RougeChars.table();

  /** Final tokens (stems when stemming) -> their ids; an entry's value is its own index. */
  private final Table ids = new Table();

  private char[] text = new char[256];

  private char[][] stemRaw;
  private char[][] stemValue;
  private int[] stemHash;
  private int stemCount;

  /** Forgets all ids; the next token interned gets id 0. */
  void reset() {
    ids.clear();
    if (text.length > RETAINED_LIMIT) {
      text = new char[256];
    }
  }

  /** The number of distinct tokens interned since the last reset; ids are below this. */
  int size() {
    return ids.size;
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
    // At most n / 2 + 1 tokens: every token but the last is followed by a separator.
    ids.ensureCapacity(n / 2 + 1);
    if (this.text.length < n) {
      this.text = new char[Math.max(n, this.text.length * 2)];
    }
    // Bulk-copy the text (fast for Latin-1 strings), then lowercase tokens in place: every token
    // is a contiguous run of the copy, so no per-token copying is needed.
    char[] buf = this.text;
    text.getChars(0, n, buf, 0);
    char[] classes = CLASSES;
    int i = 0;
    scan:
    while (i < n) {
      int t;
      while ((t = classes[buf[i]]) == 0) { // separators
        if (buf[i] == '\n' && sentenceStarts != null) {
          sentenceStarts.add(out.size());
        }
        if (++i == n) {
          break scan;
        }
      }
      int start = i;
      int h = 0;
      do { // token characters, lowercased in place
        if (t >= RougeChars.TABLE_ENDS_TOKEN) { // U+0130: "i" followed by a separator
          t -= RougeChars.TABLE_ENDS_TOKEN;
          buf[i++] = (char) t;
          h = mix(h, t);
          break;
        }
        buf[i++] = (char) t;
        h = mix(h, t);
      } while (i < n && (t = classes[buf[i]]) != 0);
      int len = i - start;
      int id = useStemmer ? stemmedId(buf, start, len, h, insert) : idOf(buf, start, len, h, insert);
      if (id != DROPPED) {
        out.add(id);
      }
    }
  }

  private int idOf(char[] buf, int start, int len, int h, boolean insert) {
    int e = ids.find(buf, start, len, h);
    if (e >= 0) {
      return e;
    }
    return insert ? ids.addAtLastProbe(buf, start, len, h, ids.size) : UNKNOWN;
  }

  private int stemmedId(char[] buf, int start, int len, int h, boolean insert) {
    if (len <= 3) {
      return idOf(buf, start, len, h, insert);
    }
    char[] stem = stemOf(buf, start, len, h);
    return stem.length == 0 ? DROPPED : idOf(stem, 0, stem.length, lastStemHash, insert);
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
      return v;
    }
  }

  private int lastStemHash;

  /**
   * The Porter stem of {@code buf[start, start + len)} (hash {@code h}); sets {@link
   * #lastStemHash}. Looks in this instance's open-addressing cache first (cleared when half full,
   * so it stays bounded), then in the shared {@link StemCache}.
   */
  private char[] stemOf(char[] buf, int start, int len, int h) {
    if (stemRaw == null) {
      stemRaw = new char[STEM_SLOTS][];
      stemValue = new char[STEM_SLOTS][];
      stemHash = new int[STEM_SLOTS];
    }
    int mask = STEM_SLOTS - 1;
    int slot = spread(h) & mask;
    char[] cached;
    while ((cached = stemRaw[slot]) != null) {
      if (cached.length == len && sameChars(cached, 0, buf, start, len)) {
        lastStemHash = stemHash[slot];
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
    int sh = 0;
    for (char c : value) {
      sh = mix(sh, c);
    }
    stemRaw[slot] = Arrays.copyOfRange(buf, start, start + len);
    stemValue[slot] = value;
    stemHash[slot] = sh;
    stemCount++;
    lastStemHash = sh;
    return value;
  }
}
