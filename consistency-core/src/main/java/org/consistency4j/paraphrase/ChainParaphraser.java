package org.consistency4j.paraphrase;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.consistency4j.internal.Check;
import org.consistency4j.lm.Sampling;

/**
 * Applies a second paraphraser to each result of a first one. The second paraphraser sees the
 * original instruction's protected spans as extra protected terms, and every result is checked
 * against the original's spans. When the second finds nothing for a text, the first's paraphrase
 * is kept as it is.
 */
final class ChainParaphraser implements Paraphraser {
  private final Paraphraser first;
  private final Paraphraser second;
  private final ProtectionRules rules;

  ChainParaphraser(Paraphraser first, Paraphraser second, ProtectionRules rules) {
    this.first = Check.notNull(first, "first");
    this.second = Check.notNull(second, "second");
    this.rules = Check.notNull(rules, "rules");
  }

  @Override
  public List<Paraphrase> paraphrase(Instruction instruction, int n, long seed) {
    Check.notNull(instruction, "instruction");
    Check.positive(n, "n");
    ProtectedSpans spans = ProtectedSpans.of(instruction, rules);
    List<String> terms = new ArrayList<>(instruction.protectedTerms());
    spans.spans().forEach(s -> terms.add(s.text()));
    List<Paraphrase> firsts = first.paraphrase(instruction, n, seed);
    Map<String, Paraphrase> out = new LinkedHashMap<>();
    String originalKey = instruction.text();
    if (firsts.isEmpty()) {
      return List.of();
    }
    int perItem = Math.max(1, (n + firsts.size() - 1) / firsts.size());
    for (int i = 0; i < firsts.size() && out.size() < n; i++) {
      Paraphrase p = firsts.get(i);
      long subSeed = Sampling.rng(seed, i).nextLong();
      List<Paraphrase> seconds =
          second.paraphrase(new Instruction(p.text(), terms), perItem, subSeed);
      boolean added = false;
      for (Paraphrase s : seconds) {
        String key = s.text();
        if (out.size() < n && !key.equals(originalKey) && !out.containsKey(key)
            && spans.preservedIn(s.text())) {
          out.put(key, p.andThen(s));
          added = true;
        }
      }
      if (!added) {
        out.putIfAbsent(p.text(), p);
      }
    }
    return List.copyOf(out.values()).subList(0, Math.min(n, out.size()));
  }

  @Override
  public String name() {
    return first.name() + "+" + second.name();
  }
}
