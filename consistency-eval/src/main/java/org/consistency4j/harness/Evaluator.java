package org.consistency4j.harness;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.consistency4j.data.InstructionTask;
import org.consistency4j.ConsistencyException;
import org.consistency4j.InvalidInputException;
import org.consistency4j.internal.Check;
import org.consistency4j.lm.Generation;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.lm.LanguageModel;
import org.consistency4j.metrics.AnswerMatch;
import org.consistency4j.metrics.Bootstrap;
import org.consistency4j.metrics.ConfidenceInterval;
import org.consistency4j.metrics.ConsistencyRate;
import org.consistency4j.metrics.GroupConsistency;
import org.consistency4j.metrics.MajorityAgreement;
import org.consistency4j.metrics.ResponseGroup;
import org.consistency4j.metrics.RougeScore;
import org.consistency4j.metrics.RougeScorer;
import org.consistency4j.report.Comparison;
import org.consistency4j.report.Estimate;
import org.consistency4j.report.EvaluationReport;
import org.consistency4j.report.GroupScore;
import org.consistency4j.report.MetricNames;
import org.consistency4j.report.ModelResult;
import org.consistency4j.report.Reports;
import org.consistency4j.report.TaskResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates models on instruction groups: generates a response for every (variant x instance) of
 * every task, stores the responses, and computes per task and overall the consistency rate (macro and
 * pooled), majority agreement, ROUGE-1/ROUGE-L against the references, accuracy on label tasks, the
 * spread across variants, bootstrap intervals, and paired comparisons of every model with the first.
 *
 * <p><b>Generation.</b> Rows are ordered by task, instance, variant and cut into fixed batches of
 * {@link EvaluationConfig#batchSize()}; batch {@code b} is generated with seed {@code
 * Sampling.rng(seed, b).nextLong()}, so a run is reproducible and a resumed run generates exactly what
 * the uninterrupted run would have. After each batch its responses are appended to the response file
 * and flushed; rows already stored are not generated again (their prompt and decoding fingerprints
 * must match, otherwise the run stops with an error naming the file and line).
 *
 * <p><b>Metrics.</b> A group is one instance's responses across the task's variants. Group values:
 * the group's consistency rate and majority agreement under {@link EvaluationConfig#similarity()}
 * (tasks with at least two variants), the mean ROUGE-1/ROUGE-L F-measure over the group's responses
 * against the best-matching reference (tasks with references), and the share of responses that
 * equal a reference after answer normalization (label tasks, {@link InstructionTask#isLabelTask()}).
 * Task and overall values are means over groups with percentile bootstrap intervals that resample
 * groups; the pooled consistency rate is a ratio of sums; spreads are the best variant's mean minus
 * the worst one's, with groups resampled too. Overall values pool the groups of every task.
 *
 * <p>Thread safety: an evaluator is immutable; one evaluation runs on the calling thread (the model
 * may parallelise a batch).
 */
public final class Evaluator {
  private static final Logger LOG = LoggerFactory.getLogger(Evaluator.class);

  /** The title of the reports this evaluator makes. */
  public static final String TITLE = "Consistency evaluation";

  private final EvaluationConfig config;

  private Evaluator(EvaluationConfig config) {
    this.config = Check.notNull(config, "config");
  }

  /** An evaluator with these settings. */
  public static Evaluator of(EvaluationConfig config) {
    return new Evaluator(config);
  }

  /** The settings. */
  public EvaluationConfig config() {
    return config;
  }

  /**
   * Generates (or resumes) every response of every model, stores them in {@code responsesFile},
   * and scores them.
   *
   * @param tasks the tasks, not empty, with distinct names
   * @param models the models, not empty, with distinct {@link LanguageModel#name() names}; the
   *     first is the baseline of the paired comparisons. Not closed here.
   * @param responsesFile the JSONL file responses are appended to (created if absent)
   * @param listener hears progress
   * @throws InvalidInputException if stored responses were made from other prompts or settings
   */
  public EvaluationReport evaluate(
      List<InstructionTask> tasks,
      List<? extends LanguageModel> models,
      Path responsesFile,
      ProgressListener listener) {
    checkTasks(tasks);
    Check.notEmpty(models, "models");
    Check.notNull(responsesFile, "responsesFile");
    Check.notNull(listener, "listener");
    List<String> names = new ArrayList<>();
    for (LanguageModel m : models) {
      Check.notNull(m, "models element");
      Check.argument(!names.contains(m.name()), "models must have distinct names, \"" + m.name() + "\" repeats");
      names.add(m.name());
    }
    try (ResponseStore store = ResponseStore.open(responsesFile)) {
      for (LanguageModel model : models) {
        generate(tasks, model, store, listener);
      }
      return score(tasks, names, store.records(), listener);
    }
  }

  /**
   * One prompt of an evaluation: which (model, task, variant, instance) it answers, its text and the
   * fingerprint stored with its response.
   *
   * @param key the response's identity
   * @param prompt the rendered prompt
   * @param promptHash the first 16 hex digits of the SHA-256 of {@code prompt}
   */
  public record PlannedPrompt(ResponseRecord.Key key, String prompt, String promptHash) {}

  /**
   * Every prompt {@code model} answers, in the order responses are generated: task by task,
   * instance by instance, variant by variant. Consecutive runs of {@link EvaluationConfig#batchSize()}
   * prompts form the batches of {@link #generateBatch}; batch {@code b} is prompts {@code [b *
   * batchSize, (b + 1) * batchSize)}. A distributed run that generates the same batches gets the same
   * responses as {@link #evaluate}.
   *
   * @param tasks the tasks, not empty, with distinct names
   * @param model the model's name
   */
  public List<PlannedPrompt> plan(List<InstructionTask> tasks, String model) {
    checkTasks(tasks);
    Check.notNull(model, "model");
    List<PlannedPrompt> rows = new ArrayList<>();
    for (InstructionTask t : tasks) {
      for (int i = 0; i < t.instances().size(); i++) {
        for (int v = 0; v < t.variants().size(); v++) {
          String prompt = t.prompt(v, i);
          rows.add(new PlannedPrompt(new ResponseRecord.Key(model, t.name(), v, i), prompt, hash(prompt)));
        }
      }
    }
    return rows;
  }

  /**
   * Generates batch {@code batch} of a {@link #plan}: one call of {@code model} with the decoding
   * settings and the seed {@code Sampling.rng(seed, batch).nextLong()}, so that a response depends on
   * the seed and its position in the plan only, not on which machine or thread generates it.
   *
   * @param model the model; its name should be the plan's
   * @param batch the batch index, {@code >= 0}
   * @param prompts the batch's prompts, not empty
   * @return one record per prompt, in order
   * @throws ConsistencyException if the model returns the wrong number of generations
   */
  public List<ResponseRecord> generateBatch(LanguageModel model, int batch, List<PlannedPrompt> prompts) {
    Check.notNull(model, "model");
    Check.nonNegative(batch, "batch");
    Check.notEmpty(prompts, "prompts");
    GenerationConfig g = config.generation().toBuilder().seed(batchSeed(batch)).build();
    List<Generation> out = model.generate(prompts.stream().map(PlannedPrompt::prompt).toList(), g);
    if (out.size() != prompts.size()) {
      throw new ConsistencyException(
          model.name() + " returned " + out.size() + " generations for " + prompts.size() + " prompts");
    }
    String configHash = configHash();
    List<ResponseRecord> records = new ArrayList<>(prompts.size());
    for (int j = 0; j < prompts.size(); j++) {
      PlannedPrompt p = prompts.get(j);
      ResponseRecord.Key k = p.key();
      records.add(
          new ResponseRecord(
              k.model(), k.task(), k.variant(), k.instance(), p.promptHash(), configHash,
              out.get(j).text(), out.get(j).finishReason().name()));
    }
    return records;
  }

  private void generate(
      List<InstructionTask> tasks, LanguageModel model, ResponseStore store, ProgressListener listener) {
    String name = model.name();
    String configHash = configHash();
    List<PlannedPrompt> rows = plan(tasks, name);
    int stored = 0;
    for (PlannedPrompt row : rows) {
      ResponseRecord existing = store.get(row.key()).orElse(null);
      if (existing != null) {
        checkStored(store, existing, row.promptHash(), configHash);
        stored++;
      }
    }
    listener.generationStarted(name, rows.size(), stored);
    LOG.info("{}: {} responses to generate ({} already stored)", name, rows.size() - stored, stored);
    int batchSize = config.batchSize();
    for (int b = 0, start = 0; start < rows.size(); b++, start += batchSize) {
      List<PlannedPrompt> batch = rows.subList(start, Math.min(rows.size(), start + batchSize));
      if (batch.stream().allMatch(r -> store.get(r.key()).isPresent())) {
        continue;
      }
      List<ResponseRecord> fresh = new ArrayList<>();
      for (ResponseRecord r : generateBatch(model, b, batch)) {
        if (store.get(r.key()).isEmpty()) {
          fresh.add(r);
        }
      }
      store.append(fresh);
      listener.responsesStored(name, fresh.size());
    }
    listener.generationFinished(name);
  }

  private long batchSeed(int batch) {
    return org.consistency4j.lm.Sampling.rng(config.seed(), batch).nextLong();
  }

  private static void checkStored(ResponseStore store, ResponseRecord r, String promptHash, String configHash) {
    if (!r.promptHash().equals(promptHash)) {
      throw new InvalidInputException(
          store.file().toString(), store.lineOf(r.key()),
          "the stored response of model " + r.model() + ", task " + r.task() + ", variant " + r.variant()
              + ", instance " + r.instance() + " was generated from a different prompt (the dataset"
              + " changed); use a new output directory");
    }
    if (!r.configHash().equals(configHash)) {
      throw new InvalidInputException(
          store.file().toString(), store.lineOf(r.key()),
          "the stored response of model " + r.model() + ", task " + r.task() + ", variant " + r.variant()
              + ", instance " + r.instance() + " was generated with other decoding settings or seed;"
              + " use the same settings to resume, or a new output directory");
    }
  }

  /**
   * The fingerprint of what decides a response besides the prompt (the decoding settings and seed,
   * and the batch size when sampling): the first 16 hex digits of a SHA-256.
   */
  public String configHash() {
    GenerationConfig g = config.generation().toBuilder().seed(config.seed()).build();
    String described = g.toString() + (g.greedy() ? "" : ",batchSize=" + config.batchSize());
    return hash(described);
  }

  static String hash(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      StringBuilder hex = new StringBuilder();
      for (int i = 0; i < 8; i++) {
        hex.append(String.format("%02x", d[i] & 0xff));
      }
      return hex.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static void checkTasks(List<InstructionTask> tasks) {
    Check.notEmpty(tasks, "tasks");
    Set<String> names = new HashSet<>();
    for (InstructionTask t : tasks) {
      Check.notNull(t, "tasks element");
      Check.argument(names.add(t.name()), "tasks must have distinct names, \"" + t.name() + "\" repeats");
    }
  }

  // ------------------------------------------------------------------ scoring

  /**
   * Scores stored responses without generating: every (model, task, variant, instance) must be
   * present in {@code records}.
   *
   * @param models the model names, the first being the comparisons' baseline
   * @throws ConsistencyException if a response is missing or was made from another prompt
   */
  public EvaluationReport score(
      List<InstructionTask> tasks,
      List<String> models,
      List<ResponseRecord> records,
      ProgressListener listener) {
    checkTasks(tasks);
    Check.notEmpty(models, "models");
    Check.notNull(records, "records");
    Check.notNull(listener, "listener");
    Map<ResponseRecord.Key, ResponseRecord> byKey = new HashMap<>();
    for (ResponseRecord r : records) {
      byKey.put(r.key(), r);
    }
    Bootstrap bootstrap = Bootstrap.of(config.resamples(), config.level(), config.seed());
    List<ModelResult> results = new ArrayList<>();
    for (String model : models) {
      listener.scoringStarted(model, tasks.size());
      results.add(scoreModel(tasks, model, byKey, bootstrap, listener));
    }
    List<Comparison> comparisons = new ArrayList<>();
    for (int m = 1; m < results.size(); m++) {
      comparisons.addAll(Comparisons.paired(results.get(0), results.get(m), bootstrap));
    }
    Map<String, String> described = new LinkedHashMap<>();
    described.put("models", String.join(", ", models));
    described.put("tasks", Integer.toString(tasks.size()));
    described.putAll(config.describe());
    return new EvaluationReport(
        TITLE, Reports.libraryVersion(), config.seed(), described, results, comparisons);
  }

  /** Group-level values of one task, kept for the overall aggregation. */
  private static final class TaskGroups {
    final List<GroupScore> scores = new ArrayList<>();
    final List<Double> simSums = new ArrayList<>();
    final List<Double> pairs = new ArrayList<>();
  }

  private ModelResult scoreModel(
      List<InstructionTask> tasks,
      String model,
      Map<ResponseRecord.Key, ResponseRecord> byKey,
      Bootstrap bootstrap,
      ProgressListener listener) {
    ConsistencyRate cr = ConsistencyRate.of(config.similarity());
    MajorityAgreement ma = MajorityAgreement.of(config.similarity());
    RougeScorer rouge = RougeScorer.of(List.of("rouge1", "rougeL"), config.rougeStemmer());
    List<TaskResult> taskResults = new ArrayList<>();
    TaskGroups all = new TaskGroups();
    int allResponses = 0;
    for (InstructionTask t : tasks) {
      int nv = t.variants().size();
      int ni = t.instances().size();
      boolean refs = t.hasReferences();
      boolean labels = refs && t.isLabelTask();
      TaskGroups tg = new TaskGroups();
      double[][] rougeLByVariant = new double[nv][ni];
      double[][] accByVariant = new double[nv][ni];
      for (int i = 0; i < ni; i++) {
        List<String> responses = new ArrayList<>(nv);
        for (int v = 0; v < nv; v++) {
          ResponseRecord r = byKey.get(new ResponseRecord.Key(model, t.name(), v, i));
          if (r == null) {
            throw new ConsistencyException(
                "no stored response of model " + model + " for task " + t.name() + ", variant " + v
                    + ", instance " + i + "; run the evaluation to generate it");
          }
          if (!r.promptHash().equals(hash(t.prompt(v, i)))) {
            throw new ConsistencyException(
                "the stored response of model " + model + " for task " + t.name() + ", variant " + v
                    + ", instance " + i + " was generated from a different prompt (the dataset changed)");
          }
          responses.add(r.response());
        }
        Map<String, Double> values = new LinkedHashMap<>();
        String groupId = t.groupId(i);
        if (nv >= 2) {
          ResponseGroup group = ResponseGroup.of(groupId, responses);
          GroupConsistency gc = cr.score(group);
          values.put(MetricNames.CONSISTENCY_RATE, gc.rate());
          values.put(MetricNames.MAJORITY_AGREEMENT, ma.score(group).share());
          tg.simSums.add(gc.similaritySum());
          tg.pairs.add((double) gc.pairs());
        }
        if (refs) {
          List<String> references = t.instances().get(i).references();
          double r1 = 0;
          double rl = 0;
          double acc = 0;
          for (int v = 0; v < nv; v++) {
            Map<String, RougeScore> s = rouge.scoreMulti(references, responses.get(v));
            r1 += s.get("rouge1").fmeasure();
            rougeLByVariant[v][i] = s.get("rougeL").fmeasure();
            rl += rougeLByVariant[v][i];
            if (labels) {
              accByVariant[v][i] = AnswerMatch.exactAny(responses.get(v), references) ? 1 : 0;
              acc += accByVariant[v][i];
            }
          }
          values.put(MetricNames.ROUGE_1, r1 / nv);
          values.put(MetricNames.ROUGE_L, rl / nv);
          if (labels) {
            values.put(MetricNames.ACCURACY, acc / nv);
          }
        }
        tg.scores.add(new GroupScore(t.name(), Integer.toString(i), values));
      }
      Map<String, Estimate> metrics = aggregate(tg, bootstrap);
      List<Map<String, Double>> variants = new ArrayList<>();
      if (refs) {
        for (int v = 0; v < nv; v++) {
          Map<String, Double> vm = new LinkedHashMap<>();
          vm.put(MetricNames.ROUGE_L, mean(rougeLByVariant[v]));
          if (labels) {
            vm.put(MetricNames.ACCURACY, mean(accByVariant[v]));
          }
          variants.add(vm);
        }
        if (nv >= 2) {
          metrics.put(MetricNames.ROUGE_L_SPREAD, estimate(bootstrap.interval(ni, w -> spread(rougeLByVariant, w))));
          if (labels) {
            metrics.put(MetricNames.ACCURACY_SPREAD, estimate(bootstrap.interval(ni, w -> spread(accByVariant, w))));
          }
        }
      }
      taskResults.add(new TaskResult(t.name(), ni, ni * nv, metrics, variants));
      all.scores.addAll(tg.scores);
      all.simSums.addAll(tg.simSums);
      all.pairs.addAll(tg.pairs);
      allResponses += ni * nv;
      listener.taskScored(model, t.name());
    }
    TaskResult overall =
        new TaskResult(TaskResult.OVERALL, all.scores.size(), allResponses, aggregate(all, bootstrap), List.of());
    return new ModelResult(model, overall, taskResults, all.scores);
  }

  /** Means with intervals of every group metric, in report order, and the pooled rate. */
  private static Map<String, Estimate> aggregate(TaskGroups tg, Bootstrap bootstrap) {
    Map<String, Estimate> metrics = new LinkedHashMap<>();
    for (String metric : MetricNames.ALL) {
      if (metric.equals(MetricNames.CONSISTENCY_RATE_POOLED)) {
        if (!tg.simSums.isEmpty()) {
          metrics.put(
              metric,
              estimate(
                  bootstrap.ratioOfSums(
                      tg.simSums.stream().mapToDouble(Double::doubleValue).toArray(),
                      tg.pairs.stream().mapToDouble(Double::doubleValue).toArray())));
        }
        continue;
      }
      double[] values =
          tg.scores.stream()
              .filter(g -> g.values().containsKey(metric))
              .mapToDouble(g -> g.values().get(metric))
              .toArray();
      if (values.length > 0) {
        metrics.put(metric, estimate(bootstrap.mean(values)));
      }
    }
    return metrics;
  }

  private static double spread(double[][] byVariant, int[] weights) {
    double max = Double.NEGATIVE_INFINITY;
    double min = Double.POSITIVE_INFINITY;
    for (double[] values : byVariant) {
      double sum = 0;
      long n = 0;
      for (int i = 0; i < values.length; i++) {
        sum += weights[i] * values[i];
        n += weights[i];
      }
      double m = sum / n;
      max = Math.max(max, m);
      min = Math.min(min, m);
    }
    return max - min;
  }

  private static Estimate estimate(ConfidenceInterval ci) {
    return new Estimate(ci.estimate(), ci.ciLow(), ci.ciHigh());
  }

  private static double mean(double[] x) {
    double s = 0;
    for (double v : x) {
      s += v;
    }
    return s / x.length;
  }
}
