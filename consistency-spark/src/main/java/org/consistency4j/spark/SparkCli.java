package org.consistency4j.spark;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.consistency4j.cli.ExitCodes;
import org.consistency4j.cli.LocalModels;
import org.consistency4j.http.HttpModelConfig;
import org.consistency4j.report.EvaluationReport;
import org.consistency4j.report.MetricNames;
import org.consistency4j.report.ModelResult;
import org.consistency4j.reward.RewardWeights;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The command line of consistency-spark, the {@code main} class for {@code spark-submit}:
 * {@code evaluate} and {@code pairs} with the options of the single-machine commands plus
 * {@code --master} and {@code --partitions}. Paths may be any Hadoop URI; local model directories must
 * be readable at the same path on every executor.
 */
@Command(
    name = "consistency-spark",
    mixinStandardHelpOptions = true,
    subcommands = {SparkCli.Evaluate.class, SparkCli.Pairs.class, CommandLine.HelpCommand.class},
    description = "consistency evaluate and pairs distributed on Apache Spark (same outputs as on one machine).",
    footer = {"", "Exit codes: 0 success, 1 failure while running, 2 bad usage or bad input."})
public final class SparkCli implements Runnable {
  @Spec private CommandLine.Model.CommandSpec spec;

  /**
   * Runs the tool and exits with its exit code.
   *
   * @param args the arguments
   */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /**
   * Runs the tool without exiting (for tests and embedding).
   *
   * @param args the arguments
   * @return the exit code
   */
  public static int run(String... args) {
    return ExitCodes.install(new CommandLine(new SparkCli())).execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Options every subcommand has. */
  static final class SparkOptions {
    @Option(names = "--master", paramLabel = "URL",
        description = "Spark master (default: the one spark-submit sets, else local[*]).")
    String master;

    @Option(names = "--partitions", defaultValue = "0", paramLabel = "N",
        description = "Most partitions per stage; 0 = Spark's default parallelism (default: ${DEFAULT-VALUE})."
            + " The outputs do not depend on it.")
    int partitions;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
        description = "ONNX Runtime intra-op threads per local model instance; 0 = ONNX Runtime's default"
            + " (default: ${DEFAULT-VALUE}).")
    int threads;

    JavaSparkContext open(String app) {
      SparkConf conf = new SparkConf().setAppName(app);
      if (master != null) {
        conf.setMaster(master);
      } else if (!conf.contains("spark.master")) {
        conf.setMaster("local[*]");
      }
      return new JavaSparkContext(conf);
    }

    /** Runs {@code job} on a new Spark context named {@code app}, which is stopped afterwards. */
    <T> T run(String app, Function<JavaSparkContext, T> job) {
      JavaSparkContext sc = open(app);
      try {
        return job.apply(sc);
      } finally {
        finish(sc);
      }
    }
  }

  private static void finish(JavaSparkContext sc) {
    boolean local = sc.isLocal();
    sc.stop();
    if (local) {
      // local mode: the executors were this JVM, whose cached models are closed now
      ExecutorModels.closeAll();
    }
  }

