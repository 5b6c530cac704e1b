package org.consistency4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.consistency4j.InvalidInputException;
import org.consistency4j.data.InstructionTask;
import org.consistency4j.harness.PairGroups;
import org.consistency4j.data.InstructionTasks;
import org.consistency4j.internal.AtomicFiles;
import org.consistency4j.judge.JudgeTemplate;
import org.consistency4j.judge.JudgeTemplates;
import org.consistency4j.judge.YesNoJudge;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.lm.LanguageModel;
import org.consistency4j.lm.YesNoTokens;
import org.consistency4j.metrics.AnswerMatch;
import org.consistency4j.metrics.ResponseSimilarity;
import org.consistency4j.model.OnnxLanguageModel;
import org.consistency4j.pairs.PairingStrategies;
import org.consistency4j.pairs.PairingStrategy;
import org.consistency4j.pairs.PreferencePair;
import org.consistency4j.pairs.PreferencePairsJsonl;
import org.consistency4j.reward.InstructionGroup;
import org.consistency4j.reward.InstructionResponse;
import org.consistency4j.reward.JudgeAccuracy;
import org.consistency4j.reward.JudgeAccuracyResult;
import org.consistency4j.reward.LabeledResponse;
import org.consistency4j.reward.SampledGroup;
import org.consistency4j.reward.ResponseSampler;
import org.consistency4j.reward.RewardBreakdown;
import org.consistency4j.reward.RewardWeights;
import org.consistency4j.reward.SampledResponse;
import org.consistency4j.reward.ScoredGroup;
import org.consistency4j.reward.SelfRewardScorer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code consistency reward} and {@code consistency pairs}: the self-reward side of stage 2. */
final class StageTwoCommands {
  private StageTwoCommands() {}

  /**
   * Options of the self-reward shared by {@code reward} and {@code pairs}: which rewards, their
   * weights, the judge templates, the tokens that count as yes and no, and the similarity of agreement
   * frequency.
   */
  static final class RewardOptions {
    @Option(names = "--truncate-prompts",
        description = "Keep the last tokens of prompts (sampling and judge prompts) longer than the"
            + " model's context (logged) instead of failing.")
    boolean truncatePrompts;

    OnnxLanguageModel.PromptOverflow overflow() {
      return truncatePrompts ? OnnxLanguageModel.PromptOverflow.TRUNCATE_LEFT
          : OnnxLanguageModel.PromptOverflow.ERROR;
    }

    @Option(names = "--no-chat-template",
        description = "Send sampling and judge prompts as raw text instead of rendering each as one"
            + " user turn with the model's chat template (the default when the model has one, as"
            + " in evaluate and train).")
    boolean noChatTemplate;

    /** Whether prompts go through the model's chat template (the same default as evaluate and train). */
    boolean chatTemplate() {
      return !noChatTemplate;
    }

    @Option(names = "--reward", paramLabel = "KIND",
        description = "Preset weights (quality, agreement, frequency): quality = (1, 0, 0): the"
            + " model's quality judge; agreement = (0, 1, 0): the agreement judge (mean judged"
            + " agreement with the group's other responses); judges = (1, 1, 0); frequency = (0, 0, 1):"
            + " agreement frequency, no judge prompt (default: quality for reward, frequency for"
            + " pairs).")
    String reward;

    @Option(names = "--quality-weight", paramLabel = "W",
        description = "Weight of the quality judge, finite and >= 0 (overrides the --reward preset).")
    Double qualityWeight;

    @Option(names = "--agreement-weight", paramLabel = "W",
        description = "Weight of the agreement judge, finite and >= 0 (overrides the --reward"
            + " preset).")
    Double agreementWeight;

    @Option(names = "--frequency-weight", paramLabel = "W",
        description = "Weight of agreement frequency, finite and >= 0 (overrides the --reward"
            + " preset). The reward is the weighted mean of the parts with weight > 0.")
    Double frequencyWeight;

    @Option(names = "--template", paramLabel = "TEXT",
        description = "Quality-judge template with {response} and optionally {instruction} and"
            + " {input} (default: the library's quality template).")
    String template;

    @Option(names = "--agreement-template", paramLabel = "TEXT",
        description = "Agreement-judge template with {response} and {other} and optionally"
            + " {instruction} and {input} (default: the library's agreement template).")
    String agreementTemplate;

