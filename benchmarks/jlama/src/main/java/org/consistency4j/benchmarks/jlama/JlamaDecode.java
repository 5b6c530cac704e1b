package org.consistency4j.benchmarks.jlama;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import com.github.tjake.jlama.tensor.operations.TensorOperationsProvider;
import com.github.tjake.jlama.util.PhysicalCoreExecutor;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Jlama anchor of ScaleBenchmark's decode measurement: the same model directory, a 16-token prompt
 * and greedy decoding of 32 tokens with Jlama's KV cache; tokens/s of the 32 decoding steps (the
 * prompt pass, a batched forward, timed separately and subtracted as on the Java and PyTorch sides).
 * Batch 1 only: Jlama 0.8.4 has no API that decodes several sequences in one step.
 *
 * <p>Jlama multiplies by the weights in the type they are stored in: a bf16 file is read as bf16
 * (and Jlama 0.8.4 then rounds the activations to bf16 as well), a float32 file (written by {@code
 * benchmarks/scale/bf16_to_f32.py}) as float32 with float32 activations, a 4-bit file written by
 * {@link JlamaQuantize} as Q4 blocks. {@code -Djlama.workingQuantization=I8} asks for int8
 * activations (Jlama uses them only with Q4 weights whose dimensions its kernels accept, else float32).
 * {@code -Djlama.quantization=Q4} quantizes at load time instead, but Jlama 0.8.4 then quantizes only
 * the output and down projections: the row-sharded q/k/v, gate and up projections are loaded as sparse
 * tensors, which it does not quantize, and stay in the file's type. {@code -Djlama.quantization=I8}
 * fails on any file: Jlama 0.8.4 has no matrix product with int8 weights ({@code
 * UnsupportedOperationException: I8} with float32 activations). The JSON line names the types Jlama
 * ended up with: the file's majority type, the activation type and layer 0's query weight type.
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
    DType working = DType.valueOf(System.getProperty("jlama.workingQuantization", "F32"));
    AbstractModel model = quant.isEmpty()
        ? ModelSupport.loadModel(dir.toFile(), DType.F32, working)
        : ModelSupport.loadModel(dir.toFile(), Files.createTempDirectory("jlama").toFile(), DType.F32,
            working, Optional.of(DType.valueOf(quant)), Optional.empty());
    double loadMs = (System.nanoTime() - t0) / 1e6;
    int[] prompt = new SplittableRandom(7).ints(PROMPT, 4, WORDS + 4).toArray();
    double one = medianMs(reps, () -> generate(model, prompt, 1));
    double full = medianMs(reps, () -> generate(model, prompt, NEW_TOKENS + 1));
    System.out.printf(Locale.ROOT, "{\"model\": \"%s\", \"what\": \"decode1\", \"threads\": %d,"
        + " \"impl\": \"jlama-0.8.4%s\", \"load_ms\": %.0f, \"batch\": 1, \"prompt_plus_1_ms\": %.0f,"
        + " \"prompt_plus_%d_ms\": %.0f, \"tokens_per_s\": %.2f, \"peak_rss_mib\": %.0f,"
        + " \"jlama_model_dtype\": \"%s\", \"jlama_working_qtype\": \"%s\","
        + " \"jlama_q_proj_dtype\": \"%s\", \"jlama_ops\": \"%s\"}%n",
        dir.getFileName(), threads,
        quant.isEmpty() ? "" : "-" + quant.toLowerCase(Locale.ROOT), loadMs, one, NEW_TOKENS + 1, full,
        NEW_TOKENS / ((full - one) / 1e3), statusKib("VmHWM") / 1024.0,
        model.getWeights().getModelDType(), field(model, AbstractModel.class, "workingQType"),
        queryWeightType(model), TensorOperationsProvider.get().name());
    System.exit(0);
  }

  /** A private field of a Jlama object, read for the JSON line only ("?" if it cannot be read). */
  private static Object field(Object owner, Class<?> declaring, String name) {
    try {
      java.lang.reflect.Field f = declaring.getDeclaredField(name);
      f.setAccessible(true);
      return f.get(owner);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return "?";
    }
  }

  /**
   * The type Jlama multiplies by in layer 0's query projection: whether a requested quantization
   * reached the row-sharded weights.
   */
  private static Object queryWeightType(AbstractModel model) {
    Object blocks = field(model, AbstractModel.class, "transformerBlocks");
    if (!(blocks instanceof Object[] b) || b.length == 0) {
      return "?";
    }
    Object attention = field(b[0], com.github.tjake.jlama.model.TransformerBlock.class, "attention");
    Object q = attention == null ? "?"
        : field(attention, com.github.tjake.jlama.model.CausalSelfAttention.class, "queryAttnWeights");
    return q instanceof AbstractTensor t ? t.dType() : "?";
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
