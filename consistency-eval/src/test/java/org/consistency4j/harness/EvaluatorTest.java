package org.consistency4j.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.consistency4j.data.Instance;
import org.consistency4j.data.InstructionTask;
import org.consistency4j.InvalidInputException;
import org.consistency4j.lm.Generation;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.lm.LanguageModel;
import org.consistency4j.metrics.Similarities;
import org.consistency4j.report.Comparison;
import org.consistency4j.report.Estimate;
import org.consistency4j.report.EvaluationReport;
import org.consistency4j.report.MetricNames;
import org.consistency4j.report.ModelResult;
import org.consistency4j.report.TaskResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluatorTest {
  @TempDir Path dir;

  /** A model answering with a function of the prompt, counting the prompts it saw. */
  static class ScriptedModel implements LanguageModel {
    final String name;
    final Function<String, String> answer;
    final AtomicInteger prompts = new AtomicInteger();
    final List<Long> seeds = new ArrayList<>();

    ScriptedModel(String name, Function<String, String> answer) {
      this.name = name;
      this.answer = answer;
    }

    @Override
    public List<Generation> generate(List<String> batch, GenerationConfig config) {
      prompts.addAndGet(batch.size());
      seeds.add(config.seed());
      return batch.stream().map(p -> new Generation(answer.apply(p), List.of(), Generation.FinishReason.EOS)).toList();
    }

    @Override
    public String name() {
      return name;
    }
  }

  static final List<String> INPUTS = List.of("good film", "bad film", "great plot", "awful acting");
  static final List<String> LABELS = List.of("positive", "negative", "positive", "negative");

  /** Sentiment with three wordings; an "echo" task without references. */
  static List<InstructionTask> tasks() {
    List<Instance> instances = new ArrayList<>();
    for (int i = 0; i < INPUTS.size(); i++) {
      instances.add(Instance.of(INPUTS.get(i), List.of(LABELS.get(i))));
    }
    InstructionTask sentiment = InstructionTask.of("sentiment",
        List.of("Sentiment of: {input}", "Is this positive or negative? {input}", "Review:"), instances);
    InstructionTask echo = InstructionTask.of("echo", List.of("Repeat: {input}", "Say again:"),
        List.of(Instance.of("one", List.of()), Instance.of("two", List.of())));
    return List.of(sentiment, echo);
  }

  /** Right under the first two wordings, always "positive" under the third; echoes exactly. */
  static String halfRight(String prompt) {
    for (int i = 0; i < INPUTS.size(); i++) {
      if (prompt.endsWith(INPUTS.get(i))) {
        if (prompt.startsWith("Review:")) {
          return "Positive.";
        }
        return LABELS.get(i);
      }
    }
    return lastWord(prompt);
  }

  static String lastWord(String prompt) {
    String[] words = prompt.strip().split("\\s+");
    return words[words.length - 1];
  }

  static String alwaysRight(String prompt) {
    for (int i = 0; i < INPUTS.size(); i++) {
      if (prompt.endsWith(INPUTS.get(i))) {
        return LABELS.get(i);
      }
    }
    return lastWord(prompt);
  }

  static Evaluator evaluator(int batchSize) {
    return Evaluator.of(EvaluationConfig.builder()
        .similarity(Similarities.exactMatch())
        .generation(GenerationConfig.greedy(8))
        .batchSize(batchSize)
        .resamples(200)
        .seed(3)
        .build());
  }

  private static void assertValue(double expected, Estimate e) {
    assertEquals(expected, e.value(), 1e-12);
    assertTrue(e.ciLow() <= e.ciHigh());
    assertTrue(e.ciLow() >= -1e-12 && e.ciHigh() <= 1 + 1e-12, e.toString());
  }

  @Test
  void metrics_per_task_and_overall_are_exact_on_scripted_answers() {
    ScriptedModel model = new ScriptedModel("half", EvaluatorTest::halfRight);
    EvaluationReport r = evaluator(4).evaluate(tasks(), List.of(model), dir.resolve("responses.jsonl"),
        ProgressListener.NONE);
    ModelResult m = r.models().get(0);
    TaskResult s = m.task("sentiment").orElseThrow();
    // Groups: [pos,pos,pos], [neg,neg,pos], [pos,pos,pos], [neg,neg,pos] under normalized exact match.
    assertValue(2.0 / 3, s.metric(MetricNames.CONSISTENCY_RATE).orElseThrow());
    assertValue(8.0 / 12, s.metric(MetricNames.CONSISTENCY_RATE_POOLED).orElseThrow());
    assertValue(5.0 / 6, s.metric(MetricNames.MAJORITY_AGREEMENT).orElseThrow());
    assertValue(5.0 / 6, s.metric(MetricNames.ACCURACY).orElseThrow());
    assertValue(5.0 / 6, s.metric(MetricNames.ROUGE_L).orElseThrow());
    assertValue(5.0 / 6, s.metric(MetricNames.ROUGE_1).orElseThrow());
    assertValue(0.5, s.metric(MetricNames.ACCURACY_SPREAD).orElseThrow());
    assertEquals(List.of(1.0, 1.0, 0.5), s.variants().stream().map(v -> v.get(MetricNames.ACCURACY)).toList());
    assertEquals(4, s.groups());
    assertEquals(12, s.responses());
    TaskResult echo = m.task("echo").orElseThrow();
    assertValue(1.0, echo.metric(MetricNames.CONSISTENCY_RATE).orElseThrow());
    assertFalse(echo.metric(MetricNames.ROUGE_L).isPresent());
    assertFalse(echo.metric(MetricNames.ACCURACY).isPresent());
    // Overall: 6 groups, CR (1 + 1/3 + 1 + 1/3 + 1 + 1) / 6; accuracy only over the label task.
    assertValue((4 + 2.0 / 3) / 6, m.overall().metric(MetricNames.CONSISTENCY_RATE).orElseThrow());
    assertValue((3 + 1 + 3 + 1 + 1 + 1) / 14.0, m.overall().metric(MetricNames.CONSISTENCY_RATE_POOLED).orElseThrow());
    assertValue(5.0 / 6, m.overall().metric(MetricNames.ACCURACY).orElseThrow());
    assertEquals(6, m.overall().groups());
    assertEquals(16, m.overall().responses());
    assertEquals(6, m.groups().size());
    assertEquals(3L, r.seed());
    assertEquals("exact", r.config().get("similarity"));
    assertTrue(r.comparisons().isEmpty());
  }

  @Test
  void a_second_model_is_compared_with_the_first_on_the_same_groups() {
    ScriptedModel a = new ScriptedModel("half", EvaluatorTest::halfRight);
    ScriptedModel b = new ScriptedModel("right", EvaluatorTest::alwaysRight);
    EvaluationReport r = evaluator(4).evaluate(tasks(), List.of(a, b), dir.resolve("responses.jsonl"),
        ProgressListener.NONE);
    Comparison cr = r.comparisons().stream()
        .filter(c -> c.task().equals("sentiment") && c.metric().equals(MetricNames.CONSISTENCY_RATE))
        .findFirst().orElseThrow();
    assertEquals("half", cr.modelA());
    assertEquals("right", cr.modelB());
    assertEquals(4, cr.groups());
    assertEquals(2.0 / 3, cr.meanA(), 1e-12);
    assertEquals(1.0, cr.meanB(), 1e-12);
    assertEquals(1.0 / 3, cr.difference().value(), 1e-12);
    assertTrue(cr.pValue() > 0 && cr.pValue() <= 1);
    assertTrue(r.comparisons().stream().anyMatch(c -> c.task().equals(TaskResult.OVERALL)));
  }

  @Test
  void an_interrupted_evaluation_resumes_without_regenerating_and_matches_an_uninterrupted_run() throws Exception {
    Path full = dir.resolve("full.jsonl");
    ScriptedModel reference = new ScriptedModel("half", EvaluatorTest::halfRight);
    EvaluationReport expected = evaluator(3).evaluate(tasks(), List.of(reference), full, ProgressListener.NONE);
    assertEquals(16, reference.prompts.get());

    Path partial = dir.resolve("partial.jsonl");
    ScriptedModel first = new ScriptedModel("half", EvaluatorTest::halfRight);
    int k = 5;
    ProgressListener stopAfterK = new ProgressListener() {
      int stored;

      @Override
      public void responsesStored(String model, int count) {
        stored += count;
        if (stored >= k) {
          throw new IllegalStateException("interrupted after " + stored);
        }
      }
    };
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> evaluator(3).evaluate(tasks(), List.of(first), partial, stopAfterK));
    assertEquals("interrupted after 6", e.getMessage());
    assertEquals(6, ResponseStore.read(partial).size());

    ScriptedModel second = new ScriptedModel("half", EvaluatorTest::halfRight);
    List<int[]> progress = new ArrayList<>();
    EvaluationReport resumed = evaluator(3).evaluate(tasks(), List.of(second), partial, new ProgressListener() {
      @Override
      public void generationStarted(String model, int total, int alreadyStored) {
        progress.add(new int[] {total, alreadyStored});
      }
    });
    assertEquals(10, second.prompts.get());
    assertEquals(16, progress.get(0)[0]);
    assertEquals(6, progress.get(0)[1]);
    assertEquals(expected, resumed);
    assertEquals(Files.readString(full), Files.readString(partial));
    // Batch seeds depend only on the batch index: the resumed batches used the seeds of batches 2-5.
    assertEquals(reference.seeds.subList(2, 6), second.seeds);
  }

  @Test
  void stored_responses_can_be_scored_again_without_the_model() {
    Path file = dir.resolve("responses.jsonl");
    EvaluationReport r = evaluator(4).evaluate(tasks(), List.of(new ScriptedModel("half", EvaluatorTest::halfRight)),
        file, ProgressListener.NONE);
    EvaluationReport again = evaluator(4).score(tasks(), List.of("half"), ResponseStore.read(file), ProgressListener.NONE);
    assertEquals(r, again);
  }

  @Test
  void resuming_with_other_decoding_settings_is_refused() {
    Path file = dir.resolve("responses.jsonl");
    evaluator(4).evaluate(tasks(), List.of(new ScriptedModel("half", EvaluatorTest::halfRight)), file, ProgressListener.NONE);
    Evaluator other = Evaluator.of(evaluator(4).config().toBuilder().generation(GenerationConfig.greedy(9)).build());
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> other.evaluate(tasks(), List.of(new ScriptedModel("half", EvaluatorTest::halfRight)), file, ProgressListener.NONE));
    assertEquals(file + ":1: the stored response of model half, task sentiment, variant 0, instance 0 was generated"
        + " with other decoding settings or seed; use the same settings to resume, or a new output directory",
        e.getMessage());
  }

  @Test
  void resuming_after_the_dataset_changed_is_refused() {
    Path file = dir.resolve("responses.jsonl");
    evaluator(4).evaluate(tasks(), List.of(new ScriptedModel("half", EvaluatorTest::halfRight)), file, ProgressListener.NONE);
    List<InstructionTask> changed = new ArrayList<>(tasks());
    InstructionTask s = changed.get(0);
    changed.set(0, InstructionTask.of("sentiment",
        List.of("Sentiment of this: {input}", s.variants().get(1), s.variants().get(2)), s.instances()));
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> evaluator(4).evaluate(changed, List.of(new ScriptedModel("half", EvaluatorTest::halfRight)), file,
            ProgressListener.NONE));
    assertTrue(e.getMessage().startsWith(file + ":1: the stored response of model half, task sentiment, variant 0,"
        + " instance 0 was generated from a different prompt"), e.getMessage());
  }

  @Test
  void a_model_that_returns_too_few_generations_is_reported() {
    LanguageModel broken = new ScriptedModel("broken", p -> "x") {
      @Override
      public List<Generation> generate(List<String> batch, GenerationConfig config) {
        return super.generate(batch.subList(0, 1), config);
      }
    };
    Exception e = assertThrows(org.consistency4j.ConsistencyException.class,
        () -> evaluator(4).evaluate(tasks(), List.of(broken), dir.resolve("r.jsonl"), ProgressListener.NONE));
    assertEquals("broken returned 1 generations for 4 prompts", e.getMessage());
  }

  @Test
  void configuration_rules_are_checked_with_messages_naming_the_field() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EvaluationConfig.builder().batchSize(0).build());
    assertEquals("batchSize must be > 0, found 0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> EvaluationConfig.builder().resamples(0).build());
    assertEquals("resamples must be in [1, 1000000], found 0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> EvaluationConfig.builder().resamples(1_000_001).build());
    assertEquals("resamples must be in [1, 1000000], found 1000001", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> EvaluationConfig.builder().level(1).build());
    assertEquals("level must be in (0, 1), found 1.0", e.getMessage());
    ScriptedModel m = new ScriptedModel("same", p -> "x");
    e = assertThrows(IllegalArgumentException.class,
        () -> evaluator(2).evaluate(tasks(), List.of(m, m), dir.resolve("r.jsonl"), ProgressListener.NONE));
    assertEquals("models must have distinct names, \"same\" repeats", e.getMessage());
    List<InstructionTask> twice = List.of(tasks().get(0), tasks().get(0));
    e = assertThrows(IllegalArgumentException.class,
        () -> evaluator(2).evaluate(twice, List.of(m), dir.resolve("r.jsonl"), ProgressListener.NONE));
    assertEquals("tasks must have distinct names, \"sentiment\" repeats", e.getMessage());
  }
}
