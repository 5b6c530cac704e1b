package org.consistency4j.paraphrase;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import org.consistency4j.paraphrase.ProtectedSpans.Masked;
import org.consistency4j.paraphrase.WordNetLexicon.Entry;
import org.consistency4j.paraphrase.WordNetLexicon.Pos;

/**
 * Lexical paraphrasing by WordNet synonym substitution.
 *
 * <p>Each word outside protected spans gets a part of speech from a light context tagger (imperative
 * position, after "to" or a modal, after a determiner, after "be", "-ly", otherwise the part of
 * speech WordNet's corpus counts favour), is reduced to its lemma by WordNet's morphology, and is
 * replaced only by synonyms from its dominant first sense (see {@link WordNetOptions}). The
 * replacement is inflected like the original (plural, third person, {@code -ing}, regular past; the
 * form is checked against WordNet's morphology), keeps the original's capitalization, and a
 * preceding "a"/"an" is adjusted. Function words are never replaced. Thread-safe.
 */
final class WordNetParaphraser extends MaskedParaphraser<List<WordNetParaphraser.Slot>> {

  /** A word that can be replaced, with its inflected replacement forms. */
  record Slot(int start, int end, String word, List<String> replacements) {}

  static final Set<String> FUNCTION_WORDS =
      Set.of(
          "a", "an", "the", "this", "that", "these", "those", "and", "or", "but", "nor", "if",
          "then", "else", "than", "as", "of", "in", "on", "at", "to", "for", "from", "by", "with",
          "without", "about", "into", "onto", "over", "under", "between", "among", "through",
          "after", "before", "during", "within", "via", "per", "up", "down", "out", "off", "i", "you",
          "he", "she", "it", "we", "they", "me", "him", "her", "us", "them", "my", "your", "his",
          "its", "our", "their", "mine", "yours", "be", "is", "are", "was", "were", "been", "being",
          "am", "do", "does", "did", "done", "have", "has", "had", "having", "can", "could", "will",
          "would", "shall", "should", "may", "might", "must", "not", "no", "yes", "so", "such",
          "there", "here", "what", "which", "who", "whom", "whose", "when", "where", "why", "how",
          "whether", "all", "any", "each", "every", "some", "both", "either", "neither", "other",
          "another", "more", "most", "less", "least", "only", "also", "just", "very", "too",
          "please", "e.g", "i.e", "etc", "get", "gets", "got", "make", "makes", "made", "let",
          "true", "false", "first", "second", "third", "last", "same", "different", "one", "ones",
          "given", "following", "above", "below", "like", "well", "even", "ever", "never",
          "always", "again", "once", "own", "way", "otherwise", "thing", "things", "something", "anything",
          "nothing", "everything", "'s", "don't", "doesn't", "can't", "won't", "isn't", "aren't",
          "you're", "it's", "they're", "we're", "task", "tasks", "job", "need", "needs", "want",
          "wants", "someone", "somebody", "anyone", "everyone", "person", "people", "entail",
          "entails", "entailment", "contradiction", "neutral", "premise", "hypothesis", "claim",
          "sentiment", "polarity", "pronoun", "noun", "verb", "adjective", "triple", "triples",
          "token", "tokens", "label", "labels", "category", "categories", "class", "classes",
          "concept", "concepts", "instance", "instances", "example", "examples", "input", "output",
          "inputs", "outputs", "exercise", "consider", "regard", "follow", "careful", "carefully",
          "precise", "best", "thank", "thanks", "exactly", "directly", "easily", "judgment",
          "judgement", "preserve", "preserving", "objective", "luck", "accurate", "time");

  private static final Set<String> DETERMINERS =
      Set.of(
          "a", "an", "the", "this", "that", "these", "those", "each", "every", "your", "my", "its",
          "their", "our", "his", "her", "some", "any", "no", "all", "both", "another", "other",
          "which", "what", "whose", "one", "two", "three", "four", "five", "several", "many", "few");

  private static final Set<String> VERB_CUES =
      Set.of(
          "to", "can", "could", "will", "would", "should", "must", "may", "might", "please", "not",
          "do", "does", "did", "you", "we", "they", "i", "and");

  private static final Set<String> HAVE_FORMS = Set.of("have", "has", "had", "having");

  private static final Set<String> BE_FORMS =
      Set.of("is", "are", "be", "was", "were", "been", "being", "am");

  private final WordNetLexicon lexicon;
  private final WordNetOptions options;

  WordNetParaphraser(WordNetLexicon lexicon, WordNetOptions options, ProtectionRules rules) {
    super("wordnet", rules, 8);
    this.lexicon = lexicon;
    this.options = options;
  }

