package org.consistency4j.paraphrase;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.consistency4j.internal.Check;
import org.consistency4j.lm.Generation;
import org.consistency4j.lm.LanguageModel;
import org.consistency4j.lm.Sampling;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Paraphrasing by prompting a {@link LanguageModel} (what the paper did with ChatGPT, GPT-4 or
 * Vicuna): the prompt asks for {@code n} rewrites as a numbered list, the answer is parsed, and items
 * are kept when they differ from the instruction and from each other, keep every protected span,
 * and have a plausible length. Rounds repeat with a new seed until {@code n} are found. Thread-safe
 * when the model is; the model is not closed here.
 */
final class LmParaphraser implements Paraphraser {
  private static final Logger LOG = LoggerFactory.getLogger(LmParaphraser.class);

  private final LanguageModel model;
  private final LmParaphraserConfig config;
  private final ProtectionRules rules;

  LmParaphraser(LanguageModel model, LmParaphraserConfig config, ProtectionRules rules) {
    this.model = Check.notNull(model, "model");
    this.config = Check.notNull(config, "config");
    this.rules = Check.notNull(rules, "rules");
  }

  /** The prompt for an instruction. */
  String prompt(Instruction instruction, int n, ProtectedSpans spans) {
    String protectedList = spans.spans().isEmpty()
        ? "(none)"
        : spans.spans().stream().map(s -> "\"" + s.text() + "\"").distinct()
            .collect(Collectors.joining(", "));
    return config.template()
        .replace("{n}", Integer.toString(n))
        .replace("{protected}", protectedList)
        .replace("{instruction}", instruction.text());
  }

  @Override
  public List<Paraphrase> paraphrase(Instruction instruction, int n, long seed) {
    Check.notNull(instruction, "instruction");
    Check.positive(n, "n");
    ProtectedSpans spans = ProtectedSpans.of(instruction, rules);
    String original = TextOps.normalizeSpaces(instruction.text());
    int length = instruction.text().length();
    Map<String, Paraphrase> out = new LinkedHashMap<>();
    int rounds = config.generation().greedy() ? 1 : config.rounds();
    for (int round = 0; round < rounds && out.size() < n; round++) {
      long roundSeed = Sampling.rng(seed, round).nextLong();
      Generation g = model.generate(
          prompt(instruction, n - out.size(), spans),
          config.generation().toBuilder().seed(roundSeed).build());
      int rejected = 0;
      for (String item : ListParser.parse(g.text())) {
        String key = TextOps.normalizeSpaces(item);
        double ratio = (double) item.length() / length;
        if (key.equals(original) || out.containsKey(key)
            || ratio < config.minLengthRatio() || ratio > config.maxLengthRatio()
            || !spans.preservedIn(item)) {
          rejected++;
          continue;
        }
        if (out.size() < n) {
          out.put(key, new Paraphrase(item, "lm", List.of("lm:" + model.name())));
        }
      }
      LOG.debug("round {}: {} kept so far, {} rejected", round, out.size(), rejected);
    }
    return List.copyOf(out.values());
  }

  @Override
  public String name() {
    return "lm";
  }
}
