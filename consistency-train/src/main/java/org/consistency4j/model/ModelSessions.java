package org.consistency4j.model;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.consistency4j.ConsistencyException;
import org.consistency4j.ModelLoadException;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.ExportedModel;
import org.consistency4j.graph.Tensor;
import org.consistency4j.internal.Check;

/**
 * Owns the ONNX Runtime objects of one model: its sessions (for example a gradient and a scoring
 * graph), their session options, and the weight tensors handed to them (which must outlive the
 * sessions). {@link #create(String, ExportedModel)} gives a graph's large weights to ONNX Runtime as
 * {@link RuntimeOptions#resolvedWeights()} says: as inputs read in place on every run ({@link
 * #weightInputs}), shared by every session of this holder, or as session initializers, which ONNX
 * Runtime copies into each session; the holder then lets go of the tensors it made for them
 * (their memory is the caller's to free).
 *
 * <p>{@link #close()} is idempotent and releases in reverse order of acquisition (sessions, then
 * their options, then the tensors); it keeps the first failure and adds later ones as suppressed.
 * Using the holder after close throws {@link IllegalStateException}. The shared {@link
 * OrtEnvironment} is never closed. Creating sessions is not thread-safe; running an {@link
 * OrtSession} obtained from here is (ONNX Runtime sessions support concurrent {@code run}).
 */
public final class ModelSessions implements AutoCloseable {
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final RuntimeOptions options;
  private final boolean memoryPattern;
  private final List<AutoCloseable> owned = new ArrayList<>();
  private final Map<String, OrtSession> sessions = new LinkedHashMap<>();
  private final Map<String, Map<String, OnnxTensor>> weightInputs = new LinkedHashMap<>();
  /** One ONNX Runtime tensor per weight, whichever sessions use it. */
  private final Map<Tensor, OnnxTensor> weightTensors = new IdentityHashMap<>();
  private boolean closed;

  /**
   * An empty holder.
   *
   * @param options device and threads for every session
   * @throws ModelLoadException if the options ask for CUDA and it is not available
   */
  public ModelSessions(RuntimeOptions options) {
    this(options, true);
  }

  /**
   * An empty holder whose sessions plan memory as {@code memoryPattern} says.
   *
   * @param options device and threads for every session
   * @param memoryPattern whether ONNX Runtime pre-plans one memory block for all intermediate values
   *     of a run ({@code enable_mem_pattern}, its default); turn it off for training graphs, whose
   *     backward pass keeps many values alive: measured on a Qwen2.5-0.5B-shaped LoRA step, the
   *     peak resident set fell from 6.3 to 4.4 GiB and the step was not slower (benchmarks/README.md,
   *     "Memory")
   * @throws ModelLoadException if the options ask for CUDA and it is not available
   */
  public ModelSessions(RuntimeOptions options, boolean memoryPattern) {
    this.options = Check.notNull(options, "options");
    this.memoryPattern = memoryPattern;
    options.requireProviderAvailable();
  }

  /** The shared ONNX Runtime environment (not owned: never closed by this holder). */
  public OrtEnvironment environment() {
    return env;
  }

  /** The runtime options of every session. */
  public RuntimeOptions options() {
    return options;
  }

  /**
   * Takes ownership of a resource (typically a weight {@link ai.onnxruntime.OnnxTensor} passed as
   * an external initializer): {@link #close()} closes it after everything acquired later, so weights
   * acquired before a session outlive it. If this holder is already closed the resource is closed at
   * once and {@link IllegalStateException} is thrown.
   *
   * @return {@code resource}
   */
  public synchronized <T extends AutoCloseable> T own(T resource) {
    Check.notNull(resource, "resource");
    if (closed) {
      try {
        resource.close();
      } catch (Exception e) {
        // The holder is closed: the resource is released best-effort and the state error wins.
      }
      throw new IllegalStateException("model sessions are closed");
    }
    owned.add(resource);
    return resource;
  }

