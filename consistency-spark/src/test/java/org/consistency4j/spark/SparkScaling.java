package org.consistency4j.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.consistency4j.harness.Evaluator;
import org.consistency4j.harness.ProgressListener;
import org.consistency4j.data.InstructionTasks;
import org.consistency4j.lm.LanguageModel;

/**
 * Not a test: the wall-clock measurement behind the README's local-mode scaling table, a program run
 * by hand (the command is in the README). It evaluates 160 groups x 3 wordings (480 prompts, 16 new
 * tokens) with the tiny test model, ONNX Runtime on 1 intra-op thread per model instance: once on one
 * machine (the library's Evaluator), then with Spark local[1] and local[2] (fresh output directories,
 * models already loaded), and prints the times.
 */
final class SparkScaling {
  private static final int GROUPS = 160;
  private static final int REPEATS = 3;

  private SparkScaling() {}

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("spark-scaling");
    Path data = dir.resolve("tasks.jsonl");
    StringBuilder json = new StringBuilder("{\"task\": \"bench\", \"variants\": [\"Sentiment of: {input}\","
        + " \"Positive or negative? {input}\", \"Review:\"], \"instances\": [");
    String[] words = "good bad great awful fine dull bright dark quick slow happy sad warm cold loud quiet".split(" ");
    Random r = new Random(11);
    for (int i = 0; i < GROUPS; i++) {
      StringBuilder text = new StringBuilder();
      for (int w = 0; w < 5; w++) {
        text.append(w == 0 ? "" : " ").append(words[r.nextInt(words.length)]);
      }
      json.append(i == 0 ? "" : ", ").append("{\"input\": \"").append(text)
          .append("\", \"references\": [\"").append(r.nextBoolean() ? "positive" : "negative").append("\"]}");
    }
    Files.writeString(data, json.append("]}\n").toString());
    LocalModelSource model = new LocalModelSource(TestSpark.tinyLlama(), null, true, false, 1, null);
    List<String> lines = new ArrayList<>();

    SparkEvaluation settings = SparkEvaluation.builder(data.toString(), dir.resolve("unused").toString())
        .model(model).maxNewTokens(16).resamples(200).build();
    try (LanguageModel lm = model.open()) {
      for (int k = 0; k < REPEATS; k++) {
        long t0 = System.nanoTime();
        Evaluator.of(settings.evaluationConfig()).evaluate(InstructionTasks.read(data), List.of(lm),
            dir.resolve("single-" + k + "/responses.jsonl"), ProgressListener.NONE);
        lines.add(String.format(Locale.ROOT, "one machine (Evaluator), run %d: %.2f s", k, (System.nanoTime() - t0) / 1e9));
      }
    }
    TestSpark.stop();
    for (String master : List.of("local[1]", "local[2]")) {
      try (JavaSparkContext sc = new JavaSparkContext(new SparkConf().setMaster(master).setAppName("scaling")
          .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
          .set("spark.driver.bindAddress", "127.0.0.1"))) {
        for (int k = 0; k < REPEATS + 1; k++) {
          SparkEvaluation e = SparkEvaluation.builder(data.toString(), dir.resolve(master + "-" + k).toString())
              .model(model).maxNewTokens(16).resamples(200).partitions(8).build();
          long t0 = System.nanoTime();
          e.run(sc);
          lines.add(String.format(Locale.ROOT, "spark %s, run %d%s: %.2f s", master, k,
              k == 0 ? " (loads the models)" : "", (System.nanoTime() - t0) / 1e9));
        }
      }
    }
    lines.forEach(System.out::println);
  }
}
