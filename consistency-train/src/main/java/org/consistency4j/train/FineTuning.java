package org.consistency4j.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.consistency4j.graph.DType;
import org.consistency4j.graph.ExportedModel;
import org.consistency4j.graph.HalfFloats;
import org.consistency4j.graph.Tensor;
import org.consistency4j.internal.AtomicFiles;
import org.consistency4j.internal.Check;
import org.consistency4j.lora.Lora;
import org.consistency4j.lora.LoraConfig;
import org.consistency4j.model.ModelConfig;
import org.consistency4j.model.RuntimeOptions;
import org.consistency4j.safetensors.SafetensorsCheckpoint;
import org.consistency4j.safetensors.SafetensorsWriter;
import org.consistency4j.safetensors.TensorInfo;
import org.consistency4j.tokenizer.Tokenizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fine-tuning of a Hugging Face model directory end to end, supervised ({@link #sft}) or by
 * consistency alignment training on preference pairs ({@link #cat}): load the model ({@link
 * LlamaTrainingGraph}) and tokenizer, optionally add LoRA adapters, read the JSONL data ({@link SftData}),
 * train ({@link SftTrainer}) and export. With LoRA the output directory receives {@code adapter/} in PEFT
 * format; with full fine-tuning it receives {@code model/} ({@code model.safetensors} in float32, the
 * source {@code config.json} and tokenizer files), loadable like the source directory. Either directory
 * is replaced as a whole, so a reader never sees a mix of two runs' files. Stateless.
 */
public final class FineTuning {
  private static final Logger LOG = LoggerFactory.getLogger(FineTuning.class);
  private static final List<String> COPIED_FILES =
      List.of("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
          "special_tokens_map.json");

  private FineTuning() {}

  /**
   * What to run.
   *
   * @param modelDir Hugging Face model directory
   * @param data training JSONL
   * @param validationData optional validation JSONL
   * @param outDir output directory (checkpoint, metrics, exported weights)
   * @param config trainer settings
   * @param adaptation what trains: every weight, new LoRA adapters or a continued adapter
   * @param runtime device and threads
   * @param resumeFrom a directory holding a checkpoint to continue from (may equal {@code outDir}); the
   *     checkpoint must come from a run with the same configuration, training data, model and
   *     adaptation (its length and intervals may differ)
   * @param allowConfigChange resume even when those differ, logging each difference ({@link
   *     SftTrainer#allowConfigChange})
   */
  public record Options(
      Path modelDir,
      Path data,
      Optional<Path> validationData,
      Path outDir,
      SftConfig config,
      Adaptation adaptation,
      RuntimeOptions runtime,
      Optional<Path> resumeFrom,
      boolean allowConfigChange) {
    /**
     * Options that refuse a resume with changed settings, training new LoRA adapters with {@code
     * lora}'s settings or, when it is empty, every weight.
     */
    public Options(Path modelDir, Path data, Optional<Path> validationData, Path outDir,
        SftConfig config, Optional<LoraConfig> lora, RuntimeOptions runtime,
        Optional<Path> resumeFrom) {
      this(modelDir, data, validationData, outDir, config, Adaptation.of(lora), runtime, resumeFrom,
          false);
    }

    /** Validates that every field is present. */
    public Options {
      Check.notNull(modelDir, "modelDir");
      Check.notNull(data, "data");
      Check.notNull(validationData, "validationData");
      Check.notNull(outDir, "outDir");
      Check.notNull(config, "config");
      Check.notNull(adaptation, "adaptation");
      Check.notNull(runtime, "runtime");
      if (adaptation.lora().isEmpty()) {
        runtime.requireUnquantized("SFT");
      }
      Check.notNull(resumeFrom, "resumeFrom");
    }
  }

  /**
   * Outcome.
   *
   * @param training what the trainer reports
   * @param exported the adapter or model directory written
   * @param trainExamples examples used for training
   */
  public record Result(SftTrainer.Result training, Path exported, int trainExamples) {}

  /** Runs the fine-tuning described by {@code o}. */
  public static Result sft(Options o, TrainingListener listener) {
    Check.notNull(o, "o");
    Check.notNull(listener, "listener");
    ModelConfig mc = ModelConfig.parse(o.modelDir().resolve("config.json"));
    // Never train beyond the context the model runs exactly (see ModelConfig#maxPositionEmbeddings).
    int maxLength = Math.min(o.config().maxLength(), mc.maxPositionEmbeddings());
    try (Tokenizer tok = Tokenizer.load(o.modelDir())) {
      List<SftExample> train = SftData.read(o.data(), tok, maxLength, o.config().appendEos(),
          o.config().chatTemplate());
      Check.argument(!train.isEmpty(), o.data() + ": no usable training examples");
      List<SftExample> val = o.validationData().isPresent()
          ? SftData.read(o.validationData().get(), tok, maxLength, o.config().appendEos(),
              o.config().chatTemplate())
          : List.of();
      Trainables setup = trainables(o.modelDir(), mc, o.adaptation(), o.runtime());
      Files.createDirectories(o.outDir());
      if (o.resumeFrom().isPresent()) {
        resumeInto(o.resumeFrom().get(), o.outDir());
      }
      LOG.info("fine-tuning {} ({} trainable tensors, {} train / {} validation examples)",
          o.modelDir(), setup.names().size(), train.size(), val.size());
      try (TrainingSession session = setup.open(o.config().optimizer(), o.runtime(), null)) {
        SftTrainer.Result r = new SftTrainer(o.config())
            .withRunFields(runFields(o.adaptation(), o.modelDir(), o.runtime()))
            .allowConfigChange(o.allowConfigChange())
            .train(session, train, val, padId(tok), o.outDir(), o.resumeFrom().isPresent(),
                listener);
        return new Result(r, setup.export(session, o.outDir()), train.size());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("fine-tuning I/O failed", e);
    }
  }

  /**
   * The adaptation's run fields plus, on a quantized base (QLoRA-style), {@code quantization}: a
   * resume with another quantization is a changed configuration.
   */
  private static Map<String, String> runFields(Adaptation adaptation, Path modelDir,
      RuntimeOptions runtime) {
    Map<String, String> run = new LinkedHashMap<>(adaptation.runFields(modelDir));
    if (runtime.quantization().enabled()) {
      run.put("quantization", runtime.quantization().label());
    }
    return run;
  }

  /**
   * Makes {@code out} hold the checkpoint of {@code from} with its metrics and (stage 2) reference
   * log-probabilities, so that a run in {@code out} resumes from it; nothing is copied when both are
   * the same directory.
   *
   * @throws IllegalArgumentException if {@code from} holds no checkpoint, naming the file expected
   */
  public static void resumeInto(Path from, Path out) {
    Path checkpoint = from.resolve(TrainingLoop.CHECKPOINT_FILE);
    Check.argument(Files.isRegularFile(checkpoint), "resume directory has no checkpoint: "
        + checkpoint);
    if (from.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
      return;
    }
    try {
      Files.createDirectories(out);
      for (String name : List.of(TrainingLoop.CHECKPOINT_FILE, TrainingLoop.METRICS_FILE,
          CatTrainer.REFERENCE_FILE, CatTrainer.VALIDATION_REFERENCE_FILE)) {
        if (Files.isRegularFile(from.resolve(name))) {
          AtomicFiles.copy(from.resolve(name), out.resolve(name));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy the checkpoint of " + from + " into " + out, e);
    }
  }

  /** The tokenizer's EOS token, which pads batches, or 0 without one. */
  private static int padId(Tokenizer tok) {
    return tok.eosTokenId().orElse(0);
  }

  /**
   * The forward graph (with LoRA adapters if asked) and the tensors a run trains, for a model whose
   * {@code config.json} was parsed once into {@code config}.
   */
  private record Trainables(Path modelDir, ModelConfig config, Adaptation adaptation,
      java.util.concurrent.atomic.AtomicReference<ExportedModel> forward, List<String> names,
      Set<String> noDecay, TrainingSession.AuxiliaryInputs auxiliary) {
    /**
     * A session at the run's starting point (a continued adapter's weights); with {@code
     * pairwiseLoss} its gradient graph computes that loss in-graph.
     */
    TrainingSession open(org.consistency4j.optim.AdamWConfig optimizer, RuntimeOptions runtime,
        org.consistency4j.loss.StandardLoss pairwiseLoss) {
      // Opened once; the forward model is let go so that, on a quantized base, the views of the
      // mapped file it read the codes from can be unmapped (the sessions keep what they read).
      ExportedModel model = forward.getAndSet(null);
      if (model == null) {
        throw new IllegalStateException("the training session of this run was already opened");
      }
      TrainingSession session = TrainingSession.builder(model).inputIds(LlamaTrainingGraph.INPUT_IDS)
          .logits(LlamaTrainingGraph.LOGITS).trainable(names).noDecay(noDecay).optimizer(optimizer)
          .runtime(runtime).auxiliary(auxiliary).pairwiseLoss(pairwiseLoss).build();
      model = null;
      if (runtime.quantization().enabled()) {
        // The file views the quantized base replaced are unreachable now; only a collection
        // unmaps them (and frees the direct buffers of the rest).
        System.gc();
      }
      if (adaptation instanceof Adaptation.ContinueAdapter c) {
        try {
          startFromAdapter(session, c.adapter(), c.settings());
        } catch (RuntimeException e) {
          session.close();
          throw e;
        }
      }
      return session;
    }

    /** Writes {@code adapter/} (PEFT) or {@code model/} (full weights) into {@code outDir}. */
    Path export(TrainingSession session, Path outDir) throws IOException {
      Map<String, float[]> values = new LinkedHashMap<>();
      Map<String, long[]> shapes = new LinkedHashMap<>();
      for (String n : names) {
        values.put(n, session.parameter(n));
        shapes.put(n, session.shape(n));
      }
      if (adaptation.lora().isPresent()) {
        Path exported = outDir.resolve("adapter");
        Lora.writePeft(exported, adaptation.lora().get(), values, shapes,
            modelDir.toAbsolutePath().toString());
        return exported;
      }
      Path exported = outDir.resolve("model");
      AtomicFiles.replaceDirectory(exported,
          tmp -> writeFullModel(tmp, modelDir, config, values, shapes));
      return exported;
    }
  }

  private static Trainables trainables(Path modelDir, ModelConfig mc, Adaptation adaptation,
      RuntimeOptions runtime) {
    // On a quantized base (LoRA only) the linear weights are quantized from the mapped file, never
    // upcast to float32.
    ExportedModel forward = runtime.quantization().enabled() && adaptation.lora().isPresent()
        ? QuantizedBase.loadForward(modelDir, mc) : LlamaTrainingGraph.load(modelDir, mc);
    if (adaptation.lora().isPresent()) {
      LoraConfig lora = adaptation.lora().get();
      Lora.Adapted adapted = Lora.apply(forward, lora);
      return new Trainables(modelDir, mc, adaptation,
          new java.util.concurrent.atomic.AtomicReference<>(adapted.model()), adapted.adapters(),
          Set.of(),
          new LoraDropout(adapted, lora));
    }
    return new Trainables(modelDir, mc, adaptation,
        new java.util.concurrent.atomic.AtomicReference<>(forward), LlamaTrainingGraph.weightNames(mc),
        LlamaTrainingGraph.noDecay(mc), TrainingSession.AuxiliaryInputs.none());
  }

  /**
   * What to run for consistency alignment training (stage 2).
   *
   * @param modelDir the stage-1 Hugging Face model directory (policy and, for DPO-style losses,
   *     reference)
   * @param pairs the preference pairs (for example from {@link
   *     org.consistency4j.pairs.PreferencePairsJsonl#read})
   * @param outDir output directory (checkpoint, metrics, reference cache, exported weights)
   * @param config loss and trainer settings
   * @param adaptation what trains: every weight, new LoRA adapters, or a stage-1 PEFT LoRA adapter of
   *     {@code modelDir} continued ({@link Adaptation.ContinueAdapter}: the policy and the reference
   *     start as base + stage-1 adapter, and the exported adapter applies to {@code modelDir})
   * @param runtime device and threads
   * @param resume continue from {@code outDir}'s checkpoint if there is one
   * @param validation held-out pairs evaluated every {@link SftConfig#validateEvery()} steps and at
   *     the end (may be empty)
   * @param allowConfigChange resume even when the checkpoint's configuration, pairs, model, adapter
   *     or LoRA settings differ from this run's, logging each difference (by default refused)
   */
  public record CatOptions(
      Path modelDir,
      List<org.consistency4j.pairs.PreferencePair> pairs,
      Path outDir,
      CatConfig config,
      Adaptation adaptation,
      RuntimeOptions runtime,
      boolean resume,
      List<org.consistency4j.pairs.PreferencePair> validation,
      boolean allowConfigChange) {
    /** Validates that every field is present and copies the pairs. */
    public CatOptions {
      Check.notNull(modelDir, "modelDir");
      pairs = List.copyOf(Check.notEmpty(pairs, "pairs"));
      Check.notNull(outDir, "outDir");
      Check.notNull(config, "config");
      Check.notNull(adaptation, "adaptation");
      Check.notNull(runtime, "runtime");
      if (adaptation.lora().isEmpty()) {
        runtime.requireUnquantized("CAT");
      }
      validation = List.copyOf(Check.notNull(validation, "validation"));
    }

    /**
     * Options without validation pairs that refuse a resume with changed settings, training new LoRA
     * adapters with {@code lora}'s settings or, when it is empty, every weight.
     */
    public CatOptions(Path modelDir, List<org.consistency4j.pairs.PreferencePair> pairs, Path outDir,
        CatConfig config, Optional<LoraConfig> lora, RuntimeOptions runtime, boolean resume) {
      this(modelDir, pairs, outDir, config, Adaptation.of(lora), runtime, resume, List.of(), false);
    }
  }

  /**
   * Outcome of a stage-2 run.
   *
   * @param training what the trainer reports
   * @param exported the adapter or model directory written (a model directory loads like the source)
   * @param before loss and reward accuracy on the training pairs before training
   * @param after the same after training
   */
  public record CatResult(CatTrainer.Result training, Path exported, CatTrainer.Evaluation before,
      CatTrainer.Evaluation after) {}

  /**
   * Runs consistency alignment training: tokenizes the pairs with the model's tokenizer, trains with
   * {@link CatTrainer} and exports like {@link #sft}.
   */
  public static CatResult cat(CatOptions o, TrainingListener listener) {
    Check.notNull(o, "o");
    Check.notNull(listener, "listener");
    ModelConfig mc = ModelConfig.parse(o.modelDir().resolve("config.json"));
    SftConfig t = o.config().training();
    int maxLength = Math.min(t.maxLength(), mc.maxPositionEmbeddings());
    try (Tokenizer tok = Tokenizer.load(o.modelDir())) {
      List<PreferenceExample> pairs = PreferenceExample.tokenize(o.pairs(), tok, maxLength,
          t.appendEos(), t.chatTemplate());
      List<PreferenceExample> validation = o.validation().isEmpty() ? List.of()
          : PreferenceExample.tokenize(o.validation(), tok, maxLength, t.appendEos(),
              t.chatTemplate(), "validation pairs");
      int padId = padId(tok);
      Trainables setup = trainables(o.modelDir(), mc, o.adaptation(), o.runtime());
      Files.createDirectories(o.outDir());
      LOG.info("consistency alignment training of {} ({} trainable tensors, {} pairs, loss {})",
          o.modelDir(), setup.names().size(), pairs.size(), o.config().loss().loss());
      CatTrainer trainer = new CatTrainer(o.config())
          .withRunFields(runFields(o.adaptation(), o.modelDir(), o.runtime()))
          .allowConfigChange(o.allowConfigChange());
      try (TrainingSession session = setup.open(t.optimizer(), o.runtime(), o.config().loss())) {
        CatTrainer.ReferenceLogProbs initial = trainer.logProbs(session, pairs, padId);
        CatTrainer.ReferenceLogProbs ref = trainer.loss().requiresReference() ? initial : null;
        CatTrainer.Evaluation before = trainer.evaluate(session, pairs, padId, ref);
        CatTrainer.Result r = trainer.train(session, pairs, validation, padId, o.outDir(),
            o.resume(), listener);
        CatTrainer.Evaluation after = trainer.evaluate(session, pairs, padId, ref);
        return new CatResult(r, setup.export(session, o.outDir()), before, after);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("consistency alignment training I/O failed", e);
    }
  }

  /**
   * Sets the session's LoRA tensors (named as PEFT names them, see {@link Lora}) to the weights of a
   * PEFT adapter, with zero optimizer moments, at step 0.
   *
   * @throws org.consistency4j.InvalidInputException naming the adapter file, the field or tensor and
   *     the values if the adapter's settings differ from {@code lora} or its tensors from the
   *     session's
   */
  static void startFromAdapter(TrainingSession session, Path adapterDir, LoraConfig lora) {
    LoraConfig file = Lora.readPeftConfig(adapterDir);
    String cfg = adapterDir.resolve("adapter_config.json").toString();
    if (file.rank() != lora.rank() || file.alpha() != lora.alpha()
        || !Set.copyOf(file.targets()).equals(Set.copyOf(lora.targets()))) {
      throw new org.consistency4j.InvalidInputException(cfg, 0, "a continued adapter keeps its"
          + " settings: the adapter has r=" + file.rank() + ", lora_alpha=" + file.alpha()
          + ", target_modules=" + file.targets() + ", the run asks for rank " + lora.rank()
          + ", alpha " + lora.alpha() + ", targets " + lora.targets());
    }
    Path weights = adapterDir.resolve("adapter_model.safetensors");
    Map<String, float[]> state = new LinkedHashMap<>(session.state());
    try (org.consistency4j.safetensors.SafetensorsFile ad =
        org.consistency4j.safetensors.SafetensorsFile.open(weights)) {
      Map<String, long[]> expected = new LinkedHashMap<>();
      for (String name : session.trainableNames()) {
        expected.put(name, session.shape(name));
      }
      Lora.checkPeftTensors(ad, expected, lora);
      for (String name : session.trainableNames()) {
        state.put("p/" + name, ad.floats(name));
      }
    }
    session.restore(state, 0);
  }

  /**
   * Merges a PEFT LoRA adapter (as written by {@link Lora#writePeft}: {@code adapter_config.json} with
   * {@code r}, {@code lora_alpha}, and {@code adapter_model.safetensors}) into the weights of {@code
   * modelDir} and writes the result as a model directory ({@code W + alpha / r * B A}, float32) loadable
   * like the source. This is how an adapter is evaluated or continued by stage 2.
   *
   * @throws org.consistency4j.InvalidInputException naming the adapter file and field if the adapter is
   *     not a plain LoRA adapter of this model (other PEFT types, rsLoRA, DoRA, fan-in-fan-out, unknown
   *     or mis-shaped tensors)
   */
  public static Path mergeAdapter(Path modelDir, Path adapterDir, Path outDir) {
    Check.notNull(modelDir, "modelDir");
    Check.notNull(adapterDir, "adapterDir");
    Check.notNull(outDir, "outDir");
    ModelConfig mc = ModelConfig.parse(modelDir.resolve("config.json"));
    LoraConfig adapter = Lora.readPeftConfig(adapterDir);
    int rank = adapter.rank();
    try {
      double scale = adapter.scale();
      Map<String, long[]> shapes = LlamaTrainingGraph.expectedShapes(mc);
      Map<String, float[]> weights = new LinkedHashMap<>();
      // The separate projections every model of this library names (Phi-3's fused ones split).
      LlamaTrainingGraph.loadWeights(modelDir, mc).forEach((n, t) -> weights.put(n, t.toFloatArray()));
      Path adapterFile = adapterDir.resolve("adapter_model.safetensors");
      try (org.consistency4j.safetensors.SafetensorsFile ad =
          org.consistency4j.safetensors.SafetensorsFile.open(adapterFile)) {
        // The whole adapter is checked before anything is merged: never a partial merge.
        Map<String, long[]> expected = Lora.peftShapes(shapes, adapter);
        Check.input(!expected.isEmpty(), adapterDir.resolve("adapter_config.json").toString(), 0,
            "target_modules " + adapter.targets() + " match no weight of " + modelDir);
        Lora.checkPeftTensors(ad, expected, adapter);
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
          String base = e.getKey();
          if (base.endsWith(".weight") && expected.containsKey(Lora.loraA(base))) {
            int out = (int) e.getValue()[0];
            int in = (int) e.getValue()[1];
            weights.put(base, Lora.merge(weights.get(base), ad.floats(Lora.loraA(base)),
                ad.floats(Lora.loraB(base)), out, in, rank, scale));
          }
        }
      }
      writeFullModel(outDir, modelDir, mc, weights, shapes);
      return outDir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot merge adapter " + adapterDir + " into " + modelDir, e);
    }
  }

  /**
   * Interpolates two checkpoints of the same architecture in weight space and writes the result as a
   * model directory: every tensor is {@code (1 - alpha) * first + alpha * second} (WiSE-FT, a
   * model soup of two), computed in double and rounded once to the tensors' element type. With
   * {@code alpha = 0} the output holds {@code first}'s tensors and with {@code alpha = 1} {@code
   * second}'s, bit for bit. Typical use: a fine-tuned model ({@code second}) pulled back towards
   * the model it started from ({@code first}), which keeps more of the start's behaviour.
   *
   * <p>The output directory gets one {@code model.safetensors} (the tensors in their element type:
   * F32, F64, F16 or BF16) and the config and tokenizer files of {@code first}; it is replaced as a
   * whole (a temporary directory renamed into place), so a reader never sees a partial write.
   *
   * @param first the model at {@code alpha = 0} (a directory with {@code model.safetensors} or a
   *     sharded index)
   * @param second the model at {@code alpha = 1}, with the same tensor names, shapes and dtypes
   * @param alpha the weight of {@code second}, in [0, 1]
   * @param outDir the model directory written (may not be {@code first} or {@code second})
   * @return {@code outDir}
   * @throws IllegalArgumentException if {@code alpha} is outside [0, 1] or NaN, if {@code outDir} is
   *     one of the inputs, or if the checkpoints differ in a tensor's presence, shape or dtype or hold a
   *     tensor that is not floating point (the message names the tensor and both values)
   * @throws org.consistency4j.ModelLoadException if a checkpoint cannot be read
   */
  public static Path interpolate(Path first, Path second, double alpha, Path outDir) {
    Check.notNull(first, "first");
    Check.notNull(second, "second");
    Check.notNull(outDir, "outDir");
    Check.inRange(alpha, 0, 1, "alpha");
    Path out = outDir.toAbsolutePath().normalize();
    Check.argument(!out.equals(first.toAbsolutePath().normalize())
        && !out.equals(second.toAbsolutePath().normalize()), "outDir must differ from first and"
        + " second, found " + outDir);
    try (SafetensorsCheckpoint a = SafetensorsCheckpoint.open(first);
        SafetensorsCheckpoint b = SafetensorsCheckpoint.open(second)) {
      List<SafetensorsWriter.Spec> specs = new java.util.ArrayList<>();
      for (String name : a.names()) {
        TensorInfo ia = a.info(name).orElseThrow();
        TensorInfo ib = b.info(name).orElseThrow(() -> new IllegalArgumentException(
            "cannot interpolate " + first + " and " + second + ": tensor '" + name
                + "' is in the first and not in the second"));
        Check.argument(ia.shape().equals(ib.shape()), "cannot interpolate " + first + " and "
            + second + ": tensor '" + name + "' has shape " + ia.shape() + " in the first and "
            + ib.shape() + " in the second");
        Check.argument(ia.dtype() == ib.dtype(), "cannot interpolate " + first + " and " + second
            + ": tensor '" + name + "' has dtype " + ia.dtype() + " in the first and "
            + ib.dtype() + " in the second");
        Check.argument(ia.dtype().isFloatingPoint(), "cannot interpolate " + first + " and "
            + second + ": tensor '" + name + "' has dtype " + ia.dtype()
            + "; only floating-point tensors are interpolated");
        specs.add(new SafetensorsWriter.Spec(name, ia.dtype(), ia.shapeArray()));
      }
      for (String name : b.names()) {
        Check.argument(a.contains(name), "cannot interpolate " + first + " and " + second
            + ": tensor '" + name + "' is in the second and not in the first");
      }
      AtomicFiles.replaceDirectory(out, tmp -> {
        SafetensorsWriter.writeStreaming(tmp.resolve(SafetensorsCheckpoint.SINGLE_FILE), specs,
            Map.of("format", "pt"), (spec, ch) -> writeInterpolated(a.tensor(spec.name()), b.tensor(spec.name()), alpha,
                ch));
        for (String f : COPIED_FILES) {
          Path src = first.resolve(f);
          if (Files.isRegularFile(src)) {
            AtomicFiles.copy(src, tmp.resolve(f));
          }
        }
      });
      return outDir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the interpolation of " + first + " and "
          + second + " into " + outDir, e);
    }
  }

  /** Bytes of interpolated elements computed and written at a time by {@link #writeInterpolated}. */
  private static final int INTERPOLATION_CHUNK = 1 << 16;

  /**
   * Writes {@code (1 - alpha) * x + alpha * y} in {@code x}'s element type to {@code out} (the
   * endpoints' bytes at 0 and 1), a chunk at a time, so that interpolating a large tensor (an 8B
   * model's embedding table) needs no copy of it on the heap.
   */
  private static void writeInterpolated(Tensor x, Tensor y, double alpha, WritableByteChannel out)
      throws IOException {
    if (alpha == 0 || alpha == 1) {
      writeFully((alpha == 0 ? x : y).data(), out);
      return;
    }
    DType dtype = x.dtype();
    ByteBuffer u = x.data();
    ByteBuffer v = y.data();
    ByteBuffer chunk = ByteBuffer.allocate(INTERPOLATION_CHUNK).order(ByteOrder.LITTLE_ENDIAN);
    double keep = 1 - alpha;
    while (u.hasRemaining()) {
      chunk.clear();
      while (u.hasRemaining() && chunk.remaining() >= Double.BYTES) {
        switch (dtype) {
          case DOUBLE -> chunk.putDouble(keep * u.getDouble() + alpha * v.getDouble());
          case FLOAT -> chunk.putFloat((float) (keep * u.getFloat() + alpha * v.getFloat()));
          case FLOAT16 -> chunk.putShort(HalfFloats.floatToFloat16((float) (
              keep * HalfFloats.float16ToFloat(u.getShort())
                  + alpha * HalfFloats.float16ToFloat(v.getShort()))));
          case BFLOAT16 -> chunk.putShort(HalfFloats.floatToBfloat16((float) (
              keep * HalfFloats.bfloat16ToFloat(u.getShort())
                  + alpha * HalfFloats.bfloat16ToFloat(v.getShort()))));
          default -> throw new IllegalStateException("not a floating-point dtype: " + dtype);
        }
      }
      writeFully(chunk.flip(), out);
    }
  }

  private static void writeFully(ByteBuffer data, WritableByteChannel out) throws IOException {
    while (data.hasRemaining()) {
      out.write(data);
    }
  }

  /**
   * Writes a loadable model directory: {@code model.safetensors} holding {@code weights} (float32) plus
   * the config and tokenizer files of {@code sourceDir}. Weights named as this library names them
   * ({@link LlamaTrainingGraph#expectedShapes}) are written in the layout of the source's family, so
   * Phi-3's projections are fused again ({@link org.consistency4j.model.LlamaGraphs#toFileLayout}).
   */
  public static void writeFullModel(Path dir, Path sourceDir, Map<String, float[]> weights,
      Map<String, long[]> shapes) throws IOException {
    Path config = sourceDir.resolve("config.json");
    writeFullModel(dir, sourceDir, Files.isRegularFile(config) ? ModelConfig.parse(config) : null,
        weights, shapes);
  }

  /** As {@link #writeFullModel(Path, Path, Map, Map)}, with the source's parsed config (or null). */
  private static void writeFullModel(Path dir, Path sourceDir, ModelConfig mc,
      Map<String, float[]> weights, Map<String, long[]> shapes) throws IOException {
    Files.createDirectories(dir);
    Map<String, float[]> values = weights;
    Map<String, long[]> fileShapes = shapes;
    if (mc != null && mc.fusedProjections()
        && weights.keySet().equals(LlamaTrainingGraph.expectedShapes(mc).keySet())) {
      values = org.consistency4j.model.LlamaGraphs.toFileLayout(mc, weights);
      fileShapes = org.consistency4j.model.LlamaGraphs.fileShapes(mc);
    }
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, float[]> e : values.entrySet()) {
      tensors.put(e.getKey(), Tensor.ofFloats(e.getValue(), fileShapes.get(e.getKey())));
    }
    SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
    for (String f : COPIED_FILES) {
      Path src = sourceDir.resolve(f);
      if (Files.isRegularFile(src)) {
        AtomicFiles.copy(src, dir.resolve(f));
      }
    }
  }

}
