package org.consistency4j.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.consistency4j.graph.ExportedModel;
import org.consistency4j.graph.Tensor;
import org.consistency4j.internal.Check;
import org.consistency4j.lora.Lora;
import org.consistency4j.lora.LoraConfig;
import org.consistency4j.model.ModelConfig;
import org.consistency4j.model.RuntimeOptions;
import org.consistency4j.safetensors.SafetensorsWriter;
import org.consistency4j.tokenizer.Tokenizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Supervised fine-tuning of a Hugging Face model directory end to end: load the model ({@link
 * LlamaTrainingGraph}) and tokenizer, optionally add LoRA adapters, read the JSONL data ({@link SftData}),
 * train ({@link SftTrainer}) and export. With LoRA the output directory receives {@code adapter/} in PEFT
 * format; with full fine-tuning it receives {@code model/} ({@code model.safetensors} in float32, the
 * source {@code config.json} and tokenizer files), loadable like the source directory. Stateless.
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
   * @param lora LoRA settings, or empty for full fine-tuning
   * @param runtime device and threads
   * @param resumeFrom a directory holding a checkpoint to continue from (may equal {@code outDir})
   */
  public record Options(
      Path modelDir,
      Path data,
      Optional<Path> validationData,
      Path outDir,
      SftConfig config,
      Optional<LoraConfig> lora,
      RuntimeOptions runtime,
      Optional<Path> resumeFrom) {
    /** Validates that every field is present. */
    public Options {
      Check.notNull(modelDir, "modelDir");
      Check.notNull(data, "data");
      Check.notNull(validationData, "validationData");
      Check.notNull(outDir, "outDir");
      Check.notNull(config, "config");
      Check.notNull(lora, "lora");
      Check.notNull(runtime, "runtime");
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
    try (Tokenizer tok = Tokenizer.load(o.modelDir())) {
      List<SftExample> train = SftData.read(o.data(), tok, o.config().maxLength(), o.config().appendEos());
      Check.argument(!train.isEmpty(), o.data() + ": no usable training examples");
      List<SftExample> val = o.validationData().isPresent()
          ? SftData.read(o.validationData().get(), tok, o.config().maxLength(), o.config().appendEos())
          : List.of();
      OptionalInt eos = tok.eosToken().isPresent() ? tok.tokenToId(tok.eosToken().get())
          : OptionalInt.empty();
      int padId = eos.orElse(0);
      ExportedModel forward = LlamaTrainingGraph.load(o.modelDir());
      List<String> trainables;
      Set<String> noDecay;
      Lora.Adapted adapted = null;
      if (o.lora().isPresent()) {
        adapted = Lora.apply(forward, o.lora().get());
        forward = adapted.model();
        trainables = adapted.adapters();
        noDecay = Set.of();
      } else {
        trainables = LlamaTrainingGraph.weightNames(mc);
        noDecay = LlamaTrainingGraph.noDecay(mc);
      }
      Files.createDirectories(o.outDir());
      if (o.resumeFrom().isPresent()) {
        Path src = o.resumeFrom().get().resolve(SftTrainer.CHECKPOINT_FILE);
        Check.argument(Files.isRegularFile(src), "resume directory has no checkpoint: " + src);
        if (!o.resumeFrom().get().toAbsolutePath().normalize()
            .equals(o.outDir().toAbsolutePath().normalize())) {
          copyAtomically(src, o.outDir().resolve(SftTrainer.CHECKPOINT_FILE));
          Path metrics = o.resumeFrom().get().resolve(SftTrainer.METRICS_FILE);
          if (Files.isRegularFile(metrics)) {
            copyAtomically(metrics, o.outDir().resolve(SftTrainer.METRICS_FILE));
          }
        }
      }
      LOG.info("fine-tuning {} ({} trainable tensors, {} train / {} validation examples)",
          o.modelDir(), trainables.size(), train.size(), val.size());
      try (TrainingSession session = new TrainingSession(forward, LlamaTrainingGraph.INPUT_IDS,
          LlamaTrainingGraph.LOGITS, trainables, noDecay, o.config().optimizer(), o.runtime())) {
        SftTrainer.Result r = new SftTrainer(o.config()).train(session, train, val, padId,
            o.outDir(), o.resumeFrom().isPresent(), listener);
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (String n : trainables) {
          values.put(n, session.parameter(n));
          shapes.put(n, session.shape(n));
        }
        Path exported;
        if (adapted != null) {
          exported = o.outDir().resolve("adapter");
          Lora.writePeft(exported, o.lora().get(), values, shapes,
              o.modelDir().toAbsolutePath().toString());
        } else {
          exported = o.outDir().resolve("model");
          writeFullModel(exported, o.modelDir(), values, shapes);
        }
        return new Result(r, exported, train.size());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("fine-tuning I/O failed", e);
    }
  }

  /**
   * Writes a loadable model directory: {@code model.safetensors} holding {@code weights} (float32) plus
   * the config and tokenizer files of {@code sourceDir}.
   */
  public static void writeFullModel(Path dir, Path sourceDir, Map<String, float[]> weights,
      Map<String, long[]> shapes) throws IOException {
    Files.createDirectories(dir);
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, float[]> e : weights.entrySet()) {
      tensors.put(e.getKey(), Tensor.ofFloats(e.getValue(), shapes.get(e.getKey())));
    }
    SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
    for (String f : COPIED_FILES) {
      Path src = sourceDir.resolve(f);
      if (Files.isRegularFile(src)) {
        copyAtomically(src, dir.resolve(f));
      }
    }
  }

  private static void copyAtomically(Path src, Path dst) throws IOException {
    Path tmp = Files.createTempFile(dst.toAbsolutePath().getParent(), "." + dst.getFileName(), ".tmp");
    try {
      Files.copy(src, tmp, StandardCopyOption.REPLACE_EXISTING);
      Files.move(tmp, dst, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
