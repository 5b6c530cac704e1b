package org.consistency4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.consistency4j.data.JsonLines;
import org.consistency4j.lm.Continuation;
import org.consistency4j.lm.ContinuationScore;
import org.consistency4j.lm.Generation;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.model.OnnxLanguageModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The {@code generate} and {@code logprobs} subcommands over a local Hugging Face model. */
final class ModelCommands {
  private ModelCommands() {}

  /** Reads {@code input_ids} of a line: a non-empty array of integers. */
  static int[] inputIds(JsonLines.Line line) {
    JsonNode n = line.json().get("input_ids");
    if (n == null || !n.isArray() || n.isEmpty()) {
      throw line.error("field \"input_ids\" must be a non-empty array of token ids, found " + n);
    }
    int[] ids = new int[n.size()];
    for (int i = 0; i < ids.length; i++) {
      JsonNode e = n.get(i);
      if (!e.isIntegralNumber() || !e.canConvertToInt()) {
        throw line.error("field \"input_ids\"[" + i + "] must be an integer, found " + e);
      }
      ids[i] = e.intValue();
    }
    return ids;
  }

  /** Runs the model call and turns bad ids into a file:line error. */
  static <T> T onLine(JsonLines.Line line, java.util.function.Supplier<T> call) {
    try {
      return call.get();
    } catch (IllegalArgumentException e) {
      throw line.error(e.getMessage());
    }
  }

  /** {@code consistency generate}. */
  @Command(
      name = "generate",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = "Generate continuations with a local Hugging Face decoder model (Llama,"
          + " Mistral, Qwen2/3, Phi-3, Gemma 2/3).",
      footer = {
        "",
        "Input (JSONL): {\"prompt\": \"text\"} or {\"input_ids\": [1, 2, 3]} per line.",
        "Output (JSONL): {\"output_ids\": [...], \"text\": \"...\"} per line: the new tokens only.",
        "Line i samples from the stream of (--seed, i). Exit codes: 0 ok, 1 failure, 2 bad input."
      })
  static final class Generate implements Callable<Integer> {
    @Spec private picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin private DeviceOption device;

    @picocli.CommandLine.Mixin private QuantizeOption quantize;

    @picocli.CommandLine.Mixin private LinearLayoutOption linearLayout;

    @picocli.CommandLine.Mixin private WeightPrecisionOption weightPrecision;

    @Option(names = "--model", required = true, paramLabel = "DIR",
        description = "Hugging Face model directory (config.json, safetensors, tokenizer.json).")
    private Path model;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "JSONL input.")
    private Path input;

    @Option(names = "--output", paramLabel = "FILE",
        description = "Write here (atomically) instead of standard output.")
    private Path output;

