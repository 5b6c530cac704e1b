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
 * LinearLayout}; by default the one for batches). Immutable; build with {@link #builder()}.
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
 */
public record RuntimeOptions(Device device, int deviceId, int intraOpThreads,
    Quantization quantization, WeightPlacement weights, LinearLayout linearLayout) {

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
     * Graph inputs fed to every run from the library's own buffers (the memory-mapped float32 file, or
     * the one float32 copy of a 16-bit file), which ONNX Runtime reads in place: the weights exist
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

  /** Validates. */
  public RuntimeOptions {
    Check.notNull(device, "device");
    Check.nonNegative(deviceId, "deviceId");
    Check.inRange(intraOpThreads, 0, MAX_THREADS, "intraOpThreads");
    Check.notNull(quantization, "quantization");
    Check.notNull(weights, "weights");
    Check.notNull(linearLayout, "linearLayout");
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
   * quantization, {@link WeightPlacement#AUTO}, {@link LinearLayout#BATCHED}.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder initialised with these options. */
  public Builder toBuilder() {
    return new Builder().device(device).deviceId(deviceId).intraOpThreads(intraOpThreads)
        .quantization(quantization).weights(weights).linearLayout(linearLayout);
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

    /** Validates and builds. */
    public RuntimeOptions build() {
      return new RuntimeOptions(device, deviceId, intraOpThreads, quantization, weights,
          linearLayout);
    }
  }
}
