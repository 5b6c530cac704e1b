package org.consistency4j.harness;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.consistency4j.internal.Check;
import org.consistency4j.metrics.Bootstrap;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.metrics.ResponseSimilarity;
import org.consistency4j.metrics.Similarities;

/**
 * Settings of an {@link Evaluator}. Immutable; build with {@link #builder()}, change with {@link
 * #toBuilder()}. Defaults: similarity {@code rougeL>=0.5}, greedy decoding of at most 64 tokens,
 * batches of 8 prompts, 1,000 bootstrap resamples at 95%, seed 0, ROUGE without stemming.
 *
 * @param similarity how two responses of a group are compared (consistency rate and majority
 *     agreement)
 * @param generation decoding settings; its seed is replaced by {@link #seed()} combined with the
 *     batch index, so a run is reproducible from one seed
 * @param batchSize prompts per {@link org.consistency4j.lm.LanguageModel#generate} call and per
 *     flush of the response file, {@code >= 1}
 * @param resamples bootstrap resamples (and permutations of the paired test), in [1, {@link
 *     Bootstrap#MAX_RESAMPLES}]
 * @param level the intervals' coverage, in (0, 1)
 * @param seed the seed of generation, the bootstrap and the permutation test
 * @param rougeStemmer whether ROUGE against references uses the Porter stemmer
 */
public record EvaluationConfig(
    ResponseSimilarity similarity,
    GenerationConfig generation,
    int batchSize,
    int resamples,
    double level,
    long seed,
    boolean rougeStemmer) {

  /** Validates; messages name the field. */
  public EvaluationConfig {
    Check.notNull(similarity, "similarity");
    Check.notNull(generation, "generation");
    Check.positive(batchSize, "batchSize");
    Check.inRange(resamples, 1, Bootstrap.MAX_RESAMPLES, "resamples");
    Check.argument(level > 0 && level < 1, "level must be in (0, 1), found " + level);
  }

  /** A builder with the documented defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder initialised with this configuration. */
  public Builder toBuilder() {
    return new Builder()
        .similarity(similarity)
        .generation(generation)
        .batchSize(batchSize)
        .resamples(resamples)
        .level(level)
        .seed(seed)
        .rougeStemmer(rougeStemmer);
  }

  /** The settings as ordered text, for reports. */
  public Map<String, String> describe() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("similarity", similarity.name());
    m.put("max_new_tokens", Integer.toString(generation.maxNewTokens()));
    m.put("temperature", Double.toString(generation.temperature()));
    m.put("top_k", Integer.toString(generation.topK()));
    m.put("top_p", Double.toString(generation.topP()));
    m.put("stop_strings", generation.stopStrings().toString());
    m.put("batch_size", Integer.toString(batchSize));
    m.put("bootstrap_resamples", Integer.toString(resamples));
    m.put("interval_level", String.format(Locale.ROOT, "%.3f", level));
    m.put("rouge_stemmer", Boolean.toString(rougeStemmer));
    m.put("seed", Long.toString(seed));
    return m;
  }

  /** Builder of {@link EvaluationConfig}; setters are named after the fields. */
  public static final class Builder {
    private ResponseSimilarity similarity = Similarities.rougeL(0.5);
    private GenerationConfig generation = GenerationConfig.greedy(64);
    private int batchSize = 8;
    private int resamples = 1000;
    private double level = 0.95;
    private long seed = 0;
    private boolean rougeStemmer = false;

    private Builder() {}

    /** See {@link EvaluationConfig#similarity()}. */
    public Builder similarity(ResponseSimilarity value) {
      this.similarity = value;
      return this;
    }

    /** See {@link EvaluationConfig#generation()}. */
    public Builder generation(GenerationConfig value) {
      this.generation = value;
      return this;
    }

    /** See {@link EvaluationConfig#batchSize()}. */
    public Builder batchSize(int value) {
      this.batchSize = value;
      return this;
    }

    /** See {@link EvaluationConfig#resamples()}. */
    public Builder resamples(int value) {
      this.resamples = value;
      return this;
    }

    /** See {@link EvaluationConfig#level()}. */
    public Builder level(double value) {
      this.level = value;
      return this;
    }

    /** See {@link EvaluationConfig#seed()}. */
    public Builder seed(long value) {
      this.seed = value;
      return this;
    }

    /** See {@link EvaluationConfig#rougeStemmer()}. */
    public Builder rougeStemmer(boolean value) {
      this.rougeStemmer = value;
      return this;
    }

    /** Validates and builds. */
    public EvaluationConfig build() {
      return new EvaluationConfig(similarity, generation, batchSize, resamples, level, seed, rougeStemmer);
    }
  }
}
