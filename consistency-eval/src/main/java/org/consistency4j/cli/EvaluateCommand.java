package org.consistency4j.cli;

import org.consistency4j.metrics.Bootstrap;
import org.consistency4j.internal.Check;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.consistency4j.InvalidInputException;
import org.consistency4j.harness.EvaluationConfig;
import org.consistency4j.harness.Evaluator;
import org.consistency4j.data.InstructionTask;
import org.consistency4j.harness.NamedModel;
import org.consistency4j.harness.ProgressListener;
import org.consistency4j.data.InstructionTasks;
import org.consistency4j.model.OnnxLanguageModel;
import org.consistency4j.http.HttpModelConfig;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.lm.LanguageModel;
import org.consistency4j.metrics.ResponseSimilarity;
import org.consistency4j.report.EvaluationReport;
import org.consistency4j.report.Reports;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code consistency evaluate}: generate, store and score responses of one or more models. */
@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Evaluate models on instruction groups: generate a response for every (variant x instance),"
          + " store them in OUT/responses.jsonl (an interrupted run resumes) and write"
          + " OUT/report.json, report.md and report.html with consistency rate, majority agreement,"
          + " ROUGE-1/ROUGE-L, accuracy (label tasks), spread across variants, 95%% bootstrap"
          + " intervals and paired comparisons of every model with the first."
    },
    footer = {
      "",
      "Data (JSONL, one task per line):",
      "  {\"task\": \"sentiment\",",
      "   \"variants\": [\"Is this review positive or negative? {input}\", \"Sentiment:\"],",
      "   \"instances\": [{\"input\": \"Great film.\", \"references\": [\"positive\"]}]}",
      "A variant's {name} placeholders are filled from the instance's fields ({input} from"
          + " input); a variant without placeholders gets the input appended after a blank line.",
      "An SNI directory (task*.json) gives one task per file: the definition and --paraphrases"
          + " paraphrases of it, each followed by \"Input: {input}\" and \"Output:\" lines.",
      "",
      "Exit codes: 0 success, 1 failure while running, 2 bad usage or bad input."
    })
