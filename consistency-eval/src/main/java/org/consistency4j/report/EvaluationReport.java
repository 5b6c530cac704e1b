package org.consistency4j.report;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.consistency4j.internal.Check;

/**
 * A complete evaluation: what was run (configuration, seed, library version), each model's metrics
 * per task and overall with intervals and per-group values, and paired comparisons between models.
 * Written and read by {@link Reports}.
 *
 * @param title a heading for the human-readable reports
 * @param libraryVersion the consistency4j version that produced the report
 * @param seed the seed of every random choice (generation, bootstrap, permutation test)
 * @param config the configuration as ordered key/value text (data file, similarity, decoding
 *     settings, ...); never holds secrets
 * @param models one result per model, in evaluation order
 * @param comparisons paired comparisons (may be empty)
 */
public record EvaluationReport(
    String title,
    String libraryVersion,
    long seed,
    Map<String, String> config,
    List<ModelResult> models,
    List<Comparison> comparisons) {
  /** Validates and copies, keeping the config order. */
  public EvaluationReport {
    Check.notNull(title, "title");
    Check.notNull(libraryVersion, "libraryVersion");
    Check.notNull(config, "config");
    Map<String, String> copy = new LinkedHashMap<>();
    config.forEach((k, v) -> copy.put(Check.notNull(k, "config key"), Check.notNull(v, "config[" + k + "]")));
    config = Collections.unmodifiableMap(copy);
    models = List.copyOf(Check.notNull(models, "models"));
    comparisons = List.copyOf(Check.notNull(comparisons, "comparisons"));
  }

  /** The result of the model named {@code model}. */
  public Optional<ModelResult> model(String model) {
    return models.stream().filter(m -> m.model().equals(model)).findFirst();
  }

  /**
   * This report as part of a larger run whose seed is {@code runSeed}, the seed the user gave, from
   * which the evaluation's own seed was derived: the copy's {@link #seed()} is {@code runSeed}, and
   * the evaluation's seed stays in the config as {@code evaluation_seed} (in place of its {@code
   * seed} entry, or appended), so that the run can be reproduced from the report.
   *
   * @param runSeed the run's seed
   */
  public EvaluationReport withRunSeed(long runSeed) {
    Map<String, String> cfg = new LinkedHashMap<>();
    config.forEach((k, v) -> cfg.put(k.equals("seed") ? "evaluation_seed" : k, v));
    cfg.putIfAbsent("evaluation_seed", Long.toString(seed));
    return new EvaluationReport(title, libraryVersion, runSeed, cfg, models, comparisons);
  }
}
