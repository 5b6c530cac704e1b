package org.consistency4j.paraphrase;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.consistency4j.paraphrase.ProtectedSpans.Masked;

/**
 * Structural paraphrasing: each paraphrase applies one to three randomly chosen rewrites (one more
 * per 30 words of instruction) of these kinds, in random order:
 *
 * <ul>
 *   <li>{@code phrase}: equivalent instruction phrasing ("Your task is to" / "You need to", "In this
 *       task," / "For this task,", "whether" / "if", contractions);
 *   <li>{@code mood}: imperative to question or request ("Classify ..." to "Can you classify ...?")
 *       and back, and "You need to X" to the imperative "X";
 *   <li>{@code prefix} and {@code suffix}: polite or framing additions ("Task: ", " Thank you.");
 *   <li>{@code clause-order}: "If A, B." and "B if A.", fronted phrases ("In this task, X." and "X in
 *       this task.");
 *   <li>{@code sentence-order}: swapping adjacent sentences of a paragraph when the second does not
 *       refer back ("This", "It", "However", ...);
 *   <li>{@code split} and {@code merge}: ", and you ..." into two sentences, and two short sentences
 *       into one.
 * </ul>
 *
 * Protected spans are masked throughout. Thread-safe.
 */
final class StructuralParaphraser extends MaskedParaphraser<Void> {

  /** Phrase groups: any member may replace any other (matched as whole words, any case). */
  static final List<List<String>> PHRASE_GROUPS =
      List.of(
          List.of("in this task,", "for this task,", "in this exercise,"),
          List.of("you are given", "you will be given", "you're given", "you receive"),
          List.of(
              "your task is to",
              "your job is to",
              "you need to",
              "you have to",
              "you are asked to",
              "you are required to"),
          List.of("you should", "you must"),
          List.of("your answer must be", "your answer should be", "the answer must be"),
          List.of("for example", "for instance"),
          List.of("the given", "the provided"),
          List.of("based on your", "according to your"),
          List.of("answer with", "respond with", "reply with"),
          List.of("generate", "produce", "create"),
          List.of("determine", "figure out"),
          List.of("classify", "categorize", "label"),
          List.of("make sure", "ensure"),
          List.of("modify", "change", "rewrite"),
          List.of("equivalent", "corresponding"),
          List.of("do not", "don't"),
          List.of("does not", "doesn't"),
          List.of("cannot", "can't"),
          List.of("is not", "isn't"),
          List.of("it is", "it's"),
          List.of("you are", "you're"));

  /** One-directional rewrites: {@code [from, to]}. */
  static final List<List<String>> ONE_WAY =
      List.of(
          List.of("whether", "if"),
          List.of("i.e.", "that is,"),
          List.of("e.g.", "for example"),
          List.of("such as", "like"),
          List.of("in order to", "to"));

  /** Verbs that start imperative instructions. */
  static final Set<String> IMPERATIVE_VERBS =
      Set.of(
          "answer", "analyze", "assign", "calculate", "categorize", "check", "choose", "classify",
          "compose", "compute", "consider", "construct", "convert", "correct", "count", "create",
          "decide", "describe", "detect", "determine", "evaluate", "explain", "extract", "fill",
          "find", "generate", "give", "identify", "indicate", "judge", "label", "list", "mark",
          "modify", "name", "output", "paraphrase", "pick", "predict", "produce", "provide", "rank",
          "rate", "read", "replace", "respond", "return", "rewrite", "select", "sort", "specify",
          "state", "summarize", "tell", "translate", "use", "verify", "write");

  private static final List<String> QUESTION_FORMS =
      List.of("Can you %s?", "Could you %s?", "Would you %s?", "Will you %s?");

  private static final List<String> REQUEST_FORMS =
      List.of(
          "Please %s.",
          "I need you to %s.",
          "I want you to %s.",
          "Your task is to %s.",
          "You should %s.",
          "You need to %s.");