  /** {@code consistency-spark evaluate}. */
  @Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Evaluate models on instruction groups like `consistency evaluate`: responses are"
          + " generated on the executors (OUT/responses/model-M/part-*.jsonl; a rerun skips finished"
          + " partitions), scored on the driver, and OUT/report.json, report.md and report.html are"
          + " written with the same numbers as on one machine."})
  static final class Evaluate implements Callable<Integer> {
    @Spec private CommandLine.Model.CommandSpec spec;
    @CommandLine.Mixin private SparkOptions spark;

    @Option(names = "--model", required = true, paramLabel = "DIR|URL",
        description = "A local model directory (same path on every executor) or an OpenAI-compatible"
            + " server URL; repeat for several models (the first is the comparisons' baseline).")
    private List<String> models;

    @Option(names = "--model-name", paramLabel = "NAME",
        description = "The model id sent to HTTP servers (required with a URL).")
    private String modelName;

    @Option(names = "--api-key-env", paramLabel = "VAR",
        description = "Environment variable holding the HTTP API key on the executors.")
    private String apiKeyEnv;

    @Option(names = "--endpoint", defaultValue = "chat", paramLabel = "chat|completions",
        description = "HTTP endpoint (default: ${DEFAULT-VALUE}).")
    private String endpoint;

    @Option(names = "--concurrency", defaultValue = "4", paramLabel = "N",
        description = "Most concurrent HTTP requests per executor (default: ${DEFAULT-VALUE}).")
    private int concurrency;

    @Option(names = "--timeout", defaultValue = "120", paramLabel = "SECONDS",
        description = "HTTP request timeout (default: ${DEFAULT-VALUE}).")
    private long timeoutSeconds;

    @Option(names = "--max-retries", defaultValue = "4", paramLabel = "N",
        description = "HTTP retries on 429/5xx/timeouts (default: ${DEFAULT-VALUE}).")
    private int maxRetries;

    @Option(names = "--adapter", paramLabel = "DIR", description = "A LoRA adapter of a local model.")
    private String adapter;

    @Option(names = "--no-chat-template", description = "Local models: send prompts as given.")
    private boolean noChatTemplate;

    @Option(names = "--truncate-prompts", description = "Local models: keep the last tokens of over-long prompts.")
    private boolean truncatePrompts;

    @Option(names = "--data", required = true, paramLabel = "URI", description = "Tasks JSONL (the format of"
        + " `consistency evaluate`).")
    private String data;

    @Option(names = "--out", required = true, paramLabel = "URI", description = "Output directory.")
    private String out;

    @Option(names = "--similarity", defaultValue = "rougeL>=0.5", paramLabel = "NAME",
        description = "exact, tokenF1, rougeL, rougeL>=T, rougeL+stem, rougeL+stem>=T (default: ${DEFAULT-VALUE}).")
    private String similarity;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--max-new-tokens", defaultValue = "64", paramLabel = "N",
        description = "Most tokens per response (default: ${DEFAULT-VALUE}).")
    private int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", paramLabel = "T",
        description = "Sampling temperature; 0 is greedy (default: ${DEFAULT-VALUE}).")
    private double temperature;

    @Option(names = "--stop", paramLabel = "TEXT", description = "A stop string (repeatable).")
    private List<String> stop = new ArrayList<>();

    @Option(names = "--limit", paramLabel = "N", description = "Evaluate at most N instances per task.")
    private Integer limit;

    @Option(names = "--batch-size", defaultValue = "8", paramLabel = "N",
        description = "Prompts per generate call, the unit of seeding (default: ${DEFAULT-VALUE}).")
    private int batchSize;

    @Option(names = "--resamples", defaultValue = "1000", paramLabel = "N",
        description = "Bootstrap resamples (default: ${DEFAULT-VALUE}).")
    private int resamples;

    @Option(names = "--stemmer", description = "Use the Porter stemmer for ROUGE against references.")
    private boolean stemmer;

    @Override
    public Integer call() {
      SparkEvaluation.Builder b = SparkEvaluation.builder(data, out).similarity(similarity).seed(seed)
          .maxNewTokens(maxNewTokens).temperature(temperature).batchSize(batchSize).resamples(resamples)
          .rougeStemmer(stemmer).limit(limit).partitions(spark.partitions);
      stop.forEach(b::stop);
      for (String m : models) {
        b.model(source(m.strip()));
      }
      SparkEvaluation evaluation = b.build();
      EvaluationReport report = spark.run("consistency-spark evaluate", evaluation::run);
      PrintWriter o = spec.commandLine().getOut();
      for (ModelResult m : report.models()) {
        o.printf(Locale.ROOT, "%s: %d groups, consistency rate %s%n", m.model(), m.overall().groups(),
            m.overall().metrics().containsKey(MetricNames.CONSISTENCY_RATE)
                ? String.format(Locale.ROOT, "%.4f", m.overall().metrics().get(MetricNames.CONSISTENCY_RATE).value())
                : "n/a (one variant)");
      }
      o.println("Responses: " + evaluation.responsesDir());
      o.println("Reports: " + evaluation.out() + "/report.{json,md,html}");
      o.flush();
      return 0;
    }

    private ModelSource source(String m) {
      if (m.startsWith("http://") || m.startsWith("https://")) {
        if (modelName == null || modelName.isBlank()) {
          throw new CommandLine.ParameterException(spec.commandLine(),
              "--model-name is required with an HTTP model URL (the model id the server expects)");
        }
        return new HttpModelSource(m, modelName, HttpModelConfig.Endpoint.parse(endpoint), apiKeyEnv,
            concurrency, timeoutSeconds, maxRetries, seed);
      }
      LocalModels.checkMaxNewTokens(Path.of(m), maxNewTokens);
      return new LocalModelSource(m, adapter, !noChatTemplate, truncatePrompts, spark.threads,
          models.size() == 1 ? modelName : null);
    }
  }

  /** {@code consistency-spark pairs}. */
  @Command(name = "pairs", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Build stage-2 preference pairs like `consistency pairs`: sampling and self-reward run on"
          + " the executors (partition files under OUT.parts/; a rerun skips finished partitions), pairing on"
          + " the driver; writes the TRL pairs JSONL OUT and OUT.stats.json."})
  static final class Pairs implements Callable<Integer> {
    @Spec private CommandLine.Model.CommandSpec spec;
    @CommandLine.Mixin private SparkOptions spark;

    @Option(names = "--model", required = true, paramLabel = "DIR",
        description = "The stage-1 model directory (same path on every executor).")
    private String model;

    @Option(names = "--adapter", paramLabel = "DIR", description = "A LoRA adapter of --model.")
    private String adapter;

    @Option(names = "--truncate-prompts", description = "Keep the last tokens of over-long prompts.")
    private boolean truncatePrompts;

    @Option(names = "--no-chat-template", description = "Send sampling and judge prompts as given instead"
        + " of through the model's chat template (the default, as in `consistency pairs`).")
    private boolean noChatTemplate;

    @Option(names = "--groups", required = true, paramLabel = "URI", description = "Instruction groups JSONL.")
    private String groups;

    @Option(names = "--out", required = true, paramLabel = "URI", description = "Output pairs JSONL.")
    private String out;

    @Option(names = "--m", defaultValue = "4", paramLabel = "M",
        description = "Responses per wording and instance (default: ${DEFAULT-VALUE}).")
    private int m;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--temperature", defaultValue = "1.0", paramLabel = "T",
        description = "Sampling temperature (default: ${DEFAULT-VALUE}).")
    private double temperature;

    @Option(names = "--top-p", defaultValue = "1.0", paramLabel = "P",
        description = "Nucleus sampling mass (default: ${DEFAULT-VALUE}).")
    private double topP;

    @Option(names = "--max-new-tokens", defaultValue = "64", paramLabel = "N",
        description = "Most tokens per response (default: ${DEFAULT-VALUE}).")
    private int maxNewTokens;

    @Option(names = "--strategy", defaultValue = "best-vs-rest", paramLabel = "NAME",
        description = "best-vs-rest, best-vs-worst or all (default: ${DEFAULT-VALUE}).")
    private String strategy;

    @Option(names = "--margin", defaultValue = "0.1", paramLabel = "D",
        description = "Least reward difference of a pair (default: ${DEFAULT-VALUE}).")
    private double margin;

    @Option(names = "--reward", defaultValue = "frequency", paramLabel = "KIND",
        description = "frequency, quality, agreement or judges (default: ${DEFAULT-VALUE}).")
    private String reward;

    @Option(names = "--similarity", defaultValue = "exact", paramLabel = "NAME",
        description = "Agreement-frequency similarity (default: ${DEFAULT-VALUE}).")
    private String similarity;

    @Option(names = "--template", paramLabel = "TEXT", description = "Quality-judge template.")
    private String template;

    @Option(names = "--agreement-template", paramLabel = "TEXT", description = "Agreement-judge template.")
    private String agreementTemplate;

    @Override
    public Integer call() {
      RewardWeights w;
      try {
        w = RewardWeights.preset(reward);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--reward: " + e.getMessage());
      }
      LocalModels.checkMaxNewTokens(Path.of(model), maxNewTokens);
      SparkPairs pairs = SparkPairs.builder(groups, out,
              new LocalModelSource(model, adapter, !noChatTemplate, truncatePrompts, spark.threads, null))
          .m(m).seed(seed).temperature(temperature).topP(topP).maxNewTokens(maxNewTokens)
          .strategy(strategy, margin).weights(w.quality(), w.agreement(), w.frequency()).similarity(similarity)
          .qualityTemplate(template).agreementTemplate(agreementTemplate)
          .partitions(spark.partitions).build();
      SparkPairs.Result r = spark.run("consistency-spark pairs", pairs::run);
      spec.commandLine().getOut().printf(Locale.ROOT, "%d groups, %d responses, %d pairs; wrote %s and %s%n",
          r.groups(), r.responses(), r.pairs(), out, out + ".stats.json");
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
