package org.consistency4j.reward;

import java.util.ArrayList;
import java.util.List;
import org.consistency4j.ConsistencyException;
import org.consistency4j.internal.Check;
import org.consistency4j.lm.Generation;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.lm.LanguageModel;
import org.consistency4j.lm.Sampling;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples {@code m} responses for every verbalization of every instruction group (method section 3,
 * stage 2), in batched {@link LanguageModel#generate(List, GenerationConfig)} calls.
 *
 * <p>Order and seeding: the prompts are laid out group by group, verbalization by verbalization,
 * sample by sample, and cut into consecutive batches of {@code batchSize}. Batch {@code k} is generated
 * with the configured decoding settings and the seed {@code Sampling.rng(seed, k).nextLong()}; since a
 * model draws prompt {@code i} of a call from {@code Sampling.rng(callSeed, i)}, the {@code m} copies of
 * a prompt get different samples. The result is reproducible for the same model, groups, settings and
 * batch size (changing the batch size changes which stream a prompt draws from).
 *
 * <p>Immutable and thread-safe if the model is; it does not own the model.
 */
public final class ResponseSampler {
  /** The method's default number of samples per verbalization. */
  public static final int DEFAULT_SAMPLES = 4;

  /**
   * The most samples per verbalization accepted: 1,024 (the method uses 4; every sample is a
   * generation and is held in memory until the group is scored).
   */
  public static final int MAX_SAMPLES = 1024;

  /** The default number of prompts per generate call. */
  public static final int DEFAULT_BATCH_SIZE = 16;

  private static final Logger LOG = LoggerFactory.getLogger(ResponseSampler.class);

  private final LanguageModel model;
  private final GenerationConfig config;
  private final int samplesPerVerbalization;
  private final int batchSize;
  private final PromptFormat format;

  private ResponseSampler(Builder b) {
    this.model = Check.notNull(b.model, "model");
    this.config = Check.notNull(b.config, "config");
    this.samplesPerVerbalization =
        Check.inRange(b.samples, 1, MAX_SAMPLES, "samplesPerVerbalization");
    this.batchSize = Check.positive(b.batchSize, "batchSize");
    this.format = Check.notNull(b.format, "format");
    if (config.greedy() && samplesPerVerbalization > 1) {
      LOG.warn(
          "greedy decoding (temperature 0) with {} samples per verbalization: the samples of a"
              + " verbalization will be identical",
          samplesPerVerbalization);
    }
  }

  /**
   * The method's default decoding settings: temperature 0.8, top-p 0.95, at most 256 new tokens.
   *
   * @param seed the sampling seed
   */
  public static GenerationConfig defaultConfig(long seed) {
    return GenerationConfig.builder().temperature(0.8).topP(0.95).maxNewTokens(256).seed(seed).build();
  }

  /**
   * A builder with the defaults: {@link #defaultConfig(long) defaultConfig(0)}, 4 samples per
   * verbalization, batches of 16 prompts, {@link PromptFormat#plain()}.
   *
   * @param model the model to sample from (not owned)
   */
  public static Builder builder(LanguageModel model) {
    return new Builder(model);
  }

  /**
   * Samples the responses of every group.
   *
   * @param groups the instruction groups, not null
   * @return one response group per instruction group, in order, each with {@code verbalizations x m}
   *     responses ordered by verbalization, then sample
   * @throws ConsistencyException if the model returns the wrong number of generations
   */
  public List<SampledGroup> sample(List<InstructionGroup> groups) {
    List<String> prompts = prompts(groups);
    List<String> texts = new ArrayList<>(prompts.size());
    int call = 0;
    for (int start = 0; start < prompts.size(); start += batchSize, call++) {
      List<String> batch = prompts.subList(start, Math.min(prompts.size(), start + batchSize));
      texts.addAll(generateCall(call, batch));
      LOG.debug("sampled {} of {} responses", texts.size(), prompts.size());
    }
    return assemble(groups, prompts, texts);
  }

  /**
   * The prompts {@link #sample} generates, in order: group by group, verbalization by verbalization,
   * {@link #samplesPerVerbalization()} copies of each. Call {@code k} of {@link #generateCall}
   * generates prompts {@code [k * batchSize, (k + 1) * batchSize)} of this list; a distributed run
   * that makes the same calls gets the same responses as {@link #sample}.
   *
   * @param groups the instruction groups, not null
   * @return the prompts
   */
  public List<String> prompts(List<InstructionGroup> groups) {
    Check.notNull(groups, "groups");
    List<String> prompts = new ArrayList<>();
    for (int g = 0; g < groups.size(); g++) {
      InstructionGroup group = Check.notNull(groups.get(g), "groups[" + g + "]");
      for (String v : group.verbalizations()) {
        String prompt = Check.notNull(format.format(v, group.input()), "formatted prompt");
        for (int s = 0; s < samplesPerVerbalization; s++) {
          prompts.add(prompt);
        }
      }
    }
    return prompts;
  }

  /**
   * Generate call {@code call} of {@link #sample}: the batch's responses, drawn with the configured
   * settings and the seed {@code Sampling.rng(seed, call).nextLong()}.
   *
   * @param call the call's index, {@code >= 0}
   * @param batch the call's prompts (at most {@link #batchSize()})
   * @return the texts, one per prompt
   * @throws ConsistencyException if the model returns the wrong number of generations
   */
  public List<String> generateCall(int call, List<String> batch) {
    Check.nonNegative(call, "call");
    Check.notNull(batch, "batch");
    GenerationConfig callConfig =
        config.toBuilder().seed(Sampling.rng(config.seed(), call).nextLong()).build();
    List<Generation> out = model.generate(List.copyOf(batch), callConfig);
    if (out == null || out.size() != batch.size()) {
      throw new ConsistencyException(
          model.name()
              + " returned "
              + (out == null ? "no" : out.size())
              + " generations for "
              + batch.size()
              + " prompts");
    }
    List<String> texts = new ArrayList<>(out.size());
    for (Generation gen : out) {
      texts.add(gen.text());
    }
    return texts;
  }

  /**
   * The response groups of {@link #sample} from the texts of every prompt of {@link #prompts}.
   *
   * @param groups the instruction groups
   * @param prompts {@code prompts(groups)}
   * @param texts one text per prompt, in order
   * @return one response group per instruction group
   */
  public List<SampledGroup> assemble(List<InstructionGroup> groups, List<String> prompts, List<String> texts) {
    Check.notNull(groups, "groups");
    Check.sameSize(prompts.size(), "prompts", texts.size(), "texts");
    List<SampledGroup> result = new ArrayList<>(groups.size());
    int k = 0;
    for (InstructionGroup group : groups) {
      List<SampledResponse> responses = new ArrayList<>();
      for (int v = 0; v < group.verbalizations().size(); v++) {
        for (int s = 0; s < samplesPerVerbalization; s++, k++) {
          responses.add(new SampledResponse(v, s, prompts.get(k), texts.get(k)));
        }
      }
      result.add(new SampledGroup(group.id(), group.instruction(), group.input(), responses));
    }
    return result;
  }

  /** The decoding settings (the base seed included). */
  public GenerationConfig config() {
    return config;
  }

  /** Samples per verbalization. */
  public int samplesPerVerbalization() {
    return samplesPerVerbalization;
  }

  /** Prompts per generate call. */
  public int batchSize() {
    return batchSize;
  }

  /** Builder of {@link ResponseSampler}; setters are named after the settings. Not thread-safe. */
  public static final class Builder {
    private final LanguageModel model;
    private GenerationConfig config = defaultConfig(0);
    private int samples = DEFAULT_SAMPLES;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private PromptFormat format = PromptFormat.plain();

    private Builder(LanguageModel model) {
      this.model = model;
    }

    /** Decoding settings, including the seed. */
    public Builder config(GenerationConfig value) {
      this.config = value;
      return this;
    }

    /** Samples per verbalization (m), {@code >= 1}. */
    public Builder samplesPerVerbalization(int value) {
      this.samples = value;
      return this;
    }

    /** Prompts per generate call, {@code >= 1}. */
    public Builder batchSize(int value) {
      this.batchSize = value;
      return this;
    }

    /** How a verbalization and an input become a prompt. */
    public Builder format(PromptFormat value) {
      this.format = value;
      return this;
    }

    /** Validates and builds. */
    public ResponseSampler build() {
      return new ResponseSampler(this);
    }
  }
}