final class EvaluateCommand implements Callable<Integer> {
  @Spec private picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR|URL",
      description = {
        "An OpenAI-compatible server URL (http://host:port or .../v1) or a local model directory.",
        "Repeat to evaluate several models; the first is the comparisons' baseline."
      })
  private List<String> models;

  @picocli.CommandLine.Mixin private DeviceOption device;

  @picocli.CommandLine.Mixin private QuantizeOption quantize;

  @picocli.CommandLine.Mixin private LinearLayoutOption linearLayout;

  @picocli.CommandLine.Mixin private WeightPrecisionOption weightPrecision;

  @Option(
      names = "--model-name",
      paramLabel = "NAME",
      description = "The model id sent to HTTP servers (required with a URL); for a local model"
          + " directory (the only --model), the name used in responses and reports instead of its path.")
  private String modelName;

  @Option(
      names = "--api-key-env",
      paramLabel = "VAR",
      description = "Environment variable that holds the HTTP API key (never printed).")
  private String apiKeyEnv;

  @Option(
      names = "--endpoint",
      defaultValue = "chat",
      paramLabel = "chat|completions",
      description = "HTTP endpoint (default: ${DEFAULT-VALUE}).")
  private String endpoint;

  @Option(
      names = "--adapter",
      paramLabel = "DIR",
      description = "A LoRA adapter directory applied to a local model.")
  private Path adapter;

  @Option(
      names = "--truncate-prompts",
      description = "Local models: keep the last tokens of prompts longer than the model's context"
          + " (logged) instead of failing.")
  private boolean truncatePrompts;

  @Option(
      names = "--no-chat-template",
      description = "Local models: send prompts as given instead of rendering each as one user turn"
          + " with the model's chat template (the default when the model has one).")
  private boolean noChatTemplate;

  @Option(
      names = "--data",
      required = true,
      paramLabel = "FILE|DIR",
      description = "Tasks: a JSONL file (see below) or a directory of Super-NaturalInstructions task files.")
  private Path data;

  @Option(
      names = "--paraphraser",
      defaultValue = "pipeline",
      paramLabel = "NAME",
      description = "With an SNI directory: how the extra wordings are made (wordnet, structural, format, pipeline; default: ${DEFAULT-VALUE}).")
  private String paraphraser;

  @Option(
      names = "--paraphrases",
      defaultValue = "4",
      paramLabel = "N",
      description = "With an SNI directory: paraphrases per task definition (default: ${DEFAULT-VALUE}).")
  private int paraphrases;

  @Option(
      names = "--similarity",
      defaultValue = "rougeL>=0.5",
      paramLabel = "NAME",
      description = "How a group's responses are compared: exact, tokenF1, rougeL, rougeL>=T, rougeL+stem,"
          + " rougeL+stem>=T, embedding (MiniLM sentence-embedding cosine) or embedding>=T"
          + " (default: ${DEFAULT-VALUE}).")
  private String similarity;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
  private Path out;

  @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed (default: ${DEFAULT-VALUE}).")
  private long seed;

  @Option(
      names = "--max-new-tokens",
      defaultValue = "64",
      paramLabel = "N",
      description = "Most tokens per response (default: ${DEFAULT-VALUE}).")
  private int maxNewTokens;

  @Option(
      names = "--temperature",
      defaultValue = "0",
      paramLabel = "T",
      description = "Sampling temperature; 0 is greedy (default: ${DEFAULT-VALUE}).")
  private double temperature;

  @Option(
      names = "--stop",
      paramLabel = "TEXT",
      description = "A stop string (repeatable); it ends a response and is removed.")
  private List<String> stop = new ArrayList<>();

  @Option(
      names = "--limit",
      paramLabel = "N",
      description = "Evaluate at most N instances per task.")
  private Integer limit;

  @Option(
      names = "--batch-size",
      defaultValue = "8",
      paramLabel = "N",
      description = "Prompts per generate call and per flush of responses.jsonl (default: ${DEFAULT-VALUE}).")
  private int batchSize;

  @Option(
      names = "--concurrency",
      defaultValue = "4",
      paramLabel = "N",
      description = "Most concurrent HTTP requests per model (default: ${DEFAULT-VALUE}).")
  private int concurrency;

  @Option(
      names = "--timeout",
      defaultValue = "120",
      paramLabel = "SECONDS",
      description = "HTTP request timeout (default: ${DEFAULT-VALUE}).")
  private long timeoutSeconds;

  @Option(
      names = "--max-retries",
      defaultValue = "4",
      paramLabel = "N",
      description = "HTTP retries on 429/5xx/timeouts (default: ${DEFAULT-VALUE}).")
  private int maxRetries;

  @Option(
      names = "--resamples",
      defaultValue = "1000",
      paramLabel = "N",
      description = "Bootstrap resamples for the intervals (default: ${DEFAULT-VALUE}).")
  private int resamples;

  @Option(names = "--stemmer", description = "Use the Porter stemmer for ROUGE against references.")
  private boolean stemmer;

  @Option(
      names = "--no-progress",
      negatable = false,
      description = "Do not show progress bars.")
  private boolean noProgress;

  @Override
  public Integer call() {
    checkSizes();
    PrintWriter stdout = spec.commandLine().getOut();
    List<InstructionTask> tasks = loadTasks();
    try (SimilarityOption sim = SimilarityOption.open(similarity)) {
      return evaluate(stdout, tasks, sim.similarity());
    }
  }

  /** Refuses sizes that would overflow or exhaust memory, before anything is read or allocated. */
  private void checkSizes() {
    Check.positive(maxNewTokens, "--max-new-tokens");
    Check.positive(batchSize, "--batch-size");
    Check.inRange(resamples, 1, Bootstrap.MAX_RESAMPLES, "--resamples");
    Check.inRange(paraphrases, 1, ParaphraseSupport.MAX_PARAPHRASES, "--paraphrases");
    Check.inRange(concurrency, 1, HttpModelConfig.MAX_CONCURRENCY, "--concurrency");
    Check.inRange(maxRetries, 0, HttpModelConfig.MAX_RETRIES, "--max-retries");
    long maxTimeout = HttpModelConfig.MAX_DURATION.toSeconds();
    if (timeoutSeconds < 1 || timeoutSeconds > maxTimeout) {
      throw new IllegalArgumentException(
          "--timeout must be in [1, " + maxTimeout + "] seconds, found " + timeoutSeconds);
    }
    if (limit != null) {
      Check.positive(limit, "--limit");
    }
  }

  private int evaluate(PrintWriter stdout, List<InstructionTask> tasks, ResponseSimilarity sim) {
    EvaluationConfig config =
        EvaluationConfig.builder()
            .similarity(sim)
            .generation(
                GenerationConfig.builder()
                    .maxNewTokens(maxNewTokens)
                    .temperature(temperature)
                    .stopStrings(stop)
                    .seed(seed)
                    .build())
            .batchSize(batchSize)
            .resamples(resamples)
            .seed(seed)
            .rougeStemmer(stemmer)
            .build();
    List<LanguageModel> opened = new ArrayList<>();
    try {
      for (String m : models) {
        opened.add(openModel(m));
      }
      EvaluationReport report;
      Path responses = out.resolve("responses.jsonl");
      ProgressBars bars = ProgressBars.shown(noProgress) ? new ProgressBars(System.err) : null;
      try {
        ProgressListener listener = bars == null ? ProgressListener.NONE : bars;
        report = Evaluator.of(config).evaluate(tasks, opened, responses, listener);
      } finally {
        if (bars != null) {
          bars.close();
        }
      }
      Map<String, String> cfg = new LinkedHashMap<>();
      cfg.put("data", data.toString());
      cfg.put(
          "model_specs",
          String.join(", ", models.stream().map(HttpModelConfig::redactCredentials).toList()));
      if (Files.isDirectory(data)) {
        cfg.put("paraphraser", paraphraser);
        cfg.put("paraphrases", Integer.toString(paraphrases));
      }
      if (adapter != null) {
        cfg.put("adapter", adapter.toString());
      }
      if (truncatePrompts) {
        cfg.put("truncate_prompts", "true");
      }
      cfg.put("chat_template", Boolean.toString(!noChatTemplate));
      cfg.put("quantization", quantize.quantization().label());
      cfg.put("linear_layout", linearLayout.label());
      cfg.put("weight_precision", weightPrecision.label());
      if (limit != null) {
        cfg.put("limit", limit.toString());
      }
      cfg.put("responses", responses.toString());
      cfg.putAll(report.config());
      report =
          new EvaluationReport(
              report.title(), report.libraryVersion(), report.seed(), cfg, report.models(), report.comparisons());
      List<Path> files = Reports.writeAll(report, out);
      Summary.print(report, stdout);
      stdout.println("Responses: " + responses);
      stdout.println("Reports: " + files.get(0) + ", " + files.get(1) + ", " + files.get(2));
      stdout.flush();
      return 0;
    } finally {
      for (LanguageModel m : opened) {
        m.close();
      }
    }
  }

  private List<InstructionTask> loadTasks() {
    if (!Files.exists(data)) {
      throw new InvalidInputException(data.toString(), 0, "no such file or directory");
    }
    List<InstructionTask> tasks;
    if (Files.isDirectory(data)) {
      tasks = SniData.load(data, paraphraser, paraphrases, seed);
    } else {
      tasks = InstructionTasks.read(data);
    }
    if (limit != null) {
      tasks = tasks.stream().map(t -> t.limit(limit)).toList();
    }
    return tasks;
  }

  private LanguageModel openModel(String spec) {
    String s = spec.strip();
    if (s.startsWith("http://") || s.startsWith("https://")) {
      if (adapter != null) {
        throw new IllegalArgumentException(
            "--adapter applies to local model directories only, not to the HTTP model "
                + HttpModelConfig.redactCredentials(s));
      }
      if (modelName == null || modelName.isBlank()) {
        throw new IllegalArgumentException(
            "--model-name is required with an HTTP model URL (the model id the server expects)");
      }
      HttpModelConfig config =
          HttpModelConfig.builder(s, modelName)
              .endpoint(HttpModelConfig.Endpoint.parse(endpoint))
              .apiKeyEnv(apiKeyEnv)
              .maxConcurrency(concurrency)
              .requestTimeout(Duration.ofSeconds(timeoutSeconds))
              .maxRetries(maxRetries)
              .retrySeed(seed)
              .build();
      return HttpModels.open(config);
    }
    Path dir = Path.of(s);
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(
          "--model must be an http(s) URL or an existing model directory, found \""
              + HttpModelConfig.redactCredentials(spec) + "\"");
    }
    LocalModels.checkMaxNewTokens(dir, maxNewTokens);
    if (modelName != null && models.size() > 1) {
      throw new IllegalArgumentException("--model-name names a local model directory only when it is"
          + " the only --model (found " + models.size() + " --model values); without it each local"
          + " model is named by its directory");
    }
    LanguageModel local = LocalModels.open(dir, adapter, truncatePrompts
        ? OnnxLanguageModel.PromptOverflow.TRUNCATE_LEFT : OnnxLanguageModel.PromptOverflow.ERROR,
        !noChatTemplate,
        weightPrecision.apply(linearLayout.apply(quantize.apply(device.runtime()))));
    return modelName == null ? local : new NamedModel(modelName, local);
  }
}
