package org.consistency4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.consistency4j.InvalidInputException;
import org.consistency4j.data.GroupInstance;
import org.consistency4j.data.InstructionGroups;
import org.consistency4j.harness.Instance;
import org.consistency4j.harness.PromptTemplate;
import org.consistency4j.judge.JudgeTemplate;
import org.consistency4j.judge.JudgeTemplates;
import org.consistency4j.judge.YesNoJudge;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.lm.YesNoTokens;
import org.consistency4j.metrics.ResponseSimilarity;
import org.consistency4j.model.OnnxLanguageModel;
import org.consistency4j.model.RuntimeOptions;
import org.consistency4j.pairs.PairingStrategies;
import org.consistency4j.pairs.PairingStrategy;
import org.consistency4j.pairs.PreferencePair;
import org.consistency4j.pairs.PreferencePairsJsonl;
import org.consistency4j.reward.InstructionGroup;
import org.consistency4j.reward.InstructionResponse;
import org.consistency4j.reward.ResponseSampler;
import org.consistency4j.reward.RewardWeights;
import org.consistency4j.reward.ScoredGroup;
import org.consistency4j.reward.SelfRewardScorer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code consistency reward} and {@code consistency pairs}: the self-reward side of stage 2. */
final class StageTwoCommands {
  private StageTwoCommands() {}

  /** Options naming the judge: its template and the tokens that count as yes and no. */
  static final class JudgeOptions {
    @Option(names = "--template", paramLabel = "TEXT",
        description = "Quality-judge template with {instruction}, {input} and {response} (default: the"
            + " library's quality template).")
    String template;

    @Option(names = "--yes", split = ",", paramLabel = "TOKENS",
        description = "Tokens that count as yes (default: Yes/yes with and without a leading space).")
    List<String> yes;

    @Option(names = "--no", split = ",", paramLabel = "TOKENS",
        description = "Tokens that count as no (default: No/no with and without a leading space).")
    List<String> no;

    JudgeTemplate quality() {
      return template == null ? JudgeTemplates.quality() : new JudgeTemplate("custom", template);
    }

    YesNoTokens tokens(CommandLine cli) {
      if ((yes == null) != (no == null)) {
        throw new CommandLine.ParameterException(cli, "give both --yes and --no, or neither");
      }
      return yes == null ? YesNoTokens.defaults() : new YesNoTokens(yes, no);
    }
  }

