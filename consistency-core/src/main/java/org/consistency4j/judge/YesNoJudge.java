package org.consistency4j.judge;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.consistency4j.ConsistencyException;
import org.consistency4j.internal.Check;
import org.consistency4j.lm.Capability;
import org.consistency4j.lm.LanguageModel;
import org.consistency4j.lm.YesNoTokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks a language model for {@code P(Yes) / (P(Yes) + P(No))} after judge prompts, through {@link
 * LanguageModel#probabilityOfYes(List, YesNoTokens)}, in batches and with a cache.
 *
 * <p>A call to {@link #probabilities(List)} looks every prompt up in the cache, de-duplicates the
 * missing ones (in first-occurrence order), and sends them in batches of at most {@code batchSize}
 * prompts: exactly one {@code probabilityOfYes} call per batch. The cache is keyed by the exact prompt
 * text, which for a rendered {@link JudgeTemplate} determines (template, instruction, input, response,
 * other response); it keeps the most recently used {@code maxCacheEntries} results.
 *
 * <p>Thread-safe: calls are serialized (the model is called under this judge's lock, so a model that
 * is not thread-safe may be shared through one judge). The judge does not own the model and never
 * closes it.
 */
public final class YesNoJudge {
  /** The default number of prompts per model call. */
  public static final int DEFAULT_BATCH_SIZE = 32;

  /** The default number of cached results. */
  public static final int DEFAULT_MAX_CACHE_ENTRIES = 100_000;

  private static final Logger LOG = LoggerFactory.getLogger(YesNoJudge.class);

  private final LanguageModel model;
  private final YesNoTokens tokens;
  private final int batchSize;
  private final LinkedHashMap<String, Double> cache;
  private long modelCalls;
  private long promptsSent;
  private long cacheHits;

  private YesNoJudge(LanguageModel model, YesNoTokens tokens, int batchSize, int maxCacheEntries) {
    this.model = Check.notNull(model, "model");
    Capability.NEXT_TOKEN_LOGPROBS.require(model, "a yes/no judge");
    this.tokens = Check.notNull(tokens, "tokens");
    this.batchSize = Check.positive(batchSize, "batchSize");
    Check.nonNegative(maxCacheEntries, "maxCacheEntries");
    this.cache =
        new LinkedHashMap<>(16, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Double> eldest) {
            return size() > maxCacheEntries;
          }
        };
  }

  /**
   * A judge with the default yes/no variants, batch size 32 and 100,000 cache entries.
   *
   * @throws IllegalArgumentException if the model lacks {@link Capability#NEXT_TOKEN_LOGPROBS}
   */
  public static YesNoJudge of(LanguageModel model) {
    return of(model, YesNoTokens.defaults(), DEFAULT_BATCH_SIZE, DEFAULT_MAX_CACHE_ENTRIES);
  }

  /**
   * A judge.
   *
   * @param model the judging model (not owned)
   * @param tokens the variants that count as yes and no
   * @param batchSize prompts per model call, {@code >= 1}
   * @param maxCacheEntries results kept, {@code >= 0} (0 disables caching across calls)
   * @throws IllegalArgumentException if the model lacks {@link Capability#NEXT_TOKEN_LOGPROBS}
   */
  public static YesNoJudge of(
      LanguageModel model, YesNoTokens tokens, int batchSize, int maxCacheEntries) {
    return new YesNoJudge(model, tokens, batchSize, maxCacheEntries);
  }

  /**
   * P(Yes) for each prompt, in order.
   *
   * @param prompts the judge prompts, not null (may be empty)
   * @return one value in [0, 1] per prompt
   * @throws ConsistencyException if the model returns the wrong number of values or a value outside
   *     [0, 1]; its own exceptions propagate
   */
  public synchronized double[] probabilities(List<String> prompts) {
    Check.notNull(prompts, "prompts");
    Map<String, Double> found = new HashMap<>();
    List<String> missing = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      String p = Check.notNull(prompts.get(i), "prompts[" + i + "]");
      if (found.containsKey(p)) {
        continue;
      }
      Double cached = cache.get(p);
      if (cached != null) {
        cacheHits++;
        found.put(p, cached);
      } else {
        found.put(p, null);
        missing.add(p);
      }
    }
    for (int start = 0; start < missing.size(); start += batchSize) {
      List<String> batch = missing.subList(start, Math.min(missing.size(), start + batchSize));
      double[] values = model.probabilityOfYes(List.copyOf(batch), tokens);
      modelCalls++;
      promptsSent += batch.size();
      if (values == null || values.length != batch.size()) {
        throw new ConsistencyException(
            model.name()
                + " returned "
                + (values == null ? "no" : values.length)
                + " P(Yes) values for "
                + batch.size()
                + " judge prompts");
      }
      for (int k = 0; k < values.length; k++) {
        double v = values[k];
        if (!(v >= 0 && v <= 1)) {
          throw new ConsistencyException(
              model.name()
                  + " returned P(Yes) = "
                  + v
                  + " for judge prompt "
                  + (start + k)
                  + " of this call (must be in [0, 1])");
        }
        found.put(batch.get(k), v);
        cache.put(batch.get(k), v);
      }
      LOG.debug(
          "judged {} prompts with {} ({} of {} missing done)",
          batch.size(),
          model.name(),
          start + batch.size(),
          missing.size());
    }
    double[] out = new double[prompts.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = found.get(prompts.get(i));
    }
    return out;
  }

  /** P(Yes) for one prompt. */
  public double probability(String prompt) {
    return probabilities(List.of(Check.notNull(prompt, "prompt")))[0];
  }

  /** The judging model (not owned by this judge). */
  public LanguageModel model() {
    return model;
  }

  /** The yes/no variants. */
  public YesNoTokens tokens() {
    return tokens;
  }

  /** Prompts per model call. */
  public int batchSize() {
    return batchSize;
  }

  /** How many {@code probabilityOfYes} calls this judge has made. */
  public synchronized long modelCalls() {
    return modelCalls;
  }

  /** How many prompts this judge has sent to the model in total. */
  public synchronized long promptsSent() {
    return promptsSent;
  }

  /** How many prompt look-ups the cache answered. */
  public synchronized long cacheHits() {
    return cacheHits;
  }

  /** The number of cached results. */
  public synchronized int cacheSize() {
    return cache.size();
  }

  /** Forgets every cached result (for example after the model's weights changed). */
  public synchronized void clearCache() {
    cache.clear();
  }
}
