package org.consistency4j.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.ExportedModel;
import org.consistency4j.internal.AtomicFiles;
import org.consistency4j.loss.Losses;
import org.consistency4j.loss.StandardLoss;
import org.consistency4j.lm.Generation;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.lora.Lora;
import org.consistency4j.lora.LoraConfig;
import org.consistency4j.model.ModelConfig;
import org.consistency4j.model.OnnxLanguageModel;
import org.consistency4j.model.Quantization;
import org.consistency4j.model.RuntimeOptions;
import org.consistency4j.optim.AdamWConfig;
import org.consistency4j.train.LlamaTrainingGraph;
import org.consistency4j.train.QuantizedBase;
import org.consistency4j.train.ScratchModels;
import org.consistency4j.train.TrainingSession;

/**
 * Real-size models on this library's runtime: random-weight models with the exact {@code config.json}
 * of Qwen2.5-0.5B, Qwen3-0.6B and Llama-3.2-1B, and on request Llama-3.1-8B (bfloat16 safetensors
 * like the published files, written on demand from a seed) and one measurement per JVM, so that the peak resident set ({@code VmHWM} of
 * {@code /proc/self/status}) belongs to that measurement alone. {@code benchmarks/scale/run.sh} runs
 * every measurement and the PyTorch and Jlama anchors; see benchmarks/README.md.
 *
 * <pre>
 * ScaleBenchmark write CACHE_DIR [MODEL...]         write the model directories (once)
 * ScaleBenchmark MEASURE MODEL_DIR THREADS [REPS]   one measurement, one JSON line on stdout
 * </pre>
 *
 * MEASURE is {@code load} (load time), {@code prefill} (one forward pass over 512 tokens, all logits),
 * {@code decode1} / {@code decode16} (greedy decoding of 32 tokens after 16-token prompts, batch 1 or
 * 16: tokens/s of the 32 decoding steps, the prompt pass subtracted by timing a 1-token generation),
 * {@code lora} (one LoRA SFT step, rank 8 on q_proj and v_proj, one 256-token row) and {@code cat}
 * (one consistency-alignment step, ranking loss + SFT in the graph, LoRA as for {@code lora}, one pair of
 * 256-token rows with 64-token prompts). Times are wall-clock medians over REPS repetitions (default 3)
 * after one warm-up. The inference measurements load the model with the quantization named by the
 * system property {@code consistency4j.scaleQuantization} ({@code none}, the default, {@code int8} or
 * {@code int4}; {@code lora} and {@code cat} then train the adapters on a quantized frozen base,
 * {@link org.consistency4j.train.QuantizedBase}, loaded by {@link QuantizedBase#loadForward}, or
 * with {@code -Dconsistency4j.scaleQuantizeAfterLoad=true} loaded as float32 and quantized
 * afterwards), and every measurement gives ONNX Runtime the weights as the system property {@code
 * consistency4j.scaleWeights} says ({@code auto}, the default, {@code in_place} or {@code session}:
 * {@link RuntimeOptions.WeightPlacement}) and, for float32 weights read in place, in the layout the
 * system property {@code consistency4j.scaleLinearLayout} names ({@code batched}, the default, or
 * {@code single_sequence}: {@link RuntimeOptions.LinearLayout}); {@code
 * -Dconsistency4j.scaleWeightPrecision=as_stored} reads the bf16 linear weights as stored ({@link
 * RuntimeOptions.WeightPrecision}; default {@code float32}) in row chunks of {@code
 * -Dconsistency4j.scaleChunkElements} elements (default {@link
 * RuntimeOptions#DEFAULT_AS_STORED_CHUNK_ELEMENTS}). {@code
 * -Dconsistency4j.scaleTemperature=T} samples at temperature T in {@code decode1} / {@code decode16}
 * (default 0, greedy), and {@code -Dconsistency4j.scalePrompt=N} decodes after N-token prompts
 * (default 16). {@code -Dconsistency4j.scaleTrainSeq=N} changes the row length of
 * {@code lora} and {@code cat} (default 256). Training measurements log the resident set after each
 * setup phase on stderr.
 */
