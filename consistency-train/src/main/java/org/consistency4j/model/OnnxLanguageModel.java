package org.consistency4j.model;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.consistency4j.ConsistencyException;
import org.consistency4j.graph.ExportedModel;
import org.consistency4j.graph.Tensor;
import org.consistency4j.internal.Check;
import org.consistency4j.lm.Capability;
import org.consistency4j.lm.Continuation;
import org.consistency4j.lm.ContinuationScore;
import org.consistency4j.lm.Generation;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.lm.LanguageModel;
import org.consistency4j.lm.Sampling;
import org.consistency4j.lm.TokenLogProb;
import org.consistency4j.lm.YesNoTokens;
import org.consistency4j.tokenizer.Tokenizer;

/**
 * A Hugging Face Llama-family model ({@code config.json}, safetensors weights, {@code
 * tokenizer.json}) running on ONNX Runtime, as a {@link LanguageModel}. Prompts are tokenized as they
 * are (no chat template is applied; use {@link Tokenizer#applyChatTemplate} first if wanted).
 *
 * <p>Scoring runs the float32 forward graph of {@link LlamaGraphs#forward}; generation runs a
 * KV-cached decoding graph (prefill of the prompts, then one token per step), up to {@link
 * #GENERATION_BATCH} left-padded prompts at a time.
 * Both follow Hugging Face semantics in float32, except that with {@link
 * RuntimeOptions#quantization()} the linear layers' weights are quantized at load ({@link
 * Quantization}) and run by ONNX Runtime's {@code MatMulNBits}, that with float32 weights read
 * in place the widening linear weights may be held transposed ({@link
 * LlamaGraphs#loadWeightsTransposed}), and that with {@link RuntimeOptions.WeightPrecision#AS_STORED}
 * the 16-bit linear weights of the file are read as stored, in row chunks cast to float32 on every
 * run ({@link LlamaGraphs#loadWeightsInRowChunks}); both change float rounding only.
 *
 * <p>Owns its ONNX Runtime session, weight tensors and tokenizer; {@link #close()} releases them
 * (idempotent). Not thread-safe: use one instance per thread.
 */
public final class OnnxLanguageModel implements LanguageModel {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(OnnxLanguageModel.class);
  private final Path dir;
  private final ModelConfig config;
  private final Tokenizer tokenizer;
  private final ModelSessions sessions;
  private final OrtSession session;
  /** The weights each run is given (empty when the session holds them). */
  private final Map<String, OnnxTensor> weightInputs;
  private final PromptOverflow overflow;
  private final Quantization quantization;
  /** The decoding key/value cache, held once and reused by every generation. */
  private final KvCache kvCache;
  /**
   * Where ONNX Runtime writes each decoding step's logits ({@code [rows, 1, vocab]}, a pinned
   * output), reused by every step and every generation of this model and grown to the largest row
   * count seen; null before the first. Without it each step's logits were a new native tensor copied
   * into new Java arrays: at batch 16 over a 151,936-token vocabulary 9.3 MiB of garbage per step, on
   * which the JVM grew its heap by about 400 MiB in a 32-token generation (benchmarks/README.md,
   * "Where batched decoding's memory goes").
   */
  private FloatBuffer logitsBuffer;

  /**
   * What {@link #generate}, {@link #score}, {@link #nextTokenDistribution}, {@link
   * #nextTokenLogProbs} and {@link #probabilityOfYes} do with a prompt that leaves no room in the
   * model's context ({@code max_position_embeddings}).
   */
  public enum PromptOverflow {
    /** Refuse with an {@link IllegalArgumentException} naming the prompt and its length (default). */
    ERROR,
    /**
     * Keep the prompt's last tokens and log a warning: for generation leaving room for {@code
     * min(maxNewTokens, context / 2)} new tokens, for scoring room for the continuation, for
     * next-token questions (judges) the last {@code context} tokens. What chat front ends do with
     * long conversations; use it knowingly: it drops the start of the prompt, often the instruction.
     */
    TRUNCATE_LEFT
  }
  private boolean closed;

  private OnnxLanguageModel(
      Path dir, ModelConfig config, Tokenizer tokenizer, ModelSessions sessions,
      PromptOverflow overflow) {
    this.overflow = overflow;
    this.dir = dir;
    this.config = config;
    this.tokenizer = tokenizer;
    this.sessions = sessions;
    this.session = sessions.session("model");
    this.weightInputs = sessions.weightInputs("model");
    this.quantization = sessions.options().quantization();
    this.kvCache = new KvCache(config);
  }

  /** The decoding key/value cache (tests look at its buffers). */
  KvCache kvCache() {
    return kvCache;
  }

  /** The weights each run is given, by graph input name (empty when the session holds them). */
  Map<String, OnnxTensor> weightInputs() {
    return weightInputs;
  }

  /** {@link #load(Path, RuntimeOptions)} on the CPU. */
  public static OnnxLanguageModel load(Path modelDir) {
    return load(modelDir, RuntimeOptions.cpu());
  }

