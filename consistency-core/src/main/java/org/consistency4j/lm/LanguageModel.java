package org.consistency4j.lm;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.consistency4j.internal.Check;

/**
 * A text-in, text-out language model: the contract every model-backed part of consistency4j uses
 * (paraphrasing, self-reward judges, evaluation). Implementations: the ONNX Runtime model of
 * {@code consistency-train} and the OpenAI-compatible HTTP model of {@code consistency-eval}.
 *
 * <p>Prompts are plain strings passed to the model as they are; an implementation that applies a chat
 * template says so in its documentation. Batched methods return one result per prompt, in order.
 * Sampling is reproducible: prompt {@code i} of a call draws from {@link Sampling#rng(long, int)} with
 * the configured seed, so its result does not depend on how prompts are batched.
 *
 * <p>Only {@link #generate(List, GenerationConfig)} is required. Scoring, next-token distributions and
 * {@code probabilityOfYes} are optional: {@link #capabilities()} says which of them a model computes
 * ({@link Capability}), and components that need one check it when they are built ({@link
 * Capability#require(LanguageModel, String)}). The methods of a capability a model does not list
 * throw {@link UnsupportedOperationException}. An implementation that overrides them must list the
 * capability, and a wrapper must report its delegate's. Implementations document their thread
 * safety; {@link #close()} releases whatever the model owns and is idempotent.
 */
public interface LanguageModel extends AutoCloseable {

  /**
   * Generates one completion for each prompt.
   *
   * @param prompts the prompts, not empty
   * @param config decoding settings, including the seed
   * @return one generation per prompt, in the same order
   */
  List<Generation> generate(List<String> prompts, GenerationConfig config);

  /** Generates one completion for {@code prompt}. */
  default Generation generate(String prompt, GenerationConfig config) {
    return generate(List.of(Check.notNull(prompt, "prompt")), config).get(0);
  }

  /**
   * What this model computes besides generation. The default is none, matching the default methods,
   * which throw {@link UnsupportedOperationException}.
   *
   * @return an immutable set
   */
  default Set<Capability> capabilities() {
    return Set.of();
  }

  /** Whether {@link #capabilities()} contains {@code capability}. */
  default boolean supports(Capability capability) {
    return capabilities().contains(Check.notNull(capability, "capability"));
  }

  /**
   * Scores continuations: for each request, the log-probability (natural log) of every continuation
   * token given the prompt and the continuation tokens before it.
   *
   * @throws UnsupportedOperationException if this model cannot score text (no {@link
   *     Capability#SCORE})
   */
  default List<ContinuationScore> score(List<Continuation> requests) {
    throw new UnsupportedOperationException(name() + " cannot score continuations");
  }

  /** Scores one continuation of one prompt. */
  default ContinuationScore score(String prompt, String continuation) {
    return score(List.of(new Continuation(prompt, continuation))).get(0);
  }

  /**
   * The {@code topK} most likely next tokens after each prompt, most likely first.
   *
   * @throws UnsupportedOperationException if this model cannot expose its next-token distribution
   *     (no {@link Capability#NEXT_TOKEN_LOGPROBS})
   */
  default List<List<TokenLogProb>> nextTokenDistribution(List<String> prompts, int topK) {
    throw new UnsupportedOperationException(name() + " cannot expose next-token distributions");
  }

  /**
   * Log-probabilities of the given candidate strings as the next token after each prompt. A
   * candidate that is not a single token of this model's vocabulary is absent from the map.
   *
   * @throws UnsupportedOperationException if this model cannot expose next-token probabilities (no
   *     {@link Capability#NEXT_TOKEN_LOGPROBS})
   */
  default List<Map<String, Double>> nextTokenLogProbs(
      List<String> prompts, Collection<String> candidates) {
    throw new UnsupportedOperationException(name() + " cannot expose next-token probabilities");
  }

  /**
   * For each prompt, {@code P(Yes) / (P(Yes) + P(No))} of the next token, where P(Yes) sums the
   * probabilities of every "yes" variant and P(No) of every "no" variant. This is the self-reward
   * of the consistency alignment method. The default counts single-token variants only; where no
   * variant of one kind is a single token, a model that can score continuations may count every
   * variant with the probability of its whole token sequence instead of refusing (the ONNX Runtime
   * model does), so that judges work on tokenizers that split "Yes" and "No".
   *
   * @throws org.consistency4j.ConsistencyException if no variant of "yes" or none of "no" is a
   *     single token of this model (default implementation)
   */
  default double[] probabilityOfYes(List<String> prompts, YesNoTokens tokens) {
    Check.notNull(tokens, "tokens");
    List<Map<String, Double>> logProbs = nextTokenLogProbs(prompts, tokens.all());
    double[] result = new double[prompts.size()];
    for (int i = 0; i < result.length; i++) {
      result[i] = tokens.probabilityOfYes(logProbs.get(i), name());
    }
    return result;
  }

  /** {@link #probabilityOfYes(List, YesNoTokens)} for one prompt with the default variants. */
  default double probabilityOfYes(String prompt) {
    return probabilityOfYes(List.of(Check.notNull(prompt, "prompt")), YesNoTokens.defaults())[0];
  }

  /** A stable, human-readable name for reports (for example the model directory or URL and id). */
  String name();

  /** Releases what this model owns. Idempotent. The default owns nothing. */
  @Override
  default void close() {}
}