    @Option(names = "--similarity", paramLabel = "NAME", defaultValue = "exact",
        description = "When two responses give the same answer for agreement frequency: exact,"
            + " tokenF1, rougeL, rougeL+stem, embedding (MiniLM cosine; mean similarity), or"
            + " rougeL>=T, rougeL+stem>=T, embedding>=T (thresholded, T in (0, 1])"
            + " (default: ${DEFAULT-VALUE}).")
    String similarity;

    @Option(names = "--yes", split = ",", paramLabel = "TOKENS",
        description = "Words that count as yes (default: Yes/yes/YES with and without a leading"
            + " space); if no yes or no word is one token, a local model scores whole token"
            + " sequences.")
    List<String> yes;

    @Option(names = "--no", split = ",", paramLabel = "TOKENS",
        description = "Words that count as no (default: No/no/NO with and without a leading"
            + " space).")
    List<String> no;

    /** The preset name actually used. */
    String kind(String defaultKind) {
      return reward == null ? defaultKind : reward;
    }

    /** The weights: the {@code --reward} preset with the explicit weights applied over it. */
    RewardWeights weights(CommandLine cli, String defaultKind) {
      String kind = kind(defaultKind);
      RewardWeights preset;
      try {
        preset = RewardWeights.preset(kind);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(cli, "--reward: " + e.getMessage());
      }
      double[] w = {preset.quality(), preset.agreement(), preset.frequency()};
      w[0] = weight(cli, "--quality-weight", qualityWeight, w[0]);
      w[1] = weight(cli, "--agreement-weight", agreementWeight, w[1]);
      w[2] = weight(cli, "--frequency-weight", frequencyWeight, w[2]);
      if (w[0] + w[1] + w[2] == 0) {
        throw new CommandLine.ParameterException(cli, String.format(Locale.ROOT,
            "the reward weights must not all be 0, found quality %s, agreement %s, frequency %s"
                + " (--reward %s with the explicit weights)", w[0], w[1], w[2], kind));
      }
      RewardWeights weights = new RewardWeights(w[0], w[1], w[2]);
      if (template != null && weights.quality() == 0) {
        throw new CommandLine.ParameterException(cli,
            "--template is unused: the quality weight is 0 (use --reward quality or judges, or"
                + " --quality-weight)");
      }
      if (agreementTemplate != null && weights.agreement() == 0) {
        throw new CommandLine.ParameterException(cli,
            "--agreement-template is unused: the agreement weight is 0 (use --reward agreement or"
                + " judges, or --agreement-weight)");
      }
      return weights;
    }

    private static double weight(CommandLine cli, String name, Double value, double preset) {
      if (value == null) {
        return preset;
      }
      if (!Double.isFinite(value) || value < 0) {
        throw new CommandLine.ParameterException(cli,
            name + " must be a finite number >= 0, found " + value);
      }
      return value;
    }

    /**
     * A scorer judging with {@code lm}, agreement frequency under {@code similarity}; validates
     * templates and tokens.
     */
    SelfRewardScorer scorer(CommandLine cli, LanguageModel lm, RewardWeights weights,
        ResponseSimilarity similarity) {
      return SelfRewardScorer.builder(YesNoJudge.of(lm, tokens(cli), YesNoJudge.DEFAULT_BATCH_SIZE,
              YesNoJudge.DEFAULT_MAX_CACHE_ENTRIES))
          .qualityTemplate(quality(cli)).agreementTemplate(agreement(cli)).weights(weights)
          .similarity(similarity).build();
    }

    JudgeTemplate quality(CommandLine cli) {
      return template("--template", "custom-quality", template, JudgeTemplates.quality(), cli);
    }

    JudgeTemplate agreement(CommandLine cli) {
      JudgeTemplate agreement = template("--agreement-template", "custom-agreement",
          agreementTemplate, JudgeTemplates.agreement(), cli);
      if (!agreement.uses("other")) {
        throw new CommandLine.ParameterException(cli,
            "--agreement-template must contain the placeholder {other} (the response compared"
                + " with), found \"" + agreementTemplate + "\"");
      }
      return agreement;
    }

