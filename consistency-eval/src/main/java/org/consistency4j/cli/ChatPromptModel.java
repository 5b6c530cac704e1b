package org.consistency4j.cli;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.consistency4j.lm.Capability;
import org.consistency4j.lm.Continuation;
import org.consistency4j.lm.ContinuationScore;
import org.consistency4j.lm.Generation;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.lm.LanguageModel;
import org.consistency4j.lm.TokenLogProb;
import org.consistency4j.lm.YesNoTokens;

/**
 * A local model that sees every prompt as its chat template renders a single user instruction, so an
 * instruction-tuned model gets the prompt format it was trained on. Owns and closes the delegate.
 */
final class ChatPromptModel implements LanguageModel {
  private final LanguageModel delegate;
  private final UnaryOperator<String> format;

  /**
   * @param delegate the model, closed with this one
   * @param format turns an instruction into the model's prompt
   */
  ChatPromptModel(LanguageModel delegate, UnaryOperator<String> format) {
    this.delegate = delegate;
    this.format = format;
  }

  private List<String> formatted(List<String> prompts) {
    List<String> out = new ArrayList<>(prompts.size());
    for (String p : prompts) {
      out.add(format.apply(p));
    }
    return out;
  }

  /** The delegate's capabilities. */
  @Override
  public Set<Capability> capabilities() {
    return delegate.capabilities();
  }

  @Override
  public List<Generation> generate(List<String> prompts, GenerationConfig config) {
    return delegate.generate(formatted(prompts), config);
  }

  @Override
  public List<ContinuationScore> score(List<Continuation> requests) {
    List<Continuation> out = new ArrayList<>(requests.size());
    for (Continuation c : requests) {
      out.add(new Continuation(format.apply(c.prompt()), c.continuation()));
    }
    return delegate.score(out);
  }

  @Override
  public List<List<TokenLogProb>> nextTokenDistribution(List<String> prompts, int topK) {
    return delegate.nextTokenDistribution(formatted(prompts), topK);
  }

  @Override
  public List<Map<String, Double>> nextTokenLogProbs(List<String> prompts,
      Collection<String> candidates) {
    return delegate.nextTokenLogProbs(formatted(prompts), candidates);
  }

  @Override
  public double[] probabilityOfYes(List<String> prompts, YesNoTokens tokens) {
    return delegate.probabilityOfYes(formatted(prompts), tokens);
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public void close() {
    try {
      delegate.close();
    } catch (Exception e) {
      throw new IllegalStateException("could not close " + delegate.name(), e);
    }
  }
}
