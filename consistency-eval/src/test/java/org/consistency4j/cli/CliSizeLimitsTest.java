package org.consistency4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Sizes in options are checked against the model or a documented maximum before anything is
 * allocated, and every refusal is one line on stderr with exit code 2, never a stack trace.
 */
class CliSizeLimitsTest {
  private static final String BIG = "2147483647";

  @TempDir Path dir;
  private String model;
  private Path prompts;
  private Path tasks;
  private Path groups;
  private Path sft;
  private Path pairs;

  @BeforeEach
  void files() throws Exception {
    model = Path.of(getClass().getResource("/fixtures/tiny-llama").toURI()).toString();
    prompts = dir.resolve("prompts.jsonl");
    Files.writeString(prompts, "{\"prompt\": \"hi\"}\n");
    tasks = dir.resolve("tasks.jsonl");
    Files.writeString(tasks, "{\"task\": \"t\", \"variants\": [\"Say {input}\", \"Repeat {input}\"],"
        + " \"instances\": [{\"input\": \"a\", \"references\": [\"a\"]}]}\n");
    groups = dir.resolve("groups.jsonl");
    Files.writeString(groups, "{\"group\": \"g\", \"responses\": [\"a\", \"b\", \"a\"]}\n");
    sft = dir.resolve("sft.jsonl");
    Files.writeString(sft, "{\"prompt\": \"a\", \"completion\": \"b\"}\n");
    pairs = dir.resolve("pairs.jsonl");
    Files.writeString(pairs, "{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\"}\n");
  }

  private static void refused(String message, String... args) {
    CliRun run = CliRun.of(args);
    assertEquals(2, run.exitCode(), String.join(" ", args) + ": " + run.err());
    // The message is the first line; option errors found by picocli's rules are followed by usage.
    String first = run.err().lines().findFirst().orElse("");
    assertTrue(first.contains(message), String.join(" ", args) + ": " + run.err());
    assertFalse(run.err().contains("\tat "), "stack trace: " + run.err());
    assertFalse(run.err().contains("Exception"), "exception: " + run.err());
  }

  private String out(String name) {
    return dir.resolve(name).toString();
  }

  @Test
  void max_new_tokens_beyond_the_context_is_refused_by_generate_evaluate_and_pairs() {
    String message =
        "--max-new-tokens must be <= the model's context length (max_position_embeddings 256 in "
            + Path.of(model, "config.json") + "), found " + BIG;
    refused(message, "generate", "--model", model, "--input", prompts.toString(),
        "--max-new-tokens", BIG);
    refused(message, "evaluate", "--model", model, "--data", tasks.toString(), "--out", out("e"),
        "--no-progress", "--max-new-tokens", BIG);
    refused(message, "pairs", "--model", model, "--groups", tasks.toString(), "--out",
        out("p.jsonl"), "--max-new-tokens", BIG);
  }

  @Test
  void bootstrap_and_resamples_have_a_documented_maximum() {
    refused("--bootstrap must be in [0, 1000000], found " + BIG,
        "consistency", "--input", groups.toString(), "--similarity", "exact", "--bootstrap", BIG);
    refused("--resamples must be in [1, 1000000], found " + BIG,
        "evaluate", "--model", model, "--data", tasks.toString(), "--out", out("e"), "--resamples", BIG);
    refused("--resamples must be in [1, 1000000], found " + BIG,
        "compare", out("a"), out("b"), "--resamples", BIG);
  }

  @Test
  void http_options_have_documented_maxima() {
    String[] base = {"evaluate", "--model", "http://127.0.0.1:9", "--model-name", "m", "--data",
        tasks.toString(), "--out", out("h"), "--no-progress"};
    refused("--timeout must be in [1, 86400] seconds, found 9223372036854775807",
        concat(base, "--timeout", "9223372036854775807"));
    refused("--concurrency must be in [1, 256], found " + BIG, concat(base, "--concurrency", BIG));
    refused("--max-retries must be in [0, 100], found " + BIG, concat(base, "--max-retries", BIG));
  }

  @Test
  void sample_and_paraphrase_counts_have_documented_maxima() {
    refused("--m must be in [1, 1024], found " + BIG,
        "pairs", "--model", model, "--groups", tasks.toString(), "--out", out("p.jsonl"), "--m", BIG);
    refused("--n must be in [1, 1000], found " + BIG,
        "paraphrase", "--input", prompts.toString(), "--n", BIG);
    refused("--n must be in [1, 1000], found " + BIG,
        "augment", "--tasks", dir.toString(), "--out", out("aug"), "--n", BIG);
    refused("--paraphrases must be in [1, 1000], found " + BIG,
        "evaluate", "--model", model, "--data", tasks.toString(), "--out", out("e"),
        "--paraphrases", BIG);
  }

  @Test
  void training_sizes_are_refused_before_training() {
    refused("--batch-size must be in [1, 65536], found " + BIG,
        "train", "sft", "--model", model, "--data", sft.toString(), "--out", out("s"), "--full",
        "--steps", "1", "--batch-size", BIG);
    refused("--grad-accum must be in [1, 65536], found " + BIG,
        "train", "cat", "--model", model, "--pairs", pairs.toString(), "--out", out("c"), "--full",
        "--steps", "1", "--grad-accum", BIG);
    refused("--threads must be in [0, 1024], found " + BIG,
        "train", "sft", "--model", model, "--data", sft.toString(), "--out", out("s"), "--full",
        "--threads", BIG);
    refused("--threads must be in [0, 1024], found " + BIG, "demo", "--out", out("d"), "--threads", BIG);
  }

  @Test
  void a_lora_rank_above_the_matrices_it_adapts_is_refused() {
    refused("LoRA rank must be <= min(out, in) = ",
        "train", "sft", "--model", model, "--data", sft.toString(), "--out", out("l"),
        "--lora-rank", BIG, "--steps", "1");
  }

  private static String[] concat(String[] a, String... b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  @CommandLine.Command(name = "boom")
  static final class Boom implements Callable<Integer> {
    @CommandLine.Parameters String what;

    @Override
    public Integer call() {
      switch (what) {
        case "oom":
          throw new OutOfMemoryError("Java heap space");
        case "stack":
          throw new StackOverflowError();
        default:
          throw new NegativeArraySizeException("-64");
      }
    }
  }

  private static CliRun runBoom(String what) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = ConsistencyCli.commandLine();
    cli.addSubcommand("boom", new Boom());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute("boom", what);
    return new CliRun(code, out.toString(), err.toString());
  }

  @Test
  void running_out_of_memory_or_stack_is_one_line_with_advice_not_a_trace() {
    CliRun oom = runBoom("oom");
    assertEquals(1, oom.exitCode());
    assertTrue(oom.err().startsWith("consistency boom: out of memory (the JVM may use at most "),
        oom.err());
    assertTrue(oom.err().contains("give Java more memory with -Xmx"), oom.err());
    assertEquals(1, oom.err().strip().lines().count(), oom.err());
    CliRun stack = runBoom("stack");
    assertEquals(1, stack.exitCode());
    assertTrue(stack.err().startsWith("consistency boom: out of stack space: an input is nested too"
        + " deeply"), stack.err());
    assertEquals(1, stack.err().strip().lines().count(), stack.err());
  }

  @Test
  void an_unexpected_exception_names_its_type_instead_of_a_bare_message() {
    CliRun run = runBoom("bug");
    assertEquals(1, run.exitCode());
    assertEquals(
        "consistency boom: internal error (NegativeArraySizeException: -64); please report it with"
            + " the command line (-Dconsistency.debug=true prints the stack trace)",
        run.err().strip());
  }
}