  private static final Pattern MODAL_START =
      Pattern.compile(
          "^(?:you (?:need to|have to|should|must|are asked to|are required to|will)"
              + "|your (?:task|job|goal) is to|can you|could you|would you|will you|please)\\s+",
          Pattern.CASE_INSENSITIVE);

  private static final List<String> PREFIXES =
      List.of(
          "Task: ",
          "Instruction: ",
          "Here is your task. ",
          "Please read carefully. ",
          "Follow the instructions below. ",
          "Consider the following task. ",
          "Your task: ",
          "Please do the following. ",
          "Here is what you need to do. ");

  private static final List<String> SUFFIXES =
      List.of(" Thank you.", " Thanks.", " Please be precise.", " Do your best.", " Be accurate.",
          " Take your time.", " Good luck.");

  /** Words that make a sentence refer back, so it cannot move before its predecessor. */
  private static final Set<String> ANAPHORIC =
      Set.of(
          "this", "that", "these", "those", "it", "its", "they", "their", "them", "he", "she",
          "such", "then", "hence", "therefore", "thus", "so", "otherwise", "also", "however", "but",
          "and", "or", "here", "there", "both", "each", "finally", "moreover", "furthermore",
          "instead", "additionally", "similarly", "again", "note", "remember", "e.g");

  private static final Set<String> FRONTED_STARTERS =
      Set.of("in", "for", "given", "based", "from", "after", "using", "when", "once");

  private static final Pattern IF_FRONT = Pattern.compile("^If ([^,]{3,}), (.+)$");
  private static final Pattern IF_BACK = Pattern.compile("^(.{4,}?[^,]) if (.{6,})$");
  private static final Pattern AND_SPLIT =
      Pattern.compile(
          ", (?:and|so) (?=(?:you|your|the|it|they|this|we|i|then)\\b)", Pattern.CASE_INSENSITIVE);

  private interface Op {
    Optional<String> apply(String text, SplittableRandom rng, List<String> edits);
  }

  private final List<Op> ops;
  private final List<Op> framing;

  StructuralParaphraser(ProtectionRules rules) {
    super("structural", rules, 10);
    Op prefix = StructuralParaphraser::prefix;
    Op suffix = StructuralParaphraser::suffix;
    this.framing = List.of(prefix, suffix);
    this.ops =
        List.of(
            StructuralParaphraser::phrase,
            StructuralParaphraser::phrase,
            StructuralParaphraser::mood,
            prefix,
            suffix,
            StructuralParaphraser::clauseOrder,
            StructuralParaphraser::sentenceOrder,
            StructuralParaphraser::split,
            StructuralParaphraser::merge);
  }

  @Override
  Void prepare(Masked masked) {
    return null;
  }

  @Override
  Optional<String> propose(Masked masked, Void unused, SplittableRandom rng, List<String> edits) {
    String text = TextOps.join(TextOps.paragraphs(masked.text()));
    // Longer instructions take more rewrites so that a paraphrase is not a near duplicate.
    int count = 1 + rng.nextInt(3 + TextOps.wordCount(text) / 30);
    List<Op> pool = new ArrayList<>(ops);
    List<Op> chosen = new ArrayList<>();
    for (int i = 0; i < count && !pool.isEmpty(); i++) {
      chosen.add(pool.remove(rng.nextInt(pool.size())));
    }
    // Framing goes last, so that no later rewrite moves "Thanks." into the middle.
    List<Op> ordered = new ArrayList<>();
    chosen.stream().filter(o -> !framing.contains(o)).forEach(ordered::add);
    chosen.stream().filter(framing::contains).forEach(ordered::add);
    // Provenance lists only the edits that shaped the result: an op that left the text as it was
    // records nothing, and when an op brings the text back to an earlier state (the two phrase
    // rewrites "Classify"->"Label"->"Classify"), the edits since that state are dropped with it.
    String original = text;
    List<String> states = new ArrayList<>(List.of(text));
    List<Integer> editCounts = new ArrayList<>(List.of(edits.size()));
    for (Op op : ordered) {
      List<String> opEdits = new ArrayList<>(1);
      Optional<String> r = op.apply(text, rng, opEdits);
      if (r.isEmpty() || r.get().equals(text)) {
        continue;
      }
      text = r.get();
      int earlier = states.indexOf(text);
      if (earlier >= 0) {
        edits.subList(editCounts.get(earlier), edits.size()).clear();
        states.subList(earlier + 1, states.size()).clear();
        editCounts.subList(earlier + 1, editCounts.size()).clear();
      } else {
        edits.addAll(opEdits);
        states.add(text);
        editCounts.add(edits.size());
      }
    }
    return text.equals(original) ? Optional.empty() : Optional.of(text);
  }

