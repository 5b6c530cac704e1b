package org.consistency4j.spark;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.consistency4j.InvalidInputException;
import org.consistency4j.harness.EvaluationConfig;
import org.consistency4j.harness.Evaluator;
import org.consistency4j.data.InstructionTask;
import org.consistency4j.harness.ProgressListener;
import org.consistency4j.harness.ResponseRecord;
import org.consistency4j.harness.ResponseStore;
import org.consistency4j.data.InstructionTasks;
import org.consistency4j.internal.Check;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.metrics.Bootstrap;
import org.consistency4j.metrics.Similarities;
import org.consistency4j.report.EvaluationReport;
import org.consistency4j.report.Reports;

/**
 * {@code consistency evaluate} on a Spark cluster: the same data, settings, responses and report,
 * with the (group x variant x instance) generation spread over executors.
 *
 * <p>How it stays identical to the single-machine run: the driver reads the tasks with {@link
 * InstructionTasks} and lays out the prompts with {@link Evaluator#plan}; partitions hold contiguous runs of
 * whole batches of that plan, and executors generate each batch with {@link Evaluator#generateBatch},
 * whose seed depends on the evaluation seed and the batch index only (the batch index is fixed by the
 * prompt's position in the plan, i.e. by (task, instance, variant), never by partitioning). The
 * responses are gathered on the driver and scored there with {@link Evaluator#score}, the very code
 * {@code evaluate} scores with: consistency rate, majority agreement, ROUGE, accuracy, spreads, the
 * bootstrap intervals (computed on the driver from the gathered per-group values, with the same seed
 * and resamples) and the paired comparisons are therefore the same numbers. Scoring is cheap next to
 * generation (milliseconds per group).
 *
 * <p>Files: {@code OUT/responses/model-M/part-FIRST-LAST.jsonl} (responses in the line format of
 * {@code responses.jsonl}, one file per partition; see {@link PartitionedBatches} for the retry and
 * resume rules) and {@code OUT/report.json}, {@code report.md}, {@code report.html}.
 *
 * <p>Immutable and serializable (its settings travel to the executors).
 */
