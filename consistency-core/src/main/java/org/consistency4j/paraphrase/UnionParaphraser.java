package org.consistency4j.paraphrase;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.consistency4j.internal.Check;
import org.consistency4j.lm.Sampling;

/**
 * Interleaves the results of several paraphrasers round-robin (member {@code i} is seeded with its
 * own stream of the seed), dropping texts already taken, until {@code n} are collected.
 */
final class UnionParaphraser implements Paraphraser {
  private final List<Paraphraser> members;

  UnionParaphraser(List<Paraphraser> members) {
    this.members = List.copyOf(Check.notEmpty(members, "members"));
  }

  @Override
  public List<Paraphrase> paraphrase(Instruction instruction, int n, long seed) {
    Check.notNull(instruction, "instruction");
    Check.positive(n, "n");
    List<List<Paraphrase>> results = new ArrayList<>();
    for (int i = 0; i < members.size(); i++) {
      results.add(members.get(i).paraphrase(instruction, n, Sampling.rng(seed, i).nextLong()));
    }
    Map<String, Paraphrase> out = new LinkedHashMap<>();
    String originalKey = instruction.text();
    for (int round = 0; out.size() < n; round++) {
      boolean any = false;
      for (List<Paraphrase> r : results) {
        if (round < r.size()) {
          any = true;
          Paraphrase p = r.get(round);
          String key = p.text();
          if (out.size() < n && !key.equals(originalKey)) {
            out.putIfAbsent(key, p);
          }
        }
      }
      if (!any) {
        break;
      }
    }
    return List.copyOf(out.values());
  }

  @Override
  public String name() {
    return members.stream().map(Paraphraser::name).collect(Collectors.joining("|"));
  }
}
