package org.consistency4j.examples;

import java.nio.file.Path;
import java.util.List;
import org.consistency4j.harness.EvaluationConfig;
import org.consistency4j.harness.Evaluator;
import org.consistency4j.data.Instance;
import org.consistency4j.data.InstructionTask;
import org.consistency4j.harness.ProgressListener;
import org.consistency4j.http.HttpLanguageModel;
import org.consistency4j.http.HttpModelConfig;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.metrics.Similarities;
import org.consistency4j.report.EvaluationReport;
import org.consistency4j.report.MetricNames;
import org.consistency4j.report.Reports;

/**
 * Evaluates a model served by an OpenAI-compatible server (vLLM, llama.cpp server, Ollama, OpenAI)
 * on two small tasks, each asked in three wordings, and writes JSON, Markdown and HTML reports.
 *
 * <pre>
 * java ... org.consistency4j.examples.EvaluateOverHttp http://localhost:8000 my-model out/
 * </pre>
 *
 * <p>Set {@code OPENAI_API_KEY} when the server needs a key; it is read from the environment, never
 * printed.
 */
public final class EvaluateOverHttp {
  private EvaluateOverHttp() {}

  /** Arguments: base URL, model name, output directory. */
  public static void main(String[] args) {
    if (args.length != 3) {
      System.err.println("usage: EvaluateOverHttp BASE_URL MODEL_NAME OUT_DIR");
      System.exit(2);
    }
    EvaluationReport report = run(args[0], args[1], Path.of(args[2]), System.getenv("OPENAI_API_KEY") != null);
    double cr = report.models().get(0).overall().metric(MetricNames.CONSISTENCY_RATE).orElseThrow().value();
    System.out.printf("consistency rate %.3f; reports in %s%n", cr, args[2]);
  }

  /** Runs the evaluation and writes {@code out/report.json}, {@code report.md}, {@code report.html}. */
  public static EvaluationReport run(String baseUrl, String modelName, Path out, boolean useApiKey) {
    List<InstructionTask> tasks =
        List.of(
            InstructionTask.of(
                "sentiment",
                List.of(
                    "Is the sentiment of this review positive or negative? {input}",
                    "Classify the review as positive or negative.\nReview: {input}",
                    "Answer with positive or negative:"),
                List.of(
                    Instance.of("A warm, funny and clever film.", List.of("positive")),
                    Instance.of("Two hours I will never get back.", List.of("negative")),
                    Instance.of("The cast is superb.", List.of("positive")))),
            InstructionTask.of(
                "capital",
                List.of(
                    "What is the capital of {input}?",
                    "Name the capital city of {input}.",
                    "{input}'s capital is which city?"),
                List.of(
                    Instance.of("France", List.of("Paris")),
                    Instance.of("Japan", List.of("Tokyo")))));
    HttpModelConfig config =
        HttpModelConfig.builder(baseUrl, modelName)
            .apiKeyEnv(useApiKey ? "OPENAI_API_KEY" : null)
            .maxConcurrency(4)
            .build();
    Evaluator evaluator =
        Evaluator.of(
            EvaluationConfig.builder()
                .similarity(Similarities.exactMatch())
                .generation(GenerationConfig.greedy(16))
                .seed(7)
                .build());
    try (HttpLanguageModel model = HttpLanguageModel.open(config)) {
      EvaluationReport report =
          evaluator.evaluate(tasks, List.of(model), out.resolve("responses.jsonl"), ProgressListener.NONE);
      Reports.writeAll(report, out);
      return report;
    }
  }
}
