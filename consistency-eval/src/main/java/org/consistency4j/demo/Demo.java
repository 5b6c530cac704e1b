package org.consistency4j.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;
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
import org.consistency4j.reward.InstructionResponse;
import org.consistency4j.reward.JudgeAccuracy;
import org.consistency4j.reward.JudgeAccuracyResult;
import org.consistency4j.reward.LabeledResponse;
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
 *       instances, each under one of the training wordings (instruction augmentation). Both data sets
 *       include the same judging examples (is a proposed answer correct? yes/no).
 *   <li>The sft_ia model's judge accuracy is measured on fresh labeled answers. <b>cat</b>: from
 *       sft_ia, responses are sampled for every training wording of fresh training instances, scored
 *       by self-reward (agreement frequency: the share of the group's other samples giving the same
 *       answer, plus the model's own quality judge when its accuracy reaches the configured
 *       threshold), paired best-vs-rest with margin 0.1, and trained with the ranking loss plus lambda
 *       times SFT ({@link FineTuning#cat}).
 *   <li>All three answer fresh instances under the five held-out wordings of every task (greedy);
 *       the harness scores consistency rate (exact match), accuracy and ROUGE-L with bootstrap
 *       intervals.
 * </ol>
 *
 * <p>Output directory: {@code report.json} (per system {@code consistency_rate}, {@code accuracy},
 * {@code rougeL} as {@code {value, ci_low, ci_high}}, judge accuracy, reward used, pair count, config,
 * seed), {@code report.md}, {@code evaluation/} (the harness's report.json/md/html and responses),
 * {@code data/} (the SFT data and preference pairs), and the models ({@code base-model/}, {@code
 * baseline/model/}, {@code sft_ia/model/}, {@code cat/model/}). Subdirectories a previous run left
 * there are replaced. Deterministic for a seed.
 */
public final class Demo {
  /** The systems, in report order. */
  public static final List<String> SYSTEMS = List.of("baseline", "sft_ia", "cat");

  private static final Logger LOG = LoggerFactory.getLogger(Demo.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final YesNoTokens YES_NO = new YesNoTokens(List.of("yes"), List.of("no"));
  private static final int MAX_NEW_TOKENS = 4;
  private static final int MAX_LENGTH = 96;

  private Demo() {}

  /** Hears the demo's progress. Methods default to doing nothing. */
  public interface Listener extends TrainingListener, ProgressListener {
    /** A new stage starts. */
    default void stage(String description) {}
  }

  /**
   * What the demo measured.
   *
   * @param systems per system, metric ({@code consistency_rate}, {@code accuracy}, {@code rougeL}) to
   *     estimate with interval
   * @param judgeAccuracy accuracy of the sft_ia model's own quality judge on fresh labeled answers
   * @param reward the self-reward the CAT pairs were built with
   * @param pairs number of preference pairs
   * @param rewardAccuracyBefore share of pairs the sft_ia model ranks right (length-normalized)
   * @param rewardAccuracyAfter the same for the cat model
   * @param report the summary report ({@code report.json})
   * @param seconds wall time
   */
  public record Result(
      Map<String, Map<String, Estimate>> systems,
      double judgeAccuracy,
      String reward,
      int pairs,
      double rewardAccuracyBefore,
      double rewardAccuracyAfter,
      Path report,
      double seconds) {}

  /** Runs the demo into {@code outDir}. */
  public static Result run(DemoConfig config, Path outDir, Listener listener) {
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
    RuntimeOptions runtime = RuntimeOptions.builder().intraOpThreads(config.threads()).build();
    try {
      Files.createDirectories(outDir);
      for (String sub : List.of("base-model", "baseline", "sft_ia", "cat", "evaluation", "data")) {
        deleteTree(outDir.resolve(sub));
      }
      Path data = Files.createDirectories(outDir.resolve("data"));

      listener.stage("creating a word-level Llama from scratch");
      Path base = outDir.resolve("base-model");
      int vocab = ScratchModels.writeWordLevelTokenizer(base, suite.vocabulary(), 128);
      ScratchModels.writeRandomLlama(base, vocab, new ScratchModels.LlamaShape(config.hidden(),
          config.layers(), config.heads(), config.intermediate(), 128), modelSeed);

      // Stage 1 data: the same instances for both runs; only the wording differs.
      List<String> baselineLines = new ArrayList<>();
      List<String> augmentedLines = new ArrayList<>();
      for (DemoSuite.Task task : suite.tasks()) {
        for (int i = 0; i < config.trainExamplesPerTask(); i++) {
          DemoSuite.Example ex = suite.generate(task.name(), trainRng);
          String wording = task.training().get(trainRng.nextInt(task.training().size()));
          baselineLines.add(sftLine(prompt(task.original(), ex.input()), ex.answer()));
          augmentedLines.add(sftLine(prompt(wording, ex.input()), ex.answer()));
        }
        for (int i = 0; i < config.judgeExamplesPerTask(); i++) {
          String line = judgeLine(suite, task, trainRng);
          baselineLines.add(line);
          augmentedLines.add(line);
        }
      }
      Path baselineData = writeLines(data.resolve("baseline.sft.jsonl"), baselineLines);
      Path augmentedData = writeLines(data.resolve("sft_ia.sft.jsonl"), augmentedLines);
      SftConfig sft = SftConfig.builder()
          .epochs(config.sftEpochs())
          .batchSize(config.batchSize())
          .learningRate(config.sftLearningRate())
          .schedule(SftConfig.Schedule.LINEAR)
          .warmupSteps(20)
          .optimizer(AdamWConfig.defaults().withWeightDecay(0.0))
          .seed(sftSeed)
          .maxLength(MAX_LENGTH)
          .build();
      listener.stage("stage 1: baseline SFT on the original wordings (" + baselineLines.size()
          + " examples)");
      Path baselineModel = FineTuning.sft(new FineTuning.Options(base, baselineData, Optional.empty(),
          outDir.resolve("baseline"), sft, Optional.empty(), runtime, Optional.empty()), listener)
          .exported();
      listener.stage("stage 1: SFT (IA) on " + suite.tasks().get(0).training().size()
          + " training wordings per task (" + augmentedLines.size() + " examples)");
      Path augmentedModel = FineTuning.sft(new FineTuning.Options(base, augmentedData,
          Optional.empty(), outDir.resolve("sft_ia"), sft, Optional.empty(), runtime,
          Optional.empty()), listener).exported();

      // Stage 2: self-rewarded pairs from the SFT (IA) model, then CAT.
      double judgeAccuracy;
      String reward;
      List<PreferencePair> pairs;
      try (OnnxLanguageModel lm = OnnxLanguageModel.load(augmentedModel, runtime)) {
        listener.stage("stage 2: measuring the SFT (IA) model's own judge");
        JudgeTemplate quality = new JudgeTemplate("demo-quality", DemoSuite.JUDGE_TEMPLATE);
        YesNoJudge judge = YesNoJudge.of(lm, YES_NO, 64, 100_000);
        List<LabeledResponse> labeled = new ArrayList<>();
        for (DemoSuite.Task task : suite.tasks()) {
          for (int i = 0; i < 16; i++) {
            DemoSuite.Example ex = suite.generate(task.name(), judgeRng);
            boolean correct = judgeRng.nextBoolean();
            String answer = correct ? ex.answer() : suite.wrongAnswer(task.name(), ex, judgeRng);
            labeled.add(new LabeledResponse(
                new InstructionResponse(task.original(), ex.input(), answer), correct));
          }
        }
        SelfRewardScorer probe = SelfRewardScorer.builder(judge).qualityTemplate(quality)
            .weights(new RewardWeights(1, 0, 0)).similarity(Similarities.exactMatch()).build();
        JudgeAccuracyResult measured = JudgeAccuracy.measure(probe, labeled);
        judgeAccuracy = measured.accuracy();
        boolean useJudge = judgeAccuracy >= config.judgeAccuracyThreshold();
        RewardWeights weights = useJudge ? new RewardWeights(1, 0, 1) : RewardWeights.frequencyOnly();
        reward = useJudge ? "quality judge + agreement frequency" : "agreement frequency";
        LOG.info("judge accuracy {} -> reward: {}", judgeAccuracy, reward);

        listener.stage("stage 2: sampling " + config.samplesPerWording()
            + " responses per training wording (" + reward + ")");
        List<InstructionGroup> groups = new ArrayList<>();
        for (DemoSuite.Task task : suite.tasks()) {
          for (int i = 0; i < config.catGroupsPerTask(); i++) {
            DemoSuite.Example ex = suite.generate(task.name(), catRng);
            groups.add(new InstructionGroup(task.name() + "-" + i, task.original(), task.training(),
                ex.input()));
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
        SelfRewardScorer scorer = SelfRewardScorer.builder(judge).qualityTemplate(quality)
            .weights(weights).similarity(Similarities.exactMatch()).build();
        List<ScoredGroup> scored = scorer.score(sampled);
        pairs = PairingStrategies.bestVsRest(PairingStrategies.DEFAULT_MARGIN)
            .pairsOfGroups(scored.stream().map(ScoredGroup::scoredResponses).toList());
      }
      PreferencePairsJsonl.write(data.resolve("cat.pairs.jsonl"), pairs);
      double accBefore = Double.NaN;
      double accAfter = Double.NaN;
      Path catModel;
      if (pairs.isEmpty()) {
        // Every group already agreed everywhere: no signal, CAT leaves the model unchanged.
        LOG.warn("no preference pairs: the cat system is the sft_ia model unchanged");
        catModel = augmentedModel;
      } else {
        listener.stage("stage 2: consistency alignment training on " + pairs.size() + " pairs");
        SftConfig catTraining = sft.toBuilder()
            .epochs(config.catEpochs())
            .learningRate(config.catLearningRate())
            .warmupSteps(0)
            .seed(catSeed)
            .build();
        FineTuning.CatResult cat = FineTuning.cat(new FineTuning.CatOptions(augmentedModel, pairs,
            outDir.resolve("cat"), new CatConfig(Losses.rank(config.catLambda()),
                catTraining), Optional.empty(), runtime, false), listener);
        accBefore = cat.before().rewardAccuracy();
        accAfter = cat.after().rewardAccuracy();
        catModel = cat.exported();
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
        for (String metric : List.of(MetricNames.CONSISTENCY_RATE, MetricNames.ACCURACY,
            MetricNames.ROUGE_L)) {
          metrics.put(metric, m.overall().metric(metric).orElseThrow());
        }
        systems.put(m.model(), metrics);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      Result result = new Result(systems, judgeAccuracy, reward, pairs.size(), accBefore, accAfter,
          outDir.resolve("report.json"), seconds);
      writeSummary(result, config, outDir);
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException("demo I/O failed in " + outDir, e);
    }
  }

  /** The summary as a Markdown table (what the CLI prints). */
  public static String table(Result r) {
    StringBuilder sb = new StringBuilder();
    sb.append("| system | consistency rate | accuracy | ROUGE-L |\n");
    sb.append("|---|---|---|---|\n");
    for (Map.Entry<String, Map<String, Estimate>> e : r.systems().entrySet()) {
      sb.append("| ").append(e.getKey());
      for (String metric : List.of(MetricNames.CONSISTENCY_RATE, MetricNames.ACCURACY,
          MetricNames.ROUGE_L)) {
        Estimate est = e.getValue().get(metric);
        sb.append(String.format(Locale.ROOT, " | %.3f [%.3f, %.3f]", est.value(), est.ciLow(),
            est.ciHigh()));
      }
      sb.append(" |\n");
    }
    return sb.toString();
  }

  private static void writeSummary(Result r, DemoConfig config, Path outDir) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", "consistency4j-demo/1");
    root.put("library_version", Reports.libraryVersion());
    root.put("seed", config.seed());
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
    root.put("held_out_wordings_per_task", DemoSuite.load().tasks().get(0).heldOut().size());
    root.put("judge_accuracy", r.judgeAccuracy());
    root.put("reward", r.reward());
    root.put("preference_pairs", r.pairs());
    root.put("cat_reward_accuracy_before", r.rewardAccuracyBefore());
    root.put("cat_reward_accuracy_after", r.rewardAccuracyAfter());
    root.put("seconds", Math.round(r.seconds() * 10) / 10.0);
    root.set("config", JSON.valueToTree(config.toMap()));
    root.put("evaluation_report", "evaluation/report.html");
    AtomicFiles.writeString(outDir.resolve("report.json"),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    String md = "# consistency4j demo\n\n"
        + "Held-out wordings (never seen in training), fresh instances, greedy decoding; 95% bootstrap"
        + " intervals over instance groups.\n\n"
        + table(r)
        + String.format(Locale.ROOT, "%nJudge accuracy of the SFT (IA) model: %.3f; CAT reward: %s;"
            + " %d preference pairs; pairs ranked right before/after CAT: %.3f / %.3f.%n%n"
            + "Seed %d; wall time %.1f s. Full per-task report: evaluation/report.html.%n",
            r.judgeAccuracy(), r.reward(), r.pairs(), r.rewardAccuracyBefore(), r.rewardAccuracyAfter(),
            config.seed(), r.seconds());
    AtomicFiles.writeString(outDir.resolve("report.md"), md);
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

  private static String judgeLine(DemoSuite suite, DemoSuite.Task task, SplittableRandom rng)
      throws IOException {
    DemoSuite.Example ex = suite.generate(task.name(), rng);
    boolean correct = rng.nextBoolean();
    String answer = correct ? ex.answer() : suite.wrongAnswer(task.name(), ex, rng);
    String prompt = new JudgeTemplate("demo-quality", DemoSuite.JUDGE_TEMPLATE)
        .render(task.original(), ex.input(), answer, null);
    return sftLine(prompt, correct ? "yes" : "no");
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