  // ---- phrase rewrites -------------------------------------------------------------------

  private record Hit(int start, int end, List<String> choices) {}

  static Optional<String> phrase(String text, SplittableRandom rng, List<String> edits) {
    String lower = text.toLowerCase(Locale.ROOT);
    List<Hit> hits = new ArrayList<>();
    for (List<String> group : PHRASE_GROUPS) {
      for (String p : group) {
        List<String> others = group.stream().filter(o -> !o.equals(p)).toList();
        findAll(lower, p, others, hits);
      }
    }
    for (List<String> rule : ONE_WAY) {
      findAll(lower, rule.get(0), List.of(rule.get(1)), hits);
    }
    // Keep the longest of overlapping hits.
    hits.sort(Comparator.comparingInt((Hit h) -> h.start()).thenComparingInt(h -> -h.end()));
    List<Hit> kept = new ArrayList<>();
    int lastEnd = -1;
    for (Hit h : hits) {
      if (h.start() >= lastEnd) {
        kept.add(h);
        lastEnd = h.end();
      } else if (!kept.isEmpty()
          && h.end() - h.start() > kept.get(kept.size() - 1).end() - kept.get(kept.size() - 1).start()
          && h.start() == kept.get(kept.size() - 1).start()) {
        kept.set(kept.size() - 1, h);
        lastEnd = h.end();
      }
    }
    if (kept.isEmpty()) {
      return Optional.empty();
    }
    Hit h = kept.get(rng.nextInt(kept.size()));
    String original = text.substring(h.start(), h.end());
    String replacement = h.choices().get(rng.nextInt(h.choices().size()));
    if (Character.isUpperCase(original.charAt(0))) {
      replacement = TextOps.capitalize(replacement);
    }
    edits.add("phrase:" + original + "->" + replacement);
    return Optional.of(text.substring(0, h.start()) + replacement + text.substring(h.end()));
  }

  private static void findAll(String lower, String phrase, List<String> choices, List<Hit> hits) {
    int from = 0;
    while (true) {
      int i = lower.indexOf(phrase, from);
      if (i < 0) {
        return;
      }
      int end = i + phrase.length();
      boolean startOk = i == 0 || !Character.isLetterOrDigit(lower.charAt(i - 1));
      boolean endOk = end >= lower.length()
          || !Character.isLetterOrDigit(phrase.charAt(phrase.length() - 1))
          || !Character.isLetterOrDigit(lower.charAt(end));
      if (startOk && endOk) {
        hits.add(new Hit(i, end, choices));
      }
      from = i + 1;
    }
  }

  // ---- mood ------------------------------------------------------------------------------