public final class ScaleBenchmark {
  /** The model names, each a directory of {@code src/main/resources/scale}. */
  public static final List<String> MODELS = List.of("qwen2.5-0.5b", "qwen3-0.6b", "llama-3.2-1b");
  /**
   * Models written only when named: the Llama-3.1-8B shape (about 16 GB of bfloat16 weights), run
   * quantized ({@code -Dconsistency4j.scaleQuantization=int4}).
   */
  public static final List<String> LARGE_MODELS = List.of("llama-3.1-8b");
  /** The seed of the random weights. */
  public static final long SEED = 20261206L;
  static final int PREFILL = 512;
  static final int PROMPT = Integer.getInteger("consistency4j.scalePrompt", 16);
  static final int NEW_TOKENS = 32;
  static final int TRAIN_SEQ = Integer.getInteger("consistency4j.scaleTrainSeq", 256);
  static final int CAT_PROMPT = 64;
  /** Decoding temperature of {@code decode1} / {@code decode16}: 0 (greedy) unless set. */
  static final double TEMPERATURE =
      Double.parseDouble(System.getProperty("consistency4j.scaleTemperature", "0"));
  /** Token ids drawn for prompts and training rows: ids 4 .. TOKENIZER_WORDS + 3. */
  static final int TOKENIZER_WORDS = 1000;

  private ScaleBenchmark() {}

  /** See the class comment. */
  public static void main(String[] args) throws IOException {
    if (args.length < 2) {
      System.err.println("usage: ScaleBenchmark write CACHE_DIR [MODEL...]"
          + " | ScaleBenchmark load|prefill|decode1|decode16|lora|cat MODEL_DIR THREADS [REPS]");
      System.exit(2);
    }
    if (args[0].equals("write")) {
      List<String> models = args.length > 2
          ? Arrays.asList(args).subList(2, args.length) : MODELS;
      for (String m : models) {
        System.out.println(write(Path.of(args[1]), m));
      }
      return;
    }
    Path dir = Path.of(args[1]);
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    int reps = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    Quantization quantization =
        Quantization.parse(System.getProperty("consistency4j.scaleQuantization", "none"));
    RuntimeOptions.WeightPlacement weights = enumProperty("consistency4j.scaleWeights",
        RuntimeOptions.WeightPlacement.AUTO);
    RuntimeOptions.LinearLayout layout = enumProperty("consistency4j.scaleLinearLayout",
        RuntimeOptions.LinearLayout.BATCHED);
    RuntimeOptions.WeightPrecision precision = enumProperty(
        "consistency4j.scaleWeightPrecision", RuntimeOptions.WeightPrecision.FLOAT32);
    int chunk = Integer.getInteger("consistency4j.scaleChunkElements",
        RuntimeOptions.DEFAULT_AS_STORED_CHUNK_ELEMENTS);
    RuntimeOptions rt = RuntimeOptions.builder().intraOpThreads(threads).quantization(quantization)
        .weights(weights).linearLayout(layout).weightPrecision(precision)
        .asStoredChunkElements(chunk).build();
    String what = args[0];
    String result = switch (what) {
      case "load", "prefill", "decode1", "decode16" -> inference(what, dir, rt, reps);
      case "lora", "cat" -> training(what, dir, rt, reps);
      default -> throw new IllegalArgumentException("unknown measurement " + what
          + "; expected load, prefill, decode1, decode16, lora or cat");
    };
    String impl = Boolean.getBoolean("consistency4j.ortDisablePrepacking")
        ? "consistency4j-ort-noprepack" : "consistency4j-ort";
    if (quantization != Quantization.NONE) {
      impl += "-" + quantization.label();
    }
    // Training on a quantized base dequantizes in its graphs and reads the codes in place (AUTO).
    RuntimeOptions placed = what.equals("lora") || what.equals("cat")
        ? rt.toBuilder().quantization(Quantization.NONE).build() : rt;
    if (placed.resolvedWeights() == RuntimeOptions.WeightPlacement.SESSION) {
      impl += "-session-weights";
    } else if (quantization == Quantization.NONE && !what.equals("lora") && !what.equals("cat")) {
      impl += "-" + layout.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
    if (precision == RuntimeOptions.WeightPrecision.AS_STORED && !what.equals("lora")
        && !what.equals("cat")) {
      impl += "-as-stored" + (chunk == RuntimeOptions.DEFAULT_AS_STORED_CHUNK_ELEMENTS ? ""
          : "-" + chunk);
    }
    // The resident set at the end split into anonymous memory and mapped file pages (a model read
    // as stored is mostly the latter: pages of the safetensors file, which the kernel can drop).
    System.out.printf(Locale.ROOT, "{\"model\": \"%s\", \"what\": \"%s\", \"threads\": %d,"
        + " \"impl\": \"%s\", %s, \"peak_rss_mib\": %.0f, \"end_rss_anon_mib\": %.0f,"
        + " \"end_rss_file_mib\": %.0f}%n", dir.getFileName(), what, threads, impl, result,
        statusKib("VmHWM") / 1024.0, statusKib("RssAnon") / 1024.0, statusKib("RssFile") / 1024.0);
  }

  /**
   * Writes (each file once) {@code cache/model}: the published {@code config.json}, a word-level
   * tokenizer with one word per id of the vocabulary and {@code model.safetensors} in bfloat16 from
   * {@link #SEED}.
   *
   * @return the model directory
   */
  public static Path write(Path cache, String model) throws IOException {
    if (!MODELS.contains(model) && !LARGE_MODELS.contains(model)) {
      throw new IllegalArgumentException("unknown model " + model + "; expected one of " + MODELS
          + " or " + LARGE_MODELS);
    }
    Path dir = cache.resolve(model);
    Files.createDirectories(dir);
    if (!Files.isRegularFile(dir.resolve("config.json"))) {
      try (InputStream in =
          ScaleBenchmark.class.getResourceAsStream("/scale/" + model + "/config.json")) {
        AtomicFiles.write(dir.resolve("config.json"), in.readAllBytes());
      }
    }
    if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
      // One word per id of the model's vocabulary, so that every generated id decodes.
      int vocab = ModelConfig.parse(dir.resolve("config.json")).vocabSize();
      List<String> words = new ArrayList<>(vocab);
      for (int i = 0; i < vocab - 4; i++) {
        words.add("w" + i);
      }
      ScratchModels.writeWordLevelTokenizer(dir, words, 4096);
    }
    if (!Files.isRegularFile(dir.resolve("model.safetensors"))) {
      ScratchModels.writeRandomWeights(dir, DType.BFLOAT16, SEED);
    }
    return dir;
  }