    /** Checks everything that needs no model, so that bad usage fails before a model loads. */
    void validate(CommandLine cli, String defaultKind) {
      weights(cli, defaultKind);
      tokens(cli);
      quality(cli);
      agreement(cli);
      if (!similarity.equals(SimilarityOption.EMBEDDING)
          && !similarity.startsWith(SimilarityOption.EMBEDDING + ">=")) {
        openSimilarity(cli).close();
      }
    }

    /** The {@code --similarity} (the caller closes it: it may own the MiniLM encoder). */
    SimilarityOption openSimilarity(CommandLine cli) {
      try {
        return SimilarityOption.open(similarity);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(cli, "--similarity: " + e.getMessage());
      }
    }

    private static JudgeTemplate template(String option, String name, String text,
        JudgeTemplate fallback, CommandLine cli) {
      if (text == null) {
        return fallback;
      }
      try {
        return new JudgeTemplate(name, text);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(cli, option + ": " + e.getMessage()
            + ", found \"" + text + "\"");
      }
    }

    YesNoTokens tokens(CommandLine cli) {
      if ((yes == null) != (no == null)) {
        throw new CommandLine.ParameterException(cli, "give both --yes and --no, or neither");
      }
      return yes == null ? YesNoTokens.defaults() : new YesNoTokens(yes, no);
    }

    /** The weights as a JSON object (for reports). */
    static ObjectNode toJson(RewardWeights w) {
      ObjectNode n = JsonlIO.writerMapper().createObjectNode();
      n.put("quality", w.quality());
      n.put("agreement", w.agreement());
      n.put("frequency", w.frequency());
      return n;
    }
  }

  /** {@code consistency reward}: the model judges responses (self-reward). */
  @Command(
      name = "reward",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = "Self-reward: a local model judges responses. With the default --reward quality,"
          + " each line gets \"quality\" = P(yes) / (P(yes) + P(no)) at the answer position of the"
          + " quality-judge prompt (does the response correctly follow the instruction for its"
          + " input?). The agreement judge and agreement frequency compare a response with the other"
          + " responses to the same instruction and input (lines with equal \"instruction\" and"
          + " \"input\" form a group).",
      footer = {
        "",
        "Input (JSONL): {\"instruction\": \"...\", \"input\": \"...\", \"response\": \"...\"} per line"
            + " (input may be absent or empty; other fields are kept).",
        "Output (JSONL): the same objects in input order with \"quality\", \"agreement\" and/or"
            + " \"frequency\" (the parts with weight > 0, each in [0, 1]) and \"reward\" (their"
            + " weighted mean) added.",
        "Exit codes: 0 ok, 1 failure, 2 bad input."
      })
  static final class Reward implements Callable<Integer> {
    @Spec private CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin private DeviceOption device;

    @picocli.CommandLine.Mixin private QuantizeOption quantize;

    @picocli.CommandLine.Mixin private LinearLayoutOption linearLayout;

    @picocli.CommandLine.Mixin private WeightPrecisionOption weightPrecision;

    @Option(names = "--model", required = true, paramLabel = "DIR",
        description = "Hugging Face model directory (the judge: typically the stage-1 model).")
    private Path model;

    @Option(names = "--adapter", paramLabel = "DIR",
        description = "A PEFT LoRA adapter of --model (from `train sft --lora-rank`), merged into it"
            + " before judging.")
    private Path adapter;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "JSONL input.")
    private Path input;

    @Option(names = "--output", paramLabel = "FILE", description = "Output JSONL (default: stdout).")
    private Path output;

    @CommandLine.Mixin private RewardOptions rewards;

