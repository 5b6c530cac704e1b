package org.consistency4j.demo;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.consistency4j.internal.Check;
import org.consistency4j.loss.Losses;

/**
 * Settings of the end-to-end demo ({@link Demo}). {@link #defaults()} is the documented full run
 * (the {@code consistency demo} command); {@link #quick()} is a seconds-long smoke test whose numbers
 * mean nothing. Every source of randomness derives from {@code seed}.
 *
 * @param seed the one seed of the run (data, initialization, shuffling, sampling, bootstrap)
 * @param hidden model hidden size
 * @param layers decoder layers
 * @param heads attention heads
 * @param intermediate MLP size
 * @param trainExamplesPerTask supervised examples per task (the same instances for both SFT runs)
 * @param judgeExamplesPerTask judging examples per task in the judge phase (half correct, half wrong
 *     proposals; the sft_ia model's own sampled answers first)
 * @param judgeReplayPerTask sft_ia training examples per task mixed into the judge phase
 * @param judgeEpochs passes over the judge-phase data (0: no judge phase, sft_ia judges as it is;
 *     the defaults' 0: with the likelihood judge on, the yes/no judge the phase trains was chosen
 *     for one task in one of 10 seeds, and without the phase the 10 seeds measured the same within
 *     0.001, README; {@code judgeExamplesPerTask}, {@code judgeReplayPerTask} and {@code
 *     judgeLearningRate} are then unused)
 * @param judgeLearningRate peak learning rate of the judge phase
 * @param sftEpochs passes over the SFT data
 * @param sftLearningRate peak SFT learning rate (AdamW, linear decay after a warm-up)
 * @param batchSize examples (SFT) or pairs (CAT) per step
 * @param judgeAccuracyThreshold measured per-task judge accuracy from which the judge's quality
 *     reward is used for that task (below it the task's reward is agreement frequency alone)
 * @param catGroupsPerTask training instances per task whose responses are sampled for CAT
 * @param samplesPerWording responses sampled per training wording and instance
 * @param samplingTemperature sampling temperature for CAT responses
 * @param catLoss CAT's pairwise loss by its name ({@link Losses#names()}): {@code rank} (the
 *     method's ranking loss plus {@code catLambda} x SFT) or another with its documented defaults
 * @param catLambda weight of the SFT term of the ranking loss
 * @param catEpochs most passes over the preference pairs (the best by validation is kept)
 * @param catLearningRate CAT learning rate
 * @param catWarmupFraction fraction of each CAT epoch's optimizer steps over which the learning
 *     rate rises linearly from 0 to {@code catLearningRate} (rounded up to whole steps; 0: the
 *     constant rate from the first step). Every epoch is a fresh run with a new AdamW state, whose
 *     bias-corrected first steps move every parameter by about the learning rate; the warm-up
 *     makes those steps small
 * @param catReplayPerTask stage-1 SFT examples per task (the sft_ia training data: training
 *     wordings, gold answers) replayed by an SFT pass at the CAT learning rate after every CAT epoch,
 *     to keep the task skill (0: no replay)
 * @param catKeepAccuracy how the CAT epoch is chosen: when true, the highest validation consistency
 *     rate among the epochs whose validation accuracy is at least sft_ia's (if none is, the epoch
 *     with the highest validation accuracy); when false, the highest validation consistency rate
 *     plus accuracy
 * @param catPairs which groups form preference pairs and how they are ranked ({@link CatPairs})
 * @param likelihoodJudge whether the likelihood judge ({@link
 *     org.consistency4j.reward.LikelihoodJudge}: the sft_ia model's probability of a response as its
 *     whole answer, averaged over the training wordings) is measured next to the yes/no judge and
 *     used for a task when its measured accuracy reaches {@code judgeAccuracyThreshold} and is at
 *     least the yes/no judge's
 * @param catParaphrasesPerWording paraphrases asked per training wording and paraphrasing method of
 *     the library's pipeline ({@code pipeline}, {@code wordnet}, {@code structural}, {@code format})
 *     to sample CAT responses under as well; those with a word outside the training wordings'
 *     vocabulary, or with the token sequence of a wording already used, are dropped (0: CAT samples
 *     under the training wordings only)
 * @param catAnchorPerTask SFT examples per task, at the CAT learning rate after every CAT epoch
 *     (before any replay), drawn from the groups that formed no preference pairs: each such group's
 *     answer under each of its wordings, when that answer is its best response's (judged correct
 *     where the task uses a judge) and at least half of its other samples give it. CAT's SFT term
 *     trains only the chosen answers of the groups that disagree; this anchor is the model's own
 *     answers on the groups it already answers consistently (0: no anchor)
 * @param catAnchorEvenAnswers whether the anchor is drawn evenly over each task's distinct answers
 *     (round robin) instead of uniformly over the task's candidate examples
 * @param catAnchorAllGroups whether the anchor is drawn from every group, also those that formed
 *     pairs (one example per wording and group, so every group weighs the same, where CAT's SFT
 *     term weighs a group by its number of pairs), instead of only the groups that formed none
 * @param catInterpolation candidate weights {@code a} of weight-space interpolation between sft_ia
 *     and CAT ({@link org.consistency4j.train.FineTuning#interpolate}: {@code (1 - a) * sft_ia + a *
 *     CAT epoch}, WiSE-FT), each in (0, 1] and distinct; every CAT epoch is interpolated with every
 *     candidate and the (epoch, a) kept is chosen jointly from their validation scores by the same
 *     rule as the epoch ({@link Demo#keptEpoch}); {@code a = 1} is the epoch itself. The defaults'
 *     0.25, 0.5, 0.75 and 1: over seeds 1-10 CAT's accuracy is then no lower than sft_ia's on
 *     average (it was 0.011 lower with the epoch rule alone) and its consistency rate higher in 9
 *     of 10 seeds (8 of 10 on seeds 11-20; README). Empty: no interpolation, the epoch rule alone
 * @param validationInstancesPerTask instances per task answered under the validation wordings after
 *     every CAT epoch (early stopping)
 * @param evalInstancesPerTask held-out instances per task, each answered under every held-out wording
 * @param resamples bootstrap resamples of the confidence intervals
 * @param threads ONNX Runtime intra-op threads, 0 for ONNX Runtime's default (one per core). The
 *     defaults' 1: the demo's numbers depend on the thread count (the order in which ONNX Runtime
 *     sums partial products changes float rounding, and training amplifies it), so with one thread
 *     they do not depend on the machine's core count and match the README's tables;
 *     more threads run faster (57 s instead of about 104 s for seed 7 on a quiet 2-core VM) and
 *     give other numbers
 */