  /** {@code consistency reward}: the model judges responses (P(yes) of its quality judge). */
  @Command(
      name = "reward",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = "Self-reward: a local model judges whether each response correctly follows its "
          + "instruction for its input; writes each input line with \"quality\" = P(yes) / (P(yes) + "
          + "P(no)) at the answer position of the judge prompt.",
      footer = {
        "",
        "Input (JSONL): {\"instruction\": \"...\", \"input\": \"...\", \"response\": \"...\"} per line"
            + " (input may be empty).",
        "Output (JSONL): the same objects with \"quality\": p added, in input order.",
        "Exit codes: 0 ok, 1 failure, 2 bad input."
      })
  static final class Reward implements Callable<Integer> {
    @Spec private CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR",
        description = "Hugging Face model directory (the judge: typically the stage-1 model).")
    private Path model;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "JSONL input.")
    private Path input;

    @Option(names = "--output", paramLabel = "FILE", description = "Output JSONL (default: stdout).")
    private Path output;

    @CommandLine.Mixin private JudgeOptions judge;

    @Override
    public Integer call() throws IOException {
      CommandLine cli = spec.commandLine();
      List<ObjectNode> lines = new ArrayList<>();
      List<InstructionResponse> items = new ArrayList<>();
      JsonlIO.forEachObject(input, line -> {
        String instruction = line.text("instruction");
        String in = line.optionalText("input").orElse("");
        String response = line.text("response");
        items.add(ModelCommands.onLine(line, () -> new InstructionResponse(instruction, in, response)));
        lines.add((ObjectNode) line.json().deepCopy());
      });
      if (items.isEmpty()) {
        throw new InvalidInputException(input.toString(), 0, "is empty: expected one JSON object per line");
      }
      ObjectMapper mapper = JsonlIO.writerMapper();
      try (OnnxLanguageModel lm = OnnxLanguageModel.load(model, RuntimeOptions.cpu(),
          OnnxLanguageModel.PromptOverflow.ERROR)) {
        SelfRewardScorer scorer = SelfRewardScorer.builder(YesNoJudge.of(lm, judge.tokens(cli),
            YesNoJudge.DEFAULT_BATCH_SIZE, YesNoJudge.DEFAULT_MAX_CACHE_ENTRIES))
            .qualityTemplate(judge.quality()).weights(new RewardWeights(1, 0, 0)).build();
        double[] q = scorer.quality(items);
        ModelCommands.emit(output, cli.getOut(), out -> {
          for (int i = 0; i < lines.size(); i++) {
            lines.get(i).put("quality", q[i]);
            out.write(mapper.writeValueAsString(lines.get(i)));
            out.write('\n');
          }
        });
      }
      return 0;
    }
  }

  /** {@code consistency pairs}: sample, self-reward and pair responses of instruction groups. */
  @Command(
      name = "pairs",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = "Build stage-2 preference pairs: for every task instance of the groups file, sample "
          + "--m responses per wording from a local model, score each by self-reward (agreement "
          + "frequency: the share of the group's other responses with the same answer; and/or the "
          + "model's quality judge), pair the best against the rest (margin 0.1) under the rejected "
          + "response's wording, and write TRL JSONL (prompt, chosen, rejected, score_chosen, "
          + "score_rejected) for `consistency train cat`.",
      footer = {
        "",
        "Groups (JSONL, one task per line): {\"task\": \"t\", \"variants\": [\"wording 1 {input}\","
            + " \"wording 2\"], \"instances\": [{\"input\": \"...\"}, ...]}; a variant without"
            + " {input} gets the input after a blank line. The first variant is the instruction the"
            + " judge sees.",
        "Exit codes: 0 ok, 1 failure, 2 bad input."
      })
  static final class Pairs implements Callable<Integer> {
    @Spec private CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR",
        description = "The stage-1 Hugging Face model directory.")
    private Path model;

    @Option(names = "--groups", required = true, paramLabel = "FILE",
        description = "Instruction groups (JSONL, see below).")
    private Path groups;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Output pairs JSONL.")
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

    @Option(names = "--reward", paramLabel = "KIND", defaultValue = "frequency",
        description = "frequency (agreement frequency, no judge prompt), quality (the model's quality"
            + " judge), agreement (judged agreement with the other responses), or judges (quality +"
            + " agreement) (default: ${DEFAULT-VALUE}).")
    private String reward;

    @Option(names = "--similarity", paramLabel = "NAME", defaultValue = "exact",
        description = "When two answers are the same for agreement frequency: exact, tokenF1,"
            + " rougeL>=T, embedding>=T, ... (default: ${DEFAULT-VALUE}).")
    private String similarity;

    @Option(names = "--strategy", paramLabel = "NAME", defaultValue = "best-vs-rest",
        description = "best-vs-rest, best-vs-worst or all (default: ${DEFAULT-VALUE}).")
    private String strategy;

    @Option(names = "--margin", paramLabel = "D", defaultValue = "0.1",
        description = "Least reward difference of a pair (default: ${DEFAULT-VALUE}).")
    private double margin;

    @CommandLine.Mixin private JudgeOptions judge;

    @Override
    public Integer call() {
      CommandLine cli = spec.commandLine();
      RewardWeights weights = switch (reward) {
        case "frequency" -> RewardWeights.frequencyOnly();
        case "quality" -> new RewardWeights(1, 0, 0);
        case "agreement" -> new RewardWeights(0, 1, 0);
        case "judges" -> RewardWeights.judges();
        default -> throw new CommandLine.ParameterException(cli,
            "--reward must be frequency, quality, agreement or judges, found " + reward);
      };
      PairingStrategy pairing;
      SimilarityOption simOption;
      try {
        pairing = PairingStrategies.byName(strategy, margin);
        simOption = SimilarityOption.open(similarity);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(cli, e.getMessage());
      }
      try (simOption) {
        return score(cli, weights, pairing, simOption.similarity());
      }
    }

    private int score(CommandLine cli, RewardWeights weights, PairingStrategy pairing,
        ResponseSimilarity sim) {
      List<InstructionGroup> work = new ArrayList<>();
      for (org.consistency4j.data.InstructionGroup task : InstructionGroups.read(groups)) {
        for (int i = 0; i < task.instances().size(); i++) {
          GroupInstance gi = task.instances().get(i);
          String in = gi.fields().getOrDefault("input", "");
          work.add(new InstructionGroup(task.task() + "#" + i, task.variants().get(0), task.variants(),
              in));
        }
      }
      if (work.isEmpty()) {
        throw new InvalidInputException(groups.toString(), 0, "holds no task instances");
      }
      List<PreferencePair> pairs;
      try (OnnxLanguageModel lm = OnnxLanguageModel.load(model, RuntimeOptions.cpu(),
          OnnxLanguageModel.PromptOverflow.ERROR)) {
        ResponseSampler sampler = ResponseSampler.builder(lm)
            .config(GenerationConfig.builder().maxNewTokens(maxNewTokens).temperature(temperature)
                .topP(topP).seed(seed).build())
            .samplesPerVerbalization(m)
            .format((variant, in) -> PromptTemplate.render(variant, Instance.of(in, List.of())))
            .build();
        SelfRewardScorer scorer = SelfRewardScorer.builder(YesNoJudge.of(lm, judge.tokens(cli),
            YesNoJudge.DEFAULT_BATCH_SIZE, YesNoJudge.DEFAULT_MAX_CACHE_ENTRIES))
            .qualityTemplate(judge.quality()).weights(weights).similarity(sim).build();
        List<ScoredGroup> scored = scorer.score(sampler.sample(work));
        pairs = pairing.pairsOfGroups(scored.stream().map(ScoredGroup::scoredResponses).toList());
      }
      PreferencePairsJsonl.write(out, pairs);
      cli.getOut().printf(Locale.ROOT, "%d groups, %d responses, %d pairs (%s, %s); wrote %s%n",
          work.size(), work.stream().mapToLong(g -> (long) g.verbalizations().size() * m).sum(),
          pairs.size(), reward, pairing.name(), out);
      cli.getOut().flush();
      return 0;
    }
  }
}
