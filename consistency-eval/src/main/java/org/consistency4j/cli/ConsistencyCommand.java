package org.consistency4j.cli;

import org.consistency4j.internal.Check;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.consistency4j.InvalidInputException;
import org.consistency4j.metrics.AgreementResult;
import org.consistency4j.metrics.AnswerMatch;
import org.consistency4j.metrics.Bootstrap;
import org.consistency4j.metrics.ConfidenceInterval;
import org.consistency4j.metrics.ConsistencyRate;
import org.consistency4j.metrics.ConsistencyResult;
import org.consistency4j.metrics.GroupAgreement;
import org.consistency4j.metrics.GroupConsistency;
import org.consistency4j.metrics.MajorityAgreement;
import org.consistency4j.metrics.ResponseGroup;
import org.consistency4j.metrics.ResponseSimilarity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code consistency consistency}: consistency rate, majority agreement and accuracy of groups. */
@Command(
    name = "consistency",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Consistency rate (macro and pooled, with bootstrap confidence intervals), majority agreement",
      "and, when references are given, accuracy of instruction groups read from a JSONL file."
    },
    footer = {
      "",
      "Input (JSONL, UTF-8, one object per line; blank lines are skipped, other fields ignored):",
      "  {\"group\": \"q17\", \"responses\": [\"Paris\", \"paris.\", \"Lyon\"], \"references\": [\"Paris\"]}",
      "  group       string or integer, unique in the file",
      "  responses   array of strings: the responses to the group's verbalizations; groups with",
      "              fewer than 2 are excluded from the rates and counted",
      "  references  optional array of strings; accuracy = normalized exact match with any of them",
      "",
      "Output: one JSON object with the configuration and seed, group counts, \"consistency_rate\"",
      "(\"macro\", the paper's CR, and \"pooled\", each {estimate, ci_low, ci_high}),",
      "\"majority_agreement\", \"accuracy\" (when any group has references) and \"per_group\" values.",
      "",
      "Similarities: exact (normalized exact match), tokenF1, rougeL (graded ROUGE-L F),",
      "rougeL>=T (1 if ROUGE-L F >= T), rougeL+stem and rougeL+stem>=T (with the Porter stemmer),",
      "embedding (all-MiniLM-L6-v2 sentence-embedding cosine, clamped to [0, 1]; run in ONNX",
      "Runtime) and embedding>=T (1 if that cosine >= T);",
      "quote names with >= in a shell: --similarity 'rougeL>=0.5'.",
      "",
      "Exit codes: 0 success, 1 failure while running, 2 bad usage or bad input (the message then",
      "reads file:line: what is wrong). An --output file is replaced only when everything succeeded."
    })
