package org.consistency4j.paraphrase;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.consistency4j.internal.Check;
import org.consistency4j.paraphrase.ProtectedSpans.Masked;

/**
 * Base of the rule-based paraphrasers: masks the protected spans, asks the subclass for random
 * rewrites of the masked text, restores the spans, and keeps distinct results that preserve every
 * span. Attempt {@code i} draws from its own split of the seeded generator, so results are
 * deterministic for a seed.
 */
abstract class MaskedParaphraser<P> implements Paraphraser {
  private final String name;
  private final ProtectionRules rules;
  private final int attemptsPerResult;

  MaskedParaphraser(String name, ProtectionRules rules, int attemptsPerResult) {
    this.name = name;
    this.rules = Check.notNull(rules, "rules");
    this.attemptsPerResult = attemptsPerResult;
  }

  /** Analyses the masked text once per call; the result is passed to every proposal. */
  abstract P prepare(Masked masked);

  /**
   * One random rewrite of the masked text, recording its edits; empty when no rewrite applies.
   * Must never change a mask character.
   */
  abstract Optional<String> propose(
      Masked masked, P prepared, SplittableRandom rng, List<String> edits);

  /** The key under which two results count as the same paraphrase. */
  String dedupeKey(String text) {
    return TextOps.normalizeSpaces(text);
  }

  @Override
  public final List<Paraphrase> paraphrase(Instruction instruction, int n, long seed) {
    Check.notNull(instruction, "instruction");
    Check.positive(n, "n");
    ProtectedSpans spans = ProtectedSpans.of(instruction, rules);
    Masked masked = spans.mask();
    SplittableRandom root = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
    Map<String, Paraphrase> out = new LinkedHashMap<>();
    String originalKey = dedupeKey(instruction.text());
    P prepared = prepare(masked);
    // Saturates instead of overflowing to a negative count (which returned no paraphrase at all).
    int attempts = (int) Math.min(Integer.MAX_VALUE, (long) n * attemptsPerResult);
    for (int i = 0; i < attempts && out.size() < n; i++) {
      SplittableRandom rng = root.split();
      List<String> edits = new ArrayList<>();
      Optional<String> rewritten = propose(masked, prepared, rng, edits);
      if (rewritten.isEmpty() || edits.isEmpty()) {
        continue;
      }
      Optional<String> restored = masked.restore(rewritten.get());
      if (restored.isEmpty()) {
        continue;
      }
      String text = restored.get();
      String key = dedupeKey(text);
      if (text.isBlank()
          || key.equals(originalKey)
          || out.containsKey(key)
          || !spans.preservedIn(text)) {
        continue;
      }
      out.put(key, new Paraphrase(text, name, edits));
    }
    return List.copyOf(out.values());
  }

  @Override
  public final String name() {
    return name;
  }
}
