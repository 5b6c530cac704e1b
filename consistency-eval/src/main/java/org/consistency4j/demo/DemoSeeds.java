package org.consistency4j.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.consistency4j.internal.AtomicFiles;
import org.consistency4j.internal.Check;
import org.consistency4j.model.RuntimeOptions;
import org.consistency4j.report.Estimate;
import org.consistency4j.report.Reports;

/**
 * The demo over several seeds: one {@link Demo} run per seed (into {@code OUT/seed-N}; a seed whose
 * directory already holds a finished run of the same configuration is kept, not run again), then a
 * summary across seeds ({@code OUT/summary.json} and {@code summary.md}): per system and metric the
 * mean and its 95% Student-t interval over the seeds, and the paired per-seed difference cat - sft_ia
 * with its interval and how many seeds it is positive, negative or zero in.
 */
public final class DemoSeeds {
  /** The metrics summarized, in order. */
  public static final List<String> METRICS = List.of("consistency_rate", "accuracy", "rougeL");

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom. */
  private static final double[] T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
      2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080,
      2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};

  private DemoSeeds() {}

  /**
   * Hears the runs' progress: only {@link #stage} (prefixed with the seed) and these two methods are
   * called, never two at the same time.
   */
  public interface Listener extends Demo.Listener {
    /** The run with {@code seed} starts ({@code total} runs in all). */
    default void seedStarted(long seed, int total) {}

    /** The run with {@code seed} finished; {@code finished} of {@code total} runs are done. */
    default void seedFinished(long seed, int finished, int total, Demo.Result result) {}
  }

  /**
   * A mean over seeds with its 95% t interval.
   *
   * @param mean the mean
   * @param low lower end
   * @param high upper end
   * @param n number of seeds
   */
  public record Interval(double mean, double low, double high, int n) {}

  /**
   * Signs of a per-seed difference.
   *
   * @param positive seeds where it is above 0
   * @param negative seeds where it is below 0
   * @param zero seeds where it is exactly 0
   */
  public record Signs(int positive, int negative, int zero) {}

  /**
   * The summary.
   *
   * @param seeds the seeds, in run order
   * @param runs the runs, in seed order
   * @param systems per system and metric, the mean over seeds with its interval
   * @param difference per metric, the mean per-seed difference cat - sft_ia with its interval
   * @param signs per metric, the signs of that difference
   * @param judgeAtLeast08 seeds whose measured (yes/no) judge accuracy is at least 0.8
   * @param likelihoodJudgeAtLeast08 seeds whose likelihood judge was measured with an accuracy of
   *     at least 0.8
   * @param summary {@code summary.json}
   */
  public record Summary(List<Long> seeds, List<Demo.Result> runs,
      Map<String, Map<String, Interval>> systems, Map<String, Interval> difference,
      Map<String, Signs> signs, int judgeAtLeast08, int likelihoodJudgeAtLeast08, Path summary) {}

  /**
   * Parses a seed list: comma-separated seeds or inclusive ranges, e.g. {@code 1-10} or {@code
   * 1,3,7-9}.
   *
   * @throws IllegalArgumentException naming the bad part, for anything else or a repeated seed
   */
  public static List<Long> parseSeeds(String spec) {
    Check.notNull(spec, "spec");
    LinkedHashSet<Long> out = new LinkedHashSet<>();
    for (String part : spec.split(",", -1)) {
      String p = part.strip();
      var m = java.util.regex.Pattern.compile("(\\d+)(?:-(\\d+))?").matcher(p);
      if (!m.matches()) {
        throw new IllegalArgumentException("--seeds must be seeds or ranges like 1-10 or 1,3,7-9;"
            + " bad part \"" + p + "\" in \"" + spec + "\"");
      }
      long from = Long.parseLong(m.group(1));
      long to = m.group(2) == null ? from : Long.parseLong(m.group(2));
      if (to < from || to - from > 1000) {
        throw new IllegalArgumentException("--seeds range must go up and span at most 1000 seeds;"
            + " bad part \"" + p + "\"");
      }
      for (long s = from; s <= to; s++) {
        if (!out.add(s)) {
          throw new IllegalArgumentException("--seeds repeats seed " + s + " in \"" + spec + "\"");
        }
      }
    }
    return List.copyOf(out);
  }

  /**
   * Runs {@code base} with every seed of {@code seeds} (at least 2), {@code parallel} runs at a time,
   * and writes the summary. A run's results do not depend on {@code parallel} (each run has its own
   * seed and models; set {@code base.threads()} so that the runs together do not oversubscribe the
   * cores).
   */
  public static Summary run(DemoConfig base, List<Long> seeds, int parallel, Path outDir,
      Listener listener) {
    return run(base, RuntimeOptions.cpu(), seeds, parallel, outDir, listener);
  }

  /**
   * {@link #run(DemoConfig, List, int, Path, Listener)} with every model on {@code device}'s
   * execution provider ({@link Demo#run(DemoConfig, RuntimeOptions, Path, Demo.Listener)}).
   */
  public static Summary run(DemoConfig base, RuntimeOptions device, List<Long> seeds, int parallel,
      Path outDir, Listener listener) {
    Check.notNull(device, "device");
    Check.notNull(base, "base");
    Check.notNull(seeds, "seeds");
    Check.argument(seeds.size() >= 2, "a summary across seeds needs at least 2 seeds, found "
        + seeds.size());
    Check.positive(parallel, "parallel");
    Check.notNull(outDir, "outDir");
    Check.notNull(listener, "listener");
    int total = seeds.size();
    Demo.Result[] results = new Demo.Result[total];
    Object lock = new Object();
    int[] finished = {0};
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallel, total));
    try {
      List<Future<Demo.Result>> futures = new ArrayList<>();
      for (long seed : seeds) {
        futures.add(pool.submit(() -> {
          synchronized (lock) {
            listener.seedStarted(seed, total);
          }
          Optional<Demo.Result> done = finished(base.withSeed(seed), device,
              outDir.resolve("seed-" + seed));
          if (done.isPresent()) {
            synchronized (lock) {
              listener.stage("seed " + seed + ": kept the finished run in seed-" + seed);
              listener.seedFinished(seed, ++finished[0], total, done.get());
            }
            return done.get();
          }
          Demo.Result r = Demo.run(base.withSeed(seed), device, outDir.resolve("seed-" + seed),
              new Demo.Listener() {
                @Override
                public void stage(String description) {
                  synchronized (lock) {
                    listener.stage("seed " + seed + ": " + description);
                  }
                }
              });
          synchronized (lock) {
            listener.seedFinished(seed, ++finished[0], total, r);
          }
          return r;
        }));
      }
      for (int i = 0; i < total; i++) {
        results[i] = futures.get(i).get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running the seeds", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException("a demo run failed", e.getCause());
    } finally {
      pool.shutdownNow();
    }
    return summarize(base, seeds, List.of(results), outDir);
  }

  /**
   * The result of a finished run of {@code config} on {@code device} in {@code dir}: its {@code
   * report.json} exists and records exactly this configuration (seed included; the thread count
   * aside, which does not change the method) and this device (another execution provider rounds
   * differently).
   */
  static Optional<Demo.Result> finished(DemoConfig config, RuntimeOptions device, Path dir)
      throws IOException {
    Path report = dir.resolve("report.json");
    if (!Files.isRegularFile(report)) {
      return Optional.empty();
    }
    JsonNode root = JSON.readTree(report.toFile());
    if (!root.path("device").asText("").equals(Demo.deviceLabel(device))) {
      return Optional.empty();
    }
    JsonNode recorded = root.path("config");
    // Through text, so that number node types compare as a reader sees them.
    JsonNode wanted = JSON.readTree(JSON.writeValueAsString(config.toMap()));
    if (recorded instanceof ObjectNode r) {
      ObjectNode a = r.deepCopy();
      ObjectNode b = ((ObjectNode) wanted).deepCopy();
      a.remove("threads");
      b.remove("threads");
      if (a.equals(b)) {
        return Optional.of(Demo.readResult(report));
      }
    }
    return Optional.empty();
  }

  /** The summary of finished runs (one per seed), written to {@code outDir}. */
  static Summary summarize(DemoConfig base, List<Long> seeds, List<Demo.Result> runs, Path outDir) {
    Map<String, Map<String, Interval>> systems = new LinkedHashMap<>();
    for (String system : Demo.SYSTEMS) {
      Map<String, Interval> metrics = new LinkedHashMap<>();
      for (String metric : METRICS) {
        metrics.put(metric, interval(runs.stream()
            .mapToDouble(r -> r.systems().get(system).get(metric).value()).toArray()));
      }
      systems.put(system, metrics);
    }
    Map<String, Interval> difference = new LinkedHashMap<>();
    Map<String, Signs> signs = new LinkedHashMap<>();
    for (String metric : METRICS) {
      double[] d = runs.stream().mapToDouble(r -> value(r, "cat", metric)
          - value(r, "sft_ia", metric)).toArray();
      difference.put(metric, interval(d));
      int pos = 0;
      int neg = 0;
      for (double x : d) {
        pos += x > 0 ? 1 : 0;
        neg += x < 0 ? 1 : 0;
      }
      signs.put(metric, new Signs(pos, neg, d.length - pos - neg));
    }
    int judged = (int) runs.stream().filter(r -> r.judgeAccuracy() >= 0.8).count();
    // NaN (not measured) is not >= 0.8.
    int likelihoodJudged = (int) runs.stream().filter(r -> r.likelihoodJudgeAccuracy() >= 0.8)
        .count();
    Path file = outDir.resolve("summary.json");
    Summary s = new Summary(List.copyOf(seeds), List.copyOf(runs), systems, difference, signs,
        judged, likelihoodJudged, file);
    try {
      Files.createDirectories(outDir);
      write(s, base, outDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the summary in " + outDir, e);
    }
    return s;
  }

  /** The summary as Markdown (what the CLI prints). */
  public static String table(Summary s) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "Seeds %s (%d runs); mean over seeds with 95%% t interval."
        + "%n%n", describe(s.seeds()), s.seeds().size()));
    sb.append("| system | consistency rate | accuracy | ROUGE-L |\n|---|---|---|---|\n");
    for (Map.Entry<String, Map<String, Interval>> e : s.systems().entrySet()) {
      sb.append("| ").append(e.getKey());
      for (String metric : METRICS) {
        Interval i = e.getValue().get(metric);
        sb.append(String.format(Locale.ROOT, " | %.3f [%.3f, %.3f]", i.mean(), i.low(), i.high()));
      }
      sb.append(" |\n");
    }
    sb.append("| cat - sft_ia (paired by seed)");
    for (String metric : METRICS) {
      Interval i = s.difference().get(metric);
      Signs g = s.signs().get(metric);
      sb.append(String.format(Locale.ROOT, " | %+.3f [%+.3f, %+.3f]; higher in %d, lower in %d",
          i.mean(), i.low(), i.high(), g.positive(), g.negative()));
      if (g.zero() > 0) {
        sb.append(", equal in ").append(g.zero());
      }
    }
    sb.append(" |\n\n");
    sb.append("| seed | sft_ia CR | cat CR | sft_ia acc | cat acc | judge acc | reward | pairs |"
        + " CAT epoch |\n|---|---|---|---|---|---|---|---|---|\n");
    StringBuilder likelihoodRows = new StringBuilder();
    for (int k = 0; k < s.runs().size(); k++) {
      Demo.Result r = s.runs().get(k);
      sb.append(String.format(Locale.ROOT, "| %d | %.3f | %.3f | %.3f | %.3f | %.3f | %s | %d | %d%s |%n",
          s.seeds().get(k), value(r, "sft_ia", "consistency_rate"), value(r, "cat",
              "consistency_rate"), value(r, "sft_ia", "accuracy"), value(r, "cat", "accuracy"),
          r.judgeAccuracy(), r.reward(), r.pairs(), r.catEpoch(), r.interpolation().isEmpty() ? ""
              : String.format(Locale.ROOT, " (a = %s)", r.catAlpha())));
      if (!Double.isNaN(r.likelihoodJudgeAccuracy())) {
        likelihoodRows.append(String.format(Locale.ROOT, "%s%d: %.3f",
            likelihoodRows.length() == 0 ? "" : ", ", s.seeds().get(k),
            r.likelihoodJudgeAccuracy()));
      }
    }
    sb.append(String.format(Locale.ROOT, "%nJudge accuracy at least 0.8 in %d of %d seeds.%n",
        s.judgeAtLeast08(), s.seeds().size()));
    if (likelihoodRows.length() > 0) {
      sb.append(String.format(Locale.ROOT, "Likelihood judge accuracy (by seed: %s) at least 0.8 in"
          + " %d of %d seeds.%n", likelihoodRows, s.likelihoodJudgeAtLeast08(), s.seeds().size()));
    }
    return sb.toString();
  }

  /** Mean and 95% Student-t interval of {@code xs} (at least 2 values). */
  static Interval interval(double[] xs) {
    int n = xs.length;
    Check.argument(n >= 2, "an interval needs at least 2 values, found " + n);
    double mean = 0;
    for (double x : xs) {
      mean += x;
    }
    mean /= n;
    double ss = 0;
    for (double x : xs) {
      ss += (x - mean) * (x - mean);
    }
    double half = t975(n - 1) * Math.sqrt(ss / (n - 1) / n);
    return new Interval(mean, mean - half, mean + half, n);
  }

  /** The 97.5% quantile of Student's t (normal approximation beyond 30 degrees of freedom). */
  static double t975(int df) {
    Check.positive(df, "df");
    return df <= T975.length ? T975[df - 1] : 1.96;
  }

  private static double value(Demo.Result r, String system, String metric) {
    Estimate e = r.systems().get(system).get(metric);
    return e.value();
  }

  private static String describe(List<Long> seeds) {
    List<String> s = seeds.stream().map(String::valueOf).toList();
    return String.join(",", s);
  }

  private static void write(Summary s, DemoConfig base, Path outDir) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", "consistency4j-demo-seeds/1");
    root.put("library_version", Reports.libraryVersion());
    root.set("seeds", JSON.valueToTree(s.seeds()));
    root.put("interval", "95% Student-t over seeds");
    ObjectNode systems = root.putObject("systems");
    s.systems().forEach((system, metrics) -> {
      ObjectNode o = systems.putObject(system);
      metrics.forEach((metric, i) -> put(o.putObject(metric), i));
    });
    ObjectNode diff = root.putObject("paired_cat_minus_sft_ia");
    s.difference().forEach((metric, i) -> {
      ObjectNode o = diff.putObject(metric);
      put(o, i);
      Signs g = s.signs().get(metric);
      o.put("seeds_higher", g.positive()).put("seeds_lower", g.negative())
          .put("seeds_equal", g.zero());
    });
    root.put("seeds_with_judge_accuracy_at_least_0.8", s.judgeAtLeast08());
    root.put("seeds_with_likelihood_judge_accuracy_at_least_0.8", s.likelihoodJudgeAtLeast08());
    var per = root.putArray("runs");
    for (int k = 0; k < s.runs().size(); k++) {
      Demo.Result r = s.runs().get(k);
      ObjectNode o = per.addObject();
      o.put("seed", s.seeds().get(k));
      o.put("report", "seed-" + s.seeds().get(k) + "/report.json");
      for (String system : Demo.SYSTEMS) {
        ObjectNode m = o.putObject(system);
        for (String metric : METRICS) {
          m.put(metric, value(r, system, metric));
        }
      }
      o.put("judge_accuracy", r.judgeAccuracy());
      if (!Double.isNaN(r.likelihoodJudgeAccuracy())) {
        o.put("likelihood_judge_accuracy", r.likelihoodJudgeAccuracy());
      }
      o.put("reward", r.reward());
      o.put("preference_pairs", r.pairs());
      o.put("cat_epoch", r.catEpoch());
      if (!r.interpolation().isEmpty()) {
        o.put("cat_alpha", r.catAlpha());
      }
      o.put("seconds", Math.round(r.seconds() * 10) / 10.0);
    }
    root.set("config", JSON.valueToTree(base.toMap()));
    AtomicFiles.writeString(outDir.resolve("summary.json"),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    AtomicFiles.writeString(outDir.resolve("summary.md"), "# consistency4j demo over seeds\n\n"
        + "Held-out wordings, fresh instances, greedy decoding; each run's report is in"
        + " seed-N/report.md.\n\n" + table(s));
  }

  private static void put(ObjectNode o, Interval i) {
    o.put("mean", i.mean()).put("ci_low", i.low()).put("ci_high", i.high()).put("n", i.n());
  }
}