  static Optional<String> mood(String text, SplittableRandom rng, List<String> edits) {
    List<List<String>> paragraphs = TextOps.paragraphs(text);
    List<int[]> candidates = new ArrayList<>();
    for (int p = 0; p < paragraphs.size(); p++) {
      for (int s = 0; s < paragraphs.get(p).size(); s++) {
        String sentence = paragraphs.get(p).get(s);
        if (imperativeCore(sentence).isPresent()) {
          candidates.add(new int[] {p, s});
        }
      }
    }
    if (candidates.isEmpty()) {
      return Optional.empty();
    }
    int[] c = candidates.get(rng.nextInt(candidates.size()));
    String sentence = paragraphs.get(c[0]).get(c[1]);
    String core = imperativeCore(sentence).orElseThrow();
    boolean wasQuestion = TextOps.finalPunctuation(sentence) == '?';
    boolean wasBareImperative = core.equals(TextOps.stripFinalPunctuation(sentence));
    String rewritten;
    String lowerCore = TextOps.decapitalize(core);
    int choice = rng.nextInt(3);
    if (choice == 0 && !wasBareImperative) {
      rewritten = TextOps.capitalize(core) + (wasQuestion ? "." : String.valueOf(
          TextOps.finalPunctuation(sentence)));
      edits.add("mood:imperative");
    } else if (choice == 1 && !wasQuestion) {
      rewritten = String.format(QUESTION_FORMS.get(rng.nextInt(QUESTION_FORMS.size())), lowerCore);
      edits.add("mood:question");
    } else {
      rewritten = String.format(REQUEST_FORMS.get(rng.nextInt(REQUEST_FORMS.size())), lowerCore);
      edits.add("mood:request");
    }
    paragraphs.get(c[0]).set(c[1], rewritten);
    return Optional.of(TextOps.join(paragraphs));
  }

  /**
   * The bare imperative of a sentence without final punctuation ("classify the text"), when the
   * sentence is an imperative, a modal request ("You need to classify ...") or a question ("Can you
   * classify ...?").
   */
  static Optional<String> imperativeCore(String sentence) {
    String body = TextOps.stripFinalPunctuation(sentence);
    Matcher m = MODAL_START.matcher(body);
    if (m.find()) {
      body = body.substring(m.end());
    }
    String first = TextOps.firstWord(body).toLowerCase(Locale.ROOT);
    if (!IMPERATIVE_VERBS.contains(first) || !body.toLowerCase(Locale.ROOT).startsWith(first)) {
      return Optional.empty();
    }
    if (body.contains("\n") || body.contains("; ") || AND_SPLIT.matcher(body).find()
        || TextOps.wordCount(body) < 3) {
      return Optional.empty();
    }
    return Optional.of(body);
  }

  // ---- framing ---------------------------------------------------------------------------

  static Optional<String> prefix(String text, SplittableRandom rng, List<String> edits) {
    String p = PREFIXES.get(rng.nextInt(PREFIXES.size()));
    if (text.startsWith(p.strip())) {
      return Optional.empty();
    }
    edits.add("prefix:" + p.strip());
    String rest = p.endsWith(": ") ? TextOps.decapitalize(text) : text;
    return Optional.of(p + rest);
  }

  static Optional<String> suffix(String text, SplittableRandom rng, List<String> edits) {
    String s = SUFFIXES.get(rng.nextInt(SUFFIXES.size()));
    if (text.endsWith(s.strip())) {
      return Optional.empty();
    }
    edits.add("suffix:" + s.strip());
    String body = text.stripTrailing();
    char last = body.isEmpty() ? '.' : body.charAt(body.length() - 1);
    if (".!?".indexOf(last) >= 0) {
      return Optional.of(body + s);
    }
    if (Character.isLetterOrDigit(last) || last >= ProtectedSpans.Masked.FIRST_MASK
        || last == '"' || last == '\'' || last == ')') {
      return Optional.of(body + "." + s);
    }
    return Optional.of(body + "\n" + s.strip());
  }

  // ---- clause and sentence order ---------------------------------------------------------

  static Optional<String> clauseOrder(String text, SplittableRandom rng, List<String> edits) {
    List<List<String>> paragraphs = TextOps.paragraphs(text);
    List<int[]> candidates = new ArrayList<>();
    for (int p = 0; p < paragraphs.size(); p++) {
      for (int s = 0; s < paragraphs.get(p).size(); s++) {
        if (reorderClause(paragraphs.get(p).get(s)).isPresent()) {
          candidates.add(new int[] {p, s});
        }
      }
    }
    if (candidates.isEmpty()) {
      return Optional.empty();
    }
    int[] c = candidates.get(rng.nextInt(candidates.size()));
    paragraphs.get(c[0]).set(c[1], reorderClause(paragraphs.get(c[0]).get(c[1])).orElseThrow());
    edits.add("clause-order");
    return Optional.of(TextOps.join(paragraphs));
  }