public record DemoConfig(
    long seed,
    int hidden,
    int layers,
    int heads,
    int intermediate,
    int trainExamplesPerTask,
    int judgeExamplesPerTask,
    int judgeReplayPerTask,
    int judgeEpochs,
    double judgeLearningRate,
    int sftEpochs,
    double sftLearningRate,
    int batchSize,
    double judgeAccuracyThreshold,
    int catGroupsPerTask,
    int samplesPerWording,
    double samplingTemperature,
    String catLoss,
    double catLambda,
    int catEpochs,
    double catLearningRate,
    double catWarmupFraction,
    int catReplayPerTask,
    boolean catKeepAccuracy,
    CatPairs catPairs,
    boolean likelihoodJudge,
    int catParaphrasesPerWording,
    int catAnchorPerTask,
    boolean catAnchorEvenAnswers,
    boolean catAnchorAllGroups,
    List<Double> catInterpolation,
    int validationInstancesPerTask,
    int evalInstancesPerTask,
    int resamples,
    int threads) {

  /**
   * Which sampled groups form CAT's preference pairs. Every rule pairs a group's best response with
   * each response whose reward is lower by at least 0.1, under the rejected response's wording.
   */
  public enum CatPairs {
    /**
     * Tasks whose measured judge accuracy reaches {@code judgeAccuracyThreshold} rank by judged
     * quality first and agreement frequency second, and a group forms pairs only when its best
     * response is judged correct; the other tasks rank by agreement frequency alone.
     */
    JUDGE_IF_TRUSTED,
    /**
     * Only tasks whose judge reaches the threshold form pairs, ranked as above, and a group forms
     * them only when its best response is judged correct and given by at least half of the group's
     * other samples.
     */
    TRUSTED_ONLY,
    /**
     * Every task ranks by judged quality first and agreement frequency second, and a group forms
     * pairs only when its best response is judged correct and given by at least half of the group's
     * other samples (the judge as a veto on a majority, also where it is not trusted alone).
     */
    JUDGED_MAJORITY,
    /**
     * Ranked as {@link #JUDGE_IF_TRUSTED}, but a pair is kept only when the chosen answer is not
     * (one of) the most frequent answers sampled under the rejected response's wording: pairs
     * correct disagreement between wordings, not sampling noise within a wording that already
     * agrees.
     */
    WORDING_DISAGREEMENT
  }

  /** Validates; messages name the field. */
  public DemoConfig {
    Check.positive(hidden, "hidden");
    Check.positive(layers, "layers");
    Check.positive(heads, "heads");
    Check.positive(intermediate, "intermediate");
    Check.positive(trainExamplesPerTask, "trainExamplesPerTask");
    Check.nonNegative(judgeExamplesPerTask, "judgeExamplesPerTask");
    Check.nonNegative(judgeReplayPerTask, "judgeReplayPerTask");
    Check.nonNegative(judgeEpochs, "judgeEpochs");
    Check.positive(judgeLearningRate, "judgeLearningRate");
    Check.argument(judgeEpochs == 0 || judgeExamplesPerTask + judgeReplayPerTask > 0,
        "judgeEpochs > 0 needs judgeExamplesPerTask or judgeReplayPerTask > 0");
    Check.positive(sftEpochs, "sftEpochs");
    Check.positive(sftLearningRate, "sftLearningRate");
    Check.positive(batchSize, "batchSize");
    Check.inRange(judgeAccuracyThreshold, 0, 1, "judgeAccuracyThreshold");
    Check.positive(catGroupsPerTask, "catGroupsPerTask");
    Check.positive(samplesPerWording, "samplesPerWording");
    Check.positive(samplingTemperature, "samplingTemperature");
    Check.notNull(catLoss, "catLoss");
    Check.argument(Losses.names().contains(catLoss), "catLoss must be one of " + Losses.names()
        + ", found " + catLoss);
    Check.nonNegative(catLambda, "catLambda");
    Check.positive(catEpochs, "catEpochs");
    Check.positive(catLearningRate, "catLearningRate");
    Check.argument(catWarmupFraction >= 0 && catWarmupFraction < 1,
        "catWarmupFraction must be in [0, 1), found " + catWarmupFraction);
    Check.nonNegative(catReplayPerTask, "catReplayPerTask");
    Check.notNull(catPairs, "catPairs");
    Check.nonNegative(catParaphrasesPerWording, "catParaphrasesPerWording");
    Check.nonNegative(catAnchorPerTask, "catAnchorPerTask");
    Check.notNull(catInterpolation, "catInterpolation");
    for (Double a : catInterpolation) {
      Check.argument(a != null && a > 0 && a <= 1, "catInterpolation values must be in (0, 1],"
          + " found " + a + " in " + catInterpolation);
    }
    catInterpolation = List.copyOf(catInterpolation);
    Check.argument(new java.util.HashSet<>(catInterpolation).size() == catInterpolation.size(),
        "catInterpolation values must be distinct, found " + catInterpolation);
    Check.positive(validationInstancesPerTask, "validationInstancesPerTask");
    Check.positive(evalInstancesPerTask, "evalInstancesPerTask");
    Check.positive(resamples, "resamples");
    Check.nonNegative(threads, "threads");
  }

  /** The full demo. */
  public static DemoConfig defaults() {
    return new DemoConfig(7, 128, 2, 4, 384, 1000, 600, 0, 0, 2e-3, 3, 2e-3, 32, 0.8, 64, 4, 1.0,
        "rank", 1.0, 3, 5e-4, 0, 0, false, CatPairs.JUDGE_IF_TRUSTED, true, 4, 0, false, false,
        List.of(0.25, 0.5, 0.75, 1.0), 64, 100,
        1000, 1);
  }

  /** A seconds-long smoke test (tiny model and data; the numbers mean nothing). */
  public static DemoConfig quick() {
    return new DemoConfig(7, 32, 1, 2, 64, 12, 8, 4, 1, 1e-3, 1, 3e-3, 16, 0.8, 2, 2, 1.0, "rank", 1.0, 1,
        3e-4, 0, 0, false, CatPairs.JUDGE_IF_TRUSTED, true, 1, 0, false, false, List.of(), 2, 3, 50,
        1);
  }

  /** A copy with another seed. */
  public DemoConfig withSeed(long value) {
    return copy(value, likelihoodJudge, catParaphrasesPerWording, threads);
  }

  /** A copy with another number of threads. */
  public DemoConfig withThreads(int value) {
    return copy(seed, likelihoodJudge, catParaphrasesPerWording, value);
  }

  /** A copy with the likelihood judge on or off ({@link #likelihoodJudge()}). */
  public DemoConfig withLikelihoodJudge(boolean value) {
    return copy(seed, value, catParaphrasesPerWording, threads);
  }

  /** A copy with another {@link #catParaphrasesPerWording()}. */
  public DemoConfig withCatParaphrasesPerWording(int value) {
    return copy(seed, likelihoodJudge, value, threads);
  }

  /**
   * A copy with another {@link #catAnchorPerTask()}, {@link #catAnchorEvenAnswers()} and {@link
   * #catAnchorAllGroups()}.
   */
  public DemoConfig withCatAnchor(int perTask, boolean evenAnswers, boolean allGroups) {
    return copy(seed, likelihoodJudge, catParaphrasesPerWording, perTask, evenAnswers, allGroups,
        catWarmupFraction, threads);
  }

  /** A copy with another {@link #catWarmupFraction()}. */
  public DemoConfig withCatWarmupFraction(double value) {
    return copy(seed, likelihoodJudge, catParaphrasesPerWording, catAnchorPerTask,
        catAnchorEvenAnswers, catAnchorAllGroups, value, threads);
  }

  /**
   * A copy with other {@link #catInterpolation()} candidates (empty: no interpolation).
   *
   * @throws IllegalArgumentException if a value is outside (0, 1] or repeated, naming the field
   */
  public DemoConfig withCatInterpolation(List<Double> values) {
    return copy(seed, likelihoodJudge, catParaphrasesPerWording, catAnchorPerTask,
        catAnchorEvenAnswers, catAnchorAllGroups, catWarmupFraction, values, threads);
  }

  private DemoConfig copy(long seedValue, boolean likelihoodValue, int paraphrasesValue,
      int threadsValue) {
    return copy(seedValue, likelihoodValue, paraphrasesValue, catAnchorPerTask,
        catAnchorEvenAnswers, catAnchorAllGroups, catWarmupFraction, threadsValue);
  }

  private DemoConfig copy(long seedValue, boolean likelihoodValue, int paraphrasesValue,
      int anchorValue, boolean evenAnswersValue, boolean allGroupsValue, double warmupValue,
      int threadsValue) {
    return copy(seedValue, likelihoodValue, paraphrasesValue, anchorValue, evenAnswersValue,
        allGroupsValue, warmupValue, catInterpolation, threadsValue);
  }

  /** A copy with the fields the {@code with} methods change set, every other field kept. */
  private DemoConfig copy(long seedValue, boolean likelihoodValue, int paraphrasesValue,
      int anchorValue, boolean evenAnswersValue, boolean allGroupsValue, double warmupValue,
      List<Double> interpolationValue, int threadsValue) {
    return new DemoConfig(seedValue, hidden, layers, heads, intermediate, trainExamplesPerTask,
        judgeExamplesPerTask, judgeReplayPerTask, judgeEpochs, judgeLearningRate, sftEpochs,
        sftLearningRate, batchSize, judgeAccuracyThreshold, catGroupsPerTask, samplesPerWording,
        samplingTemperature, catLoss, catLambda, catEpochs, catLearningRate, warmupValue,
        catReplayPerTask, catKeepAccuracy, catPairs, likelihoodValue, paraphrasesValue, anchorValue, evenAnswersValue,
        allGroupsValue, interpolationValue, validationInstancesPerTask,
        evalInstancesPerTask, resamples, threadsValue);
  }

  /** Every field by name, for reports. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("seed", seed);
    m.put("hidden", hidden);
    m.put("layers", layers);
    m.put("heads", heads);
    m.put("intermediate", intermediate);
    m.put("train_examples_per_task", trainExamplesPerTask);
    m.put("judge_examples_per_task", judgeExamplesPerTask);
    m.put("judge_replay_per_task", judgeReplayPerTask);
    m.put("judge_epochs", judgeEpochs);
    m.put("judge_learning_rate", judgeLearningRate);
    m.put("sft_epochs", sftEpochs);
    m.put("sft_learning_rate", sftLearningRate);
    m.put("batch_size", batchSize);
    m.put("judge_accuracy_threshold", judgeAccuracyThreshold);
    m.put("cat_groups_per_task", catGroupsPerTask);
    m.put("samples_per_wording", samplesPerWording);
    m.put("sampling_temperature", samplingTemperature);
    m.put("cat_loss", catLoss);
    m.put("cat_lambda", catLambda);
    m.put("cat_epochs", catEpochs);
    m.put("cat_learning_rate", catLearningRate);
    m.put("cat_warmup_fraction", catWarmupFraction);
    m.put("cat_replay_per_task", catReplayPerTask);
    m.put("cat_keep_accuracy", catKeepAccuracy);
    m.put("cat_pairs", catPairs.name().toLowerCase(java.util.Locale.ROOT));
    m.put("likelihood_judge", likelihoodJudge);
    m.put("cat_paraphrases_per_wording", catParaphrasesPerWording);
    m.put("cat_anchor_per_task", catAnchorPerTask);
    m.put("cat_anchor_even_answers", catAnchorEvenAnswers);
    m.put("cat_anchor_all_groups", catAnchorAllGroups);
    m.put("cat_interpolation", catInterpolation);
    m.put("validation_instances_per_task", validationInstancesPerTask);
    m.put("eval_instances_per_task", evalInstancesPerTask);
    m.put("resamples", resamples);
    m.put("threads", threads);
    return m;
  }
}
