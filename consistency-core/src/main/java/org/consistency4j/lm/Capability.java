package org.consistency4j.lm;

import org.consistency4j.internal.Check;

/**
 * What a {@link LanguageModel} can compute besides generating text, which every model does. A model
 * lists its capabilities in {@link LanguageModel#capabilities()}; a component that needs one checks it
 * with {@link #require(LanguageModel, String)} when it is built, so a model that cannot do the job is
 * refused before any work starts instead of failing with an {@link UnsupportedOperationException}
 * halfway through.
 */
public enum Capability {
  /**
   * {@link LanguageModel#score(java.util.List)}: the log-probability of every token of a
   * continuation given its prompt.
   */
  SCORE("score continuations"),

  /**
   * {@link LanguageModel#nextTokenDistribution}, {@link LanguageModel#nextTokenLogProbs} and {@link
   * LanguageModel#probabilityOfYes(java.util.List, YesNoTokens)}: log-probabilities of the next
   * token.
   */
  NEXT_TOKEN_LOGPROBS("expose next-token log-probabilities");

  private final String ability;

  Capability(String ability) {
    this.ability = ability;
  }

  /** What the capability allows, as a verb phrase ("score continuations"). */
  public String description() {
    return ability;
  }

  /**
   * Checks that {@code model} has this capability.
   *
   * @param model the model
   * @param user what needs the capability, for the message (for example {@code "a yes/no judge"})
   * @throws IllegalArgumentException naming the user, the capability, the model and the
   *     capabilities it has, if the model does not have this one
   */
  public void require(LanguageModel model, String user) {
    Check.notNull(model, "model");
    Check.notNull(user, "user");
    if (!model.supports(this)) {
      throw new IllegalArgumentException(
          user + " needs a model that can " + ability + " (capability " + name() + "), but model "
              + model.name() + " cannot (its capabilities: " + model.capabilities() + ")");
    }
  }
}
