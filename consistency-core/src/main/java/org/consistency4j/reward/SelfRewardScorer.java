package org.consistency4j.reward;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import org.consistency4j.ConsistencyException;
import org.consistency4j.internal.Check;
import org.consistency4j.judge.JudgeTemplate;
import org.consistency4j.judge.JudgeTemplates;
import org.consistency4j.judge.YesNoJudge;
import org.consistency4j.lm.Capability;
import org.consistency4j.lm.LanguageModel;
import org.consistency4j.metrics.ResponseSimilarity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Self-rewards (method section 3): the stage-1 model judges its own responses. Three rewards, combined
 * by {@link RewardWeights}:
 *
 * <ul>
 *   <li><b>quality</b>: P(Yes) / (P(Yes) + P(No)) after the quality template (default {@link
 *       JudgeTemplates#quality()}), rendered with the group's original instruction, its input and the
 *       response;
 *   <li><b>agreement</b>: for response {@code i}, the mean over every other response {@code j} of the
 *       group of P(Yes) after the agreement template (default {@link JudgeTemplates#agreement()}) with
 *       {@code {response}} = i and {@code {other}} = j (ordered pairs: i is always "A");
 *   <li><b>frequency</b>: agreement frequency without a judge, the mean of {@code similarity(i, j)}
 *       over the other responses {@code j} (with a binary similarity, the share of the group's other
 *       responses that give the same answer).
 * </ul>
 *
 * All judge prompts of a call are sent through one {@link YesNoJudge}, which de-duplicates, caches by
 * prompt text and batches them (one {@code probabilityOfYes} call per batch). Agreement and frequency
 * need at least two responses per group.
 *
 * <p>Thread-safe if the similarity is (the judge serializes model calls). It does not own the model.
 */
public final class SelfRewardScorer {
  /** Judge prompts gathered per judge call when scoring many groups, bounding memory. */
  static final int PROMPTS_PER_CHUNK = 4096;

  private static final Logger LOG = LoggerFactory.getLogger(SelfRewardScorer.class);

  private final YesNoJudge judge;
  private final JudgeTemplate qualityTemplate;
  private final JudgeTemplate agreementTemplate;
  private final RewardWeights weights;
  private final ResponseSimilarity similarity;

  private SelfRewardScorer(Builder b) {
    this.weights = Check.notNull(b.weights, "weights");
    if (b.judge != null) {
      this.judge = b.judge;
    } else if (weights.needsJudge() || b.model.supports(Capability.NEXT_TOKEN_LOGPROBS)) {
      this.judge = YesNoJudge.of(b.model);
    } else {
      // Agreement frequency alone needs no judge, so a model that only generates is fine.
      this.judge = null;
    }
    this.qualityTemplate = Check.notNull(b.qualityTemplate, "qualityTemplate");
    this.agreementTemplate = Check.notNull(b.agreementTemplate, "agreementTemplate");
    this.similarity = b.similarity;
    Check.argument(
        agreementTemplate.uses("other"),
        "agreementTemplate " + agreementTemplate.name() + " must contain the placeholder {other}");
    Check.argument(
        weights.frequency() == 0 || similarity != null,
        "similarity must be set when the frequency weight is > 0, found frequency "
            + weights.frequency());
  }

  /**
   * A builder judging with {@code model} through a {@link YesNoJudge#of(LanguageModel) default judge}.
   * Defaults: the standard quality and agreement templates, {@link RewardWeights#judges()}, no
   * similarity. {@link Builder#build()} requires {@link Capability#NEXT_TOKEN_LOGPROBS} when the
   * weights {@link RewardWeights#needsJudge() need a judge}; with agreement frequency alone a model
   * without it gives a scorer without a judge.
   */
  public static Builder builder(LanguageModel model) {
    return new Builder(null, Check.notNull(model, "model"));
  }

  /** A builder judging through {@code judge} (to share its cache or set its batch size). */
  public static Builder builder(YesNoJudge judge) {
    return new Builder(Check.notNull(judge, "judge"), null);
  }

  /**
   * The quality reward of each item.
   *
   * @param items the instruction, input and response triples
   * @return P(Yes) per item, in [0, 1]
   */
  public double[] quality(List<InstructionResponse> items) {
    Check.notNull(items, "items");
    List<String> prompts = new ArrayList<>(items.size());
    for (InstructionResponse r : items) {
      prompts.add(qualityTemplate.render(r.instruction(), r.input(), r.response(), null));
    }
    return judge().probabilities(prompts);
  }

  /**
   * The agreement judge's P(Yes) for each query (one ordered comparison each).
   *
   * @param queries the response pairs
   * @return P(Yes) per query, in [0, 1]
   */
  public double[] sameAnswer(List<AgreementQuery> queries) {
    Check.notNull(queries, "queries");
    List<String> prompts = new ArrayList<>(queries.size());
    for (AgreementQuery q : queries) {
      prompts.add(agreementTemplate.render(q.instruction(), q.input(), q.response(), q.other()));
    }
    return judge().probabilities(prompts);
  }

  /**
   * Agreement frequency of each response: the mean similarity to the other responses.
   *
   * @param responses at least two responses
   * @return one value in [0, 1] per response
   * @throws IllegalStateException if no similarity is configured
   * @throws ConsistencyException if the similarity returns a value outside [0, 1]
   */
  public double[] frequency(List<String> responses) {
    Check.notNull(responses, "responses");
    if (similarity == null) {
      throw new IllegalStateException("no similarity is configured for agreement frequency");
    }
    Check.argument(
        responses.size() >= 2,
        "responses must hold at least 2 responses, found " + responses.size());
    return AgreementFrequency.of(responses, similarity);
  }

  /** Scores one group. */
  public ScoredGroup score(SampledGroup group) {
    return score(List.of(Check.notNull(group, "group"))).get(0);
  }

  /**
   * Scores every group; judge prompts of several groups share batches.
   *
   * @param groups the groups; each needs at least two responses when the agreement or frequency
   *     weight is positive (an empty group gets no rewards)
   * @return one scored group per group, in order
   */
  public List<ScoredGroup> score(List<SampledGroup> groups) {
    Check.notNull(groups, "groups");
    for (SampledGroup g : groups) {
      Check.notNull(g, "group");
      if (g.size() == 1 && (weights.agreement() > 0 || weights.frequency() > 0)) {
        throw new IllegalArgumentException(
            "group "
                + g.id()
                + " has 1 response; agreement and frequency rewards need at least 2");
      }
    }
    List<ScoredGroup> out = new ArrayList<>(groups.size());
    int start = 0;
    while (start < groups.size()) {
      int end = start;
      long prompts = 0;
      while (end < groups.size() && (end == start || prompts < PROMPTS_PER_CHUNK)) {
        prompts += promptCount(groups.get(end));
        end++;
      }
      out.addAll(scoreChunk(groups.subList(start, end)));
      start = end;
      LOG.debug("scored {} of {} groups", start, groups.size());
    }
    return out;
  }

  private long promptCount(SampledGroup g) {
    long n = g.size();
    return (weights.quality() > 0 ? n : 0) + (weights.agreement() > 0 ? n * (n - 1) : 0);
  }

  private List<ScoredGroup> scoreChunk(List<SampledGroup> groups) {
    List<String> prompts = new ArrayList<>();
    for (SampledGroup g : groups) {
      List<String> texts = g.texts();
      if (weights.quality() > 0) {
        for (String t : texts) {
          prompts.add(qualityTemplate.render(g.instruction(), g.input(), t, null));
        }
      }
      if (weights.agreement() > 0) {
        for (int i = 0; i < texts.size(); i++) {
          for (int j = 0; j < texts.size(); j++) {
            if (i != j) {
              prompts.add(
                  agreementTemplate.render(g.instruction(), g.input(), texts.get(i), texts.get(j)));
            }
          }
        }
      }
    }
    double[] p = prompts.isEmpty() ? new double[0] : judge().probabilities(prompts);
    int k = 0;
    List<ScoredGroup> out = new ArrayList<>(groups.size());
    for (SampledGroup g : groups) {
      int n = g.size();
      double[] quality = null;
      double[] agreement = null;
      double[] frequency = null;
      if (weights.quality() > 0) {
        quality = new double[n];
        for (int i = 0; i < n; i++) {
          quality[i] = p[k++];
        }
      }
      if (weights.agreement() > 0) {
        agreement = new double[n];
        for (int i = 0; i < n; i++) {
          double sum = 0;
          for (int j = 0; j < n - 1; j++) {
            sum += p[k++];
          }
          agreement[i] = n > 1 ? sum / (n - 1) : 0;
        }
      }
      if (weights.frequency() > 0 && n > 1) {
        frequency = AgreementFrequency.of(g.texts(), similarity);
      }
      List<RewardBreakdown> rewards = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        rewards.add(combine(quality, agreement, frequency, i));
      }
      out.add(new ScoredGroup(g, rewards));
    }
    return out;
  }

  private RewardBreakdown combine(double[] quality, double[] agreement, double[] frequency, int i) {
    double sum = 0;
    if (quality != null) {
      sum += weights.quality() * quality[i];
    }
    if (agreement != null) {
      sum += weights.agreement() * agreement[i];
    }
    if (frequency != null) {
      sum += weights.frequency() * frequency[i];
    }
    // rounding can push a weighted mean of values in [0, 1] a hair outside it
    double reward = Math.min(1, Math.max(0, sum / weights.total()));
    return new RewardBreakdown(
        optional(quality, i), optional(agreement, i), optional(frequency, i), reward);
  }

  private static OptionalDouble optional(double[] values, int i) {
    return values == null ? OptionalDouble.empty() : OptionalDouble.of(values[i]);
  }

  /**
   * The judge (its counters and cache are useful for logs).
   *
   * @throws IllegalStateException if this scorer has none: it was built from a model without {@link
   *     Capability#NEXT_TOKEN_LOGPROBS} for agreement frequency alone
   */
  public YesNoJudge judge() {
    if (judge == null) {
      throw new IllegalStateException("this scorer has no judge: it was built for agreement"
          + " frequency alone from a model that cannot expose next-token log-probabilities");
    }
    return judge;
  }

  /** The reward weights. */
  public RewardWeights weights() {
    return weights;
  }

  /** The quality template. */
  public JudgeTemplate qualityTemplate() {
    return qualityTemplate;
  }

  /** The agreement template. */
  public JudgeTemplate agreementTemplate() {
    return agreementTemplate;
  }

  /** Builder of {@link SelfRewardScorer}; setters are named after the settings. Not thread-safe. */
  public static final class Builder {
    private final YesNoJudge judge;
    private final LanguageModel model;
    private JudgeTemplate qualityTemplate = JudgeTemplates.quality();
    private JudgeTemplate agreementTemplate = JudgeTemplates.agreement();
    private RewardWeights weights = RewardWeights.judges();
    private ResponseSimilarity similarity;

    private Builder(YesNoJudge judge, LanguageModel model) {
      this.judge = judge;
      this.model = model;
    }

    /** The quality judge's template. */
    public Builder qualityTemplate(JudgeTemplate value) {
      this.qualityTemplate = value;
      return this;
    }

    /** The agreement judge's template; must contain {@code {other}}. */
    public Builder agreementTemplate(JudgeTemplate value) {
      this.agreementTemplate = value;
      return this;
    }

    /** How the rewards combine. */
    public Builder weights(RewardWeights value) {
      this.weights = value;
      return this;
    }

    /** The similarity of agreement frequency; required when its weight is positive. */
    public Builder similarity(ResponseSimilarity value) {
      this.similarity = value;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException if a setting is invalid, or if the weights need a judge and
     *     the builder's model lacks {@link Capability#NEXT_TOKEN_LOGPROBS}
     */
    public SelfRewardScorer build() {
      return new SelfRewardScorer(this);
    }
  }
}
