package org.consistency4j.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.consistency4j.metrics.Bootstrap;
import org.consistency4j.harness.Comparisons;
import org.consistency4j.pairs.ScoredResponse;
import org.consistency4j.report.Comparison;
import org.consistency4j.report.TaskResult;
import org.consistency4j.reward.RewardBreakdown;
import org.consistency4j.reward.SampledResponse;
import org.consistency4j.harness.EvaluationConfig;
import org.consistency4j.harness.Evaluator;
import org.consistency4j.data.Instance;
import org.consistency4j.harness.NamedModel;
import org.consistency4j.data.InstructionTask;
import org.consistency4j.harness.ProgressListener;
import org.consistency4j.data.PromptTemplate;
import org.consistency4j.internal.AtomicFiles;
import org.consistency4j.internal.Check;
import org.consistency4j.judge.JudgeTemplate;
import org.consistency4j.judge.YesNoJudge;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.lm.LanguageModel;
import org.consistency4j.lm.YesNoTokens;
import org.consistency4j.loss.Losses;
import org.consistency4j.metrics.Similarities;
import org.consistency4j.model.OnnxLanguageModel;
import org.consistency4j.model.RuntimeOptions;
import org.consistency4j.optim.AdamWConfig;
import org.consistency4j.pairs.PairingStrategies;
import org.consistency4j.pairs.PreferencePair;
import org.consistency4j.pairs.PreferencePairsJsonl;
import org.consistency4j.report.Estimate;
import org.consistency4j.report.EvaluationReport;
import org.consistency4j.report.MetricNames;
import org.consistency4j.report.ModelResult;
import org.consistency4j.report.Reports;
import org.consistency4j.reward.InstructionGroup;
import org.consistency4j.reward.LikelihoodJudge;
import org.consistency4j.reward.PromptFormat;
import org.consistency4j.reward.SampledGroup;
import org.consistency4j.reward.ResponseSampler;
import org.consistency4j.reward.RewardWeights;
import org.consistency4j.reward.ScoredGroup;
import org.consistency4j.reward.SelfRewardScorer;
import org.consistency4j.train.CatConfig;
import org.consistency4j.train.FineTuning;
import org.consistency4j.train.ScratchModels;
import org.consistency4j.train.SftConfig;
import org.consistency4j.train.TrainingListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The library's main job on an embedded default: the whole method of arXiv 2403.14221 on CPU with
 * nothing downloaded.
 *
 * <ol>
 *   <li>A tiny Llama with a word-level tokenizer over the {@link DemoSuite} vocabulary is created
 *       from scratch ({@link ScratchModels}).
 *   <li><b>baseline</b>: SFT on the original wording of every task; <b>sft_ia</b>: SFT on the same
 *       instances, each under one of the training wordings (instruction augmentation).
 *   <li><b>Judge phase</b>: a copy of the sft_ia model is trained further on judging examples ({@link
 *       DemoSuite#JUDGE_TEMPLATE}: the original instruction and the input laid out as a task prompt,
 *       the proposed answer where the model's own answer goes, verdict yes/no) built from the sft_ia
 *       model's own sampled answers (its mistakes are the first wrong proposals; plausible wrong
 *       answers and the right answers balance them), optionally mixed
 *       with a replay of the stage-1 data. This copy is the judge: the sft_ia model taught to judge its
 *       own answers (judging-only training costs it its task skill, so it does not answer; mixing in
 *       replay kept the skill but the judge then learned far more slowly).
 *   <li>The judge's accuracy is measured per task on the sft_ia model's own fresh answers (balanced
 *       right and wrong proposals), and so is the likelihood judge's ({@link LikelihoodJudge}: the
 *       sft_ia model's probability of the proposal as its whole answer, averaged over the training
 *       wordings; correct when at least 0.5), when {@link DemoConfig#likelihoodJudge()}. <b>cat</b>:
 *       from sft_ia, responses are sampled for every training wording of fresh training instances
 *       (and for the in-vocabulary paraphrases of them, {@link
 *       DemoConfig#catParaphrasesPerWording()}) and judged. For a task whose likelihood judge
 *       reaches the threshold and is at least as accurate as the yes/no judge, it judges; else the
 *       yes/no judge (P(yes)) when it reaches the threshold. Judged tasks rank responses by judged
 *       quality first (judged correct or not) and agreement frequency second, and a group forms
 *       pairs only when its best response is judged correct; for other tasks the reward is
 *       agreement frequency. Pairs are
 *       best-vs-rest with margin 0.1, trained with the ranking loss plus lambda times SFT on the chosen
 *       response ({@link FineTuning#cat}), one epoch at a time, each optionally followed by a replay
 *       of stage-1 examples ({@link DemoConfig#catReplayPerTask()}); after every epoch the model
 *       answers fresh instances under the validation wordings (never trained on), and the epoch
 *       kept is chosen from those scores by {@link #keptEpoch} (early stopping). With {@link
 *       DemoConfig#catInterpolation()}, every epoch is also interpolated in weight space with
 *       sft_ia ({@link FineTuning#interpolate}) at each candidate weight, and the epoch and weight
 *       are chosen together by the same rule.
 *   <li>All three answer fresh instances under the five held-out wordings of every task (greedy);
 *       the harness scores consistency rate (exact match), accuracy and ROUGE-L with bootstrap
 *       intervals, and cat is compared with sft_ia pairwise.
 * </ol>
 *
 * <p>Output directory: {@code report.json} (per system {@code consistency_rate}, {@code accuracy},
 * {@code rougeL} as {@code {value, ci_low, ci_high}}, the paired difference cat - sft_ia, judge
 * accuracy overall and per task, the reward per task, pair count, validation scores per CAT epoch,
 * config, seed), {@code report.md}, {@code evaluation/} (the harness's report.json/md/html and
 * responses), {@code data/} (the SFT, judge-phase and preference data), and the models ({@code
 * base-model/}, {@code baseline/}, {@code sft_ia/}, {@code judge/} with a judge phase, {@code
 * cat/epoch-N/}, {@code cat/interpolated/} with interpolation), and {@code stage1.json}, the manifest of stage 1. Subdirectories a previous run left there are
 * replaced, except a stage 1 whose manifest records the same stage-1 settings, seed, threads and
 * device ({@link StageOne}): it is kept, so that another stage-2 configuration reuses it.
 * Deterministic for a seed and thread count.
 */
public final class Demo {
  /** The systems, in report order. */
  public static final List<String> SYSTEMS = List.of("baseline", "sft_ia", "cat");

  private static final Logger LOG = LoggerFactory.getLogger(Demo.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final YesNoTokens YES_NO = new YesNoTokens(List.of("yes"), List.of("no"));
  private static final int MAX_NEW_TOKENS = 4;
  private static final int MAX_LENGTH = 96;
  private static final int JUDGE_MEASURE_PER_TASK = 24;
  private static final int TRAINING_WORDINGS_CHECK_PER_TASK = 16;
  private static final String FORMAT = "consistency4j-demo/2";
  private static final double QUALITY_FIRST = 0.6;
  private static final String REWARD_JUDGE = "quality judge first, agreement frequency second";
  private static final String REWARD_FREQUENCY = "agreement frequency";
  private static final String REWARD_LIKELIHOOD =
      "likelihood judge first, agreement frequency second";
  private static final List<String> PARAPHRASE_METHODS = List.of("pipeline", "wordnet",
      "structural", "format");
  private static final List<String> METRICS = List.of(MetricNames.CONSISTENCY_RATE,
      MetricNames.ACCURACY, MetricNames.ROUGE_L);

  private Demo() {}

  /** Hears the demo's progress. Methods default to doing nothing. */
  public interface Listener extends TrainingListener, ProgressListener {
    /** A new stage starts. */
    default void stage(String description) {}
  }

  /**
   * Consistency rate and accuracy on the validation wordings (fresh instances, greedy).
   *
   * @param consistencyRate mean share of agreeing answer pairs per instance
   * @param accuracy share of right answers
   */
  public record Validation(double consistencyRate, double accuracy) {}

  /**
   * How one CAT epoch moved the training pairs: the loss (ranking plus lambda x SFT) and the
   * chosen-vs-rejected comparison on all pairs, with the weights before and after the epoch.
   *
   * @param lossBefore mean pair loss before the epoch
   * @param lossAfter mean pair loss after it
   * @param rewardAccuracyBefore share of pairs whose chosen response is more likely (per token)
   *     before the epoch
   * @param rewardAccuracyAfter the same after it
   * @param marginBefore mean chosen-minus-rejected margin of the loss before the epoch (for the
   *     ranking loss: mean log-probability per token)
   * @param marginAfter the same after it
   * @param trainingWordingsBefore consistency rate and accuracy under the training wordings (fresh
   *     instances, greedy) before the epoch: what CAT trains, next to the validation wordings' score
   *     that says whether it carries over to unseen wordings
   * @param trainingWordingsAfter the same after it
   */
  public record CatEpoch(double lossBefore, double lossAfter, double rewardAccuracyBefore,
      double rewardAccuracyAfter, double marginBefore, double marginAfter,
      Validation trainingWordingsBefore, Validation trainingWordingsAfter) {}

  /**
   * One candidate of weight-space interpolation between sft_ia and a CAT epoch ({@link
   * DemoConfig#catInterpolation()}).
   *
   * @param epoch the CAT epoch interpolated, from 1
   * @param alpha the weight of the CAT epoch: {@code (1 - alpha) * sft_ia + alpha * epoch}
   * @param validation its validation scores (for {@code alpha = 1}, the epoch's own)
   */
  public record Interpolation(int epoch, double alpha, Validation validation) {}

  /**
   * What the demo measured.
   *
   * @param systems per system, metric ({@code consistency_rate}, {@code accuracy}, {@code rougeL}) to
   *     estimate with interval
   * @param judgeAccuracy accuracy of the judge on the sft_ia model's own fresh answers (balanced
   *     right and wrong proposals)
   * @param reward the self-reward the CAT pairs were built with, in words
   * @param pairs number of preference pairs
   * @param rewardAccuracyBefore share of pairs the sft_ia model ranks right (length-normalized)
   * @param rewardAccuracyAfter the same for the kept CAT epoch (before any interpolation with
   *     sft_ia)
   * @param report the summary report ({@code report.json})
   * @param seconds wall time
   * @param judgeAccuracyByTask the judge accuracy per task
   * @param rewardByTask the reward used per task (chosen from its judge accuracy)
   * @param catEpoch the CAT epoch kept ({@link Demo#keptEpoch} on the validation scores; 0 when
   *     there were no pairs and cat is sft_ia unchanged)
   * @param validation validation scores of sft_ia (first) and after every CAT epoch
   * @param paired per metric, the paired comparison cat - sft_ia over the evaluation's groups
   * @param catEpochs the pair loss and margin of every CAT epoch run (empty without pairs)
   * @param likelihoodJudgeAccuracy accuracy of the likelihood judge ({@link LikelihoodJudge}) on
   *     the same proposals as {@code judgeAccuracy}; NaN when it is not measured
   * @param likelihoodJudgeAccuracyByTask the same per task (empty when not measured)
   * @param catAlpha the interpolation weight of the kept CAT epoch in the cat system ({@code (1 -
   *     catAlpha) * sft_ia + catAlpha * epoch}); 1 without interpolation
   * @param interpolation every interpolation candidate validated, in order (epoch, then weight);
   *     empty without {@link DemoConfig#catInterpolation()} or without pairs
   */
  public record Result(
      Map<String, Map<String, Estimate>> systems,
      double judgeAccuracy,
      String reward,
      int pairs,
      double rewardAccuracyBefore,
      double rewardAccuracyAfter,
      Path report,
      double seconds,
      Map<String, Double> judgeAccuracyByTask,
      Map<String, String> rewardByTask,
      int catEpoch,
      List<Validation> validation,
      Map<String, Comparison> paired,
      List<CatEpoch> catEpochs,
      double likelihoodJudgeAccuracy,
      Map<String, Double> likelihoodJudgeAccuracyByTask,
      double catAlpha,
      List<Interpolation> interpolation) {
    /** Copies the lists and maps. */
    public Result {
      validation = List.copyOf(validation);
      interpolation = List.copyOf(interpolation);
      catEpochs = List.copyOf(catEpochs);
      likelihoodJudgeAccuracyByTask = java.util.Collections.unmodifiableMap(
          new LinkedHashMap<>(likelihoodJudgeAccuracyByTask));
    }
  }

  /** Runs the demo into {@code outDir}. */
  public static Result run(DemoConfig config, Path outDir, Listener listener) {
    return run(config, RuntimeOptions.cpu(), outDir, listener);
  }

  /**
   * {@link #run(DemoConfig, Path, Listener)} with every model on {@code device}'s execution provider
   * ({@link RuntimeOptions#device()} and {@link RuntimeOptions#deviceId()}; the intra-op threads are
   * {@code config.threads()}). The device is recorded in {@code report.json}.
   *
   * @param device where ONNX Runtime runs the models
   */
  public static Result run(DemoConfig config, RuntimeOptions device, Path outDir,
      Listener listener) {
    Check.notNull(device, "device");
    Check.notNull(config, "config");
    Check.notNull(outDir, "outDir");
    Check.notNull(listener, "listener");
    long start = System.nanoTime();
    DemoSuite suite = DemoSuite.load();
    SplittableRandom root = new SplittableRandom(config.seed());
    SplittableRandom trainRng = root.split();
    SplittableRandom judgeRng = root.split();
    SplittableRandom catRng = root.split();
    SplittableRandom evalRng = root.split();
    long modelSeed = root.nextLong();
    long sftSeed = root.nextLong();
    long sampleSeed = root.nextLong();
    long catSeed = root.nextLong();
    long evalSeed = root.nextLong();
    SplittableRandom judgeDataRng = root.split();
    SplittableRandom validationRng = root.split();
    long judgeSeed = root.nextLong();
    SplittableRandom replayRng = root.split();
    SplittableRandom trainingWordingsRng = root.split();
    long paraphraseSeed = root.nextLong();
    SplittableRandom anchorRng = root.split();
    RuntimeOptions runtime = device.toBuilder().intraOpThreads(config.threads()).build();
    try {
      Files.createDirectories(outDir);
      Optional<StageOne> kept = StageOne.read(outDir, config, runtime);
      List<String> stale = kept.isPresent() ? List.of("cat", "evaluation")
          : List.of("base-model", "baseline", "sft_ia", "judge", "cat", "evaluation", "data");
      if (kept.isEmpty()) {
        Files.deleteIfExists(outDir.resolve(StageOne.MANIFEST));
      }
      for (String sub : stale) {
        deleteTree(outDir.resolve(sub));
      }
      Path data = Files.createDirectories(outDir.resolve("data"));
      if (kept.isPresent()) {
        // Stage 2's own data files of an earlier run; stage 1's stay.
        try (Stream<Path> files = Files.list(data)) {
          for (Path f : files.filter(f -> f.getFileName().toString().startsWith("cat")).toList()) {
            Files.delete(f);
          }
        }
      }

      Path base = outDir.resolve("base-model");
      if (kept.isEmpty()) {
        listener.stage("creating a word-level Llama from scratch");
        int vocab = ScratchModels.writeWordLevelTokenizer(base, suite.vocabulary(), 128);
        ScratchModels.writeRandomLlama(base, vocab, new ScratchModels.LlamaShape(config.hidden(),
            config.layers(), config.heads(), config.intermediate(), 128), modelSeed);
      }

      // Stage 1 data: the same instances for both runs; only the wording differs.
      Map<String, List<String>> baselineByTask = new LinkedHashMap<>();
      Map<String, List<String>> augmentedByTask = new LinkedHashMap<>();
      for (DemoSuite.Task task : suite.tasks()) {
        List<String> b = new ArrayList<>();
        List<String> a = new ArrayList<>();
        for (int i = 0; i < config.trainExamplesPerTask(); i++) {
          DemoSuite.Example ex = suite.generate(task.name(), trainRng);
          String wording = task.training().get(trainRng.nextInt(task.training().size()));
          b.add(sftLine(prompt(task.original(), ex.input()), ex.answer()));
          a.add(sftLine(prompt(wording, ex.input()), ex.answer()));
        }
        baselineByTask.put(task.name(), b);
        augmentedByTask.put(task.name(), a);
      }
      SftConfig sft = SftConfig.builder()
          .epochs(config.sftEpochs())
          .batchSize(config.batchSize())
          .learningRate(config.sftLearningRate())
          .schedule(SftConfig.Schedule.LINEAR)
          .warmupSteps(20)
          .optimizer(AdamWConfig.defaults().withWeightDecay(0.0))
          .seed(sftSeed)
          .maxLength(MAX_LENGTH)
          // No length bucketing: a task's prompts have similar lengths, so length-sorted batches
          // are single-task batches, which train this multi-task model about three times more
          // slowly per step (README, demo section). The judge phase and CAT inherit it.
          .bucketWindow(1)
          .build();
      SftConfig judgePhase = sft.toBuilder()
          .epochs(Math.max(1, config.judgeEpochs()))
          .learningRate(config.judgeLearningRate())
          .seed(judgeSeed)
          .build();
      Path baselineModel;
      Path augmentedModel;
      Path judgeModel;
      if (kept.isPresent()) {
        listener.stage("stage 1: kept from an earlier run of the same stage-1 configuration ("
            + StageOne.MANIFEST + ")");
        baselineModel = kept.get().baseline();
        augmentedModel = kept.get().sftIa();
        judgeModel = kept.get().judge();
      } else {
        baselineModel = stageOne("baseline", "the original wordings", baselineByTask, base, sft,
            runtime, outDir, listener);
        augmentedModel = stageOne("sft_ia", suite.tasks().get(0).training().size()
            + " training wordings per task", augmentedByTask, base, sft, runtime, outDir,
            listener);
        // The judge: sft_ia itself, or a copy of it trained to judge its own answers.
        judgeModel = judgePhase(suite, augmentedByTask, augmentedModel, judgePhase, config,
            judgeDataRng, sampleSeed ^ 0x2L, runtime, outDir, listener);
        new StageOne(baselineModel, augmentedModel, judgeModel).write(outDir, config, runtime);
      }

      // Validation set for early stopping: fresh instances under the validation wordings.
      List<ValidationItem> validation = new ArrayList<>();
      for (DemoSuite.Task task : suite.tasks()) {
        for (int i = 0; i < config.validationInstancesPerTask(); i++) {
          DemoSuite.Example ex = suite.generate(task.name(), validationRng);
          List<String> prompts = new ArrayList<>();
          for (String w : task.validation().isEmpty() ? task.training() : task.validation()) {
            prompts.add(prompt(w, ex.input()));
          }
          validation.add(new ValidationItem(prompts, ex.answer()));
        }
      }
      // Diagnostic only: fresh instances under the training wordings, what CAT trains on.
      List<ValidationItem> trainingWordings = new ArrayList<>();
      for (DemoSuite.Task task : suite.tasks()) {
        for (int i = 0; i < TRAINING_WORDINGS_CHECK_PER_TASK; i++) {
          DemoSuite.Example ex = suite.generate(task.name(), trainingWordingsRng);
          trainingWordings.add(new ValidationItem(task.training().stream()
              .map(w -> prompt(w, ex.input())).toList(), ex.answer()));
        }
      }

      // Stage 2: the SFT (IA) model judges its own responses; self-rewarded pairs; CAT.
      Map<String, Double> judgeByTask = new LinkedHashMap<>();
      Map<String, String> rewardByTask = new LinkedHashMap<>();
      Map<String, Double> likelihoodByTask = new LinkedHashMap<>();
      double judgeAccuracy;
      double likelihoodAccuracy = Double.NaN;
      ObjectNode paraphraseRecord = JSON.createObjectNode();
      List<PreferencePair> pairs = new ArrayList<>();
      List<Anchor> anchors = new ArrayList<>();
      double[] startValidation;
      double[] startTraining;
      try (OnnxLanguageModel lm = OnnxLanguageModel.load(augmentedModel, runtime);
          OnnxLanguageModel judgeLm = judgeModel.equals(augmentedModel) ? null
              : OnnxLanguageModel.load(judgeModel, runtime)) {
        listener.stage("stage 2: measuring the judge on the SFT (IA) model's own fresh answers");
        YesNoJudge judge = YesNoJudge.of(judgeLm == null ? lm : judgeLm, YES_NO, 64, 100_000);
        List<Labeled> labeled = labeledAnswers(lm, suite, DemoSuite.Task::training,
            JUDGE_MEASURE_PER_TASK, judgeRng, sampleSeed ^ 0x3L);
        double[] p = judge.probabilities(labeled.stream().map(Labeled::judgePrompt).toList());
        judgeAccuracy = accuracyByTask(suite, labeled, p, judgeByTask);
        LikelihoodJudge likelihood = LikelihoodJudge.of(lm,
            PromptFormat.template(DemoSuite.PROMPT_TEMPLATE), " ", ScratchModels.EOS, 256);
        if (config.likelihoodJudge()) {
          listener.stage("stage 2: measuring the likelihood judge on the same answers");
          double[] q = likelihood.probabilities(labeled.stream().map(l -> new LikelihoodJudge.Query(
              suite.task(l.task()).training(), l.input(), l.proposal())).toList());
          likelihoodAccuracy = accuracyByTask(suite, labeled, q, likelihoodByTask);
        }
        for (DemoSuite.Task task : suite.tasks()) {
          rewardByTask.put(task.name(), reward(judgeByTask.get(task.name()),
              likelihoodByTask.getOrDefault(task.name(), Double.NaN),
              config.judgeAccuracyThreshold()));
        }
        LOG.info("judge accuracy {} per task {}; likelihood judge {} per task {} -> rewards {}",
            judgeAccuracy, judgeByTask, likelihoodAccuracy, likelihoodByTask, rewardByTask);

        listener.stage("stage 2: sampling " + config.samplesPerWording()
            + " responses per training wording and scoring them (" + rewardSummary(rewardByTask)
            + ")");
        List<InstructionGroup> groups = new ArrayList<>();
        List<String> groupTasks = new ArrayList<>();
        for (DemoSuite.Task task : suite.tasks()) {
          List<String> catWordings = catWordings(suite, task, config.catParaphrasesPerWording(),
              paraphraseSeed, paraphraseRecord);
          for (int i = 0; i < config.catGroupsPerTask(); i++) {
            DemoSuite.Example ex = suite.generate(task.name(), catRng);
            groups.add(new InstructionGroup(task.name() + "-" + i, task.original(), catWordings,
                ex.input()));
            groupTasks.add(task.name());
          }
        }
        ResponseSampler sampler = ResponseSampler.builder(lm)
            .config(GenerationConfig.builder().maxNewTokens(MAX_NEW_TOKENS)
                .temperature(config.samplingTemperature()).seed(sampleSeed).build())
            .samplesPerVerbalization(config.samplesPerWording())
            .batchSize(64)
            .format(PromptFormat.template(DemoSuite.PROMPT_TEMPLATE))
            .build();
        List<SampledGroup> sampled = sampler.sample(groups);
        JudgeTemplate quality = new JudgeTemplate("demo-quality", DemoSuite.JUDGE_TEMPLATE);
        SelfRewardScorer scorer = SelfRewardScorer.builder(judge).qualityTemplate(quality)
            .weights(new RewardWeights(1, 0, 1)).similarity(Similarities.exactMatch()).build();
        List<ScoredGroup> scored = withLikelihood(suite, scorer.score(sampled), groupTasks,
            rewardByTask, likelihood);
        for (int g = 0; g < scored.size(); g++) {
          boolean trusted = !rewardByTask.get(groupTasks.get(g)).equals(REWARD_FREQUENCY);
          List<PreferencePair> groupPairs = pairsOf(scored.get(g), trusted, config.catPairs());
          pairs.addAll(groupPairs);
          if ((groupPairs.isEmpty() || config.catAnchorAllGroups())
              && config.catAnchorPerTask() > 0) {
            anchors.addAll(anchorsOf(groupTasks.get(g), scored.get(g), trusted,
                config.catPairs()));
          }
        }
        anchors = drawAnchors(anchors, config.catAnchorPerTask(), config.catAnchorEvenAnswers(),
            anchorRng);
        startValidation = validate(lm, validation);
        startTraining = validate(lm, trainingWordings);
      }
      PreferencePairsJsonl.write(data.resolve("cat.pairs.jsonl"), pairs);
      List<String> anchorLines = new ArrayList<>();
      for (Anchor a : anchors) {
        anchorLines.add(sftLine(a.prompt(), a.answer()));
      }

      double accBefore = Double.NaN;
      double accAfter = Double.NaN;
      Path catModel = augmentedModel;
      int chosenEpoch = 0;
      double catAlpha = 1;
      List<Interpolation> interpolation = new ArrayList<>();
      List<Validation> history = new ArrayList<>();
      List<CatEpoch> catEpochs = new ArrayList<>();
      history.add(new Validation(startValidation[0], startValidation[1]));
      if (pairs.isEmpty()) {
        // No group gave a signal: CAT leaves the model unchanged.
        LOG.warn("no preference pairs: the cat system is the sft_ia model unchanged");
      } else {
        Path from = augmentedModel;
        Validation trainingBefore = new Validation(startTraining[0], startTraining[1]);
        List<Path> epochModels = new ArrayList<>();
        List<Double> epochRewardAccuracy = new ArrayList<>();
        for (int epoch = 1; epoch <= config.catEpochs(); epoch++) {
          listener.stage("stage 2: consistency alignment training on " + pairs.size()
              + " pairs, epoch " + epoch + " of at most " + config.catEpochs());
          SftConfig catTraining = catEpochTraining(sft, config, pairs.size(), catSeed + epoch);
          Path epochDir = outDir.resolve("cat").resolve("epoch-" + epoch);
          FineTuning.CatResult cat = FineTuning.cat(new FineTuning.CatOptions(from, pairs,
              config.catReplayPerTask() > 0 || !anchorLines.isEmpty() ? epochDir.resolve("cat")
                  : epochDir,
              new CatConfig(catLoss(config), catTraining), Optional.empty(),
              runtime, false), listener);
          if (epoch == 1) {
            accBefore = cat.before().rewardAccuracy();
          }

          Path epochModel = cat.exported();
          if (!anchorLines.isEmpty()) {
            epochModel = sftPass(anchorLines, epochModel,
                catTraining.toBuilder().seed(catSeed + 2000 + epoch).build(), runtime,
                epochDir.resolve("anchor"), data.resolve("cat-anchor.sft.jsonl"),
                "stage 2: anchor SFT on " + anchorLines.size()
                    + " of the model's own answers to " + (config.catAnchorAllGroups() ? "the"
                    : "consistent") + " groups after the CAT epoch",
                listener);
          }
          if (config.catReplayPerTask() > 0) {
            epochModel = replay(augmentedByTask, config.catReplayPerTask(), replayRng, epochModel,
                catTraining.toBuilder().seed(catSeed + 1000 + epoch).build(), runtime,
                epochDir.resolve("replay"), outDir.resolve("data").resolve(
                    "cat-replay-" + epoch + ".sft.jsonl"), listener);
          }
          double[] v;
          double[] t;
          try (OnnxLanguageModel lm = OnnxLanguageModel.load(epochModel, runtime)) {
            v = validate(lm, validation);
            t = validate(lm, trainingWordings);
          }
          Validation trainingAfter = new Validation(t[0], t[1]);
          history.add(new Validation(v[0], v[1]));
          catEpochs.add(new CatEpoch(cat.before().loss(), cat.after().loss(),
              cat.before().rewardAccuracy(), cat.after().rewardAccuracy(),
              cat.before().meanMargin(), cat.after().meanMargin(), trainingBefore, trainingAfter));
          trainingBefore = trainingAfter;
          LOG.info("CAT epoch {}: validation consistency {} accuracy {}", epoch, v[0], v[1]);
          epochModels.add(epochModel);
          epochRewardAccuracy.add(cat.after().rewardAccuracy());
          from = epochModel;
        }
        if (config.catInterpolation().isEmpty()) {
          chosenEpoch = keptEpoch(history, config.catKeepAccuracy());
          catModel = epochModels.get(chosenEpoch - 1);
        } else {
          listener.stage("stage 2: interpolating sft_ia with every CAT epoch at a = "
              + config.catInterpolation() + " and validating");
          Interpolated soup = interpolate(augmentedModel, epochModels, history,
              config.catInterpolation(), config.catKeepAccuracy(),
              outDir.resolve("cat").resolve("interpolated"), model -> {
                try (OnnxLanguageModel lm = OnnxLanguageModel.load(model, runtime)) {
                  double[] s = validate(lm, validation);
                  return new Validation(s[0], s[1]);
                }
              });
          interpolation.addAll(soup.candidates());
          chosenEpoch = soup.chosen().epoch();
          catAlpha = soup.chosen().alpha();
          catModel = soup.model();
        }
        accAfter = epochRewardAccuracy.get(chosenEpoch - 1);
      }

      // Evaluation on held-out wordings and fresh instances.
      listener.stage("evaluating the three systems on the held-out wordings");
      List<InstructionTask> tasks = new ArrayList<>();
      for (DemoSuite.Task task : suite.tasks()) {
        List<String> variants = task.heldOut().stream()
            .map(w -> DemoSuite.PROMPT_TEMPLATE.replace("{instruction}", w)).toList();
        List<Instance> instances = new ArrayList<>();
        for (int i = 0; i < config.evalInstancesPerTask(); i++) {
          DemoSuite.Example ex = suite.generate(task.name(), evalRng);
          instances.add(Instance.of(ex.input(), List.of(ex.answer())));
        }
        tasks.add(new InstructionTask(task.name(), variants, instances, Optional.of(true)));
      }
      EvaluationConfig evalConfig = EvaluationConfig.builder()
          .similarity(Similarities.exactMatch())
          .generation(GenerationConfig.greedy(MAX_NEW_TOKENS))
          .batchSize(64)
          .resamples(config.resamples())
          .seed(evalSeed)
          .build();
      EvaluationReport report;
      Path evalDir = Files.createDirectories(outDir.resolve("evaluation"));
      try (LanguageModel b = new NamedModel("baseline", OnnxLanguageModel.load(baselineModel, runtime));
          LanguageModel s = new NamedModel("sft_ia", OnnxLanguageModel.load(augmentedModel, runtime));
          LanguageModel c = new NamedModel("cat", OnnxLanguageModel.load(catModel, runtime))) {
        report = Evaluator.of(evalConfig).evaluate(tasks, List.of(b, s, c),
            evalDir.resolve("responses.jsonl"), listener);
      }
      // The evaluation ran with a seed derived from the demo's; its report carries the user's seed.
      report = report.withRunSeed(config.seed());
      Reports.writeAll(report, evalDir);

      Map<String, Map<String, Estimate>> systems = new LinkedHashMap<>();
      for (ModelResult m : report.models()) {
        Map<String, Estimate> metrics = new LinkedHashMap<>();
        for (String metric : METRICS) {
          metrics.put(metric, m.overall().metric(metric).orElseThrow());
        }
        systems.put(m.model(), metrics);
      }
      Map<String, Comparison> paired = new LinkedHashMap<>();
      for (Comparison c : Comparisons.paired(report.model("sft_ia").orElseThrow(),
          report.model("cat").orElseThrow(), Bootstrap.of(config.resamples(), 0.95, evalSeed))) {
        if (c.task().equals(TaskResult.OVERALL) && METRICS.contains(c.metric())) {
          paired.put(c.metric(), c);
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      Result result = new Result(systems, judgeAccuracy, rewardSummary(rewardByTask), pairs.size(),
          accBefore, accAfter, outDir.resolve("report.json"), seconds, judgeByTask, rewardByTask,
          chosenEpoch, history, paired, catEpochs, likelihoodAccuracy, likelihoodByTask, catAlpha,
          interpolation);
      writeSummary(result, config, runtime, outDir, paraphraseRecord);
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException("demo I/O failed in " + outDir + ": " + e, e);
    }
  }

  /** CAT's loss: the ranking loss with the configured lambda, or another by name. */
  private static org.consistency4j.loss.StandardLoss catLoss(DemoConfig config) {
    return config.catLoss().equals("rank") ? Losses.rank(config.catLambda())
        : Losses.byName(config.catLoss());
  }

  /** Stage 1 of one system: SFT on its data. Returns the system's model. */
  private static Path stageOne(String name, String what, Map<String, List<String>> linesByTask,
      Path base, SftConfig sft, RuntimeOptions runtime, Path outDir, Listener listener)
      throws IOException {
    List<String> lines = linesByTask.values().stream().flatMap(List::stream).toList();
    Path dataFile = writeLines(outDir.resolve("data").resolve(name + ".sft.jsonl"), lines);
    listener.stage("stage 1: " + name + " SFT on " + what + " (" + lines.size() + " examples)");
    return FineTuning.sft(new FineTuning.Options(base, dataFile, Optional.empty(),
        outDir.resolve(name), sft, Optional.empty(), runtime, Optional.empty()), listener)
        .exported();
  }

  /**
   * The training settings of one CAT epoch: one pass at the constant {@link
   * DemoConfig#catLearningRate()} after a linear warm-up over {@link
   * DemoConfig#catWarmupFraction()} of the epoch's optimizer steps (rounded up), with the stage-1
   * settings otherwise.
   *
   * @param sft the stage-1 SFT settings
   * @param pairs preference pairs of the epoch
   * @param seed the epoch's seed
   */
  static SftConfig catEpochTraining(SftConfig sft, DemoConfig config, int pairs, long seed) {
    SftConfig.Builder b = sft.toBuilder()
        .epochs(1)
        .learningRate(config.catLearningRate())
        .schedule(SftConfig.Schedule.CONSTANT)
        .warmupSteps(0)
        .seed(seed);
    long steps = b.build().totalSteps(pairs);
    return b.warmupSteps((long) Math.ceil(config.catWarmupFraction() * steps)).build();
  }

  /**
   * The outcome of {@link #interpolate}: every candidate validated, the one kept and its model.
   *
   * @param candidates every (epoch, alpha) candidate with its validation scores, epoch-major
   * @param chosen the candidate kept
   * @param model its model directory (the epoch's own for {@code alpha = 1})
   */
  record Interpolated(List<Interpolation> candidates, Interpolation chosen, Path model) {}

  /**
   * Interpolates sft_ia with every CAT epoch at every weight of {@code alphas} ({@link
   * FineTuning#interpolate} into {@code dir/epoch-E-a-A}), validates each new model and keeps the
   * (epoch, alpha) that {@link #keptEpoch} picks from all candidates' scores, read in order (epoch
   * first, then the weights as given) after sft_ia's: the epoch rule over a larger set, so that
   * ties keep the earlier epoch and the earlier weight. A weight of 1 is the epoch itself, whose
   * validation scores {@code history} already holds.
   *
   * @param sftIa the sft_ia model directory
   * @param epochModels the model of every CAT epoch, from epoch 1
   * @param history validation scores of sft_ia, then of every CAT epoch
   * @param alphas candidate weights of the CAT epoch, in (0, 1]
   * @param keepAccuracy {@link DemoConfig#catKeepAccuracy()}
   * @param dir where the interpolated models are written
   * @param validator validation scores of a model directory
   */
  static Interpolated interpolate(Path sftIa, List<Path> epochModels, List<Validation> history,
      List<Double> alphas, boolean keepAccuracy, Path dir,
      java.util.function.Function<Path, Validation> validator) {
    Check.argument(history.size() == epochModels.size() + 1, "history needs sft_ia and one entry"
        + " per CAT epoch (" + epochModels.size() + "), found " + history.size() + " entries");
    Check.notEmpty(alphas, "alphas");
    List<Validation> scores = new ArrayList<>(List.of(history.get(0)));
    List<Interpolation> candidates = new ArrayList<>();
    List<Path> models = new ArrayList<>();
    for (int epoch = 1; epoch <= epochModels.size(); epoch++) {
      for (double a : alphas) {
        Path model = epochModels.get(epoch - 1);
        Validation v = history.get(epoch);
        if (a < 1) {
          model = FineTuning.interpolate(sftIa, model, a,
              dir.resolve("epoch-" + epoch + "-a-" + a));
          v = validator.apply(model);
        }
        LOG.info("CAT epoch {} interpolated at a = {}: validation consistency {} accuracy {}",
            epoch, a, v.consistencyRate(), v.accuracy());
        candidates.add(new Interpolation(epoch, a, v));
        scores.add(v);
        models.add(model);
      }
    }
    int kept = keptEpoch(scores, keepAccuracy) - 1;
    return new Interpolated(List.copyOf(candidates), candidates.get(kept), models.get(kept));
  }

  /**
   * The CAT epoch to keep, from the validation scores of sft_ia ({@code history.get(0)}) and of
   * every CAT epoch after it. With {@code keepAccuracy}: the highest consistency rate among the
   * epochs whose accuracy is at least sft_ia's, or, when no epoch is, the one with the highest
   * accuracy; otherwise the highest consistency rate plus accuracy. Ties keep the earlier epoch.
   *
   * @param history validation scores: sft_ia first, then one per CAT epoch
   * @param keepAccuracy {@link DemoConfig#catKeepAccuracy()}
   * @return the kept epoch, from 1
   * @throws IllegalArgumentException when {@code history} has no CAT epoch
   */
  public static int keptEpoch(List<Validation> history, boolean keepAccuracy) {
    Check.argument(history.size() >= 2, "history needs sft_ia and at least one CAT epoch, found "
        + history.size() + " entries");
    double startAccuracy = history.get(0).accuracy();
    int best = -1;
    for (int epoch = 1; epoch < history.size(); epoch++) {
      Validation v = history.get(epoch);
      if (keepAccuracy && v.accuracy() < startAccuracy) {
        continue;
      }
      double score = keepAccuracy ? v.consistencyRate() : v.consistencyRate() + v.accuracy();
      if (best < 0 || score > (keepAccuracy ? history.get(best).consistencyRate()
          : history.get(best).consistencyRate() + history.get(best).accuracy())) {
        best = epoch;
      }
    }
    if (best < 0) {
      best = 1;
      for (int epoch = 2; epoch < history.size(); epoch++) {
        if (history.get(epoch).accuracy() > history.get(best).accuracy()) {
          best = epoch;
        }
      }
    }
    return best;
  }

  /**
   * Replay after a CAT epoch: an SFT pass over {@code perTask} stage-1 examples per task (the
   * sft_ia training data, drawn with {@code rng}) from {@code model}. Returns the new model.
   */
  private static Path replay(Map<String, List<String>> linesByTask, int perTask,
      SplittableRandom rng, Path model, SftConfig training, RuntimeOptions runtime, Path outDir,
      Path dataFile, Listener listener) throws IOException {
    List<String> lines = new ArrayList<>();
    for (List<String> taskLines : linesByTask.values()) {
      for (int i = 0; i < perTask; i++) {
        lines.add(taskLines.get(rng.nextInt(taskLines.size())));
      }
    }
    return sftPass(lines, model, training, runtime, outDir, dataFile,
        "stage 2: replay of " + lines.size() + " stage-1 examples after the CAT epoch", listener);
  }

  /** One SFT pass over {@code lines} (written to {@code dataFile}) from {@code model}. */
  private static Path sftPass(List<String> lines, Path model, SftConfig training,
      RuntimeOptions runtime, Path outDir, Path dataFile, String what, Listener listener)
      throws IOException {
    writeLines(dataFile, lines);
    listener.stage(what);
    return FineTuning.sft(new FineTuning.Options(model, dataFile, Optional.empty(), outDir,
        training, Optional.empty(), runtime, Optional.empty()), listener).exported();
  }

  /** One example of CAT's anchor ({@link DemoConfig#catAnchorPerTask()}): a prompt and the answer. */
  record Anchor(String task, String prompt, String answer) {}

  /**
   * The anchor candidates of a group (one that formed no pairs, unless {@link
   * DemoConfig#catAnchorAllGroups()}): its best response's answer (ranked as
   * {@link #pairsOf} ranks) under each wording that gave it, when at least half of the group's other
   * samples give it and, where the judge is used, it is judged correct; otherwise none.
   */
  static List<Anchor> anchorsOf(String task, ScoredGroup group, boolean trusted,
      DemoConfig.CatPairs rule) {
    boolean useJudge = trusted || rule == DemoConfig.CatPairs.JUDGED_MAJORITY;
    int best = -1;
    double bestReward = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < group.rewards().size(); i++) {
      RewardBreakdown r = group.rewards().get(i);
      double f = r.frequency().orElseThrow();
      double reward = useJudge
          ? (r.quality().orElseThrow() >= 0.5 ? QUALITY_FIRST : 0) + (1 - QUALITY_FIRST) * f : f;
      if (reward > bestReward) {
        best = i;
        bestReward = reward;
      }
    }
    if (best < 0) {
      return List.of();
    }
    RewardBreakdown top = group.rewards().get(best);
    if (top.frequency().orElseThrow() < 0.5
        || (useJudge && top.quality().orElseThrow() < 0.5)) {
      return List.of();
    }
    String answer = group.group().responses().get(best).text().strip();
    Set<String> prompts = new LinkedHashSet<>();
    for (SampledResponse s : group.group().responses()) {
      if (s.text().strip().equals(answer)) {
        prompts.add(s.prompt());
      }
    }
    return prompts.stream().map(p -> new Anchor(task, p, answer)).toList();
  }

  /**
   * At most {@code perTask} of each task's {@code candidates}, drawn without replacement with
   * {@code rng}: uniformly, or with {@code evenAnswers} in rounds that take one example of each of
   * the task's distinct answers (in a random order) until {@code perTask} are drawn or none is left.
   * Tasks keep their first-seen order.
   */
  static List<Anchor> drawAnchors(List<Anchor> candidates, int perTask, boolean evenAnswers,
      SplittableRandom rng) {
    Check.nonNegative(perTask, "perTask");
    Map<String, Map<String, List<Anchor>>> byTask = new LinkedHashMap<>();
    for (Anchor a : candidates) {
      byTask.computeIfAbsent(a.task(), k -> new LinkedHashMap<>())
          .computeIfAbsent(evenAnswers ? a.answer() : "", k -> new ArrayList<>()).add(a);
    }
    List<Anchor> out = new ArrayList<>();
    for (Map<String, List<Anchor>> byAnswer : byTask.values()) {
      List<List<Anchor>> queues = new ArrayList<>();
      for (List<Anchor> q : byAnswer.values()) {
        queues.add(shuffled(q, rng));
      }
      queues = shuffled(queues, rng);
      int taken = 0;
      for (int round = 0; taken < perTask; round++) {
        boolean any = false;
        for (List<Anchor> q : queues) {
          if (round < q.size() && taken < perTask) {
            out.add(q.get(round));
            taken++;
            any = true;
          }
        }
        if (!any) {
          break;
        }
      }
    }
    return out;
  }

  /** A Fisher-Yates shuffled copy of {@code items}. */
  private static <T> List<T> shuffled(List<T> items, SplittableRandom rng) {
    List<T> copy = new ArrayList<>(items);
    for (int i = copy.size() - 1; i > 0; i--) {
      Collections.swap(copy, i, rng.nextInt(i + 1));
    }
    return copy;
  }

  /**
   * The judge phase (when configured): a copy of the sft_ia model trained further on judging
   * examples built from its own answers ({@link #labeledAnswers}), optionally mixed with a replay of
   * its stage-1 data. Returns the judge model (the sft_ia model itself without a judge phase).
   */
  private static Path judgePhase(DemoSuite suite, Map<String, List<String>> linesByTask,
      Path model, SftConfig judgePhase, DemoConfig config, SplittableRandom rng, long sampleSeed,
      RuntimeOptions runtime, Path outDir, Listener listener) throws IOException {
    if (config.judgeEpochs() == 0) {
      return model;
    }
    List<String> judgeLines = new ArrayList<>();
    try (OnnxLanguageModel lm = OnnxLanguageModel.load(model, runtime)) {
      for (Labeled l : labeledAnswers(lm, suite, DemoSuite.Task::training,
          config.judgeExamplesPerTask() / 2, rng, sampleSeed)) {
        judgeLines.add(sftLine(l.judgePrompt(), l.correct() ? "yes" : "no"));
      }
    }
    for (List<String> taskLines : linesByTask.values()) {
      for (int i = 0; i < config.judgeReplayPerTask(); i++) {
        judgeLines.add(taskLines.get(rng.nextInt(taskLines.size())));
      }
    }
    Path judgeFile = writeLines(outDir.resolve("data").resolve("judge.jsonl"), judgeLines);
    listener.stage("stage 1: judge phase, a copy of sft_ia learns to judge its own answers ("
        + judgeLines.size() + " examples)");
    return FineTuning.sft(new FineTuning.Options(model, judgeFile, Optional.empty(),
        outDir.resolve("judge"), judgePhase, Optional.empty(), runtime, Optional.empty()),
        listener).exported();
  }

  /**
   * Balanced labeled answers of {@code lm} to fresh instances: for each of {@code perTask}
   * instances per task, one answer sampled at temperature 1 under a random wording, and a second
   * proposal of the other label (the right answer when the sample was wrong, a plausible wrong answer
   * when it was right). The model's own mistakes are thus the first wrong proposals.
   */
  private static List<Labeled> labeledAnswers(LanguageModel lm, DemoSuite suite,
      java.util.function.Function<DemoSuite.Task, List<String>> wordings, int perTask,
      SplittableRandom rng, long sampleSeed) {
    List<String> prompts = new ArrayList<>();
    List<DemoSuite.Example> examples = new ArrayList<>();
    List<DemoSuite.Task> owners = new ArrayList<>();
    for (DemoSuite.Task task : suite.tasks()) {
      List<String> ws = wordings.apply(task);
      for (int i = 0; i < perTask; i++) {
        DemoSuite.Example ex = suite.generate(task.name(), rng);
        prompts.add(prompt(ws.get(rng.nextInt(ws.size())), ex.input()));
        examples.add(ex);
        owners.add(task);
      }
    }
    List<org.consistency4j.lm.Generation> answers = lm.generate(prompts, GenerationConfig.builder()
        .maxNewTokens(MAX_NEW_TOKENS).temperature(1.0).seed(sampleSeed).build());
    JudgeTemplate quality = new JudgeTemplate("demo-quality", DemoSuite.JUDGE_TEMPLATE);
    List<Labeled> out = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      DemoSuite.Task task = owners.get(i);
      DemoSuite.Example ex = examples.get(i);
      String own = answers.get(i).text().strip();
      boolean ownCorrect = own.equals(ex.answer());
      String other = ownCorrect ? suite.wrongAnswer(task.name(), ex, rng) : ex.answer();
      for (String proposal : List.of(own, other)) {
        if (proposal.isEmpty()) {
          continue;
        }
        out.add(new Labeled(task.name(), quality.render(task.original(), ex.input(), proposal, null),
            proposal.equals(ex.answer()), ex.input(), proposal));
      }
    }
    return out;
  }

  /**
   * The pairs of one scored group by {@code rule} ({@link DemoConfig.CatPairs}); {@code trusted}
   * says whether the group's task reached the judge accuracy threshold. Ranked by judged quality
   * first (judged correct or not) and agreement frequency second when the judge is used, by
   * agreement frequency alone otherwise.
   */
  static List<PreferencePair> pairsOf(ScoredGroup group, boolean trusted,
      DemoConfig.CatPairs rule) {
    if (rule == DemoConfig.CatPairs.TRUSTED_ONLY && !trusted) {
      return List.of();
    }
    boolean useJudge = trusted || rule == DemoConfig.CatPairs.JUDGED_MAJORITY;
    List<ScoredResponse> responses = new ArrayList<>();
    int best = -1;
    for (int i = 0; i < group.rewards().size(); i++) {
      RewardBreakdown r = group.rewards().get(i);
      double f = r.frequency().orElseThrow();
      double reward = f;
      if (useJudge) {
        boolean judgedCorrect = r.quality().orElseThrow() >= 0.5;
        reward = (judgedCorrect ? QUALITY_FIRST : 0) + (1 - QUALITY_FIRST) * f;
      }
      SampledResponse s = group.group().responses().get(i);
      responses.add(new ScoredResponse(s.prompt(), s.text(), reward));
      if (best < 0 || reward > responses.get(best).reward()) {
        best = i;
      }
    }
    if (useJudge) {
      RewardBreakdown top = group.rewards().get(best);
      boolean judgedCorrect = top.quality().orElseThrow() >= 0.5;
      boolean majority = top.frequency().orElseThrow() >= 0.5;
      boolean needsMajority = rule == DemoConfig.CatPairs.TRUSTED_ONLY
          || rule == DemoConfig.CatPairs.JUDGED_MAJORITY;
      if (!judgedCorrect || (needsMajority && !majority)) {
        return List.of();
      }
    }
    List<PreferencePair> pairs = PairingStrategies.bestVsRest(PairingStrategies.DEFAULT_MARGIN)
        .pairs(responses);
    if (rule != DemoConfig.CatPairs.WORDING_DISAGREEMENT) {
      return pairs;
    }
    // Answer counts per wording (prompt); a pair stays when its wording's top answer differs.
    Map<String, Map<String, Integer>> counts = new LinkedHashMap<>();
    for (ScoredResponse r : responses) {
      counts.computeIfAbsent(r.prompt(), k -> new LinkedHashMap<>())
          .merge(r.text().strip(), 1, Integer::sum);
    }
    List<PreferencePair> kept = new ArrayList<>();
    for (PreferencePair pair : pairs) {
      Map<String, Integer> c = counts.get(pair.prompt());
      int top = c.values().stream().mapToInt(Integer::intValue).max().orElse(0);
      if (c.getOrDefault(pair.chosen().strip(), 0) < top) {
        kept.add(pair);
      }
    }
    return kept;
  }

  /** Greedy answers under the validation wordings: consistency rate (all wordings agree pairwise, mean) and accuracy. */
  private static double[] validate(LanguageModel lm, List<ValidationItem> items) {
    List<String> prompts = items.stream().flatMap(v -> v.prompts().stream()).toList();
    List<org.consistency4j.lm.Generation> answers = lm.generate(prompts,
        GenerationConfig.greedy(MAX_NEW_TOKENS));
    double cr = 0;
    double acc = 0;
    int k = 0;
    for (ValidationItem v : items) {
      List<String> texts = new ArrayList<>();
      for (int i = 0; i < v.prompts().size(); i++) {
        texts.add(answers.get(k++).text().strip());
      }
      int agree = 0;
      int pairCount = 0;
      for (int i = 0; i < texts.size(); i++) {
        acc += texts.get(i).equals(v.answer()) ? 1.0 / texts.size() : 0;
        for (int j = i + 1; j < texts.size(); j++) {
          pairCount++;
          agree += texts.get(i).equals(texts.get(j)) ? 1 : 0;
        }
      }
      cr += pairCount == 0 ? 1 : (double) agree / pairCount;
    }
    return new double[] {cr / items.size(), acc / items.size()};
  }

  private static String rewardSummary(Map<String, String> rewardByTask) {
    Map<String, Long> counts = new LinkedHashMap<>();
    for (String r : List.of(REWARD_LIKELIHOOD, REWARD_JUDGE, REWARD_FREQUENCY)) {
      long n = rewardByTask.values().stream().filter(r::equals).count();
      if (n > 0) {
        counts.put(r, n);
      }
    }
    if (counts.size() == 1) {
      return counts.keySet().iterator().next();
    }
    // "A on n of N tasks, ..., Z on the others".
    StringBuilder sb = new StringBuilder();
    int k = 0;
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      sb.append(k == 0 ? "" : ", ").append(e.getKey()).append(" on ");
      sb.append(++k == counts.size() ? "the others"
          : e.getValue() + " of " + rewardByTask.size() + " tasks");
    }
    return sb.toString();
  }

  /**
   * The reward of a task from its measured judge accuracies: the likelihood judge when it reaches
   * {@code threshold} and is at least as accurate as the yes/no judge, else the yes/no judge when
   * it reaches {@code threshold}, else agreement frequency. {@code likelihood} is NaN when the
   * likelihood judge was not measured.
   */
  static String reward(double yesNo, double likelihood, double threshold) {
    if (!Double.isNaN(likelihood) && likelihood >= threshold && likelihood >= yesNo) {
      return REWARD_LIKELIHOOD;
    }
    return yesNo >= threshold ? REWARD_JUDGE : REWARD_FREQUENCY;
  }

  /**
   * Per task, the share of {@code labeled} proposals whose verdict ({@code p >= 0.5}: correct) is
   * right, into {@code byTask}; returns the share over all of them.
   */
  private static double accuracyByTask(DemoSuite suite, List<Labeled> labeled, double[] p,
      Map<String, Double> byTask) {
    int right = 0;
    for (DemoSuite.Task task : suite.tasks()) {
      int n = 0;
      int ok = 0;
      for (int i = 0; i < labeled.size(); i++) {
        if (labeled.get(i).task().equals(task.name())) {
          n++;
          ok += (p[i] >= LikelihoodJudge.CORRECT_THRESHOLD) == labeled.get(i).correct() ? 1 : 0;
        }
      }
      right += ok;
      byTask.put(task.name(), (double) ok / n);
    }
    return (double) right / labeled.size();
  }

  /**
   * The scored groups with, for the tasks whose reward is the likelihood judge, the quality part
   * replaced by {@code P_judge} of each response under its task's training wordings (the responses
   * themselves may come from more wordings); the other groups unchanged.
   */
  private static List<ScoredGroup> withLikelihood(DemoSuite suite, List<ScoredGroup> scored,
      List<String> groupTasks, Map<String, String> rewardByTask, LikelihoodJudge judge) {
    List<LikelihoodJudge.Query> queries = new ArrayList<>();
    for (int g = 0; g < scored.size(); g++) {
      if (rewardByTask.get(groupTasks.get(g)).equals(REWARD_LIKELIHOOD)) {
        SampledGroup group = scored.get(g).group();
        for (SampledResponse r : group.responses()) {
          queries.add(new LikelihoodJudge.Query(suite.task(groupTasks.get(g)).training(),
              group.input(), r.text()));
        }
      }
    }
    if (queries.isEmpty()) {
      return scored;
    }
    double[] p = judge.probabilities(queries);
    List<ScoredGroup> out = new ArrayList<>();
    int k = 0;
    for (int g = 0; g < scored.size(); g++) {
      ScoredGroup s = scored.get(g);
      if (!rewardByTask.get(groupTasks.get(g)).equals(REWARD_LIKELIHOOD)) {
        out.add(s);
        continue;
      }
      List<RewardBreakdown> rewards = new ArrayList<>();
      for (RewardBreakdown r : s.rewards()) {
        rewards.add(new RewardBreakdown(java.util.OptionalDouble.of(p[k++]), r.agreement(),
            r.frequency(), r.reward()));
      }
      out.add(new ScoredGroup(s.group(), rewards));
    }
    return out;
  }

  /**
   * The wordings CAT samples under for {@code task}: its training wordings, then the paraphrases of
   * them by the library's paraphrasers (pipeline, wordnet, structural, format; {@code perWording}
   * asked per wording and method) whose words all occur in some task's training wordings or the prompt
   * template (the word-level tokenizer knows nothing else, and words known only from validation or
   * held-out wordings would leak them) and whose token sequence is new. What was kept and dropped
   * is recorded in {@code record} under the task's name.
   */
  static List<String> catWordings(DemoSuite suite, DemoSuite.Task task, int perWording, long seed,
      ObjectNode record) {
    if (perWording == 0) {
      return task.training();
    }
    java.util.Set<String> vocabulary = new java.util.HashSet<>();
    java.util.Set<String> known = new java.util.HashSet<>(suite.vocabulary());
    for (DemoSuite.Task t : suite.tasks()) {
      t.training().forEach(w -> vocabulary.addAll(DemoSuite.splitWords(w)));
    }
    vocabulary.addAll(DemoSuite.splitWords(DemoSuite.PROMPT_TEMPLATE));
    java.util.Set<List<String>> seen = new java.util.HashSet<>();
    task.training().forEach(w -> seen.add(DemoSuite.splitWords(w)));
    List<String> out = new ArrayList<>(task.training());
    int unknown = 0;
    int notTraining = 0;
    int duplicate = 0;
    var kept = JSON.createArrayNode();
    for (int w = 0; w < task.training().size(); w++) {
      for (String method : PARAPHRASE_METHODS) {
        for (org.consistency4j.paraphrase.Paraphrase para :
            org.consistency4j.paraphrase.Paraphrasers.byName(method)
                .paraphrase(task.training().get(w), perWording, seed + w)) {
          List<String> words = DemoSuite.splitWords(para.text());
          if (!known.containsAll(words)) {
            unknown++;
          } else if (!vocabulary.containsAll(words)) {
            notTraining++;
          } else if (!seen.add(words)) {
            duplicate++;
          } else {
            out.add(para.text());
            kept.add(para.text());
          }
        }
      }
    }
    ObjectNode r = record.putObject(task.name());
    r.put("kept", kept.size());
    r.put("dropped_out_of_vocabulary", unknown);
    r.put("dropped_words_not_in_training_wordings", notTraining);
    r.put("dropped_same_tokens", duplicate);
    r.set("wordings", kept);
    LOG.info("task {}: {} paraphrased CAT wordings kept ({} out of vocabulary, {} with words only"
        + " in validation or held-out wordings, {} repeated)", task.name(), kept.size(), unknown,
        notTraining, duplicate);
    return out;
  }

  private record Labeled(String task, String judgePrompt, boolean correct, String input,
      String proposal) {}

  private record ValidationItem(List<String> prompts, String answer) {}

  /**
   * Reads back the result a finished run wrote ({@code report.json}), for summaries across seeds.
   *
   * @throws org.consistency4j.ConsistencyException naming the file and the missing field when it is
   *     not a report of this format
   */
  public static Result readResult(Path report) {
    Check.notNull(report, "report");
    try {
      com.fasterxml.jackson.databind.JsonNode root = JSON.readTree(report.toFile());
      if (!FORMAT.equals(root.path("format").asText())) {
        throw new org.consistency4j.ConsistencyException(report + ": field format must be \""
            + FORMAT + "\", found \"" + root.path("format").asText() + "\"");
      }
      Map<String, Map<String, Estimate>> systems = new LinkedHashMap<>();
      root.path("systems").fields().forEachRemaining(sys -> {
        Map<String, Estimate> metrics = new LinkedHashMap<>();
        sys.getValue().fields().forEachRemaining(m -> metrics.put(m.getKey(), new Estimate(
            number(report, m.getValue(), "value"), number(report, m.getValue(), "ci_low"),
            number(report, m.getValue(), "ci_high"))));
        systems.put(sys.getKey(), metrics);
      });
      Map<String, Comparison> paired = new LinkedHashMap<>();
      root.path("paired_cat_minus_sft_ia").fields().forEachRemaining(m -> {
        var v = m.getValue();
        paired.put(m.getKey(), new Comparison(TaskResult.OVERALL, m.getKey(), "sft_ia", "cat",
            v.path("groups").asInt(), systems.get("sft_ia").get(m.getKey()).value(),
            systems.get("cat").get(m.getKey()).value(), new Estimate(number(report, v, "value"),
                number(report, v, "ci_low"), number(report, v, "ci_high")),
            number(report, v, "p_value")));
      });
      Map<String, Double> judgeByTask = new LinkedHashMap<>();
      root.path("judge_accuracy_by_task").fields().forEachRemaining(e -> judgeByTask.put(
          e.getKey(), e.getValue().asDouble()));
      Map<String, Double> likelihoodByTask = new LinkedHashMap<>();
      root.path("likelihood_judge_accuracy_by_task").fields().forEachRemaining(e ->
          likelihoodByTask.put(e.getKey(), e.getValue().asDouble()));
      Map<String, String> rewardByTask = new LinkedHashMap<>();
      root.path("reward_by_task").fields().forEachRemaining(e -> rewardByTask.put(e.getKey(),
          e.getValue().asText()));
      List<Validation> validation = new ArrayList<>();
      for (var v : root.path("validation")) {
        validation.add(validation(report, v));
      }
      List<Interpolation> interpolation = new ArrayList<>();
      for (var c : root.path("cat_interpolation")) {
        interpolation.add(new Interpolation(c.path("epoch").asInt(), number(report, c, "alpha"),
            validation(report, c)));
      }
      List<CatEpoch> catEpochs = new ArrayList<>();
      for (var e : root.path("cat_epochs")) {
        catEpochs.add(new CatEpoch(number(report, e, "loss_before"), number(report, e, "loss_after"),
            number(report, e, "reward_accuracy_before"), number(report, e, "reward_accuracy_after"),
            number(report, e, "margin_before"), number(report, e, "margin_after"),
            validation(report, e.path("training_wordings_before")),
            validation(report, e.path("training_wordings_after"))));
      }
      return new Result(systems, number(report, root, "judge_accuracy"),
          root.path("reward").asText(), root.path("preference_pairs").asInt(),
          root.path("cat_reward_accuracy_before").asDouble(Double.NaN),
          root.path("cat_reward_accuracy_after").asDouble(Double.NaN), report,
          root.path("seconds").asDouble(), judgeByTask, rewardByTask, root.path("cat_epoch").asInt(),
          validation, paired, catEpochs,
          root.path("likelihood_judge_accuracy").asDouble(Double.NaN), likelihoodByTask,
          root.path("cat_alpha").asDouble(1), interpolation);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + report, e);
    }
  }

  private static Validation validation(Path file, com.fasterxml.jackson.databind.JsonNode node) {
    return new Validation(number(file, node, "consistency_rate"), number(file, node, "accuracy"));
  }

  private static double number(Path file, com.fasterxml.jackson.databind.JsonNode node,
      String field) {
    com.fasterxml.jackson.databind.JsonNode v = node.get(field);
    if (v == null || !v.isNumber()) {
      throw new org.consistency4j.ConsistencyException(file + ": field " + field
          + " must be a number, found " + v);
    }
    return v.asDouble();
  }

  /** The summary as a Markdown table (what the CLI prints). */
  public static String table(Result r) {
    StringBuilder sb = new StringBuilder();
    sb.append("| system | consistency rate | accuracy | ROUGE-L |\n");
    sb.append("|---|---|---|---|\n");
    for (Map.Entry<String, Map<String, Estimate>> e : r.systems().entrySet()) {
      sb.append("| ").append(e.getKey());
      for (String metric : METRICS) {
        Estimate est = e.getValue().get(metric);
        sb.append(String.format(Locale.ROOT, " | %.3f [%.3f, %.3f]", est.value(), est.ciLow(),
            est.ciHigh()));
      }
      sb.append(" |\n");
    }
    if (!r.paired().isEmpty()) {
      sb.append("| cat - sft_ia (paired)");
      for (String metric : METRICS) {
        Comparison c = r.paired().get(metric);
        sb.append(c == null ? " | -" : String.format(Locale.ROOT, " | %+.3f [%+.3f, %+.3f] p=%.3f",
            c.difference().value(), c.difference().ciLow(), c.difference().ciHigh(), c.pValue()));
      }
      sb.append(" |\n");
    }
    return sb.toString();
  }

  /** One line on the judge, the reward and the pairs (what the CLI prints under the table). */
  public static String judgeLine(Result r) {
    StringBuilder per = new StringBuilder();
    for (Map.Entry<String, Double> e : r.judgeAccuracyByTask().entrySet()) {
      per.append(per.length() == 0 ? "" : ", ").append(e.getKey())
          .append(String.format(Locale.ROOT, " %.2f", e.getValue()));
    }
    String cat = r.pairs() == 0 ? "No preference pairs, so cat is the sft_ia model unchanged"
        : String.format(Locale.ROOT, "%d preference pairs; CAT epoch %d kept%s (validation); pairs"
            + " ranked right before/after CAT%s %.3f / %.3f", r.pairs(), r.catEpoch(),
            r.interpolation().isEmpty() ? "" : String.format(Locale.ROOT,
                ", interpolated with sft_ia at a = %s", r.catAlpha()),
            r.catAlpha() < 1 ? " (after: the epoch before interpolation)" : "",
            r.rewardAccuracyBefore(), r.rewardAccuracyAfter());
    String likelihood = "";
    if (!Double.isNaN(r.likelihoodJudgeAccuracy())) {
      StringBuilder lper = new StringBuilder();
      for (Map.Entry<String, Double> e : r.likelihoodJudgeAccuracyByTask().entrySet()) {
        lper.append(lper.length() == 0 ? "" : ", ").append(e.getKey())
            .append(String.format(Locale.ROOT, " %.2f", e.getValue()));
      }
      likelihood = String.format(Locale.ROOT, " Likelihood judge (the SFT (IA) model's probability"
          + " of the answer under its training wordings) on the same answers: accuracy %.3f (%s).",
          r.likelihoodJudgeAccuracy(), lper);
    }
    return String.format(Locale.ROOT, "Yes/no judge (the SFT (IA) model, after the judge phase if"
        + " there is one) on the SFT (IA) model's own answers: accuracy %.3f (%s).%s"
        + " CAT reward: %s. %s.", r.judgeAccuracy(), per, likelihood, r.reward(), cat);
  }

  /** How {@code report.json} names the device of {@code runtime}: {@code cpu} or {@code cuda:N}. */
  static String deviceLabel(RuntimeOptions runtime) {
    return runtime.device() == RuntimeOptions.Device.CPU ? "cpu" : "cuda:" + runtime.deviceId();
  }

  private static void writeSummary(Result r, DemoConfig config, RuntimeOptions runtime,
      Path outDir, ObjectNode paraphrases) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("library_version", Reports.libraryVersion());
    root.put("seed", config.seed());
    root.put("device", deviceLabel(runtime));
    root.put("smoke_test", isSmokeTest(config));
    ObjectNode systems = root.putObject("systems");
    for (Map.Entry<String, Map<String, Estimate>> e : r.systems().entrySet()) {
      ObjectNode s = systems.putObject(e.getKey());
      for (Map.Entry<String, Estimate> m : e.getValue().entrySet()) {
        ObjectNode v = s.putObject(m.getKey());
        v.put("value", m.getValue().value());
        v.put("ci_low", m.getValue().ciLow());
        v.put("ci_high", m.getValue().ciHigh());
      }
    }
    ObjectNode paired = root.putObject("paired_cat_minus_sft_ia");
    for (Map.Entry<String, Comparison> e : r.paired().entrySet()) {
      ObjectNode v = paired.putObject(e.getKey());
      v.put("value", e.getValue().difference().value());
      v.put("ci_low", e.getValue().difference().ciLow());
      v.put("ci_high", e.getValue().difference().ciHigh());
      v.put("p_value", e.getValue().pValue());
      v.put("groups", e.getValue().groups());
    }
    root.put("held_out_wordings_per_task", DemoSuite.load().tasks().get(0).heldOut().size());
    root.put("judge", config.judgeEpochs() == 0 ? "the sft_ia model itself"
        : "a copy of the sft_ia model after the judge phase (judge/)");
    root.put("judge_accuracy", r.judgeAccuracy());
    root.set("judge_accuracy_by_task", JSON.valueToTree(r.judgeAccuracyByTask()));
    if (!Double.isNaN(r.likelihoodJudgeAccuracy())) {
      root.put("likelihood_judge_accuracy", r.likelihoodJudgeAccuracy());
      root.set("likelihood_judge_accuracy_by_task",
          JSON.valueToTree(r.likelihoodJudgeAccuracyByTask()));
    }
    if (!paraphrases.isEmpty()) {
      root.set("cat_paraphrases", paraphrases);
    }
    root.put("reward", r.reward());
    root.set("reward_by_task", JSON.valueToTree(r.rewardByTask()));
    root.put("preference_pairs", r.pairs());
    root.put("cat_epoch", r.catEpoch());
    if (!r.interpolation().isEmpty()) {
      root.put("cat_alpha", r.catAlpha());
      var candidates = root.putArray("cat_interpolation");
      for (Interpolation c : r.interpolation()) {
        candidates.addObject().put("epoch", c.epoch()).put("alpha", c.alpha())
            .put("consistency_rate", c.validation().consistencyRate())
            .put("accuracy", c.validation().accuracy());
      }
    }
    var validation = root.putArray("validation");
    for (Validation v : r.validation()) {
      validation.addObject().put("consistency_rate", v.consistencyRate())
          .put("accuracy", v.accuracy());
    }
    var epochs = root.putArray("cat_epochs");
    for (CatEpoch e : r.catEpochs()) {
      epochs.addObject().put("loss_before", e.lossBefore()).put("loss_after", e.lossAfter())
          .put("reward_accuracy_before", e.rewardAccuracyBefore())
          .put("reward_accuracy_after", e.rewardAccuracyAfter())
          .put("margin_before", e.marginBefore()).put("margin_after", e.marginAfter());
      ObjectNode o = (ObjectNode) epochs.get(epochs.size() - 1);
      o.putObject("training_wordings_before")
          .put("consistency_rate", e.trainingWordingsBefore().consistencyRate())
          .put("accuracy", e.trainingWordingsBefore().accuracy());
      o.putObject("training_wordings_after")
          .put("consistency_rate", e.trainingWordingsAfter().consistencyRate())
          .put("accuracy", e.trainingWordingsAfter().accuracy());
    }
    root.put("cat_reward_accuracy_before", r.rewardAccuracyBefore());
    root.put("cat_reward_accuracy_after", r.rewardAccuracyAfter());
    root.put("seconds", Math.round(r.seconds() * 10) / 10.0);
    root.set("config", JSON.valueToTree(config.toMap()));
    root.put("evaluation_report", "evaluation/report.html");
    AtomicFiles.writeString(outDir.resolve("report.json"),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    boolean smoke = isSmokeTest(config);
    String md = "# consistency4j demo\n\n"
        + (smoke ? "**Smoke test** (`--quick`): a tiny model on a few examples checks that every"
            + " stage runs; the numbers mean nothing about the method.\n\n" : "")
        + "Held-out wordings (never seen in training), fresh instances, greedy decoding; 95% bootstrap"
        + " intervals over instance groups (paired for cat - sft_ia).\n\n"
        + table(r)
        + "\n" + judgeLine(r) + "\n\n"
        + String.format(Locale.ROOT, "Seed %d; wall time %.1f s. Full per-task report:"
            + " evaluation/report.html.%n", config.seed(), r.seconds());
    AtomicFiles.writeString(outDir.resolve("report.md"), md);
  }

  /** Whether {@code config} is the {@link DemoConfig#quick()} smoke test (any seed and threads). */
  private static boolean isSmokeTest(DemoConfig config) {
    return config.withSeed(0).withThreads(0).equals(DemoConfig.quick().withSeed(0).withThreads(0));
  }

  private static String prompt(String wording, String input) {
    return PromptTemplate.fill(DemoSuite.PROMPT_TEMPLATE.replace("{instruction}", wording),
        Instance.of(input, List.of()));
  }

  private static String sftLine(String prompt, String answer) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    n.put("prompt", prompt);
    n.put("completion", " " + answer);
    return JSON.writeValueAsString(n);
  }

  private static Path writeLines(Path file, List<String> lines) throws IOException {
    AtomicFiles.writeString(file, String.join("\n", lines) + "\n");
    return file;
  }


  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