  /**
   * Loads a Hugging Face model directory.
   *
   * @param modelDir holds {@code config.json}, {@code model.safetensors} (or a sharded index),
   *     {@code tokenizer.json} and optionally {@code tokenizer_config.json}
   * @param options device and threads
   * @throws org.consistency4j.ModelLoadException if a file is missing or invalid, the architecture
   *     is unsupported, or a weight is missing or mis-shaped (messages name file and tensor)
   */
  public static OnnxLanguageModel load(Path modelDir, RuntimeOptions options) {
    return load(modelDir, options, PromptOverflow.ERROR);
  }

  /**
   * Loads a Hugging Face model directory, choosing what {@link #generate} does with prompts longer
   * than the context.
   *
   * @see #load(Path, RuntimeOptions)
   */
  public static OnnxLanguageModel load(Path modelDir, RuntimeOptions options,
      PromptOverflow overflow) {
    Check.notNull(options, "options");
    return load(modelDir, options, overflow, transposesLinearWeights(options),
        leftRows(options));
  }

  /**
   * Whether {@link #load(Path, RuntimeOptions, PromptOverflow)} holds the widening linear weights
   * transposed ({@link LlamaGraphs#loadWeightsTransposed}) for plain {@code MatMul}s: with float32
   * weights read in place ({@link RuntimeOptions#resolvedWeights()} {@code IN_PLACE}, no
   * quantization) and {@link RuntimeOptions.LinearLayout#SINGLE_SEQUENCE}. ONNX Runtime cannot
   * pre-pack weights read in place; its {@code MatMul} reads a weight {@code [in, out]} for one row
   * without packing it, while {@code FusedMatMul(transB = 1)} over the stored {@code [out, in]}
   * weight packs (transposes) it on every run (benchmarks/README.md, "Linear-layer layout with
   * weights read in place"). Session-held weights are pre-packed by ONNX Runtime once either way
   * and keep the stored layout; quantized weights run as {@code MatMulNBits}. The trade-off: at
   * batch 16 the stored layout is the faster one, so batched decoding gets slower, which is why
   * {@link RuntimeOptions.LinearLayout#BATCHED} (the default) keeps every weight as stored.
   */
  static boolean transposesLinearWeights(RuntimeOptions options) {
    return readsFloatWeightsInPlace(options)
        && options.linearLayout() == RuntimeOptions.LinearLayout.SINGLE_SEQUENCE;
  }

  /**
   * The row counts for which the linear layers over stored float32 weights read in place put the
   * weight first ({@link LlamaGraphs#rowSwitchedLinear}), in either {@link
   * RuntimeOptions.LinearLayout}; {@link LlamaGraphs.LeftRows#NEVER} for session-held or quantized
   * weights.
   */
  static LlamaGraphs.LeftRows leftRows(RuntimeOptions options) {
    return readsFloatWeightsInPlace(options) ? LlamaGraphs.LeftRows.BATCHES
        : LlamaGraphs.LeftRows.NEVER;
  }

  private static boolean readsFloatWeightsInPlace(RuntimeOptions options) {
    return options.resolvedWeights() == RuntimeOptions.WeightPlacement.IN_PLACE
        && !options.quantization().enabled();
  }

