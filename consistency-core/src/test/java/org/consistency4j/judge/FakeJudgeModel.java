package org.consistency4j.judge;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.consistency4j.lm.Capability;
import org.consistency4j.lm.Generation;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.lm.LanguageModel;
import org.consistency4j.lm.Sampling;
import org.consistency4j.lm.YesNoTokens;

/**
 * A deterministic fake {@link LanguageModel} for tests: {@code probabilityOfYes} looks each prompt up
 * in a function, {@code generate} returns {@code "<prompt>#<draw>"} where the draw comes from {@link
 * Sampling#rng(long, int)} of the call's seed and the prompt's position, as real models do. Every call
 * is recorded.
 */
public class FakeJudgeModel implements LanguageModel {
  private final ToDoubleFunction<String> pYes;
  /** The prompts of each probabilityOfYes call, in order. */
  public final List<List<String>> judgeCalls = new ArrayList<>();
  /** The prompts and config of each generate call, in order. */
  public final List<List<String>> generateCalls = new ArrayList<>();

  public final List<GenerationConfig> generateConfigs = new ArrayList<>();

  public FakeJudgeModel(ToDoubleFunction<String> pYes) {
    this.pYes = Objects.requireNonNull(pYes);
  }

  @Override
  public List<Generation> generate(List<String> prompts, GenerationConfig config) {
    generateCalls.add(List.copyOf(prompts));
    generateConfigs.add(config);
    List<Generation> out = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      SplittableRandom rng = Sampling.rng(config.seed(), i);
      out.add(
          new Generation(
              prompts.get(i) + "#" + rng.nextInt(1000), List.of(), Generation.FinishReason.EOS));
    }
    return out;
  }

  /** It answers {@code probabilityOfYes}, so it lists next-token log-probabilities. */
  @Override
  public Set<Capability> capabilities() {
    return Set.of(Capability.NEXT_TOKEN_LOGPROBS);
  }

  @Override
  public double[] probabilityOfYes(List<String> prompts, YesNoTokens tokens) {
    judgeCalls.add(List.copyOf(prompts));
    double[] out = new double[prompts.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = pYes.applyAsDouble(prompts.get(i));
    }
    return out;
  }

  /** The total number of prompts judged. */
  public int judgedPrompts() {
    int n = 0;
    for (List<String> c : judgeCalls) {
      n += c.size();
    }
    return n;
  }

  @Override
  public String name() {
    return "fake";
  }
}