  /** The sentence with its conditional or fronted clause moved, if it has one. */
  static Optional<String> reorderClause(String sentence) {
    char end = TextOps.finalPunctuation(sentence);
    if (end == '?') {
      return Optional.empty();
    }
    String body = TextOps.stripFinalPunctuation(sentence);
    if (body.contains(":") || body.contains(";")) {
      return Optional.empty();
    }
    // With two conditions ("X if A or Y if B") moving one clause would regroup them.
    if (body.toLowerCase(Locale.ROOT).split("\\bif\\b", -1).length > 2) {
      return Optional.empty();
    }
    String lowerBody = body.toLowerCase(Locale.ROOT);
    if (lowerBody.matches(".*\\b(else|otherwise|then|unless)\\b.*")) {
      return Optional.empty(); // "if A then B, and C otherwise" reads wrong when reordered
    }
    Matcher front = IF_FRONT.matcher(body);
    if (front.matches() && !front.group(2).contains(",")
        && !front.group(2).toLowerCase(Locale.ROOT).matches("^(and|or|but|so)\\b.*")) {
      return Optional.of(
          TextOps.capitalize(TextOps.decapitalize(front.group(2)))
              + " if " + front.group(1) + end);
    }
    Matcher back = IF_BACK.matcher(body);
    if (back.matches() && !back.group(2).contains(",") && !back.group(1).contains(",")
        && !back.group(1).toLowerCase(Locale.ROOT).matches(".*\\b(or|and|whether)$")) {
      String mainClause = back.group(1);
      String lowerMain = TextOps.decapitalize(mainClause);
      if (lowerMain.toLowerCase(Locale.ROOT).matches(
          ".*\\b(determine|decide|check|indicate|identify|judge|know|tell|see|ask|find out|figure out)$")) {
        return Optional.empty(); // "if" means "whether" here
      }
      return Optional.of("If " + back.group(2) + ", " + lowerMain + end);
    }
    int comma = body.indexOf(", ");
    String first = TextOps.firstWord(body).toLowerCase(Locale.ROOT);
    if (comma > 0 && FRONTED_STARTERS.contains(first)
        && TextOps.wordCount(body.substring(0, comma)) <= 6
        && !body.substring(comma + 2).contains(",")
        && TextOps.wordCount(body.substring(comma + 2)) >= 3) {
      String fronted = TextOps.decapitalize(body.substring(0, comma));
      String rest = body.substring(comma + 2);
      return Optional.of(TextOps.capitalize(rest) + " " + fronted + end);
    }
    return Optional.empty();
  }

  static Optional<String> sentenceOrder(String text, SplittableRandom rng, List<String> edits) {
    List<List<String>> paragraphs = TextOps.paragraphs(text);
    List<int[]> candidates = new ArrayList<>();
    for (int p = 0; p < paragraphs.size(); p++) {
      List<String> ss = paragraphs.get(p);
      for (int s = 0; s + 1 < ss.size(); s++) {
        if (canMoveBefore(ss.get(s + 1)) && canMoveBefore(ss.get(s))
            && !refersTo(ss.get(s + 1), ss.get(s))) {
          candidates.add(new int[] {p, s});
        }
      }
    }
    if (candidates.isEmpty()) {
      return Optional.empty();
    }
    int[] c = candidates.get(rng.nextInt(candidates.size()));
    List<String> ss = paragraphs.get(c[0]);
    String a = ss.get(c[1]);
    ss.set(c[1], ss.get(c[1] + 1));
    ss.set(c[1] + 1, a);
    edits.add("sentence-order:" + (c[1] + 1) + "<->" + (c[1] + 2));
    return Optional.of(TextOps.join(paragraphs));
  }