    @Option(names = "--max-new-tokens", defaultValue = "64",
        description = "Most new tokens per line (default: ${DEFAULT-VALUE}).")
    private int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0",
        description = "0 = greedy (default), otherwise the sampling temperature.")
    private double temperature;

    @Option(names = "--top-p", defaultValue = "1", description = "Nucleus sampling mass in (0, 1].")
    private double topP;

    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed (default: 0).")
    private long seed;

    @Override
    public Integer call() throws IOException {
      GenerationConfig config =
          GenerationConfig.builder()
              .maxNewTokens(maxNewTokens)
              .temperature(temperature)
              .topP(topP)
              .seed(seed)
              .build();
      ObjectMapper mapper = JsonlIO.writerMapper();
      LocalModels.checkMaxNewTokens(model, maxNewTokens);
      try (OnnxLanguageModel lm =
          OnnxLanguageModel.load(model,
              weightPrecision.apply(linearLayout.apply(quantize.apply(device.runtime()))))) {
        // Lines are decoded in batches; line i still samples from the stream (seed, i).
        List<int[]> pending = new ArrayList<>();
        int[] done = {0};
        JsonlIO.emit(output, spec.commandLine().getOut(), out -> {
          JsonlIO.forEachObject(input, line -> {
            int[] ids = line.has("input_ids")
                ? inputIds(line)
                : lm.tokenizer().encode(line.text("prompt"));
            onLine(line, () -> {
              lm.config().validateInputIds(
                  ids, line.has("input_ids") ? "input_ids" : "prompt tokens");
              return null;
            });
            pending.add(ids);
            if (pending.size() == OnnxLanguageModel.GENERATION_BATCH) {
              flush(lm, pending, config, done, mapper, out);
            }
          });
          if (!pending.isEmpty()) {
            flush(lm, pending, config, done, mapper, out);
          }
        });
      }
      return 0;
    }
  }

  /** Generates for the pending lines, writes their results in order and clears them. */
  private static void flush(OnnxLanguageModel lm, List<int[]> pending, GenerationConfig config,
      int[] done, ObjectMapper mapper, java.io.Writer out) throws IOException {
    for (Generation g : lm.generateIds(pending, config, done[0])) {
      ObjectNode node = mapper.createObjectNode();
      ArrayNode arr = node.putArray("output_ids");
      g.tokenIds().forEach(arr::add);
      node.put("text", g.text());
      out.write(mapper.writeValueAsString(node));
      out.write('\n');
    }
    done[0] += pending.size();
    pending.clear();
  }

  /** A line of {@code consistency logprobs}: token ids or a prompt and completion. */
  private record ScoreLine(JsonLines.Line line, int[] ids, Continuation continuation) {}

  /** Scores the pending lines, writes their results in order and clears them. */
  private static void flushScores(OnnxLanguageModel lm, List<ScoreLine> pending,
      ObjectMapper mapper, java.io.Writer out) throws IOException {
    List<int[]> sequences = new ArrayList<>();
    List<Continuation> continuations = new ArrayList<>();
    for (ScoreLine p : pending) {
      if (p.ids() != null) {
        sequences.add(p.ids());
      } else {
        continuations.add(p.continuation());
      }
    }
    List<double[]> byIds = sequences.isEmpty() ? List.of() : lm.logprobs(sequences);
    List<ContinuationScore> byText;
    try {
      byText = continuations.isEmpty() ? List.of() : lm.score(continuations);
    } catch (IllegalArgumentException e) {
      // Find the line at fault: score them one by one.
      for (ScoreLine p : pending) {
        if (p.continuation() != null) {
          onLine(p.line(), () -> lm.score(List.of(p.continuation())));
        }
      }
      throw e;
    }
    int i = 0;
    int c = 0;
    for (ScoreLine p : pending) {
      double[] lp = p.ids() != null ? byIds.get(i++) : byText.get(c++).tokenLogProbs().stream()
          .mapToDouble(Double::doubleValue).toArray();
      ObjectNode node = mapper.createObjectNode();
      double sum = 0;
      ArrayNode arr = node.putArray("token_logprobs");
      for (double v : lp) {
        arr.add(v);
        sum += v;
      }
      node.put("logprob_sum", sum);
      out.write(mapper.writeValueAsString(node));
      out.write('\n');
    }
    pending.clear();
  }

  /** {@code consistency logprobs}. */
  @Command(
      name = "logprobs",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = "Log-probabilities of token sequences under a local Hugging Face model.",
      footer = {
        "",
        "Input (JSONL): {\"input_ids\": [...]} or {\"prompt\": \"...\", \"completion\": \"...\"}.",
        "Output (JSONL): {\"logprob_sum\": s, \"token_logprobs\": [...]} (natural log). For input_ids",
        "the tokens scored are x_1..x_n-1 given their prefixes; for prompt/completion the",
        "completion's tokens. Exit codes: 0 ok, 1 failure, 2 bad input."
      })
  static final class Logprobs implements Callable<Integer> {
    @Spec private picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin private DeviceOption device;

    @picocli.CommandLine.Mixin private QuantizeOption quantize;

    @picocli.CommandLine.Mixin private LinearLayoutOption linearLayout;

    @picocli.CommandLine.Mixin private WeightPrecisionOption weightPrecision;

    @Option(names = "--model", required = true, paramLabel = "DIR",
        description = "Hugging Face model directory.")
    private Path model;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "JSONL input.")
    private Path input;

    @Option(names = "--output", paramLabel = "FILE",
        description = "Write here (atomically) instead of standard output.")
    private Path output;

    @Override
    public Integer call() throws IOException {
      ObjectMapper mapper = JsonlIO.writerMapper();
      try (OnnxLanguageModel lm =
          OnnxLanguageModel.load(model,
              weightPrecision.apply(linearLayout.apply(quantize.apply(device.runtime()))))) {
        // Lines are scored in batches (one padded forward pass per 16 sequences), in input order.
        List<ScoreLine> pending = new ArrayList<>();
        JsonlIO.emit(output, spec.commandLine().getOut(), out -> {
          JsonlIO.forEachObject(input, line -> {
            if (line.has("input_ids")) {
              int[] ids = inputIds(line);
              onLine(line, () -> {
                lm.config().validateInputIds(ids, "input_ids");
                return null;
              });
              pending.add(new ScoreLine(line, ids, null));
            } else {
              String prompt = line.text("prompt");
              String completion = line.text("completion");
              if (completion.isEmpty()) {
                throw line.error("field \"completion\" must not be empty");
              }
              pending.add(new ScoreLine(line, null, new Continuation(prompt, completion)));
            }
            if (pending.size() == OnnxLanguageModel.FORWARD_BATCH) {
              flushScores(lm, pending, mapper, out);
            }
          });
          if (!pending.isEmpty()) {
            flushScores(lm, pending, mapper, out);
          }
        });
      }
      return 0;
    }
  }
}