  /**
   * {@link #load(Path, RuntimeOptions, PromptOverflow)} with the widening linear weights held
   * transposed or as stored, as {@code transposed} says, and the stored ones put first for the row
   * counts {@code left} contains (tests compare the layouts).
   */
  static OnnxLanguageModel load(Path modelDir, RuntimeOptions options, PromptOverflow overflow,
      boolean transposed, LlamaGraphs.LeftRows left) {
    Check.notNull(modelDir, "modelDir");
    Check.notNull(options, "options");
    Check.notNull(overflow, "overflow");
    Check.notNull(left, "left");
    Check.argument(!transposed || !options.quantization().enabled(),
        "linear weights are held transposed only without quantization, found "
            + options.quantization().label());
    ModelConfig config = ModelConfig.parse(modelDir.resolve("config.json"));
    // Names and shapes are checked against the config (messages name the tensor).
    Map<String, Tensor> weights = options.weightPrecision()
        == RuntimeOptions.WeightPrecision.AS_STORED
        ? LlamaGraphs.loadWeightsInRowChunks(modelDir, config, options.asStoredChunkElements(),
            transposed ? Set.copyOf(LlamaGraphs.transposedWeights(config)) : Set.of())
        : transposed ? LlamaGraphs.loadWeightsTransposed(modelDir, config)
        : LlamaGraphs.loadWeights(modelDir, config, options.quantization());
    // One graph (and session) scores and decodes, so ONNX Runtime holds one pre-packed copy.
    ExportedModel graph = LlamaGraphs.decode(config, weights, options.quantization(), left);
    Tokenizer tokenizer = Tokenizer.load(modelDir);
    ModelSessions sessions = new ModelSessions(options);
    try {
      sessions.create("model", graph);
      if (options.resolvedWeights() == RuntimeOptions.WeightPlacement.SESSION) {
        // ONNX Runtime holds its own (pre-packed) copy now and nothing here reads the loaded
        // weights again (one session scores and decodes, and is never re-created): drop them and
        // collect, so that their direct buffers (a quantized model's codes and scales, 0.6-1.1
        // bytes per weight) are freed now rather than at some later collection.
        weights = null;
        graph = null;
        System.gc();
      }
      return new OnnxLanguageModel(modelDir, config, tokenizer, sessions, overflow);
    } catch (RuntimeException e) {
      try {
        sessions.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      tokenizer.close();
      throw e;
    }
  }

  /** Every {@link Capability}: scoring and next-token log-probabilities come from the same logits. */
  @Override
  public Set<Capability> capabilities() {
    return Set.copyOf(EnumSet.allOf(Capability.class));
  }

  /** The weight quantization this model was loaded with ({@link Quantization#NONE}: float32). */
  public Quantization quantization() {
    return quantization;
  }

  /** The model's configuration. */
  public ModelConfig config() {
    return config;
  }

  /** The model's tokenizer (owned by this model). */
  public Tokenizer tokenizer() {
    return tokenizer;
  }

  /**
   * Logits of every position: {@code result[t][v]} scores token {@code v} following {@code ids[0..t]}.
   *
   * @param ids token ids, not empty, each in {@code [0, vocabSize)}, at most {@code
   *     max_position_embeddings} of them
   */
  public float[][] logits(int[] ids) {
    ensureOpen();
    this.config.validateInputIds(ids, "input_ids");
    long[][] l = new long[1][ids.length];
    for (int i = 0; i < ids.length; i++) {
      l[0][i] = ids[i];
    }
    return forwardAll(l)[0];
  }

  /**
   * The logits of every position of right-padded rows {@code ids [rows][seq]}: the inference graph
   * with an empty cache, positions {@code 0 .. seq - 1}, every key visible (causality keeps a real
   * token from seeing the padding after it) and {@code logits_from} 0.
   */
  private float[][][] forwardAll(long[][] ids) {
    int rows = ids.length;
    int seq = ids[0].length;
    long[][] positions = new long[rows][seq];
    long[][] mask = new long[rows][seq];
    for (int r = 0; r < rows; r++) {
      for (int t = 0; t < seq; t++) {
        positions[r][t] = t;
        mask[r][t] = 1;
      }
    }
    try (OrtSession.Result r = runDecode(ids, positions, mask, seq, false, 0, null)) {
      return (float[][][]) r.get(LlamaGraphs.LOGITS).get().getValue();
    } catch (OrtException e) {
      throw new ConsistencyException(name() + ": forward pass failed", e);
    }
  }

  /** Sequences per forward pass of {@link #logitsBatch}. */
  public static final int FORWARD_BATCH = 16;

  /**
   * Logits of several sequences in padded batches of {@link #FORWARD_BATCH}: each batch is
   * right-padded to its longest sequence and run in one forward pass. With causal attention a real
   * token never attends to a later (padding) position, so the logits of the real positions equal
   * those of {@link #logits(int[])} on the sequence alone (up to float rounding of the batched
   * matrix products); padding positions are dropped.
   *
   * @param sequences token id sequences, each valid for {@link #logits(int[])}
   * @return per sequence, {@code result[t][v]} as in {@link #logits(int[])}
   */
  public List<float[][]> logitsBatch(List<int[]> sequences) {
    ensureOpen();
    Check.notEmpty(sequences, "sequences");
    List<float[][]> out = new ArrayList<>(sequences.size());
    for (int start = 0; start < sequences.size(); start += FORWARD_BATCH) {
      List<int[]> chunk = sequences.subList(start, Math.min(sequences.size(), start + FORWARD_BATCH));
      int seq = 0;
      for (int i = 0; i < chunk.size(); i++) {
        this.config.validateInputIds(chunk.get(i), "sequences[" + (start + i) + "]");
        seq = Math.max(seq, chunk.get(i).length);
      }
      long[][] l = new long[chunk.size()][seq];
      for (int b = 0; b < chunk.size(); b++) {
        int[] ids = chunk.get(b);
        for (int t = 0; t < ids.length; t++) {
          l[b][t] = ids[t];
        }
      }
      float[][][] logits = forwardAll(l);
      for (int b = 0; b < chunk.size(); b++) {
        out.add(Arrays.copyOf(logits[b], chunk.get(b).length));
      }
    }
    return out;
  }

  /**
   * {@code log p(ids[t] | ids[0..t-1])} for {@code t = 1 .. n-1} (natural log).
   *
   * @param ids token ids, at least one
   */
  public double[] logprobs(int[] ids) {
    return logprobs(List.of(ids)).get(0);
  }

  /**
   * {@link #logprobs(int[])} of several sequences, computed in the padded batches of {@link
   * #logitsBatch}.
   *
   * @param sequences token id sequences, each valid for {@link #logits(int[])}
   * @return per sequence, {@code log p(ids[t] | ids[0..t-1])} for {@code t = 1 .. n-1}
   */
  public List<double[]> logprobs(List<int[]> sequences) {
    List<float[][]> logits = logitsBatch(sequences);
    List<double[]> out = new ArrayList<>(sequences.size());
    for (int k = 0; k < sequences.size(); k++) {
      int[] ids = sequences.get(k);
      double[] lp = new double[ids.length - 1];
      for (int t = 1; t < ids.length; t++) {
        lp[t - 1] = Sampling.logSoftmax(logits.get(k)[t - 1])[ids[t]];
      }
      out.add(lp);
    }
    return out;
  }

  /**
   * Generates new token ids after {@code ids}.
   *
   * @param ids the prompt ids, not empty
   * @param config decoding settings; stop strings and eos are honored as configured
   * @param index the prompt's index in its call: selects the random stream {@link
   *     Sampling#rng(long, int)}
   * @return the new tokens only, with the text (stop string removed) and finish reason
   */
  public Generation generateIds(int[] ids, GenerationConfig config, int index) {
    this.config.validateInputIds(ids, "input_ids");
    return generateIdsBatch(List.of(ids), config, new int[] {index}).get(0);
  }

  /** Prompts decoded together by {@link #generateIds(List, GenerationConfig)}. */
  public static final int GENERATION_BATCH = 16;

  /**
   * Generates new token ids after each prompt, decoding up to {@link #GENERATION_BATCH} prompts
   * together: prompts of similar length are grouped, left-padded to a common length and decoded
   * step by step with one KV cache and an attention mask, until every prompt of the group has
   * finished. Prompt {@code i} samples from the random stream {@link Sampling#rng(long, int)
   * rng(seed, i)}, so its result does not depend on the other prompts (greedy results equal those
   * of {@link #generateIds(int[], GenerationConfig, int)} up to float rounding of the batched
   * products, which can only matter on near-ties).
   *
   * @param prompts the prompt ids, not empty, each valid for {@link #logits(int[])}
   * @param config decoding settings
   * @return one generation per prompt, in order
   */
  public List<Generation> generateIds(List<int[]> prompts, GenerationConfig config) {
    return generateIds(prompts, config, 0);
  }

  /**
   * {@link #generateIds(List, GenerationConfig)} where prompt {@code i} samples from the stream
   * {@link Sampling#rng(long, int) rng(seed, firstIndex + i)}: a long input processed in chunks
   * gives the same results as in one call.
   *
   * @param firstIndex the stream index of the first prompt, {@code >= 0}
   */
  public List<Generation> generateIds(List<int[]> prompts, GenerationConfig config,
      int firstIndex) {
    Check.notEmpty(prompts, "prompts");
    Check.argument(firstIndex >= 0, "firstIndex must be >= 0, found " + firstIndex);
    for (int i = 0; i < prompts.size(); i++) {
      this.config.validateInputIds(prompts.get(i), "prompts[" + i + "]");
    }
    Integer[] order = new Integer[prompts.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    // Group prompts of similar length to keep padding small; the order does not change results.
    Arrays.sort(order, (a, b) -> Integer.compare(prompts.get(a).length, prompts.get(b).length));
    Generation[] out = new Generation[prompts.size()];
    for (int start = 0; start < order.length; start += GENERATION_BATCH) {
      int n = Math.min(GENERATION_BATCH, order.length - start);
      List<int[]> chunk = new ArrayList<>(n);
      int[] streams = new int[n];
      for (int j = 0; j < n; j++) {
        chunk.add(prompts.get(order[start + j]));
        streams[j] = firstIndex + order[start + j];
      }
      List<Generation> gens = generateIdsBatch(chunk, config, streams);
      for (int j = 0; j < n; j++) {
        out[order[start + j]] = gens.get(j);
      }
    }
    return Arrays.asList(out);
  }

  /** Decodes {@code prompts} (checked) as one left-padded batch; row r uses stream indices[r]. */
  private List<Generation> generateIdsBatch(List<int[]> prompts, GenerationConfig config,
      int[] indices) {
    Check.notNull(config, "config");
    ensureOpen();
    int rows = prompts.size();
    int width = 0;
    for (int[] p : prompts) {
      width = Math.max(width, p.length);
    }
    // Generation stops at the context length, so buffers never need more room than that (and an
    // enormous maxNewTokens must neither overflow nor allocate for tokens that cannot be produced).
    int capacity = width + Math.min(config.maxNewTokens(), this.config.maxPositionEmbeddings());
    long[][] mask = new long[rows][capacity];
    long[][] stepIds = new long[rows][width];
    long[][] stepPos = new long[rows][width];
    int[] length = new int[rows];
    SplittableRandom[] rng = new SplittableRandom[rows];
    List<List<Integer>> tokens = new ArrayList<>(rows);
    String[] text = new String[rows];
    Generation.FinishReason[] reason = new Generation.FinishReason[rows];
    boolean[] active = new boolean[rows];
    int maxPos = this.config.maxPositionEmbeddings();
    int running = 0;
    for (int r = 0; r < rows; r++) {
      int[] p = prompts.get(r);
      int pad = width - p.length;
      for (int t = 0; t < p.length; t++) {
        stepIds[r][pad + t] = p[t];
        stepPos[r][pad + t] = t;
        mask[r][pad + t] = 1;
      }
      length[r] = p.length;
      rng[r] = Sampling.rng(config.seed(), indices[r]);
      tokens.add(new ArrayList<>());
      text[r] = "";
      reason[r] = Generation.FinishReason.LENGTH;
      active[r] = config.maxNewTokens() > 0 && p.length < maxPos;
      running += active[r] ? 1 : 0;
    }
    int total = width;
    // One row of logits at a time, copied out of the pinned output just before it is sampled.
    float[] logits = new float[this.config.vocabSize()];
    Sampling.Scratch scratch = new Sampling.Scratch();
    kvCache.reset(rows, width, capacity);
    try (OnnxTensor logitsOut = pinnedLogits(rows)) {
      while (running > 0) {
        runDecode(stepIds, stepPos, mask, total, true, stepIds[0].length - 1, logitsOut).close();
        stepIds = new long[rows][1];
        stepPos = new long[rows][1];
        for (int r = 0; r < rows; r++) {
          stepPos[r][0] = length[r];
          if (!active[r]) {
            continue;
          }
          readLogits(r, logits);
          int next = Sampling.sample(logits, config, rng[r], scratch);
          if (config.stopAtEos() && this.config.eosTokenIds().contains(next)) {
            reason[r] = Generation.FinishReason.EOS;
            active[r] = false;
            running--;
            continue;
          }
          List<Integer> out = tokens.get(r);
          out.add(next);
          length[r]++;
          text[r] = tokenizer.decode(out.stream().mapToInt(Integer::intValue).toArray());
          int cut = config.firstStop(text[r]);
          if (cut >= 0) {
            text[r] = text[r].substring(0, cut);
            reason[r] = Generation.FinishReason.STOP_STRING;
          }
          if (cut >= 0 || out.size() >= config.maxNewTokens() || length[r] >= maxPos) {
            active[r] = false;
            running--;
            continue;
          }
          stepIds[r][0] = next;
          mask[r][total] = 1;
        }
        total++;
      }
    } catch (OrtException e) {
      throw new ConsistencyException(name() + ": decoding step failed", e);
    }
    List<Generation> out = new ArrayList<>(rows);
    for (int r = 0; r < rows; r++) {
      out.add(new Generation(text[r], tokens.get(r), reason[r]));
    }
    return out;
  }

  /**
   * One step: feeds {@code ids [rows, new]} at {@code positions}, with the first {@code total}
   * columns of {@code mask} (past + new), after the positions held by {@link #kvCache} when {@code
   * cached} (which the step then extends by the new ones) or after an empty cache, and returns the
   * result holding, unless {@code logitsOut} is given, the {@code logits} of the new positions from
   * {@code logitsFrom} on; given ({@link #pinnedLogits}, {@code new - logitsFrom} must then be 1),
   * ONNX Runtime writes them into it instead. The caller closes the result.
   */
  private OrtSession.Result runDecode(long[][] ids, long[][] positions, long[][] mask, int total,
      boolean cached, int logitsFrom, OnnxTensor logitsOut) throws OrtException {
    Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
    List<OnnxTensor> created = new ArrayList<>();
    try {
      int rows = ids.length;
      int width = ids[0].length;
      long[] flatIds = new long[rows * width];
      long[] flatPos = new long[rows * width];
      long[] flatMask = new long[rows * total];
      for (int r = 0; r < rows; r++) {
        System.arraycopy(ids[r], 0, flatIds, r * width, width);
        System.arraycopy(positions[r], 0, flatPos, r * width, width);
        System.arraycopy(mask[r], 0, flatMask, r * total, total);
      }
      OnnxTensor in = OnnxTensor.createTensor(
          sessions.environment(), LongBuffer.wrap(flatIds), new long[] {rows, width});
      created.add(in);
      inputs.put(LlamaGraphs.INPUT_IDS, in);
      OnnxTensor pos = OnnxTensor.createTensor(
          sessions.environment(), LongBuffer.wrap(flatPos), new long[] {rows, width});
      created.add(pos);
      inputs.put(LlamaGraphs.POSITION_IDS, pos);
      OnnxTensor m = OnnxTensor.createTensor(
          sessions.environment(), LongBuffer.wrap(flatMask), new long[] {rows, total});
      created.add(m);
      inputs.put(LlamaGraphs.ATTENTION_MASK, m);
      Map<String, OnnxTensor> pinned = new LinkedHashMap<>();
      if (cached) {
        pinned.putAll(kvCache.bind(sessions.environment(), width, inputs, created));
      } else {
        long[] empty = {0, rows, config.numKeyValueHeads(), config.headDim()};
        OnnxTensor none = OnnxTensor.createTensor(sessions.environment(),
            ByteBuffer.allocateDirect(0).order(ByteOrder.nativeOrder()).asFloatBuffer(), empty);
        created.add(none);
        for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
          inputs.put(LlamaGraphs.pastKey(layer), none);
          inputs.put(LlamaGraphs.pastValue(layer), none);
        }
      }
      OnnxTensor from = OnnxTensor.createTensor(
          sessions.environment(), LongBuffer.wrap(new long[] {logitsFrom}), new long[] {1});
      created.add(from);
      inputs.put(LlamaGraphs.LOGITS_FROM, from);
      inputs.putAll(weightInputs);
      Set<String> requested = Set.of(LlamaGraphs.LOGITS);
      if (logitsOut != null) {
        pinned.put(LlamaGraphs.LOGITS, logitsOut);
        requested = Set.of();
      }
      OrtSession.Result result = session.run(inputs, requested, pinned);
      if (cached) {
        kvCache.advance(width);
      }
      return result;
    } finally {
      for (OnnxTensor t : created) {
        t.close();
      }
    }
  }

  /**
   * A tensor {@code [rows, 1, vocab]} over the start of {@link #logitsBuffer} (grown to {@code
   * rows} rows if smaller) for {@link #runDecode} to pin as its {@code logits} output; the caller
   * closes it (the buffer stays).
   */
  private OnnxTensor pinnedLogits(int rows) throws OrtException {
    int vocab = config.vocabSize();
    int size = Math.multiplyExact(rows, vocab);
    if (logitsBuffer == null || logitsBuffer.capacity() < size) {
      logitsBuffer = ByteBuffer.allocateDirect(Math.multiplyExact(size, Float.BYTES))
          .order(ByteOrder.nativeOrder()).asFloatBuffer();
    }
    FloatBuffer view = logitsBuffer.duplicate().clear().limit(size).slice();
    return OnnxTensor.createTensor(sessions.environment(), view, new long[] {rows, 1, vocab});
  }

  /** Copies row {@code r} of the last step's logits ({@link #pinnedLogits}) into {@code into}. */
  private void readLogits(int r, float[] into) {
    logitsBuffer.get(r * into.length, into);
  }

  /**
   * Logits after each token of {@code ids} computed incrementally with the KV cache (one token per
   * step after the first): {@code result[t]} equals {@link #logits(int[])}{@code [t]} up to float
   * rounding. Package-private: the parity tests compare it with the full forward pass.
   */
  float[][] cachedLogits(int[] ids) {
    ensureOpen();
    this.config.validateInputIds(ids, "input_ids");
    float[][] out = new float[ids.length][config.vocabSize()];
    kvCache.reset(1, 1, ids.length);
    try (OnnxTensor logitsOut = pinnedLogits(1)) {
      for (int t = 0; t < ids.length; t++) {
        long[][] mask = new long[1][t + 1];
        Arrays.fill(mask[0], 1L);
        runDecode(new long[][] {{ids[t]}}, new long[][] {{t}}, mask, t + 1, true, 0, logitsOut)
            .close();
        readLogits(0, out[t]);
      }
      return out;
    } catch (OrtException e) {
      throw new ConsistencyException(name() + ": decoding step failed", e);
    }
  }

  /**
   * A prompt of {@code ids} that leaves no room for the {@code needed} tokens that must follow it in
   * the {@code context}: refused under {@link PromptOverflow#ERROR}, otherwise its last {@code
   * context - room} tokens (at least one), with a warning.
   */
  private int[] overflow(String what, int[] ids, int context, int needed, int room) {
    if (overflow == PromptOverflow.ERROR) {
      throw new IllegalArgumentException(what + " has " + ids.length + " prompt tokens"
          + (needed > 0 ? " and needs room for " + needed + " more" : "")
          + ", the model's context (max_position_embeddings) is " + context
          + "; shorten it or allow truncation (PromptOverflow.TRUNCATE_LEFT;"
          + " CLI: --truncate-prompts)");
    }
    int keep = Math.max(1, context - room);
    LOG.warn("{}: {} has {} prompt tokens; kept the last {} (context {}, room for {} more)", name(),
        what, ids.length, keep, context, room);
    return Arrays.copyOfRange(ids, ids.length - keep, ids.length);
  }

  @Override
  public List<Generation> generate(List<String> prompts, GenerationConfig config) {
    Check.notEmpty(prompts, "prompts");
    List<int[]> all = new ArrayList<>(prompts.size());
    int context = this.config.maxPositionEmbeddings();
    for (int i = 0; i < prompts.size(); i++) {
      int[] ids = promptIds(prompts.get(i));
      if (ids.length >= context) {
        // Truncation leaves room for min(maxNewTokens, context / 2) new tokens, at least one.
        ids = overflow("prompts[" + i + "]", ids, context, 1,
            Math.max(1, Math.min(config.maxNewTokens(), context / 2)));
      }
      all.add(ids);
    }
    return generateIds(all, config);
  }

  @Override
  public List<ContinuationScore> score(List<Continuation> requests) {
    Check.notEmpty(requests, "requests");
    List<int[]> sequences = new ArrayList<>();
    int[] promptLengths = new int[requests.size()];
    int context = config.maxPositionEmbeddings();
    for (int i = 0; i < requests.size(); i++) {
      Continuation c = requests.get(i);
      int[] p = promptIds(c.prompt());
      int[] cont = tokenizer.encode(c.continuation(), false);
      if (p.length + cont.length > context) {
        Check.argument(cont.length < context, "requests[" + i + "] has a continuation of "
            + cont.length + " tokens, the model's context (max_position_embeddings) is " + context);
        p = overflow("requests[" + i + "]", p, context, cont.length, cont.length);
      }
      int[] all = Arrays.copyOf(p, p.length + cont.length);
      System.arraycopy(cont, 0, all, p.length, cont.length);
      sequences.add(all);
      promptLengths[i] = p.length;
    }
    List<float[][]> logits = logitsBatch(sequences);
    List<ContinuationScore> out = new ArrayList<>();
    for (int i = 0; i < requests.size(); i++) {
      int[] all = sequences.get(i);
      List<Double> scores = new ArrayList<>();
      for (int t = promptLengths[i]; t < all.length; t++) {
        scores.add(Sampling.logSoftmax(logits.get(i)[t - 1])[all[t]]);
      }
      out.add(new ContinuationScore(scores));
    }
    return out;
  }

  @Override
  public List<List<TokenLogProb>> nextTokenDistribution(List<String> prompts, int topK) {
    Check.notEmpty(prompts, "prompts");
    Check.positive(topK, "topK");
    List<List<TokenLogProb>> out = new ArrayList<>();
    for (double[] lp : lastLogProbs(prompts)) {
      Integer[] order = new Integer[lp.length];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> {
        int c = Double.compare(lp[b], lp[a]);
        return c != 0 ? c : Integer.compare(a, b);
      });
      List<TokenLogProb> top = new ArrayList<>();
      for (int r = 0; r < Math.min(topK, order.length); r++) {
        int id = order[r];
        top.add(new TokenLogProb(id, tokenizer.decode(new int[] {id}), lp[id]));
      }
      out.add(top);
    }
    return out;
  }

