package org.consistency4j.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import java.util.EnumSet;
import org.consistency4j.ModelLoadException;
import org.consistency4j.internal.Check;

/**
 * How ONNX Runtime sessions run: on the CPU (default) or on an NVIDIA GPU through the CUDA execution
 * provider, with a number of intra-op threads, whether {@link OnnxLanguageModel} quantizes the
 * weights of its linear layers ({@link Quantization}; default none), and how ONNX Runtime gets the
 * weights ({@link WeightPlacement}; by default in place on the CPU, see there for the trade-off)
 * and, for float32 weights read in place, which layout the linear layers read them in ({@link
 * LinearLayout}; by default the one for batches), and whether an inference model's 16-bit linear
 * weights are upcast to float32 or read as the file stores them ({@link WeightPrecision}; by default
 * upcast). Immutable; build with {@link #builder()}.
 *
 * <p>CUDA needs the {@code onnxruntime_gpu} artifact, which the {@code cuda} Maven profile selects
 * ({@code mvn -Pcuda ...}), plus CUDA 12 and cuDNN 9 on the machine. Requesting CUDA when ONNX
 * Runtime does not offer its provider fails with a {@link ModelLoadException} when sessions are
 * created, never by silently falling back to the CPU.
 *
 * @param device where the model runs
 * @param deviceId the CUDA device ordinal, {@code >= 0} (ignored on CPU)
 * @param intraOpThreads threads ONNX Runtime uses inside one operator, in [0, {@value
 *     #MAX_THREADS}]; 0 lets ONNX Runtime choose
 * @param quantization weight-only quantization of the linear layers when a model is loaded for
 *     inference ({@link Quantization#NONE}: float32); training accepts one for LoRA adapters on a
 *     quantized frozen base ({@code org.consistency4j.train.QuantizedBase}) and refuses it for full
 *     fine-tuning
 * @param weights how sessions get the model's large weights ({@link WeightPlacement#AUTO} by
 *     default; {@link #resolvedWeights()} says what it means for these options)
 * @param linearLayout how an inference model's linear layers read float32 weights read in place
 *     ({@link LinearLayout#BATCHED} by default); ignored for session-held or quantized weights and
 *     by training graphs
 * @param weightPrecision whether {@link OnnxLanguageModel} upcasts a float16/bfloat16 checkpoint's
 *     weights to one float32 copy ({@link WeightPrecision#FLOAT32}, the default) or reads its linear
 *     weights as stored ({@link WeightPrecision#AS_STORED}: half the memory; see there for the
 *     trade-off and the options it cannot be combined with); training graphs ignore it
 * @param asStoredChunkElements with {@link WeightPrecision#AS_STORED}, the most elements of one
 *     row chunk of a 16-bit linear weight (a chunk holds at least one row), {@code >= 1}; default
 *     {@value #DEFAULT_AS_STORED_CHUNK_ELEMENTS}
 */