  /**
   * The constant of {@code fallback}'s enum that system property {@code key} names, ignoring case
   * ({@code fallback} when unset).
   *
   * @throws IllegalArgumentException naming the property, the accepted values and the bad value
   */
  private static <E extends Enum<E>> E enumProperty(String key, E fallback) {
    String name = System.getProperty(key, fallback.name().toLowerCase(Locale.ROOT));
    E[] values = fallback.getDeclaringClass().getEnumConstants();
    for (E e : values) {
      if (e.name().equalsIgnoreCase(name)) {
        return e;
      }
    }
    List<String> names = new ArrayList<>();
    for (E e : values) {
      names.add(e.name().toLowerCase(Locale.ROOT));
    }
    throw new IllegalArgumentException(key + " must be one of " + names + ", found \"" + name
        + "\"");
  }

  private static String inference(String what, Path dir, RuntimeOptions rt, int reps) {
    long t0 = System.nanoTime();
    try (OnnxLanguageModel model = OnnxLanguageModel.load(dir, rt)) {
      double loadMs = (System.nanoTime() - t0) / 1e6;
      String load = String.format(Locale.ROOT, "\"load_ms\": %.0f, \"anon_after_load_mib\": %.0f",
          loadMs, statusKib("RssAnon") / 1024.0);
      SplittableRandom rng = new SplittableRandom(7);
      switch (what) {
        case "load":
          return load + String.format(Locale.ROOT, ", \"rss_after_load_mib\": %.0f",
              statusKib("VmRSS") / 1024.0);
        case "prefill": {
          int[] ids = rng.ints(PREFILL, 4, TOKENIZER_WORDS + 4).toArray();
          double ms = medianMs(reps, () -> (long) model.logits(ids)[PREFILL - 1][0]);
          return load + String.format(Locale.ROOT, ", \"prefill_ms\": %.0f, \"tokens_per_s\": %.2f",
              ms, PREFILL / (ms / 1e3));
        }
        default: {
          int batch = what.equals("decode1") ? 1 : 16;
          List<int[]> prompts = new ArrayList<>();
          for (int i = 0; i < batch; i++) {
            prompts.add(rng.ints(PROMPT, 4, TOKENIZER_WORDS + 4).toArray());
          }
          double one = medianMs(reps, () -> generate(model, prompts, 1));
          double full = medianMs(reps, () -> generate(model, prompts, NEW_TOKENS + 1));
          double decodeMs = full - one;
          return load + String.format(Locale.ROOT, ", \"batch\": %d, \"prompt_plus_1_ms\": %.0f,"
              + " \"prompt_plus_%d_ms\": %.0f, \"tokens_per_s\": %.2f,"
              + " \"anon_after_decode_mib\": %.0f%s", batch, one, NEW_TOKENS + 1,
              full, batch * NEW_TOKENS / (decodeMs / 1e3), statusKib("RssAnon") / 1024.0,
              TEMPERATURE == 0 ? "" : ", \"temperature\": " + TEMPERATURE);
        }
      }
    }
  }

  private static long generate(OnnxLanguageModel model, List<int[]> prompts, int n) {
    GenerationConfig g = GenerationConfig.builder().maxNewTokens(n).temperature(TEMPERATURE)
        .stopAtEos(false).seed(0).build();
    long sum = 0;
    for (Generation out : model.generateIds(prompts, g)) {
      if (out.tokenIds().size() != n) {
        throw new IllegalStateException("expected " + n + " tokens, got " + out.tokenIds().size());
      }
      sum += out.tokenIds().get(n - 1);
    }
    return sum;
  }