  @Override
  List<Slot> prepare(Masked masked) {
    return slots(masked.text());
  }

  /** The replaceable words of a (masked) text with their inflected synonyms. */
  List<Slot> slots(String text) {
    List<int[]> tokens = new ArrayList<>();
    Matcher m = TextOps.WORD.matcher(text);
    while (m.find()) {
      tokens.add(new int[] {m.start(), m.end()});
    }
    List<Slot> slots = new ArrayList<>();
    for (int i = 0; i < tokens.size(); i++) {
      int[] t = tokens.get(i);
      String word = text.substring(t[0], t[1]);
      String lower = word.toLowerCase(Locale.ROOT);
      if (FUNCTION_WORDS.contains(lower)
          || word.length() < 3
          || !word.chars().allMatch(Character::isLetter)
          || isAllCapsOrMixed(word)) {
        continue;
      }
      String prev = i > 0 ? text.substring(tokens.get(i - 1)[0], tokens.get(i - 1)[1]) : null;
      boolean sentenceInitial = isSentenceInitial(text, t[0]);
      String next = i + 1 < tokens.size()
          ? text.substring(tokens.get(i + 1)[0], tokens.get(i + 1)[1]) : null;
      if (Character.isUpperCase(word.charAt(0)) && !sentenceInitial) {
        continue; // probably a name
      }
      Optional<Pos> pos = tag(lower, prev, next, sentenceInitial);
      if (pos.isEmpty()) {
        continue;
      }
      boolean afterHave = prev != null && HAVE_FORMS.contains(prev.toLowerCase(Locale.ROOT));
      List<String> forms = replacements(lower, pos.get(), afterHave);
      if (forms.isEmpty()) {
        continue;
      }
      if (Character.isUpperCase(word.charAt(0))) {
        forms = forms.stream().map(TextOps::capitalize).toList();
      }
      slots.add(new Slot(t[0], t[1], word, forms));
    }
    return slots;
  }

  private static boolean isAllCapsOrMixed(String word) {
    return !word.substring(1).equals(word.substring(1).toLowerCase(Locale.ROOT));
  }

  private static boolean isSentenceInitial(String text, int start) {
    for (int i = start - 1; i >= 0; i--) {
      char c = text.charAt(i);
      if (c == '\n' || c == '.' || c == '!' || c == '?' || c == ':') {
        return true;
      }
      if (!Character.isWhitespace(c) && c != '"' && c != '(' && c != '\'') {
        return false;
      }
    }
    return true;
  }

  /** The part of speech of {@code word} in context, or empty when the tagger is unsure. */
  Optional<Pos> tag(String word, String prevWord, String nextWord, boolean sentenceInitial) {
    Map<Pos, Entry> entries = new EnumMap<>(Pos.class);
    for (Pos p : Pos.values()) {
      lexicon.lookup(word, p, options).ifPresent(e -> entries.put(p, e));
    }
    if (entries.isEmpty()) {
      return Optional.empty();
    }
    String prev = prevWord == null ? null : prevWord.toLowerCase(Locale.ROOT);
    Entry verb = entries.get(Pos.VERB);
    if (sentenceInitial && verb != null && verb.lemma().equals(word)) {
      return Optional.of(Pos.VERB);
    }
    if (prev != null && VERB_CUES.contains(prev) && verb != null) {
      return Optional.of(Pos.VERB);
    }
    if ("of".equalsIgnoreCase(nextWord) && entries.containsKey(Pos.NOUN)) {
      return Optional.of(Pos.NOUN);
    }
    if (prev != null && DETERMINERS.contains(prev)) {
      if (nextWord != null && looksLikeNoun(nextWord)) {
        return entries.containsKey(Pos.ADJECTIVE) ? Optional.of(Pos.ADJECTIVE) : Optional.empty();
      }
      return entries.containsKey(Pos.NOUN) ? Optional.of(Pos.NOUN) : Optional.empty();
    }
    if (prev != null && BE_FORMS.contains(prev)) {
      return entries.containsKey(Pos.ADJECTIVE) ? Optional.of(Pos.ADJECTIVE) : Optional.empty();
    }
    if (word.endsWith("ly") && entries.containsKey(Pos.ADVERB)) {
      return Optional.of(Pos.ADVERB);
    }
    if (entries.size() == 1) {
      return Optional.of(entries.keySet().iterator().next());
    }
    Pos best = null;
    int bestCount = -1;
    int sum = 0;
    for (Map.Entry<Pos, Entry> e : entries.entrySet()) {
      int c = e.getValue().totalCount();
      sum += c;
      if (c > bestCount) {
        best = e.getKey();
        bestCount = c;
      }
    }
    return sum > 0 && bestCount >= 0.8 * sum ? Optional.of(best) : Optional.empty();
  }

