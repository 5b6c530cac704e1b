package org.consistency4j.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.loss.Losses;
import org.consistency4j.metrics.Similarities;
import org.consistency4j.model.OnnxLanguageModel;
import org.consistency4j.model.RuntimeOptions;
import org.consistency4j.pairs.PairingStrategies;
import org.consistency4j.pairs.PreferencePair;
import org.consistency4j.reward.InstructionGroup;
import org.consistency4j.reward.PromptFormat;
import org.consistency4j.reward.ResponseSampler;
import org.consistency4j.reward.RewardWeights;
import org.consistency4j.reward.ScoredGroup;
import org.consistency4j.reward.SelfRewardScorer;
import org.consistency4j.train.CatConfig;
import org.consistency4j.train.CatTrainer;
import org.consistency4j.train.FineTuning;
import org.consistency4j.train.ScratchModels;
import org.consistency4j.train.SftConfig;
import org.consistency4j.train.TrainingListener;

/**
 * The method's two training stages on a tiny model, in the library's Java API: a word-level Llama is
 * created from scratch, fine-tuned on instruction-augmented data (stage 1: every instance under
 * several wordings), then aligned for consistency (stage 2: sample answers under every wording, reward
 * each by agreement frequency, pair best against the rest, train with the ranking loss plus lambda x
 * SFT). {@code consistency demo} is the full version with evaluation.
 *
 * <pre>
 * java ... org.consistency4j.examples.TwoStageTraining work/
 * </pre>
 */
public final class TwoStageTraining {
  private static final String FORMAT = "{instruction}\ninput: {input}\nanswer:";
  private static final List<String> WORDINGS = List.of(
      "Is the number even or odd?",
      "Tell me whether this number is even or odd.",
      "Classify the number as even or odd.");

  private TwoStageTraining() {}

  /** Argument: a work directory. */
  public static void main(String[] args) {
    if (args.length != 1) {
      System.err.println("usage: TwoStageTraining WORK_DIR");
      System.exit(2);
    }
    Result r = run(Path.of(args[0]), 300, 7);
    System.out.printf(java.util.Locale.ROOT,
        "stage 1: %s%nstage 2: %s (%d pairs; ranking loss %.3f -> %.3f, mean margin %.3f -> %.3f,"
            + " ranked right %.3f -> %.3f)%n",
        r.stage1(), r.stage2(), r.pairs(), r.before().loss(), r.after().loss(),
        r.before().meanMargin(), r.after().meanMargin(), r.before().rewardAccuracy(),
        r.after().rewardAccuracy());
  }

  /**
   * What the run produced.
   *
   * @param stage1 the instruction-augmented SFT model directory
   * @param stage2 the consistency-aligned model directory
   * @param pairs preference pairs stage 2 trained on
   * @param before the pairs under the stage-1 model: ranking loss, mean margin, share ranked right
   *     (often already 1 here: the chosen answer is the one the model gives most often)
   * @param after the same under the stage-2 model; CAT lowers the loss and widens the margin
   */
  public record Result(Path stage1, Path stage2, int pairs, CatTrainer.Evaluation before,
      CatTrainer.Evaluation after) {}

  /** Runs both stages in {@code work} with {@code sftExamples} stage-1 examples. */
  public static Result run(Path work, int sftExamples, long seed) {
    try {
      // A tiny word-level Llama from scratch (the vocabulary covers the prompts and answers).
      Path base = work.resolve("base");
      List<String> words = new ArrayList<>(List.of("input", ":", "answer", "even", "odd", "?", ".",
          "is", "the", "number", "or", "tell", "me", "whether", "this", "classify", "as"));
      for (int i = 0; i < 100; i++) {
        words.add(Integer.toString(i));
      }
      int vocab = ScratchModels.writeWordLevelTokenizer(base, words, 64);
      ScratchModels.writeRandomLlama(base, vocab, new ScratchModels.LlamaShape(32, 1, 2, 64, 64), seed);

      // Stage 1: instruction-augmented SFT, each instance under a random training wording.
      SplittableRandom rng = new SplittableRandom(seed);
      PromptFormat format = PromptFormat.template(FORMAT);
      ObjectMapper json = new ObjectMapper();
      List<String> lines = new ArrayList<>();
      for (int i = 0; i < sftExamples; i++) {
        int x = rng.nextInt(100);
        String prompt = format.format(WORDINGS.get(rng.nextInt(WORDINGS.size())), Integer.toString(x));
        lines.add(json.writeValueAsString(Map.of("prompt", prompt, "completion",
            x % 2 == 0 ? " even" : " odd")));
      }
      Files.createDirectories(work);
      Path data = Files.write(work.resolve("stage1.jsonl"), lines);
      SftConfig sft = SftConfig.builder().epochs(6).batchSize(16).learningRate(5e-3).seed(seed)
          .maxLength(32).build();
      Path stage1 = FineTuning.sft(new FineTuning.Options(base, data, Optional.empty(),
          work.resolve("stage1"), sft, Optional.empty(), RuntimeOptions.cpu(), Optional.empty()),
          TrainingListener.none()).exported();

      // Stage 2: sample 4 answers per wording, reward agreement, pair best vs rest.
      List<PreferencePair> pairs;
      try (OnnxLanguageModel lm = OnnxLanguageModel.load(stage1)) {
        List<InstructionGroup> groups = new ArrayList<>();
        for (int g = 0; g < 16; g++) {
          groups.add(new InstructionGroup("parity-" + g, WORDINGS.get(0), WORDINGS,
              Integer.toString(rng.nextInt(100))));
        }
        ResponseSampler sampler = ResponseSampler.builder(lm)
            .config(GenerationConfig.builder().maxNewTokens(3).temperature(1.0).seed(seed).build())
            .samplesPerVerbalization(4)
            .format(format)
            .build();
        SelfRewardScorer scorer = SelfRewardScorer.builder(lm).weights(RewardWeights.frequencyOnly())
            .similarity(Similarities.exactMatch()).build();
        List<ScoredGroup> scored = scorer.score(sampler.sample(groups));
        pairs = PairingStrategies.bestVsRest().pairsOfGroups(
            scored.stream().map(ScoredGroup::scoredResponses).toList());
      }
      if (pairs.isEmpty()) {
        throw new IllegalStateException("the stage-1 model answered every wording alike: no pairs");
      }
      CatConfig cat = new CatConfig(Losses.rank(1.0),
          sft.toBuilder().epochs(2).learningRate(1e-3).build());
      FineTuning.CatResult r = FineTuning.cat(new FineTuning.CatOptions(stage1, pairs,
          work.resolve("stage2"), cat, Optional.empty(), RuntimeOptions.cpu(), false),
          TrainingListener.none());
      return new Result(stage1, r.exported(), pairs.size(), r.before(), r.after());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
