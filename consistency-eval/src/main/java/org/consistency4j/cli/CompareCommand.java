package org.consistency4j.cli;

import org.consistency4j.internal.Check;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.consistency4j.InvalidInputException;
import org.consistency4j.harness.Comparisons;
import org.consistency4j.metrics.Bootstrap;
import org.consistency4j.report.Comparison;
import org.consistency4j.report.EvaluationReport;
import org.consistency4j.report.ModelResult;
import org.consistency4j.report.Reports;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code consistency compare}: a paired comparison of two stored evaluations on the same groups. */
@Command(
    name = "compare",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Compare two stored evaluations (report.json files, or the directories that hold them) on"
          + " the groups both evaluated: for every task and overall, the difference B - A of"
          + " consistency rate, majority agreement, ROUGE-1, ROUGE-L and accuracy with a paired"
          + " bootstrap 95%% interval and a sign-flip permutation p-value. Prints a table; --out"
          + " also writes JSON, Markdown and HTML reports."
    },
    footer = {"", "Exit codes: 0 success, 1 failure while running, 2 bad usage or bad input."})
final class CompareCommand implements Callable<Integer> {
  @Spec private picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "REPORT_A", description = "The baseline evaluation.")
  private Path reportA;

  @Parameters(index = "1", paramLabel = "REPORT_B", description = "The evaluation compared with it.")
  private Path reportB;

  @Option(
      names = "--model-a",
      paramLabel = "NAME",
      description = "Which model of REPORT_A (default: its first).")
  private String modelA;

  @Option(
      names = "--model-b",
      paramLabel = "NAME",
      description = "Which model of REPORT_B (default: its first).")
  private String modelB;

  @Option(names = "--out", paramLabel = "DIR", description = "Also write report.json/md/html here.")
  private Path out;

  @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed of the bootstrap and permutations (default: ${DEFAULT-VALUE}).")
  private long seed;

  @Option(
      names = "--resamples",
      defaultValue = "1000",
      paramLabel = "N",
      description = "Bootstrap resamples and permutations (default: ${DEFAULT-VALUE}).")
  private int resamples;

  @Override
  public Integer call() {
    Check.inRange(resamples, 1, Bootstrap.MAX_RESAMPLES, "--resamples");
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter stderr = spec.commandLine().getErr();
    EvaluationReport a = Reports.readJson(reportFile(reportA));
    EvaluationReport b = Reports.readJson(reportFile(reportB));
    ModelResult ma = pick(a, modelA, reportA, "--model-a");
    ModelResult mb = pick(b, modelB, reportB, "--model-b");
    String simA = a.config().getOrDefault("similarity", "?");
    String simB = b.config().getOrDefault("similarity", "?");
    if (!simA.equals(simB)) {
      stderr.println(
          "warning: the reports used different similarities (" + simA + " vs " + simB
              + "); consistency rates are not comparable");
    }
    if (ma.model().equals(mb.model())) {
      ma = rename(ma, ma.model() + " (A)");
      mb = rename(mb, mb.model() + " (B)");
    }
    List<Comparison> comparisons = Comparisons.paired(ma, mb, Bootstrap.of(resamples, 0.95, seed));
    if (comparisons.isEmpty()) {
      throw new InvalidInputException(
          reportB.toString(), 0, "shares no group with " + reportA + "; evaluate both on the same data");
    }
    Map<String, String> config = new LinkedHashMap<>();
    config.put("report_a", reportA.toString());
    config.put("report_b", reportB.toString());
    config.put("similarity_a", simA);
    config.put("similarity_b", simB);
    config.put("bootstrap_resamples", Integer.toString(resamples));
    config.put("seed", Long.toString(seed));
    EvaluationReport report =
        new EvaluationReport(
            "Paired comparison", Reports.libraryVersion(), seed, config, List.of(ma, mb), comparisons);
    Summary.printComparisons(report, stdout);
    if (out != null) {
      List<Path> files = Reports.writeAll(report, out);
      stdout.println("Reports: " + files.get(0) + ", " + files.get(1) + ", " + files.get(2));
    }
    stdout.flush();
    return 0;
  }

  private static Path reportFile(Path p) {
    Path f = Files.isDirectory(p) ? p.resolve(Reports.JSON_FILE) : p;
    if (!Files.isRegularFile(f)) {
      throw new InvalidInputException(f.toString(), 0, "no such report file");
    }
    return f;
  }

  private static ModelResult pick(EvaluationReport r, String name, Path source, String option) {
    if (r.models().isEmpty()) {
      throw new InvalidInputException(source.toString(), 0, "the report holds no model");
    }
    if (name == null) {
      return r.models().get(0);
    }
    return r.model(name)
        .orElseThrow(
            () ->
                new InvalidInputException(
                    source.toString(), 0,
                    option + " " + name + " is not in the report; it holds "
                        + r.models().stream().map(ModelResult::model).toList()));
  }

  private static ModelResult rename(ModelResult m, String name) {
    return new ModelResult(name, m.overall(), m.tasks(), m.groups());
  }
}