  private static String training(String what, Path dir, RuntimeOptions rt, int reps) {
    long t0 = System.nanoTime();
    boolean cat = what.equals("cat");
    StandardLoss loss = Losses.rank(1);
    // On a quantized base, as FineTuning does: the linear weights stay views of the mapped file
    // until QuantizedBase quantizes them (-Dconsistency4j.scaleQuantizeAfterLoad=true: the float32
    // graph is loaded and quantized afterwards, as before 2026-12-07).
    ExportedModel forward = rt.quantization().enabled()
        && !Boolean.getBoolean("consistency4j.scaleQuantizeAfterLoad")
        ? QuantizedBase.loadForward(dir, ModelConfig.parse(dir.resolve("config.json")))
        : LlamaTrainingGraph.load(dir);
    phase("forward graph loaded");
    Lora.Adapted a = Lora.apply(forward, new LoraConfig(8, 16, List.of("q_proj", "v_proj"), 0));
    forward = null;
    phase("adapters added");
    TrainingSession opened = TrainingSession.builder(a.model())
        .inputIds(LlamaTrainingGraph.INPUT_IDS).logits(LlamaTrainingGraph.LOGITS)
        .trainable(a.adapters()).noDecay(java.util.Set.of()).optimizer(AdamWConfig.defaults())
        .runtime(rt).auxiliary(TrainingSession.AuxiliaryInputs.none())
        .pairwiseLoss(cat ? loss : null).build();
    a = null;
    if (rt.quantization().enabled()) {
      // As FineTuning does: let go of what the quantized base replaced.
      System.gc();
    }
    try (TrainingSession session = opened) {
      double setupMs = (System.nanoTime() - t0) / 1e6;
      phase("training session open");
      long setupRss = statusKib("VmRSS");
      SplittableRandom rng = new SplittableRandom(9);
      int rows = cat ? 2 : 1;
      int prompt = cat ? CAT_PROMPT : 0;
      long[] ids = new long[rows * TRAIN_SEQ];
      long[] labels = new long[rows * TRAIN_SEQ];
      long[] shared = rng.longs(prompt, 4, TOKENIZER_WORDS + 4).toArray();
      for (int r = 0; r < rows; r++) {
        for (int t = 0; t < TRAIN_SEQ; t++) {
          long id = t < prompt ? shared[t] : 4 + rng.nextInt(TOKENIZER_WORDS);
          ids[r * TRAIN_SEQ + t] = id;
          labels[r * TRAIN_SEQ + t] = t < prompt ? -100 : id;
        }
      }
      TrainingSession.Batch batch = new TrainingSession.Batch(ids, labels, rows, TRAIN_SEQ);
      double ms = medianMs(reps, () -> {
        double l = cat ? session.stepPairs(List.of(batch), 1e-4, 1.0).result().loss()
            : session.step(List.of(batch), 1e-4).loss();
        if (!Double.isFinite(l)) {
          throw new IllegalStateException("non-finite loss " + l);
        }
        return (long) l;
      });
      return String.format(Locale.ROOT, "\"setup_ms\": %.0f, \"rss_after_setup_mib\": %.0f,"
          + " \"rows\": %d, \"seq\": %d, \"step_ms\": %.0f", setupMs, setupRss / 1024.0, rows,
          TRAIN_SEQ, ms);
    }
  }

  /** Logs the resident set after a phase of a measurement (stderr). */
  private static void phase(String what) {
    Runtime rt = Runtime.getRuntime();
    System.err.printf(Locale.ROOT, "%s: VmRSS %.0f MiB, VmHWM %.0f MiB, Java heap %.0f MiB used of"
        + " %.0f MiB committed%n", what, statusKib("VmRSS") / 1024.0, statusKib("VmHWM") / 1024.0,
        (rt.totalMemory() - rt.freeMemory()) / 1048576.0, rt.totalMemory() / 1048576.0);
  }

  /** One warm-up call, then the median wall time of {@code reps} calls, in milliseconds. */
  private static double medianMs(int reps, LongSupplier call) {
    call.getAsLong();
    double[] ms = new double[reps];
    for (int i = 0; i < reps; i++) {
      long t = System.nanoTime();
      call.getAsLong();
      ms[i] = (System.nanoTime() - t) / 1e6;
    }
    Arrays.sort(ms);
    return ms[reps / 2];
  }

  /** A {@code kB} field of {@code /proc/self/status} (Linux), for example {@code VmHWM}. */
  static long statusKib(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read /proc/self/status", e);
    }
    throw new IllegalStateException("/proc/self/status has no " + field + " line");
  }
}
