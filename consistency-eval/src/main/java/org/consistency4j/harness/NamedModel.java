package org.consistency4j.harness;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.consistency4j.lm.Capability;
import org.consistency4j.lm.Continuation;
import org.consistency4j.lm.ContinuationScore;
import org.consistency4j.lm.Generation;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.lm.LanguageModel;
import org.consistency4j.lm.TokenLogProb;
import org.consistency4j.lm.YesNoTokens;

/**
 * A model under another name, for reports (the demo's system names; a base model with an adapter);
 * owns and closes the delegate. Thread safety is the delegate's.
 */
public final class NamedModel implements LanguageModel {
  private final String name;
  private final LanguageModel delegate;

  /**
   * @param name the name reports show, not blank
   * @param delegate the model, closed with this one
   */
  public NamedModel(String name, LanguageModel delegate) {
    org.consistency4j.internal.Check.argument(name != null && !name.isBlank(),
        "name must not be blank, found " + (name == null ? "null" : "\"" + name + "\""));
    this.name = name;
    this.delegate = org.consistency4j.internal.Check.notNull(delegate, "delegate");
  }

  /** The delegate's capabilities. */
  @Override
  public Set<Capability> capabilities() {
    return delegate.capabilities();
  }

  @Override
  public List<Generation> generate(List<String> prompts, GenerationConfig config) {
    return delegate.generate(prompts, config);
  }

  @Override
  public List<ContinuationScore> score(List<Continuation> requests) {
    return delegate.score(requests);
  }

  @Override
  public List<List<TokenLogProb>> nextTokenDistribution(List<String> prompts, int topK) {
    return delegate.nextTokenDistribution(prompts, topK);
  }

  @Override
  public List<Map<String, Double>> nextTokenLogProbs(List<String> prompts,
      java.util.Collection<String> candidates) {
    return delegate.nextTokenLogProbs(prompts, candidates);
  }

  @Override
  public double[] probabilityOfYes(List<String> prompts, YesNoTokens tokens) {
    return delegate.probabilityOfYes(prompts, tokens);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void close() {
    try {
      delegate.close();
    } catch (Exception e) {
      throw new IllegalStateException("could not close " + name, e);
    }
  }
}