  private boolean looksLikeNoun(String word) {
    String lower = word.toLowerCase(Locale.ROOT);
    return !FUNCTION_WORDS.contains(lower)
        && lexicon.lookup(lower, Pos.NOUN, options).isPresent();
  }

  /** Inflected synonym forms of {@code word} as {@code pos}, empty when none is safe. */
  List<String> replacements(String word, Pos pos, boolean afterHave) {
    Optional<Entry> found = lexicon.lookup(word, pos, options);
    if (found.isEmpty()) {
      return List.of();
    }
    Entry e = found.get();
    if (e.synonyms().isEmpty()
        || e.firstSenseCount() == 0
        || e.firstSenseShare() < options.minSenseShare()) {
      return List.of();
    }
    String lemma = e.lemma();
    Inflector inf = lexicon.inflector();
    List<String> out = new ArrayList<>();
    for (String syn : e.synonyms()) {
      Optional<String> form = inflect(word, lemma, syn, pos, inf, afterHave);
      if (form.isPresent() && !form.get().equalsIgnoreCase(word)) {
        out.add(form.get());
      }
    }
    return out;
  }

  private Optional<String> inflect(
      String word, String lemma, String syn, Pos pos, Inflector inf, boolean afterHave) {
    if (word.equals(lemma)) {
      return Optional.of(syn);
    }
    String head = syn.contains(" ") ? null : syn;
    Optional<String> form;
    switch (pos) {
      case NOUN -> form = word.equals(inf.plural(lemma)) || isPluralOf(word, lemma)
          ? Optional.of(inf.plural(syn)) : Optional.empty();
      case VERB -> {
        if (word.equals(inf.thirdPerson(lemma))) {
          form = Optional.of(inf.thirdPerson(syn));
        } else if (word.equals(inf.presentParticiple(lemma))) {
          form = Optional.of(inf.presentParticiple(syn));
        } else if (afterHave && inf.regularPast(lemma).map(word::equals).orElse(false)) {
          form = inf.regularPast(syn);
        } else {
          form = Optional.empty();
        }
      }
      default -> form = Optional.empty();
    }
    if (form.isEmpty()) {
      return form;
    }
    // Check single-word forms against WordNet's morphology; phrases inflect their head word only.
    if (head != null && !lexicon.isFormOf(form.get(), syn, pos)) {
      return Optional.empty();
    }
    return form;
  }

  private boolean isPluralOf(String word, String lemma) {
    return !word.equals(lemma) && lexicon.isFormOf(word, lemma, Pos.NOUN);
  }

  @Override
  Optional<String> propose(
      Masked masked, List<Slot> slots, SplittableRandom rng, List<String> edits) {
    if (slots.isEmpty()) {
      return Optional.empty();
    }
    int max = Math.max(1, (int) Math.ceil(slots.size() * options.substitutionRate()));
    int k = 1 + rng.nextInt(max);
    List<Slot> pool = new ArrayList<>(slots);
    List<Slot> chosen = new ArrayList<>();
    for (int i = 0; i < k && !pool.isEmpty(); i++) {
      chosen.add(pool.remove(rng.nextInt(pool.size())));
    }
    chosen.sort((a, b) -> Integer.compare(b.start(), a.start()));
    StringBuilder sb = new StringBuilder(masked.text());
    List<String> applied = new ArrayList<>();
    for (Slot s : chosen) {
      String replacement = s.replacements().get(rng.nextInt(s.replacements().size()));
      sb.replace(s.start(), s.end(), replacement);
      fixArticle(sb, s.start(), replacement);
      applied.add(0, "synonym:" + s.word() + "->" + replacement);
    }
    edits.addAll(applied);
    return Optional.of(sb.toString());
  }

  /** Makes an article right before {@code pos} agree with the word starting there. */
  private static void fixArticle(StringBuilder sb, int pos, String word) {
    int end = pos - 1;
    if (end < 1 || sb.charAt(end) != ' ') {
      return;
    }
    int start = end;
    while (start > 0 && Character.isLetter(sb.charAt(start - 1))) {
      start--;
    }
    String article = sb.substring(start, end);
    boolean vowel = "aeiouAEIOU".indexOf(word.charAt(0)) >= 0;
    if (article.equals("a") && vowel) {
      sb.replace(start, end, "an");
    } else if (article.equals("an") && !vowel) {
      sb.replace(start, end, "a");
    } else if (article.equals("A") && vowel) {
      sb.replace(start, end, "An");
    } else if (article.equals("An") && !vowel) {
      sb.replace(start, end, "A");
    }
  }
}