public record RuntimeOptions(Device device, int deviceId, int intraOpThreads,
    Quantization quantization, WeightPlacement weights, LinearLayout linearLayout,
    WeightPrecision weightPrecision, int asStoredChunkElements) {

  /**
   * The default {@link #asStoredChunkElements()}: 1,048,576 (2 MiB of 16-bit weights). Measured on
   * a decode-step emulation (12 layers of Qwen2.5-0.5B's MLP shapes, bf16, one row): 1 thread as
   * fast with 262,144 or 1,048,576 elements per chunk (22.5 / 22.4 ms); 2 threads 31 ms with
   * 524,288 and 22.4 ms with 1,048,576 (benchmarks/README.md, "16-bit weights read as stored").
   */
  public static final int DEFAULT_AS_STORED_CHUNK_ELEMENTS = 1 << 20;

  /** The most intra-op threads accepted: 1,024 (each is an OS thread with its own stack). */
  public static final int MAX_THREADS = 1024;

  /** Where sessions run. */
  public enum Device {
    /** ONNX Runtime's default CPU execution provider. */
    CPU,
    /** ONNX Runtime's CUDA execution provider (needs the {@code cuda} Maven profile). */
    CUDA
  }

  /**
   * How ONNX Runtime gets a model's large weights (the initializers a graph keeps out of its bytes,
   * {@link org.consistency4j.graph.ExportedModel#externalInitializers()}): measured on a
   * Qwen2.5-0.5B-shaped model in benchmarks/README.md ("Memory").
   */
  public enum WeightPlacement {
    /**
     * {@link #IN_PLACE} for float32 weights on the CPU, {@link #SESSION} on CUDA or with a
     * {@link Quantization} (whose {@code MatMulNBits} kernels need their pre-packed weights).
     */
    AUTO,
    /**
     * Graph inputs fed to every run from the library's own buffers (the memory-mapped float32 file,
     * the one float32 copy of a 16-bit file, or with {@link WeightPrecision#AS_STORED} the mapped
     * 16-bit file itself), which ONNX Runtime reads in place: the weights exist
     * once in memory, shared by every session of a model (scoring, decoding, and a training
     * session's gradient and scoring graphs). ONNX Runtime cannot pre-pack them, which costs some
     * speed on the CPU; to make up part of it, float32 inference ({@link OnnxLanguageModel}) holds
     * the linear weights with more outputs than inputs (the LM head, the MLP's gate and up)
     * transposed, in the layout ONNX Runtime's batch-1 product reads without packing ({@link
     * LlamaGraphs#transposedWeights}), still one copy of each. On CUDA every run would copy every
     * weight to the device: use {@link #SESSION} there.
     */
    IN_PLACE,
    /**
     * Session initializers ({@code addExternalInitializers}): ONNX Runtime 1.29 copies them into
     * each session on the CPU and pre-packs the matrix operands, so on top of the library's copy an
     * inference session holds about 1.4 times the weights and a training gradient session about 2.3
     * times (its backward pass pre-packs them a second time); the pre-packed kernels decoded 12-18%
     * faster. The only sensible choice on CUDA (the weights then live on the device).
     */
    SESSION
  }

  /**
   * How {@link OnnxLanguageModel}'s linear layers multiply by float32 weights read in place ({@link
   * #resolvedWeights()} {@link WeightPlacement#IN_PLACE}, no {@link Quantization}), which ONNX
   * Runtime cannot pre-pack: each layout is fastest for some number of rows (tokens multiplied at
   * once), and one copy of each weight is kept (benchmarks/README.md, "Linear-layer layout with
   * weights read in place" and "Batched decoding with the stored weight as the left operand"). The
   * choice changes speed only; outputs agree up to float32 rounding. Session-held weights (pre-packed
   * by ONNX Runtime), quantized weights ({@code MatMulNBits}) and training graphs ignore it.
   */
  public enum LinearLayout {
    /**
     * Every weight as the checkpoint stores it, {@code [out, in]}; each linear layer chooses at run
     * time, on the number of rows it multiplies, between the weight as the first operand ({@code
     * y^T = W x^T}, for 3 to 64 rows, e.g. a step decoding 16 sequences at once as evaluation and
     * sampling do) and {@code FusedMatMul(x, W, transB = 1)} (otherwise: one or two rows, long
     * prompts). Measured on a Qwen2.5-0.5B shape, one thread: batch-16 decoding 1.6-1.8x as fast as
     * with {@code FusedMatMul} alone, a single sequence as fast as with it and 20-25% slower than
     * with {@link #SINGLE_SEQUENCE}. The default.
     */
    BATCHED,
    /**
     * The linear weights with more outputs than inputs (the LM head, the MLP's gate and up, Qwen3's
     * query projection) held transposed, {@code [in, out]}, and multiplied with a plain {@code
     * MatMul}, fastest for one row (decoding one sequence) but slower for batches; the other
     * weights as {@link #BATCHED} reads them.
     */
    SINGLE_SEQUENCE
  }

  /**
   * How {@link OnnxLanguageModel} holds the weights of a checkpoint stored in float16 or bfloat16.
   * A float32 checkpoint is read as it is either way (nothing changes for it), and so is every
   * float32 tensor of a checkpoint that mixes types.
   */
  public enum WeightPrecision {
    /**
     * Every weight upcast once to float32 in native memory (4 bytes per weight), read in place by
     * ONNX Runtime's float32 kernels. The default: fastest on more than one thread.
     */
    FLOAT32,
    /**
     * The linear weights (attention and MLP projections, the LM head, Phi-3's fused projections
     * cut by rows) and the embedding table held as the file stores them: zero-copy views of the
     * memory-mapped safetensors file, 2 bytes per weight and no float32 copy, fed to every run as
     * graph inputs. ONNX Runtime 1.29's CPU kernels have no 16-bit matrix product on x86 and a
     * whole-weight {@code Cast} to float32 runs about 2x slower than reading float32, so each linear
     * weight is split by rows into chunks of at most {@link #asStoredChunkElements()} elements,
     * each {@code Cast} to float32 and multiplied ({@code FusedMatMul(transB = 1)}), and the
     * outputs concatenated: the chunk being cast stays in the cache. Values are those of {@link
     * #FLOAT32} (the widening is exact) up to float32 rounding. The token lookup gathers rows of the
     * 16-bit table and casts them; norms and biases (small) are upcast. Measured on a decode-step
     * emulation (12 layers of Qwen2.5-0.5B's MLP, one row): at one thread bf16 chunks of 1,048,576
     * elements ran as fast as float32 (22.4 vs 23.3 ms) and float16 faster (18.8 ms); at two
     * threads 0.64x float32's speed (22.4 vs 14.3 ms: ONNX Runtime runs {@code Cast} on one thread);
     * a whole-weight cast took 43.3 ms at one thread. Whole models (Qwen2.5-0.5B and Llama-3.2-1B
     * shapes, benchmarks/README.md, "16-bit weights read as stored"): at one intra-op thread one
     * sequence decoded 0.76-1.07x as fast as with {@link #FLOAT32} on a quiet machine (1.19-1.44x
     * with the other core busy) and batches of 16 0.82-0.95x; at
     * two threads only 0.21-0.40x (not explained yet): use it with {@code intraOpThreads(1)}.
     * Use it when memory decides, e.g. to run Llama-3.1-8B (16 GB in
     * bf16, 32 GB in float32) unquantized on a 24 GB machine. For 3 to 64 rows (batched decoding)
     * each cast chunk is the left operand instead, as {@link LinearLayout#BATCHED} does for float32
     * weights (Qwen2.5-0.5B, batch 16, one thread: 56 tokens/s, 34 without it, float32 57);
     * {@link LinearLayout#SINGLE_SEQUENCE}'s transposed copies are made only of float32 weights.
     * Needs weights read in place on the CPU without quantization: building options with it and
     * a {@link Quantization}, {@link WeightPlacement#SESSION} or {@link Device#CUDA} (where every
     * run would copy every weight to the device; use session-held weights there) throws {@link
     * IllegalArgumentException}.
     */
    AS_STORED
  }

  /** Validates. */
  public RuntimeOptions {
    Check.notNull(device, "device");
    Check.nonNegative(deviceId, "deviceId");
    Check.inRange(intraOpThreads, 0, MAX_THREADS, "intraOpThreads");
    Check.notNull(quantization, "quantization");
    Check.notNull(weights, "weights");
    Check.notNull(linearLayout, "linearLayout");
    Check.notNull(weightPrecision, "weightPrecision");
    Check.positive(asStoredChunkElements, "asStoredChunkElements");
    if (weightPrecision == WeightPrecision.AS_STORED) {
      String why = "weightPrecision AS_STORED feeds the file's 16-bit weights to every run from"
          + " memory on the CPU";
      Check.argument(!quantization.enabled(), why + " and cannot be combined with quantization "
          + quantization.label() + "; use quantization none, or weightPrecision FLOAT32 to"
          + " quantize");
      Check.argument(device == Device.CPU, why + " and cannot run on device " + device
          + " (every run would copy every weight to the device); use device CPU, or"
          + " weightPrecision FLOAT32 on " + device);
      Check.argument(weights != WeightPlacement.SESSION, why + " and cannot be combined with"
          + " weights SESSION (ONNX Runtime would copy them into the session); use weights AUTO or"
          + " IN_PLACE");
    }
  }

  /**
   * {@link #weights()} with {@link WeightPlacement#AUTO} resolved: {@link WeightPlacement#IN_PLACE}
   * on the CPU without quantization, {@link WeightPlacement#SESSION} otherwise.
   */
  public WeightPlacement resolvedWeights() {
    if (weights != WeightPlacement.AUTO) {
      return weights;
    }
    return device == Device.CPU && !quantization.enabled()
        ? WeightPlacement.IN_PLACE : WeightPlacement.SESSION;
  }

  /**
   * Refuses quantized options for full fine-tuning (training every weight): on a quantized base only
   * adapters train (QLoRA-style, {@code org.consistency4j.train.QuantizedBase}).
   *
   * @param what the training entry point, named in the message
   * @throws IllegalArgumentException if {@link #quantization()} is not {@link Quantization#NONE}
   */
  public void requireUnquantized(String what) {
    Check.argument(!quantization.enabled(), what + " fine-tunes every weight and cannot use a"
        + " quantized base (quantization " + quantization.label() + "): on a quantized base only"
        + " LoRA adapters train (QLoRA-style); add LoRA adapters or use quantization none");
  }

  /** CPU with ONNX Runtime's default thread count. */
  public static RuntimeOptions cpu() {
    return builder().build();
  }

  /**
   * A builder with the defaults: CPU, device 0, intra-op threads chosen by ONNX Runtime, no
   * quantization, {@link WeightPlacement#AUTO}, {@link LinearLayout#BATCHED}, {@link
   * WeightPrecision#FLOAT32}, {@value #DEFAULT_AS_STORED_CHUNK_ELEMENTS} elements per chunk.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder initialised with these options. */
  public Builder toBuilder() {
    return new Builder().device(device).deviceId(deviceId).intraOpThreads(intraOpThreads)
        .quantization(quantization).weights(weights).linearLayout(linearLayout)
        .weightPrecision(weightPrecision).asStoredChunkElements(asStoredChunkElements);
  }

  /**
   * New ONNX Runtime session options for these settings; the caller closes them.
   *
   * @throws ModelLoadException if CUDA is requested but not available
   */
  OrtSession.SessionOptions newSessionOptions() {
    requireProviderAvailable();
    OrtSession.SessionOptions o = new OrtSession.SessionOptions();
    try {
      o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      // Diagnostics: -Dconsistency4j.ortProfile=PREFIX makes ONNX Runtime write a per-operator JSON
      // profile (PREFIX_<timestamp>.json) of every session when it is closed.
      String profile = System.getProperty("consistency4j.ortProfile");
      if (profile != null && !profile.isBlank()) {
        o.enableProfiling(profile);
      }
      // Diagnostics: -Dconsistency4j.ortDisablePrepacking=true stops ONNX Runtime from keeping a
      // pre-packed copy of each constant matrix operand (less memory; see benchmarks/README.md).
      if (Boolean.getBoolean("consistency4j.ortDisablePrepacking")) {
        o.addConfigEntry("session.disable_prepacking", "1");
      }
      // Diagnostics: -Dconsistency4j.ortCpuArena=false turns ONNX Runtime's CPU arena off (every
      // tensor allocated on its own) and -Dconsistency4j.ortMemoryPattern=false its one pre-planned
      // block per run. Neither is the default: on batch-16 decoding the first raised the peak
      // resident set by about 350 MiB and the second lowered it by at most 30 MiB, within the
      // spread between runs (benchmarks/README.md, "Where batched decoding's memory goes").
      if ("false".equals(System.getProperty("consistency4j.ortCpuArena"))) {
        o.setCPUArenaAllocator(false);
      }
      if ("false".equals(System.getProperty("consistency4j.ortMemoryPattern"))) {
        o.setMemoryPatternOptimization(false);
      }
      if (intraOpThreads > 0) {
        o.setIntraOpNumThreads(intraOpThreads);
      }
      if (device == Device.CUDA) {
        o.addCUDA(deviceId);
      }
      return o;
    } catch (OrtException e) {
      o.close();
      throw new ModelLoadException("cannot configure ONNX Runtime session for " + this, e);
    }
  }

  /**
   * Checks that ONNX Runtime offers the requested execution provider.
   *
   * @throws ModelLoadException if CUDA is requested but this ONNX Runtime build or machine has no
   *     CUDA provider
   */
  public void requireProviderAvailable() {
    if (device == Device.CUDA) {
      EnumSet<OrtProvider> available = OrtEnvironment.getAvailableProviders();
      Check.modelFile(available.contains(OrtProvider.CUDA),
          "device CUDA was requested but ONNX Runtime's CUDA execution provider is not available"
              + " (available: " + available + "); build with the cuda Maven profile"
              + " (mvn -Pcuda, artifact onnxruntime_gpu) on a machine with CUDA 12 and cuDNN 9");
    }
  }

  /** Builder of {@link RuntimeOptions}; setters are named after the fields. */
  public static final class Builder {
    private Device device = Device.CPU;
    private int deviceId = 0;
    private int intraOpThreads = 0;
    private Quantization quantization = Quantization.NONE;
    private WeightPlacement weights = WeightPlacement.AUTO;
    private LinearLayout linearLayout = LinearLayout.BATCHED;
    private WeightPrecision weightPrecision = WeightPrecision.FLOAT32;
    private int asStoredChunkElements = DEFAULT_AS_STORED_CHUNK_ELEMENTS;

    private Builder() {}

    /** See {@link RuntimeOptions#device()}. */
    public Builder device(Device value) {
      this.device = value;
      return this;
    }

    /** See {@link RuntimeOptions#deviceId()}. */
    public Builder deviceId(int value) {
      this.deviceId = value;
      return this;
    }

    /** See {@link RuntimeOptions#intraOpThreads()}. */
    public Builder intraOpThreads(int value) {
      this.intraOpThreads = value;
      return this;
    }

    /** See {@link RuntimeOptions#quantization()}. */
    public Builder quantization(Quantization value) {
      this.quantization = value;
      return this;
    }

    /** See {@link RuntimeOptions#weights()}. */
    public Builder weights(WeightPlacement value) {
      this.weights = value;
      return this;
    }

    /** See {@link RuntimeOptions#linearLayout()}. */
    public Builder linearLayout(LinearLayout value) {
      this.linearLayout = value;
      return this;
    }

    /** See {@link RuntimeOptions#weightPrecision()}. */
    public Builder weightPrecision(WeightPrecision value) {
      this.weightPrecision = value;
      return this;
    }

    /** See {@link RuntimeOptions#asStoredChunkElements()}. */
    public Builder asStoredChunkElements(int value) {
      this.asStoredChunkElements = value;
      return this;
    }

    /** Validates and builds. */
    public RuntimeOptions build() {
      return new RuntimeOptions(device, deviceId, intraOpThreads, quantization, weights,
          linearLayout, weightPrecision, asStoredChunkElements);
    }
  }
}
