package org.consistency4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.consistency4j.metrics.RougeScore;
import org.consistency4j.metrics.RougeScorer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code consistency rouge}: ROUGE scores of (target, prediction) pairs, as rouge-score 0.1.2. */
@Command(
    name = "rouge",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "ROUGE-N, ROUGE-L and ROUGE-Lsum of predictions against targets, bit-identical to Google's",
      "rouge-score 0.1.2 (RougeScorer(types, use_stemmer).score(target, prediction))."
    },
    footer = {
      "",
      "Input (JSONL, UTF-8, one object per line; blank lines are skipped, other fields ignored):",
      "  {\"target\": \"the cat sat on the mat\", \"prediction\": \"a cat sat on a mat\"}",
      "  {\"references\": [\"a dog\", \"the dog\"], \"prediction\": \"dog\", \"use_stemmer\": true}",
      "  target       string: the reference text",
      "  prediction   string: the candidate text",
      "  references   optional array of strings, instead of target: per metric, the score of the",
      "               reference with the best F-measure (rouge-score's score_multi)",
      "  use_stemmer  optional true/false: overrides --stemmer for this line",
      "",
      "Output (JSONL): one line per input object, in input order, for example",
      "  {\"rouge1\":{\"precision\":0.5,\"recall\":0.5,\"fmeasure\":0.5},\"rougeL\":{...}}",
      "ROUGE-Lsum splits sentences on newlines (\\n) only.",
      "",
      "Exit codes: 0 success, 1 failure while running, 2 bad usage or bad input (the message then",
      "reads file:line: what is wrong). An --output file is replaced only when every line",
      "succeeded; standard output receives the lines scored before a failure."
    })
final class RougeCommand implements Callable<Integer> {
  @Spec private picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--input",
      required = true,
      paramLabel = "FILE",
      description = "JSONL file with one (target, prediction) pair per line.")
  private Path input;

  @Option(
      names = "--output",
      paramLabel = "FILE",
      description = "Write the scores here (atomically) instead of to standard output.")
  private Path output;

  @Option(
      names = "--stemmer",
      description = "Porter-stem tokens longer than 3 characters (rouge-score's use_stemmer).")
  private boolean stemmer;

  @Option(
      names = "--metrics",
      split = ",",
      paramLabel = "NAMES",
      defaultValue = "rouge1,rouge2,rougeL,rougeLsum",
      description = "Comma-separated metrics: rouge<n> (n >= 1), rougeL, rougeLsum (default: ${DEFAULT-VALUE}).")
  private List<String> metrics;

  @Override
  public Integer call() throws IOException {
    RougeScorer withStemmer = RougeScorer.of(metrics, true);
    RougeScorer withoutStemmer = RougeScorer.of(metrics, false);
    ObjectMapper mapper = JsonlIO.writerMapper();
    JsonlIO.WriterBody body =
        out ->
            JsonlIO.forEachObject(
                input,
                line -> {
                  String prediction = line.text("prediction");
                  Optional<List<String>> references = line.optionalTextArray("references");
                  boolean stem = line.optionalBoolean("use_stemmer").orElse(stemmer);
                  RougeScorer scorer = stem ? withStemmer : withoutStemmer;
                  Map<String, RougeScore> scores;
                  if (references.isPresent()) {
                    if (line.has("target")) {
                      throw line.error(
                          "give either \"target\" or \"references\", not both");
                    }
                    if (references.get().isEmpty()) {
                      throw line.error("field \"references\" must not be empty");
                    }
                    scores = scorer.scoreMulti(references.get(), prediction);
                  } else {
                    scores = scorer.score(line.text("target"), prediction);
                  }
                  write(out, mapper, scores);
                });
    JsonlIO.emit(output, spec.commandLine().getOut(), body);
    return 0;
  }

  private static void write(Writer out, ObjectMapper mapper, Map<String, RougeScore> scores)
      throws IOException {
    ObjectNode node = mapper.createObjectNode();
    for (Map.Entry<String, RougeScore> e : scores.entrySet()) {
      ObjectNode s = node.putObject(e.getKey());
      s.put("precision", e.getValue().precision());
      s.put("recall", e.getValue().recall());
      s.put("fmeasure", e.getValue().fmeasure());
    }
    out.write(mapper.writeValueAsString(node));
    out.write('\n');
  }
}