  /**
   * An ONNX Runtime tensor over {@code t}'s data for use as an external initializer, owned by this
   * holder ({@link #own}). Data already in native memory (a weight memory-mapped from a safetensors
   * file, or a direct buffer) is used in place on little-endian machines: ONNX Runtime reads those
   * pages, nothing is copied, and the tensor keeps the buffer reachable. Other data is copied into
   * native memory once.
   *
   * @throws IllegalArgumentException if the dtype has no ONNX Runtime tensor type
   * @throws ConsistencyException if ONNX Runtime cannot create the tensor
   * @throws IllegalStateException if this holder is closed
   */
  public synchronized OnnxTensor weight(Tensor t) {
    Check.notNull(t, "t");
    ensureOpen();
    ByteBuffer src = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer data = src;
    if (!src.isDirect() || ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
      data = ByteBuffer.allocateDirect(src.remaining()).order(ByteOrder.nativeOrder());
      if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN || t.dtype().byteSize() == 1) {
        data.put(src).flip();
      } else {
        throw new IllegalArgumentException("weights of type " + t.dtype()
            + " need a little-endian machine, this one is " + ByteOrder.nativeOrder());
      }
    }
    try {
      OnnxTensor tensor = t.dtype() == DType.FLOAT
          ? OnnxTensor.createTensor(env, data.order(ByteOrder.nativeOrder()).asFloatBuffer(),
              t.shape())
          : OnnxTensor.createTensor(env, data, t.shape(), javaType(t.dtype()));
      return own(tensor);
    } catch (OrtException e) {
      throw new ConsistencyException("cannot create weight tensor of shape "
          + Arrays.toString(t.shape()), e);
    }
  }

  private static OnnxJavaType javaType(DType d) {
    return switch (d) {
      case FLOAT -> OnnxJavaType.FLOAT;
      case DOUBLE -> OnnxJavaType.DOUBLE;
      case INT64 -> OnnxJavaType.INT64;
      case INT32 -> OnnxJavaType.INT32;
      case FLOAT16 -> OnnxJavaType.FLOAT16;
      case BFLOAT16 -> OnnxJavaType.BFLOAT16;
      case INT8 -> OnnxJavaType.INT8;
      case UINT8 -> OnnxJavaType.UINT8;
      case BOOL -> OnnxJavaType.BOOL;
      default -> throw new IllegalArgumentException("unsupported initializer type " + d);
    };
  }

  /**
   * Creates a session from {@code model}, giving ONNX Runtime its externalized initializers as {@link
   * RuntimeOptions#resolvedWeights()} says: {@link RuntimeOptions.WeightPlacement#IN_PLACE} turns them
   * into graph inputs that every run of the session must be given ({@link #weightInputs}; one
   * tensor per weight {@link Tensor} object, shared by the sessions of this holder, viewing the
   * weight's memory), {@link RuntimeOptions.WeightPlacement#SESSION} hands them over as external
   * initializers ({@link #weight} tensors), which ONNX Runtime copies into the session (and
   * pre-packs for its matrix products); those tensors and the session's options are closed once the
   * session exists, so that {@code model}'s buffers can be freed when the caller drops it (a
   * quantized model's codes would otherwise stay next to ONNX Runtime's pre-packed copy for the
   * session's life). With {@code SESSION}, the weights the graph only looks rows up in (every reader
   * a {@code Gather} of their data: an embedding table that is not also a tied LM head) are read in
   * place all the same ({@link #weightInputs}): ONNX Runtime has nothing to pre-pack there, and its
   * copy would be a second whole table.
   *
   * @param name a unique name for {@link #session(String)}
   * @throws ModelLoadException if ONNX Runtime rejects the model
   * @throws IllegalStateException if this holder is closed
   */
  public synchronized OrtSession create(String name, ExportedModel model) {
    Check.notNull(name, "name");
    Check.notNull(model, "model");
    ensureOpen();
    Map<String, OnnxTensor> weights = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : model.externalInitializers().entrySet()) {
      OnnxTensor t = weightTensors.get(e.getValue());
      if (t == null) {
        t = weight(e.getValue());
        weightTensors.put(e.getValue(), t);
      }
      weights.put(e.getKey(), t);
    }
    java.util.Set<String> inPlace =
        options.resolvedWeights() == RuntimeOptions.WeightPlacement.IN_PLACE
            ? weights.keySet() : lookupTables(model);
    if (inPlace.equals(weights.keySet())) {
      OrtSession s = create(name, model.externalInitializersAsInputs().toByteArray(), Map.of());
      weightInputs.put(name, Collections.unmodifiableMap(weights));
      return s;
    }
    Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
    Map<String, OnnxTensor> initializers = new LinkedHashMap<>();
    weights.forEach((n, t) -> (inPlace.contains(n) ? inputs : initializers).put(n, t));
    OrtSession s = open(name, inPlace.isEmpty() ? model.toByteArray()
        : model.externalInitializersAsInputs(inPlace).toByteArray(), initializers, true);
    if (!inputs.isEmpty()) {
      weightInputs.put(name, Collections.unmodifiableMap(inputs));
    }
    return s;
  }

  /**
   * The externalized initializers of {@code model} whose every reader is a {@code Gather} taking
   * them as its data (input 0) in the main graph: tables the graph looks rows up in.
   */
  static java.util.Set<String> lookupTables(ExportedModel model) {
    java.util.Set<String> gathered = new java.util.HashSet<>();
    java.util.Set<String> otherUse = new java.util.HashSet<>();
    OnnxMl.GraphProto graph = model.model().getGraph();
    for (OnnxMl.NodeProto n : graph.getNodeList()) {
      for (int i = 0; i < n.getInputCount(); i++) {
        boolean lookup = i == 0 && n.getOpType().equals("Gather") && n.getDomain().isEmpty();
        (lookup ? gathered : otherUse).add(n.getInput(i));
      }
      for (OnnxMl.AttributeProto a : n.getAttributeList()) {
        // Subgraphs (If, Loop, Scan) may read outer values: count every name they mention.
        a.getGraphsList().forEach(sub -> mentionedIn(sub, otherUse));
        if (a.hasG()) {
          mentionedIn(a.getG(), otherUse);
        }
      }
    }
    graph.getOutputList().forEach(o -> otherUse.add(o.getName()));
    java.util.Set<String> out = new java.util.LinkedHashSet<>();
    for (String n : model.externalInitializers().keySet()) {
      if (gathered.contains(n) && !otherUse.contains(n)) {
        out.add(n);
      }
    }
    return out;
  }

  private static void mentionedIn(OnnxMl.GraphProto g, java.util.Set<String> names) {
    for (OnnxMl.NodeProto n : g.getNodeList()) {
      names.addAll(n.getInputList());
      for (OnnxMl.AttributeProto a : n.getAttributeList()) {
        a.getGraphsList().forEach(sub -> mentionedIn(sub, names));
        if (a.hasG()) {
          mentionedIn(a.getG(), names);
        }
      }
    }
  }

  /**
   * The inputs every run of session {@code name} must be given besides its own: the weights a
   * session created in place by {@link #create(String, ExportedModel)} reads from the caller's
   * memory: every weight in place, only the lookup tables with {@link
   * RuntimeOptions.WeightPlacement#SESSION}, none for sessions made from bytes. Add them to each
   * run's input map.
   *
   * @throws IllegalArgumentException if there is no session of that name
   * @throws IllegalStateException if this holder is closed
   */
  public synchronized Map<String, OnnxTensor> weightInputs(String name) {
    session(name);
    return weightInputs.getOrDefault(name, Map.of());
  }

  /**
   * Creates a session from a serialized ONNX model.
   *
   * @param name a unique name for {@link #session(String)}
   * @param model the serialized {@code ModelProto}
   * @param externalInitializers weights supplied outside the model bytes (by initializer name);
   *     their tensors must stay open while this holder is open (pass tensors from {@link #own})
   * @return the session, owned by this holder
   * @throws ModelLoadException if ONNX Runtime rejects the model
   */
  public synchronized OrtSession create(
      String name, byte[] model, Map<String, ? extends OnnxTensorLike> externalInitializers) {
    Check.notNull(name, "name");
    Check.notNull(model, "model");
    Check.notNull(externalInitializers, "externalInitializers");
    return open(name, model, externalInitializers, false);
  }

  /**
   * Creates a session; with {@code releaseInitializers} it then closes the session's options and
   * the initializer tensors, which must be tensors of this holder ({@link #weight}) used by no other
   * session: ONNX Runtime copied them into the session (and pre-packs or drops its copy), so it never
   * reads that memory again ({@code ModelSessionsTest.session_weights_are_copied_by_onnx_runtime} and
   * {@code ModelSessionsTest.quantized_session_weights_are_copied_by_onnx_runtime} fail if a version
   * stops copying). Only then can the buffers under them (for example a quantized model's codes,
   * which nothing else reads) be freed once the caller drops them; otherwise this holder kept them
   * reachable until its close, next to ONNX Runtime's own copy. The options go too because they
   * refer to the same memory.
   */
  private synchronized OrtSession open(String name, byte[] model,
      Map<String, ? extends OnnxTensorLike> externalInitializers, boolean releaseInitializers) {
    ensureOpen();
    Check.argument(!sessions.containsKey(name), "session " + name + " already exists");
    OrtSession.SessionOptions so = options.newSessionOptions();
    owned.add(so);
    OrtSession session;
    try {
      if (!memoryPattern) {
        so.setMemoryPatternOptimization(false);
      }
      if (!externalInitializers.isEmpty()) {
        so.addExternalInitializers(new LinkedHashMap<>(externalInitializers));
      }
      session = env.createSession(model, so);
      owned.add(session);
      sessions.put(name, session);
    } catch (OrtException e) {
      throw new ModelLoadException(
          "ONNX Runtime rejected the " + name + " graph (" + options.device() + "): "
              + e.getMessage(), e);
    }
    if (releaseInitializers) {
      java.util.Set<Object> released = Collections.newSetFromMap(new IdentityHashMap<>());
      released.add(so);
      released.addAll(externalInitializers.values());
      weightTensors.values().removeIf(released::contains);
      owned.removeIf(released::contains);
      try {
        so.close();
        for (OnnxTensorLike t : externalInitializers.values()) {
          t.close();
        }
      } catch (RuntimeException e) {
        throw new ConsistencyException("failed to release the initializers of the " + name
            + " session", e);
      }
    }
    return session;
  }

  /**
   * A session created earlier.
   *
   * @throws IllegalArgumentException if there is no session of that name
   * @throws IllegalStateException if this holder is closed
   */
  public synchronized OrtSession session(String name) {
    ensureOpen();
    OrtSession s = sessions.get(Check.notNull(name, "name"));
    Check.argument(s != null, "no session named " + name + ", found " + sessions.keySet());
    return s;
  }

  /** Whether {@link #close()} has been called. */
  public synchronized boolean isClosed() {
    return closed;
  }

  /**
   * Releases sessions, options and owned tensors in reverse order. Idempotent.
   *
   * @throws ConsistencyException wrapping the first failure (later ones suppressed), after
   *     attempting to release everything
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    sessions.clear();
    weightInputs.clear();
    weightTensors.clear();
    RuntimeException first = null;
    for (int i = owned.size() - 1; i >= 0; i--) {
      try {
        owned.get(i).close();
      } catch (Exception e) {
        if (first == null) {
          first = new ConsistencyException("failed to release ONNX Runtime resources", e);
        } else {
          first.addSuppressed(e);
        }
      }
    }
    owned.clear();
    if (first != null) {
      throw first;
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("model sessions are closed");
    }
  }
}
