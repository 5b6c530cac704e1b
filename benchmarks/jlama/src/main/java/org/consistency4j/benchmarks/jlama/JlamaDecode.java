package org.consistency4j.benchmarks.jlama;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import com.github.tjake.jlama.util.PhysicalCoreExecutor;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Jlama anchor of ScaleBenchmark's decode measurement: the same model directory (Jlama reads the
 * bf16 safetensors as they are, with float32 working memory), a 16-token prompt and greedy decoding
 * of 32 tokens with Jlama's KV cache; tokens/s of the 32 decoding steps (the prompt pass, a batched
 * forward, timed separately and subtracted as on the Java and PyTorch sides). Batch 1 only: Jlama
 * 0.8.4 has no API that decodes several sequences in one step.
 *
 * <p>With {@code -Djlama.quantization=Q4} Jlama quantizes the weights to its 4-bit blocks when it
 * loads them: the anchor for this library's {@code --quantize int4}. Activations stay float32
 * ({@code -Djlama.workingQuantization=F32}, the default): Jlama 0.8.4's int8-activation path
 * ({@code I8}) fails on these files ("UnsupportedOperationException: BF16", the bf16 tensors it leaves
 * unquantized), and {@code -Djlama.quantization=I8} fails with float32 activations ("I8").
 *
 * <pre>JlamaDecode MODEL_DIR THREADS [REPS]</pre>
 */
public final class JlamaDecode {
  private static final int PROMPT = 16;
  private static final int NEW_TOKENS = 32;
  private static final int WORDS = 1000;

  private JlamaDecode() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int threads = Integer.parseInt(args[1]);
    int reps = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    PhysicalCoreExecutor.overrideThreadCount(threads);
    long t0 = System.nanoTime();
    String quant = System.getProperty("jlama.quantization", "");
    AbstractModel model = quant.isEmpty()
        ? ModelSupport.loadModel(dir.toFile(), DType.F32, DType.F32)
        : ModelSupport.loadModel(dir.toFile(), Files.createTempDirectory("jlama").toFile(), DType.F32,
            DType.valueOf(System.getProperty("jlama.workingQuantization", "F32")),
            Optional.of(DType.valueOf(quant)), Optional.empty());
    double loadMs = (System.nanoTime() - t0) / 1e6;
    int[] prompt = new SplittableRandom(7).ints(PROMPT, 4, WORDS + 4).toArray();
    double one = medianMs(reps, () -> generate(model, prompt, 1));
    double full = medianMs(reps, () -> generate(model, prompt, NEW_TOKENS + 1));
    System.out.printf(Locale.ROOT, "{\"model\": \"%s\", \"what\": \"decode1\", \"threads\": %d,"
        + " \"impl\": \"jlama-0.8.4%s\", \"load_ms\": %.0f, \"batch\": 1, \"prompt_plus_1_ms\": %.0f,"
        + " \"prompt_plus_%d_ms\": %.0f, \"tokens_per_s\": %.2f, \"peak_rss_mib\": %.0f}%n",
        dir.getFileName(), threads,
        quant.isEmpty() ? "" : "-" + quant.toLowerCase(Locale.ROOT), loadMs, one, NEW_TOKENS + 1, full,
        NEW_TOKENS / ((full - one) / 1e3), statusKib("VmHWM") / 1024.0);
    System.exit(0);
  }

  /** Greedy generation of {@code n} tokens after {@code prompt}; returns the last token. */
  private static int generate(AbstractModel model, int[] prompt, int n) {
    try (KvBufferCache cache = new KvBufferCache(model)) {
      KvBufferCache.KvBuffer kv = cache.getEphemeralKvBuffer();
      AbstractTensor out = model.batchForward(prompt, 0, kv);
      int next = argmax(model, out, out.shape().first() - 1);
      out.close();
      for (int i = 1; i < n; i++) {
        AbstractTensor o = model.forward(next, prompt.length + i - 1, kv, Optional.empty());
        next = argmax(model, o, 0);
        o.close();
      }
      return next;
    }
  }

  private static int argmax(AbstractModel model, AbstractTensor hidden, int row) {
    AbstractTensor last = hidden.shape().first() == 1 ? hidden : hidden.slice(row);
    float[] logits = model.getLogits(last);
    int best = 0;
    for (int i = 1; i < logits.length; i++) {
      if (logits[i] > logits[best]) {
        best = i;
      }
    }
    return best;
  }

  private static double medianMs(int reps, java.util.function.IntSupplier call) {
    call.getAsInt();
    double[] ms = new double[reps];
    for (int i = 0; i < reps; i++) {
      long t = System.nanoTime();
      call.getAsInt();
      ms[i] = (System.nanoTime() - t) / 1e6;
    }
    Arrays.sort(ms);
    return ms[reps / 2];
  }

  private static long statusKib(String field) throws java.io.IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
      }
    }
    throw new IllegalStateException("no " + field);
  }
}