final class ConsistencyCommand implements Callable<Integer> {
  @Spec private picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--input",
      required = true,
      paramLabel = "FILE",
      description = "JSONL file with one group per line.")
  private Path input;

  @Option(
      names = "--similarity",
      required = true,
      paramLabel = "NAME",
      description = "How responses are compared: exact, tokenF1, rougeL, rougeL>=T, embedding,"
          + " embedding>=T, ... (see below).")
  private String similarity;

  @Option(
      names = "--bootstrap",
      defaultValue = "1000",
      paramLabel = "N",
      description = "Bootstrap resamples over groups for the intervals; 0 disables (default: ${DEFAULT-VALUE}).")
  private int bootstrap;

  @Option(
      names = "--level",
      defaultValue = "0.95",
      paramLabel = "P",
      description = "Confidence level of the intervals, in (0, 1) (default: ${DEFAULT-VALUE}).")
  private double level;

  @Option(
      names = "--seed",
      defaultValue = "0",
      paramLabel = "S",
      description = "Seed of the bootstrap (default: ${DEFAULT-VALUE}).")
  private long seed;

  @Option(
      names = "--majority-threshold",
      defaultValue = "" + MajorityAgreement.DEFAULT_THRESHOLD,
      paramLabel = "T",
      description =
          "Two responses agree for majority agreement when their similarity is >= T, in (0, 1]"
              + " (default: ${DEFAULT-VALUE}).")
  private double majorityThreshold;

  @Option(
      names = "--output",
      paramLabel = "FILE",
      description = "Write the summary here (atomically) instead of to standard output.")
  private Path output;

  @Override
  public Integer call() throws IOException {
    Check.inRange(bootstrap, 0, Bootstrap.MAX_RESAMPLES, "--bootstrap");
    if (!(level > 0 && level < 1)) {
      throw new IllegalArgumentException("--level must be in (0, 1), found " + level);
    }
    if (!(majorityThreshold > 0 && majorityThreshold <= 1)) {
      throw new IllegalArgumentException(
          "--majority-threshold must be in (0, 1], found " + majorityThreshold);
    }
    List<ResponseGroup> groups;
    ObjectMapper mapper = JsonlIO.writerMapper();
    ObjectNode summary;
    try (SimilarityOption sim = SimilarityOption.open(similarity)) {
      groups = readGroups(input);
      if (groups.stream().noneMatch(g -> g.responses().size() >= 2)) {
        throw new InvalidInputException(
            input.toString(),
            0,
            "no group has at least 2 responses ("
                + groups.size()
                + " groups); the consistency rate compares pairs of responses");
      }
      summary = summarize(mapper, groups, sim.similarity());
    }
    String text = mapper.writerWithDefaultPrettyPrinter().writeValueAsString(summary);
    if (output == null) {
      PrintWriter out = spec.commandLine().getOut();
      out.println(text);
      out.flush();
    } else {
      JsonlIO.writeAtomically(output, w -> w.write(text + "\n"));
    }
    return 0;
  }

  private static List<ResponseGroup> readGroups(Path input) throws IOException {
    List<ResponseGroup> groups = new ArrayList<>();
    Map<String, Long> firstLine = new HashMap<>();
    JsonlIO.forEachObject(
        input,
        line -> {
          String id = line.id("group");
          Long previous = firstLine.putIfAbsent(id, line.number());
          if (previous != null) {
            throw line.error("group \"" + id + "\" already appeared on line " + previous);
          }
          List<String> responses = line.textArray("responses");
          List<String> references = line.optionalTextArray("references").orElse(List.of());
          groups.add(ResponseGroup.of(id, responses, references));
        });
    return groups;
  }

  private ObjectNode summarize(ObjectMapper mapper, List<ResponseGroup> groups, ResponseSimilarity sim) {
    Bootstrap boot = bootstrap > 0 ? Bootstrap.of(bootstrap, level, seed) : null;
    ConsistencyResult cr = ConsistencyRate.of(sim).compute(groups);
    AgreementResult agreement = MajorityAgreement.of(sim, majorityThreshold).compute(groups);

    ObjectNode root = mapper.createObjectNode();
    ObjectNode config = root.putObject("config");
    config.put("input", input.toString());
    config.put("similarity", sim.name());
    config.put("bootstrap", bootstrap);
    config.put("level", level);
    config.put("seed", seed);
    config.put("majority_threshold", majorityThreshold);

    ObjectNode counts = root.putObject("groups");
    counts.put("total", groups.size());
    counts.put("scored", cr.groups().size());
    counts.put("excluded", cr.excluded());
    ArrayNode excluded = counts.putArray("excluded_ids");
    cr.excludedIds().forEach(excluded::add);
    counts.put("pairs", cr.pairs());

    ObjectNode rate = root.putObject("consistency_rate");
    interval(rate.putObject("macro"), cr.macro(), boot == null ? null : cr.macroInterval(boot));
    interval(rate.putObject("pooled"), cr.pooled(), boot == null ? null : cr.pooledInterval(boot));

    ObjectNode majority = root.putObject("majority_agreement");
    interval(
        majority.putObject("macro"),
        agreement.macro(),
        boot == null ? null : agreement.macroInterval(boot));

    // Accuracy: share of a group's responses that match one of its references.
    Map<String, double[]> accuracy = new HashMap<>();
    List<Double> groupAccuracies = new ArrayList<>();
    long correct = 0;
    long answered = 0;
    for (ResponseGroup g : groups) {
      if (g.hasReferences() && !g.responses().isEmpty()) {
        int ok = 0;
        for (String r : g.responses()) {
          if (AnswerMatch.exactAny(r, g.references())) {
            ok++;
          }
        }
        double acc = (double) ok / g.responses().size();
        accuracy.put(g.id(), new double[] {acc});
        groupAccuracies.add(acc);
        correct += ok;
        answered += g.responses().size();
      }
    }
    if (!groupAccuracies.isEmpty()) {
      double[] values = groupAccuracies.stream().mapToDouble(Double::doubleValue).toArray();
      ObjectNode acc = root.putObject("accuracy");
      acc.put("groups", values.length);
      acc.put("responses", answered);
      double sum = 0;
      for (double v : values) {
        sum += v;
      }
      interval(acc.putObject("macro"), sum / values.length, boot == null ? null : boot.mean(values));
      acc.put("pooled", (double) correct / answered);
    }

    Map<String, GroupConsistency> rateById = new HashMap<>();
    cr.groups().forEach(g -> rateById.put(g.id(), g));
    Map<String, GroupAgreement> agreementById = new HashMap<>();
    agreement.groups().forEach(g -> agreementById.put(g.id(), g));
    ArrayNode perGroup = root.putArray("per_group");
    for (ResponseGroup g : groups) {
      ObjectNode node = perGroup.addObject();
      node.put("group", g.id());
      node.put("responses", g.responses().size());
      GroupConsistency c = rateById.get(g.id());
      node.put("excluded", c == null);
      if (c != null) {
        node.put("pairs", c.pairs());
        node.put("consistency_rate", c.rate());
        GroupAgreement a = agreementById.get(g.id());
        node.put("majority_agreement", a.share());
        node.put("majority", a.majority());
      }
      double[] acc = accuracy.get(g.id());
      if (acc != null) {
        node.put("accuracy", acc[0]);
      }
    }
    return root;
  }

  private static void interval(ObjectNode node, double estimate, ConfidenceInterval ci) {
    node.put("estimate", estimate);
    if (ci != null) {
      node.put("ci_low", ci.ciLow());
      node.put("ci_high", ci.ciHigh());
    }
  }
}