    @Override
    public Integer call() throws IOException {
      CommandLine cli = spec.commandLine();
      rewards.validate(cli, "quality");
      RewardWeights weights = rewards.weights(cli, "quality");
      List<ObjectNode> lines = new ArrayList<>();
      List<Long> lineNumbers = new ArrayList<>();
      Map<List<String>, List<Integer>> groups = new LinkedHashMap<>();
      JsonlIO.forEachObject(input, line -> {
        String instruction = line.text("instruction");
        String in = line.optionalText("input").orElse("");
        String response = line.text("response");
        ModelCommands.onLine(line, () -> new InstructionResponse(instruction, in, response));
        groups.computeIfAbsent(List.of(instruction, in), k -> new ArrayList<>()).add(lines.size());
        lines.add((ObjectNode) line.json().deepCopy());
        lineNumbers.add(line.number());
      });
      if (lines.isEmpty()) {
        throw new InvalidInputException(input.toString(), 0, "is empty: expected one JSON object per line");
      }
      List<SampledGroup> work = new ArrayList<>();
      List<List<Integer>> members = new ArrayList<>();
      for (Map.Entry<List<String>, List<Integer>> g : groups.entrySet()) {
        List<Integer> idx = g.getValue();
        if (idx.size() < 2 && (weights.agreement() > 0 || weights.frequency() > 0)) {
          throw new InvalidInputException(input.toString(), lineNumbers.get(idx.get(0)),
              "the agreement judge and agreement frequency compare responses to the same instruction"
                  + " and input, but this line's response is the only one for its instruction and"
                  + " input");
        }
        List<SampledResponse> responses = new ArrayList<>();
        for (int k = 0; k < idx.size(); k++) {
          responses.add(new SampledResponse(0, k, g.getKey().get(0),
              lines.get(idx.get(k)).get("response").asText()));
        }
        work.add(new SampledGroup("line-" + lineNumbers.get(idx.get(0)), g.getKey().get(0),
            g.getKey().get(1), responses));
        members.add(idx);
      }
      ObjectMapper mapper = JsonlIO.writerMapper();
      try (SimilarityOption sim = rewards.openSimilarity(cli);
          LanguageModel lm = LocalModels.open(model, adapter, rewards.overflow(), rewards.chatTemplate(),
              weightPrecision.apply(linearLayout.apply(quantize.apply(device.runtime()))))) {
        List<ScoredGroup> scored = rewards.scorer(cli, lm, weights, sim.similarity()).score(work);
        for (int g = 0; g < scored.size(); g++) {
          List<RewardBreakdown> r = scored.get(g).rewards();
          for (int k = 0; k < r.size(); k++) {
            ObjectNode line = lines.get(members.get(g).get(k));
            RewardBreakdown b = r.get(k);
            b.quality().ifPresent(v -> line.put("quality", v));
            b.agreement().ifPresent(v -> line.put("agreement", v));
            b.frequency().ifPresent(v -> line.put("frequency", v));
            line.put("reward", b.reward());
          }
        }
      }
      JsonlIO.emit(output, cli.getOut(), out -> {
        for (ObjectNode line : lines) {
          out.write(mapper.writeValueAsString(line));
          out.write('\n');
        }
      });
      return 0;
    }
  }

  /** {@code consistency pairs}: sample, self-reward and pair responses of instruction groups. */
  @Command(
      name = "pairs",
      mixinStandardHelpOptions = true,
      // wide enough that the groups example stays on one line (it is a valid JSONL line as printed)
      usageHelpWidth = 150,
      sortOptions = false,
      description = "Build stage-2 preference pairs: for every task instance of the groups file, sample "
          + "--m responses per wording from a local model, score each by self-reward (see --reward),"
          + " pair them within the instance's group by --strategy under the rejected response's"
          + " wording, and write TRL JSONL (prompt, chosen, rejected, score_chosen, score_rejected)"
          + " for `consistency train cat`. Also writes OUT.stats.json (counts, seed, settings and,"
          + " when the quality judge is used and instances have references, the judge's accuracy"
          + " on the sampled responses, also printed to stderr).",
      footer = {
        "",
        "Groups (JSONL, one task per line, the format of `consistency evaluate`):",
        "  {\"task\": \"echo\", \"variants\": [\"Repeat: {input}\", \"Say:\"],"
            + " \"instances\": [{\"input\": \"hi\"}, {\"input\": \"yes\", \"references\": [\"yes\"]}]}",
        "A variant without a {placeholder} gets the input appended after a blank line."
            + " Instead of \"input\" an instance may give \"fields\": {\"name\": \"value\"} for"
            + " {name} placeholders. \"references\" is optional: responses that match one (normalized"
            + " exact match) count as correct when the quality judge's accuracy is measured. The"
            + " first variant is the instruction the judges see.",
        "Exit codes: 0 ok, 1 failure, 2 bad input."
      })
  static final class Pairs implements Callable<Integer> {
    @Spec private CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin private DeviceOption device;

    @picocli.CommandLine.Mixin private QuantizeOption quantize;

    @picocli.CommandLine.Mixin private LinearLayoutOption linearLayout;

    @picocli.CommandLine.Mixin private WeightPrecisionOption weightPrecision;

    @Option(names = "--model", required = true, paramLabel = "DIR",
        description = "The stage-1 Hugging Face model directory.")
    private Path model;

    @Option(names = "--adapter", paramLabel = "DIR",
        description = "A PEFT LoRA adapter of --model (from `train sft --lora-rank`), merged into it"
            + " before sampling and judging.")
    private Path adapter;

    @Option(names = "--groups", required = true, paramLabel = "FILE",
        description = "Instruction groups (JSONL, see below).")
    private Path groups;

    @Option(names = "--out", required = true, paramLabel = "FILE",
        description = "Output pairs JSONL (OUT.stats.json is written next to it).")
    private Path out;

    @Option(names = "--m", paramLabel = "M", defaultValue = "4",
        description = "Responses sampled per wording and instance (default: ${DEFAULT-VALUE}).")
    private int m;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
        description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "1.0",
        description = "Sampling temperature (default: ${DEFAULT-VALUE}).")
    private double temperature;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1.0",
        description = "Nucleus sampling mass (default: ${DEFAULT-VALUE}).")
    private double topP;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "64",
        description = "Most tokens per response (default: ${DEFAULT-VALUE}).")
    private int maxNewTokens;

    @Option(names = "--strategy", paramLabel = "NAME", defaultValue = "best-vs-rest",
        description = "best-vs-rest (the best response against every response lower by at least"
            + " --margin), best-vs-worst, or all (every ordered pair at least --margin apart)"
            + " (default: ${DEFAULT-VALUE}).")
    private String strategy;

    @Option(names = "--margin", paramLabel = "D",
        defaultValue = "" + PairingStrategies.DEFAULT_MARGIN,
        description = "Least reward difference of a pair (default: ${DEFAULT-VALUE}).")
    private double margin;

    @CommandLine.Mixin private RewardOptions rewards;

    @Override
    public Integer call() throws IOException {
      CommandLine cli = spec.commandLine();
      rewards.validate(cli, "frequency");
      RewardWeights weights = rewards.weights(cli, "frequency");
      PairingStrategy pairing;
      try {
        pairing = PairingStrategies.byName(strategy, margin);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(cli, e.getMessage());
      }
      if (m < 1 || m > ResponseSampler.MAX_SAMPLES) {
        throw new CommandLine.ParameterException(
            cli, "--m must be in [1, " + ResponseSampler.MAX_SAMPLES + "], found " + m);
      }
      LocalModels.checkMaxNewTokens(model, maxNewTokens);
      List<InstructionTask> tasks = InstructionTasks.read(groups);
      List<InstructionGroup> work = PairGroups.of(tasks);
      List<List<String>> references = PairGroups.references(tasks);
      List<PreferencePair> pairs;
      List<ScoredGroup> scored;
      JudgeAccuracyResult accuracy = null;
      int labeledResponses = 0;
      try (SimilarityOption sim = rewards.openSimilarity(cli);
          LanguageModel lm = LocalModels.open(model, adapter, rewards.overflow(), rewards.chatTemplate(),
              weightPrecision.apply(linearLayout.apply(quantize.apply(device.runtime()))))) {
        ResponseSampler sampler = ResponseSampler.builder(lm)
            .config(GenerationConfig.builder().maxNewTokens(maxNewTokens).temperature(temperature)
                .topP(topP).seed(seed).build())
            .samplesPerVerbalization(m)
            // the prompts are rendered per instance above (fields and all)
            .format((prompt, in) -> prompt)
            .build();
        SelfRewardScorer scorer = rewards.scorer(cli, lm, weights, sim.similarity());
        List<SampledGroup> sampled = sampler.sample(work);
        scored = scorer.score(sampled);
        pairs = pairing.pairsOfGroups(scored.stream().map(ScoredGroup::scoredResponses).toList());
        List<LabeledResponse> labeled = new ArrayList<>();
        for (int g = 0; g < sampled.size(); g++) {
          SampledGroup group = sampled.get(g);
          if (references.get(g).isEmpty()) {
            continue;
          }
          for (String text : group.texts()) {
            labeled.add(new LabeledResponse(
                new InstructionResponse(group.instruction(), group.input(), text),
                AnswerMatch.exactAny(text, references.get(g))));
          }
        }
        labeledResponses = labeled.size();
        if (weights.quality() > 0 && !labeled.isEmpty()) {
          // the same prompts as the rewards above: answered from the judge's cache
          accuracy = JudgeAccuracy.measure(scorer, labeled);
        }
      }
      long responses = scored.stream().mapToLong(g -> g.group().size()).sum();
      PreferencePairsJsonl.write(out, pairs);
      Path stats = statsFile(out);
      AtomicFiles.writeString(stats, stats(work.size(), responses, pairs.size(), labeledResponses,
          weights, pairing, accuracy));
      cli.getOut().printf(Locale.ROOT, "%d groups, %d responses, %d pairs (%s, %s); wrote %s and %s%n",
          work.size(), responses, pairs.size(), rewards.kind("frequency"), pairing.name(), out, stats);
      cli.getOut().flush();
      if (accuracy != null) {
        cli.getErr().printf(Locale.ROOT,
            "quality judge accuracy %.3f (balanced %.3f) on %d labeled responses; mean P(yes) %.3f"
                + " on correct, %.3f on incorrect ones%n",
            accuracy.accuracy(), accuracy.balancedAccuracy(), accuracy.total(),
            accuracy.meanYesWhenPositive(), accuracy.meanYesWhenNegative());
      } else if (weights.quality() > 0) {
        cli.getErr().println("quality judge accuracy not measured: no instance has references");
      }
      cli.getErr().flush();
      return 0;
    }

    /** {@code OUT.stats.json} next to {@code out}. */
    static Path statsFile(Path out) {
      return out.resolveSibling(out.getFileName() + ".stats.json");
    }

    private String stats(int groupCount, long responses, int pairCount, int labeled,
        RewardWeights weights, PairingStrategy pairing, JudgeAccuracyResult accuracy)
        throws IOException {
      ObjectMapper json = JsonlIO.writerMapper();
      ObjectNode root = json.createObjectNode();
      root.put("groups", groupCount);
      root.put("responses", responses);
      root.put("pairs", pairCount);
      root.put("labeled_responses", labeled);
      if (accuracy == null) {
        root.putNull("judge_accuracy");
      } else {
        ObjectNode a = root.putObject("judge_accuracy");
        a.put("judge", "quality");
        a.put("examples", accuracy.total());
        a.put("accuracy", accuracy.accuracy());
        a.put("balanced_accuracy", accuracy.balancedAccuracy());
        a.put("threshold", accuracy.threshold());
        a.put("true_positives", accuracy.truePositives());
        a.put("false_positives", accuracy.falsePositives());
        a.put("true_negatives", accuracy.trueNegatives());
        a.put("false_negatives", accuracy.falseNegatives());
        putFinite(a, "mean_p_yes_correct", accuracy.meanYesWhenPositive());
        putFinite(a, "mean_p_yes_incorrect", accuracy.meanYesWhenNegative());
      }
      root.put("seed", seed);
      ObjectNode c = root.putObject("config");
      c.put("model", model.toString());
      if (adapter == null) {
        c.putNull("adapter");
      } else {
        c.put("adapter", adapter.toString());
      }
      c.put("quantization", quantize.quantization().label());
      c.put("linear_layout", linearLayout.label());
      c.put("weight_precision", weightPrecision.label());
      c.put("groups", groups.toString());
      c.put("m", m);
      c.put("seed", seed);
      c.put("temperature", temperature);
      c.put("top_p", topP);
      c.put("max_new_tokens", maxNewTokens);
      c.put("reward", rewards.kind("frequency"));
      c.put("chat_template", rewards.chatTemplate());
      c.set("weights", RewardOptions.toJson(weights));
      c.put("similarity", rewards.similarity);
      c.put("quality_template", rewards.template == null ? JudgeTemplates.quality().text()
          : rewards.template);
      c.put("agreement_template", rewards.agreementTemplate == null
          ? JudgeTemplates.agreement().text() : rewards.agreementTemplate);
      c.put("strategy", pairing.name());
      c.put("margin", margin);
      return json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    }

    private static void putFinite(ObjectNode n, String field, double v) {
      if (Double.isFinite(v)) {
        n.put(field, v);
      } else {
        n.putNull(field);
      }
    }
  }
}
