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
 * <p>Not thread-safe: each thread uses its own instance (see {@link Workspace}), reused across
 * calls; {@link #reset()} starts a new vocabulary in time proportional to the last one. Buffers grow with the largest input seen
 * and are released when they exceed {@link #RETAINED_LIMIT} entries, so a single huge input does
 * not pin memory for the thread's lifetime. Stems come from a small bounded per-instance cache in
 * front of the shared, thread-safe {@link StemCache}.
 */
final class TokenIds {
  /** Buffers larger than this (in entries) are dropped at the next {@link #reset()}. */
  static final int RETAINED_LIMIT = 1 << 20;

  /** The id {@link #tokenize} records, in lookup-only mode, for a token never interned. */
  static final int UNKNOWN = Integer.MAX_VALUE;

  /** Slots of the per-instance stem cache (holds up to half as many words). */
  private static final int STEM_SLOTS = 8192;

  private static final char[] CLASSES = RougeChars.table();

  // Interning table, open addressing: entry = (token hash << 32) | (id + 1); 0 means empty.
  // reset() clears exactly the slots in use (idSlot), so a reset costs O(ids), not O(table).
  private long[] table = new long[256];
  private int[] idSlot = new int[128];
  private int[] idStart = new int[128]; // token chars are pool[idStart, idStart + idLength)
  private int[] idLength = new int[128];
  private char[] pool = new char[1024];
  private int poolLength;
  private int size;

  private char[] text = new char[256];

  private char[][] stemRaw;
  private char[][] stemValue;
  private int[] stemHash;
  private int stemCount;
  private int lastStemHash;

  /** Forgets all ids; the next token interned gets id 0. */
  void reset() {
    if (table.length > RETAINED_LIMIT || pool.length > RETAINED_LIMIT || text.length > RETAINED_LIMIT) {
      table = new long[256];
      idSlot = new int[128];
      idStart = new int[128];
      idLength = new int[128];
      pool = new char[1024];
      text = new char[256];
    } else {
      for (int id = 0; id < size; id++) {
        table[idSlot[id]] = 0L;
      }
    }
    size = 0;
    poolLength = 0;
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
    ensureCapacity(n / 2 + 1);
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
          h = 31 * h + t;
          break;
        }
        buf[i++] = (char) t;
        h = 31 * h + t;
      } while (i < n && (t = classes[buf[i]]) != 0);
      emit(buf, start, i - start, h, useStemmer, insert, out);
    }
  }

  private void emit(
      char[] buf, int start, int len, int h, boolean useStemmer, boolean insert, IntList out) {
    if (useStemmer && len > 3) {
      char[] stem = stemOf(buf, start, len, h);
      if (stem.length > 0) { // rouge-score drops tokens that stemming left empty
        out.add(intern(stem, 0, stem.length, lastStemHash, insert));
      }
    } else {
      out.add(intern(buf, start, len, h, insert));
    }
  }

  /** Makes room for {@code more} new ids at load factor <= 1/2. */
  private void ensureCapacity(int more) {
    int needed = size + more;
    if (idSlot.length < needed) {
      int cap = Math.max(needed, idSlot.length * 2);
      idSlot = Arrays.copyOf(idSlot, cap);
      idStart = Arrays.copyOf(idStart, cap);
      idLength = Arrays.copyOf(idLength, cap);
    }
    if (table.length < 2 * needed) {
      long[] old = table;
      int cap = Integer.highestOneBit(2 * needed - 1) << 1;
      long[] grown = new long[cap];
      for (int id = 0; id < size; id++) {
        long e = old[idSlot[id]];
        int idx = spread((int) (e >>> 32)) & (cap - 1);
        while (grown[idx] != 0L) {
          idx = (idx + 1) & (cap - 1);
        }
        grown[idx] = e;
        idSlot[id] = idx;
      }
      table = grown;
    }
  }

  private static int spread(int h) {
    return (h * 0x9E3779B9) ^ (h >>> 16);
  }

  /**
   * The id of the token {@code buf[off, off + len)} whose hash is {@code h}; a new id if it is
   * new and {@code insert}, else {@link #UNKNOWN}.
   */
  private int intern(char[] buf, int off, int len, int h, boolean insert) {
    long[] tab = table;
    int mask = tab.length - 1;
    int idx = spread(h) & mask;
    long e;
    while ((e = tab[idx]) != 0L) {
      if ((int) (e >>> 32) == h) {
        int id = (int) e - 1;
        if (idLength[id] == len && sameChars(pool, idStart[id], buf, off, len)) {
          return id;
        }
      }
      idx = (idx + 1) & mask;
    }
    if (!insert) {
      return UNKNOWN;
    }
    int id = size++;
    if (poolLength + len > pool.length) {
      pool = Arrays.copyOf(pool, Math.max(poolLength + len, pool.length * 2));
    }
    char[] dst = pool;
    int at = poolLength;
    for (int i = 0; i < len; i++) { // tokens are short: a loop beats the arraycopy stub
      dst[at + i] = buf[off + i];
    }
    idStart[id] = poolLength;
    idLength[id] = len;
    idSlot[id] = idx;
    poolLength += len;
    tab[idx] = ((long) h << 32) | (id + 1);
    return id;
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
    char[] raw;
    while ((raw = stemRaw[slot]) != null) {
      if (raw.length == len && sameChars(raw, 0, buf, start, len)) {
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
      sh = 31 * sh + c;
    }
    stemRaw[slot] = Arrays.copyOfRange(buf, start, start + len);
    stemValue[slot] = value;
    stemHash[slot] = sh;
    stemCount++;
    lastStemHash = sh;
    return value;
  }
}