  @Override
  public List<Map<String, Double>> nextTokenLogProbs(
      List<String> prompts, Collection<String> candidates) {
    Check.notEmpty(prompts, "prompts");
    Check.notNull(candidates, "candidates");
    Map<String, Integer> single = new LinkedHashMap<>();
    for (String c : candidates) {
      int[] ids = tokenizer.encode(c, false);
      if (ids.length == 1) {
        single.put(c, ids[0]);
      }
    }
    List<Map<String, Double>> out = new ArrayList<>();
    for (double[] lp : lastLogProbs(prompts)) {
      Map<String, Double> m = new LinkedHashMap<>();
      single.forEach((c, id) -> m.put(c, lp[id]));
      out.add(m);
    }
    return out;
  }

  /**
   * For each prompt, {@code P(yes) / (P(yes) + P(no))}. When at least one "yes" and one "no" variant
   * are single tokens of this model, as {@link LanguageModel#probabilityOfYes(List, YesNoTokens)}:
   * next-token probabilities of the single-token variants (one forward pass per batch of prompts;
   * the longer variants count 0, as they always have). Otherwise, where that would have to refuse
   * (tokenizers that split "Yes" or "No"), every variant counts with the probability of its whole
   * token sequence after the prompt ({@code exp} of the summed log-probabilities of its tokens,
   * tokenized on its own as {@link #score} does; for a single token its next-token probability);
   * multi-token variants are scored as continuations (one more sequence per prompt and variant).
   * There, variants with the same token sequence count once, and a variant whose sequence extends
   * another variant's of the same kind is left out (its probability is already part of the shorter
   * one's).
   *
   * @throws IllegalArgumentException if, when whole sequences are scored, a variant encodes to no
   *     tokens, or a yes and a no variant have the same token sequence or one extends the other (the
   *     verdict would be ambiguous)
   */
  @Override
  public double[] probabilityOfYes(List<String> prompts, YesNoTokens tokens) {
    Check.notEmpty(prompts, "prompts");
    Check.notNull(tokens, "tokens");
    ensureOpen();
    if (anySingleToken(tokens.yes()) && anySingleToken(tokens.no())) {
      return LanguageModel.super.probabilityOfYes(prompts, tokens);
    }
    Map<String, int[]> yes = verbalizers(tokens.yes());
    Map<String, int[]> no = verbalizers(tokens.no());
    for (Map.Entry<String, int[]> y : yes.entrySet()) {
      for (Map.Entry<String, int[]> n : no.entrySet()) {
        Check.argument(!startsWith(y.getValue(), n.getValue())
            && !startsWith(n.getValue(), y.getValue()), "yes variant \"" + y.getKey()
            + "\" " + Arrays.toString(y.getValue()) + " and no variant \"" + n.getKey() + "\" "
            + Arrays.toString(n.getValue()) + " must not be the same or prefixes of each other");
      }
    }
    Map<String, int[]> all = new LinkedHashMap<>(yes);
    all.putAll(no);
    List<Map<String, Double>> logProbs = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      logProbs.add(new LinkedHashMap<>());
    }
    List<String> single = new ArrayList<>();
    List<String> multi = new ArrayList<>();
    all.forEach((v, ids) -> (ids.length == 1 ? single : multi).add(v));
    if (!single.isEmpty()) {
      List<double[]> next = lastLogProbs(prompts);
      for (int i = 0; i < prompts.size(); i++) {
        for (String v : single) {
          logProbs.get(i).put(v, next.get(i)[all.get(v)[0]]);
        }
      }
    }
    if (!multi.isEmpty()) {
      List<Continuation> requests = new ArrayList<>();
      for (String p : prompts) {
        for (String v : multi) {
          requests.add(new Continuation(p, v));
        }
      }
      List<ContinuationScore> scores = score(requests);
      for (int i = 0; i < prompts.size(); i++) {
        for (int j = 0; j < multi.size(); j++) {
          logProbs.get(i).put(multi.get(j), scores.get(i * multi.size() + j).sum());
        }
      }
    }
    double[] out = new double[prompts.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = tokens.probabilityOfYes(logProbs.get(i), name());
    }
    return out;
  }

  private boolean anySingleToken(List<String> variants) {
    for (String v : variants) {
      if (tokenizer.encode(v, false).length == 1) {
        return true;
      }
    }
    return false;
  }

  /**
   * Token sequences of one kind's variants: duplicates once, and without variants that extend
   * another one's sequence.
   */
  private Map<String, int[]> verbalizers(List<String> variants) {
    Map<String, int[]> encoded = new LinkedHashMap<>();
    for (String v : variants) {
      int[] ids = tokenizer.encode(v, false);
      Check.argument(ids.length > 0, "variant \"" + v + "\" encodes to no tokens");
      encoded.put(v, ids);
    }
    Map<String, int[]> kept = new LinkedHashMap<>();
    for (Map.Entry<String, int[]> e : encoded.entrySet()) {
      boolean covered = false;
      for (Map.Entry<String, int[]> o : encoded.entrySet()) {
        int[] a = e.getValue();
        int[] b = o.getValue();
        boolean shorter = b.length < a.length && startsWith(a, b);
        boolean earlierSame = Arrays.equals(a, b) && kept.containsKey(o.getKey());
        covered |= !o.getKey().equals(e.getKey()) && (shorter || earlierSame);
      }
      if (!covered) {
        kept.put(e.getKey(), e.getValue());
      }
    }
    return kept;
  }

  private static boolean startsWith(int[] seq, int[] prefix) {
    return prefix.length <= seq.length
        && Arrays.equals(Arrays.copyOf(seq, prefix.length), prefix);
  }

  /** Next-token log-probabilities after each prompt, from batched forward passes. */
  private List<double[]> lastLogProbs(List<String> prompts) {
    List<int[]> ids = new ArrayList<>(prompts.size());
    int context = config.maxPositionEmbeddings();
    for (int i = 0; i < prompts.size(); i++) {
      int[] p = promptIds(prompts.get(i));
      if (p.length > context) {
        p = overflow("prompts[" + i + "]", p, context, 0, 0);
      }
      ids.add(p);
    }
    List<float[][]> logits = logitsBatch(ids);
    List<double[]> out = new ArrayList<>(prompts.size());
    for (int i = 0; i < ids.size(); i++) {
      out.add(Sampling.logSoftmax(logits.get(i)[ids.get(i).length - 1]));
    }
    return out;
  }

  /** Prompt ids; an empty encoding becomes the BOS token when the model has one. */
  private int[] promptIds(String prompt) {
    int[] ids = tokenizer.encode(Check.notNull(prompt, "prompt"));
    if (ids.length == 0 && config.bosTokenId().isPresent()) {
      return new int[] {config.bosTokenId().get()};
    }
    return ids;
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException(name() + " is closed");
    }
  }

  @Override
  public String name() {
    return dir.toString();
  }

  /** Releases the session, the weight tensors and the tokenizer. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      sessions.close();
    } finally {
      tokenizer.close();
    }
  }
}
