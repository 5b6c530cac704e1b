package org.consistency4j.paraphrase;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.IntPredicate;
import org.consistency4j.paraphrase.ProtectedSpans.Masked;

/**
 * Format perturbations in the spirit of FormatSpread (Sclar et al. 2023): the words stay, the
 * surface changes. Each paraphrase applies one or two of: casing ({@code lower}, {@code upper},
 * {@code title}) of text outside protected spans, whitespace (sentences on separate lines, double
 * spaces, blank lines between paragraphs, indentation), separators (": " to " - ", ":\n" or " :: "),
 * and punctuation (final mark dropped, space before punctuation). Results are distinct as exact
 * strings. Meant for robustness evaluation; a ROUGE-based near-duplicate filter would reject them
 * by design. Thread-safe.
 */
final class FormatParaphraser extends MaskedParaphraser<Void> {

  private interface Op {
    Optional<String> apply(String text, Masked masked, SplittableRandom rng, List<String> edits);
  }

  private final List<Op> ops =
      List.of(
          FormatParaphraser::casing,
          FormatParaphraser::whitespace,
          FormatParaphraser::separators,
          FormatParaphraser::punctuation);

  FormatParaphraser(ProtectionRules rules) {
    super("format", rules, 10);
  }

  @Override
  String dedupeKey(String text) {
    return text;
  }

  @Override
  Void prepare(Masked masked) {
    return null;
  }

  @Override
  Optional<String> propose(Masked masked, Void unused, SplittableRandom rng, List<String> edits) {
    String text = masked.text();
    List<Op> pool = new ArrayList<>(ops);
    int count = 1 + rng.nextInt(2);
    boolean changed = false;
    for (int i = 0; i < count && !pool.isEmpty(); i++) {
      Op op = pool.remove(rng.nextInt(pool.size()));
      // An op names its edit as it applies it; keep the name only if the text really changed
      // (a one-line text gains nothing from blank lines between lines, lower-case text from
      // lower-casing), so provenance lists exactly the edits that made the paraphrase.
      List<String> opEdits = new ArrayList<>(1);
      Optional<String> r = op.apply(text, masked, rng, opEdits);
      if (r.isPresent() && !r.get().equals(text)) {
        text = r.get();
        edits.addAll(opEdits);
        changed = true;
      }
    }
    return changed ? Optional.of(text) : Optional.empty();
  }

  static Optional<String> casing(
      String text, Masked masked, SplittableRandom rng, List<String> edits) {
    int kind = rng.nextInt(3);
    StringBuilder sb = new StringBuilder(text.length());
    boolean wordStart = true;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (masked.isMask(c)) {
        sb.append(c);
        wordStart = false;
        continue;
      }
      char out = switch (kind) {
        case 0 -> Character.toLowerCase(c);
        case 1 -> Character.toUpperCase(c);
        default -> wordStart ? Character.toUpperCase(c) : c;
      };
      sb.append(out);
      wordStart = !Character.isLetterOrDigit(c) && c != '\'';
    }
    edits.add("casing:" + List.of("lower", "upper", "title").get(kind));
    return Optional.of(sb.toString());
  }

  static Optional<String> whitespace(
      String text, Masked masked, SplittableRandom rng, List<String> edits) {
    int kind = rng.nextInt(4);
    List<List<String>> paragraphs = TextOps.paragraphs(text);
    String result;
    switch (kind) {
      case 0 -> {
        List<String> lines = new ArrayList<>();
        paragraphs.forEach(lines::addAll);
        result = String.join("\n", lines);
        edits.add("whitespace:sentence-per-line");
      }
      case 1 -> {
        List<String> lines = paragraphs.stream().map(p -> String.join("  ", p)).toList();
        result = String.join("\n", lines);
        edits.add("whitespace:double-space");
      }
      case 2 -> {
        result = TextOps.join(paragraphs).replace("\n", "\n\n");
        edits.add("whitespace:blank-lines");
      }
      default -> {
        result = "  " + TextOps.join(paragraphs).replace("\n", "\n  ");
        edits.add("whitespace:indent");
      }
    }
    return Optional.of(result);
  }

  static Optional<String> separators(
      String text, Masked masked, SplittableRandom rng, List<String> edits) {
    if (!text.contains(": ")) {
      return Optional.empty();
    }
    List<String> choices = List.of(" - ", ":\n", " :: ", ":  ");
    String sep = choices.get(rng.nextInt(choices.size()));
    edits.add("separator:" + sep.replace("\n", "\\n"));
    return Optional.of(text.replace(": ", sep));
  }

  static Optional<String> punctuation(
      String text, Masked masked, SplittableRandom rng, List<String> edits) {
    if (rng.nextBoolean()) {
      String stripped = text.stripTrailing();
      if (stripped.isEmpty() || ".!?".indexOf(stripped.charAt(stripped.length() - 1)) < 0) {
        edits.add("punctuation:add-final-period");
        return Optional.of(stripped + ".");
      }
      edits.add("punctuation:drop-final");
      return Optional.of(stripped.substring(0, stripped.length() - 1));
    }
    IntPredicate isMark = c -> c == ',' || c == '.' || c == '?' || c == '!' || c == ';';
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean atWordEnd = i > 0 && Character.isLetterOrDigit(text.charAt(i - 1));
      boolean followedBySpace = i + 1 >= text.length() || Character.isWhitespace(text.charAt(i + 1));
      if (isMark.test(c) && atWordEnd && followedBySpace) {
        sb.append(' ');
      }
      sb.append(c);
    }
    String r = sb.toString();
    if (r.equals(text)) {
      return Optional.empty();
    }
    edits.add("punctuation:space-before");
    return Optional.of(r);
  }
}