  /** Whether {@code later} starts with "The X" and X was introduced in {@code earlier}. */
  private static boolean refersTo(String later, String earlier) {
    Matcher m = Pattern.compile("^The (\\p{L}+)").matcher(later);
    return m.find()
        && Pattern.compile("\\b" + Pattern.quote(m.group(1).toLowerCase(Locale.ROOT)) + "\\b")
            .matcher(earlier.toLowerCase(Locale.ROOT)).find();
  }

  private static boolean canMoveBefore(String sentence) {
    if (sentence.contains(":")) {
      return false;
    }
    String first = TextOps.firstWord(sentence).toLowerCase(Locale.ROOT);
    if (ANAPHORIC.contains(first) || first.isEmpty()) {
      return false;
    }
    String lower = sentence.toLowerCase(Locale.ROOT);
    // A sentence that refers to "the above" or "the previous" depends on its position.
    return !lower.contains("above") && !lower.contains("previous") && !lower.contains("following")
        && ".!?".indexOf(TextOps.finalPunctuation(sentence)) >= 0
        && sentence.length() > 0 && ".!?".indexOf(sentence.charAt(sentence.length() - 1)) >= 0;
  }

  // ---- split and merge -------------------------------------------------------------------

  static Optional<String> split(String text, SplittableRandom rng, List<String> edits) {
    List<List<String>> paragraphs = TextOps.paragraphs(text);
    List<int[]> candidates = new ArrayList<>();
    for (int p = 0; p < paragraphs.size(); p++) {
      for (int s = 0; s < paragraphs.get(p).size(); s++) {
        String sentence = paragraphs.get(p).get(s);
        Matcher m = AND_SPLIT.matcher(sentence);
        if (m.find() && TextOps.wordCount(sentence.substring(0, m.start())) >= 3) {
          candidates.add(new int[] {p, s});
        } else if (sentence.contains("; ")) {
          candidates.add(new int[] {p, s});
        }
      }
    }
    if (candidates.isEmpty()) {
      return Optional.empty();
    }
    int[] c = candidates.get(rng.nextInt(candidates.size()));
    String sentence = paragraphs.get(c[0]).get(c[1]);
    Matcher m = AND_SPLIT.matcher(sentence);
    String first;
    String second;
    if (m.find() && TextOps.wordCount(sentence.substring(0, m.start())) >= 3) {
      first = sentence.substring(0, m.start());
      second = sentence.substring(m.end());
    } else {
      int i = sentence.indexOf("; ");
      first = sentence.substring(0, i);
      second = sentence.substring(i + 2);
    }
    List<String> ss = paragraphs.get(c[0]);
    ss.set(c[1], first + ".");
    ss.add(c[1] + 1, TextOps.capitalize(second));
    edits.add("split");
    return Optional.of(TextOps.join(paragraphs));
  }

  static Optional<String> merge(String text, SplittableRandom rng, List<String> edits) {
    List<List<String>> paragraphs = TextOps.paragraphs(text);
    List<int[]> candidates = new ArrayList<>();
    for (int p = 0; p < paragraphs.size(); p++) {
      List<String> ss = paragraphs.get(p);
      for (int s = 0; s + 1 < ss.size(); s++) {
        String a = ss.get(s);
        String b = ss.get(s + 1);
        if (a.endsWith(".") && (b.endsWith(".") || b.endsWith("!"))
            && TextOps.wordCount(a) <= 25 && TextOps.wordCount(b) <= 25
            && !a.contains(":") && !b.contains(":")
            && !TextOps.decapitalize(b).equals(b)) {
          candidates.add(new int[] {p, s});
        }
      }
    }
    if (candidates.isEmpty()) {
      return Optional.empty();
    }
    int[] c = candidates.get(rng.nextInt(candidates.size()));
    List<String> ss = paragraphs.get(c[0]);
    String a = TextOps.stripFinalPunctuation(ss.get(c[1]));
    String b = TextOps.decapitalize(ss.get(c[1] + 1));
    String joiner = rng.nextBoolean() ? ", and " : "; ";
    ss.set(c[1], a + joiner + b);
    ss.remove(c[1] + 1);
    edits.add("merge");
    return Optional.of(TextOps.join(paragraphs));
  }
}