public final class SparkEvaluation implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String data;
  private final ArrayList<ModelSource> models;
  private final String out;
  private final String similarity;
  private final int maxNewTokens;
  private final double temperature;
  private final ArrayList<String> stop;
  private final long seed;
  private final int batchSize;
  private final int resamples;
  private final boolean rougeStemmer;
  private final Integer limit;
  private final int partitions;

  private SparkEvaluation(Builder b) {
    this.data = Check.notNull(b.data, "data");
    this.models = new ArrayList<>(Check.notEmpty(b.models, "models"));
    Set<String> names = new HashSet<>();
    for (ModelSource m : models) {
      Check.notNull(m, "models element");
      Check.argument(names.add(m.name()), "models must have distinct names, \"" + m.name() + "\" repeats");
    }
    this.out = Check.notNull(b.out, "out");
    this.similarity = Check.notNull(b.similarity, "similarity");
    Similarities.byName(similarity);
    this.maxNewTokens = Check.positive(b.maxNewTokens, "maxNewTokens");
    Check.argument(Double.isFinite(b.temperature) && b.temperature >= 0,
        "temperature must be finite and >= 0, found " + b.temperature);
    this.temperature = b.temperature;
    this.stop = new ArrayList<>(b.stop);
    this.seed = b.seed;
    this.batchSize = Check.positive(b.batchSize, "batchSize");
    this.resamples = Check.inRange(b.resamples, 1, Bootstrap.MAX_RESAMPLES, "resamples");
    this.rougeStemmer = b.rougeStemmer;
    if (b.limit != null) {
      Check.positive(b.limit, "limit");
    }
    this.limit = b.limit;
    Check.nonNegative(b.partitions, "partitions");
    this.partitions = b.partitions;
    evaluationConfig();
  }

  /**
   * A builder with {@code evaluate}'s defaults: similarity {@code rougeL>=0.5}, 64 new tokens,
   * temperature 0, seed 0, batches of 8, 1,000 resamples, no stemmer, no limit, partitions = Spark's
   * default parallelism.
   *
   * @param data the tasks JSONL file (the format of {@code consistency evaluate}; any Hadoop URI)
   * @param out the output directory (any Hadoop URI)
   * @return the builder
   */
  public static Builder builder(String data, String out) {
    return new Builder(data, out);
  }

  /**
   * The settings as the single-machine {@link Evaluator} takes them.
   *
   * @return the configuration
   */
  public EvaluationConfig evaluationConfig() {
    return EvaluationConfig.builder()
        .similarity(Similarities.byName(similarity))
        .generation(GenerationConfig.builder()
            .maxNewTokens(maxNewTokens).temperature(temperature).stopStrings(stop).seed(seed).build())
        .batchSize(batchSize)
        .resamples(resamples)
        .seed(seed)
        .rougeStemmer(rougeStemmer)
        .build();
  }

  /**
   * Reads the tasks, generates every missing response on the executors, gathers and scores them on
   * the driver, and writes the reports.
   *
   * @param sc the Spark context
   * @return the report (also written to {@code OUT/report.json}, {@code .md} and {@code .html})
   * @throws InvalidInputException if the data is bad, or a partition file of an earlier run was made
   *     from other prompts or settings
   */
  public EvaluationReport run(JavaSparkContext sc) {
    Check.notNull(sc, "sc");
    Configuration conf = sc.hadoopConfiguration();
    List<InstructionTask> tasks = SparkFiles.readLocally(data, conf, InstructionTasks::read);
    if (limit != null) {
      tasks = tasks.stream().map(t -> t.limit(limit)).toList();
    }
    Evaluator evaluator = Evaluator.of(evaluationConfig());
    int parts = partitions > 0 ? partitions : sc.defaultParallelism();
    List<ResponseRecord> records = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (int m = 0; m < models.size(); m++) {
      ModelSource model = models.get(m);
      names.add(model.name());
      List<PlannedRow> plan = evaluator.plan(tasks, model.name()).stream().map(PlannedRow::of).toList();
      List<ResponseRow> rows = PartitionedBatches.run(sc, plan, batchSize, parts,
          SparkFiles.child(responsesDir(), "model-" + m), model, this::generate, new ResponseCodec());
      for (ResponseRow r : rows) {
        records.add(r.toRecord());
      }
    }
    EvaluationReport report = evaluator.score(tasks, names, records, ProgressListener.NONE);
    Map<String, String> cfg = new LinkedHashMap<>();
    cfg.put("data", data);
    cfg.put("model_specs", String.join(", ", names));
    if (limit != null) {
      cfg.put("limit", limit.toString());
    }
    cfg.put("responses", responsesDir());
    cfg.put("engine", "spark " + sc.version() + " (" + sc.master() + ", " + parts + " partitions)");
    cfg.putAll(report.config());
    report = new EvaluationReport(
        report.title(), report.libraryVersion(), report.seed(), cfg, report.models(), report.comparisons());
    writeReports(report, conf);
    return report;
  }

  /** The directory of the response partition files. */
  public String responsesDir() {
    return SparkFiles.child(out, "responses");
  }

  /** The output directory. */
  public String out() {
    return out;
  }

  private void writeReports(EvaluationReport report, Configuration conf) {
    String[][] files = {
      {Reports.JSON_FILE, Reports.toJson(report)},
      {Reports.MARKDOWN_FILE, Reports.toMarkdown(report)},
      {Reports.HTML_FILE, Reports.toHtml(report)}
    };
    for (String[] f : files) {
      byte[] bytes = f[1].getBytes(StandardCharsets.UTF_8);
      SparkFiles.write(SparkFiles.child(out, f[0]), conf, "driver", o -> o.write(bytes));
    }
  }

  private List<ResponseRow> generate(org.consistency4j.lm.LanguageModel model, int batch, List<PlannedRow> rows) {
    Evaluator evaluator = Evaluator.of(evaluationConfig());
    List<Evaluator.PlannedPrompt> prompts = rows.stream().map(PlannedRow::toPrompt).toList();
    return evaluator.generateBatch(model, batch, prompts).stream().map(ResponseRow::of).toList();
  }

  /** A planned prompt as it travels to an executor. */
  record PlannedRow(String model, String task, int variant, int instance, String prompt, String promptHash)
      implements Serializable {
    private static final long serialVersionUID = 1L;

    static PlannedRow of(Evaluator.PlannedPrompt p) {
      ResponseRecord.Key k = p.key();
      return new PlannedRow(k.model(), k.task(), k.variant(), k.instance(), p.prompt(), p.promptHash());
    }

    Evaluator.PlannedPrompt toPrompt() {
      return new Evaluator.PlannedPrompt(new ResponseRecord.Key(model, task, variant, instance), prompt, promptHash);
    }
  }

  /** A response as it travels back to the driver. */
  record ResponseRow(String model, String task, int variant, int instance, String promptHash,
      String configHash, String response, String finishReason) implements Serializable {
    private static final long serialVersionUID = 1L;

    static ResponseRow of(ResponseRecord r) {
      return new ResponseRow(r.model(), r.task(), r.variant(), r.instance(), r.promptHash(), r.configHash(),
          r.response(), r.finishReason());
    }

    ResponseRecord toRecord() {
      return new ResponseRecord(model, task, variant, instance, promptHash, configHash, response, finishReason);
    }
  }

  /** Response partition files in the line format of {@code responses.jsonl}. */
  private final class ResponseCodec implements PartitionedBatches.Codec<PlannedRow, ResponseRow> {
    private static final long serialVersionUID = 1L;

    @Override
    public String toLine(ResponseRow output) {
      return ResponseStore.toJsonLine(output.toRecord());
    }

    @Override
    public List<ResponseRow> read(String uri, Configuration conf) {
      return SparkFiles.readResponses(uri, conf).stream().map(ResponseRow::of).toList();
    }

    @Override
    public void check(String uri, List<PlannedRow> items, List<ResponseRow> stored) {
      String configHash = Evaluator.of(evaluationConfig()).configHash();
      if (stored.size() != items.size()) {
        throw new InvalidInputException(uri, 0, "holds " + stored.size() + " responses, expected "
            + items.size() + " (the data or the batch size changed); use a new output directory");
      }
      for (int i = 0; i < items.size(); i++) {
        PlannedRow p = items.get(i);
        ResponseRow r = stored.get(i);
        if (!p.model().equals(r.model()) || !p.task().equals(r.task()) || p.variant() != r.variant()
            || p.instance() != r.instance() || !p.promptHash().equals(r.promptHash())) {
          throw new InvalidInputException(uri, i + 1, "the stored response of model " + r.model() + ", task "
              + r.task() + ", variant " + r.variant() + ", instance " + r.instance() + " is not the response"
              + " to prompt " + (i + 1) + " of this partition (the dataset changed); use a new output directory");
        }
        if (!configHash.equals(r.configHash())) {
          throw new InvalidInputException(uri, i + 1, "the stored response of model " + r.model() + ", task "
              + r.task() + ", variant " + r.variant() + ", instance " + r.instance() + " was generated with"
              + " other decoding settings or seed; use the same settings to resume, or a new output directory");
        }
      }
    }
  }

  /** Builder of {@link SparkEvaluation}; setters are named after the settings. Not thread-safe. */
  public static final class Builder {
    private final String data;
    private final String out;
    private final List<ModelSource> models = new ArrayList<>();
    private String similarity = "rougeL>=0.5";
    private int maxNewTokens = 64;
    private double temperature;
    private final List<String> stop = new ArrayList<>();
    private long seed;
    private int batchSize = 8;
    private int resamples = 1000;
    private boolean rougeStemmer;
    private Integer limit;
    private int partitions;

    private Builder(String data, String out) {
      this.data = data;
      this.out = out;
    }

    /**
     * Adds a model; the first is the paired comparisons' baseline.
     *
     * @param value the model
     * @return this builder
     */
    public Builder model(ModelSource value) {
      models.add(Check.notNull(value, "model"));
      return this;
    }

    /**
     * How a group's responses are compared ({@link Similarities#byName}).
     *
     * @param value the similarity's name
     * @return this builder
     */
    public Builder similarity(String value) {
      this.similarity = value;
      return this;
    }

    /**
     * Most tokens per response.
     *
     * @param value the count
     * @return this builder
     */
    public Builder maxNewTokens(int value) {
      this.maxNewTokens = value;
      return this;
    }

    /**
     * Sampling temperature; 0 is greedy.
     *
     * @param value the temperature
     * @return this builder
     */
    public Builder temperature(double value) {
      this.temperature = value;
      return this;
    }

    /**
     * Adds a stop string.
     *
     * @param value the string
     * @return this builder
     */
    public Builder stop(String value) {
      stop.add(Check.notNull(value, "stop"));
      return this;
    }

    /**
     * The seed of generation, the bootstrap and the permutation test.
     *
     * @param value the seed
     * @return this builder
     */
    public Builder seed(long value) {
      this.seed = value;
      return this;
    }

    /**
     * Prompts per generate call (the unit of seeding: keep it to reproduce a sampled run).
     *
     * @param value the batch size
     * @return this builder
     */
    public Builder batchSize(int value) {
      this.batchSize = value;
      return this;
    }

    /**
     * Bootstrap resamples.
     *
     * @param value the count
     * @return this builder
     */
    public Builder resamples(int value) {
      this.resamples = value;
      return this;
    }

    /**
     * Whether ROUGE against references uses the Porter stemmer.
     *
     * @param value the flag
     * @return this builder
     */
    public Builder rougeStemmer(boolean value) {
      this.rougeStemmer = value;
      return this;
    }

    /**
     * Evaluates at most this many instances per task.
     *
     * @param value the limit, or null for none
     * @return this builder
     */
    public Builder limit(Integer value) {
      this.limit = value;
      return this;
    }

    /**
     * The most Spark partitions per model; 0 (the default) uses the context's default parallelism.
     * The results do not depend on it.
     *
     * @param value the count
     * @return this builder
     */
    public Builder partitions(int value) {
      this.partitions = value;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @return the evaluation
     */
    public SparkEvaluation build() {
      return new SparkEvaluation(this);
    }
  }
}
