package org.consistency4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.consistency4j.embedding.EmbeddingSimilarity;
import org.consistency4j.http.HttpModelConfig;
import org.consistency4j.lm.LanguageModel;
import org.consistency4j.model.OnnxLanguageModel;
import org.consistency4j.paraphrase.LmParaphraserConfig;
import org.consistency4j.paraphrase.Paraphraser;
import org.consistency4j.paraphrase.Paraphrasers;
import org.consistency4j.paraphrase.ProtectionRules;
import org.consistency4j.paraphrase.QualityFilter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Options shared by {@code paraphrase} and {@code augment}: the method, the language model for
 * {@code lm}, and the optional MiniLM meaning filter. Owns what it opens; close it after use.
 */
final class ParaphraseSupport implements AutoCloseable {
  /** The most paraphrases per instruction the CLI asks for ({@code --n}, {@code --paraphrases}). */
  static final int MAX_PARAPHRASES = 1000;


  @Option(
      names = "--method",
      defaultValue = "pipeline",
      paramLabel = "NAME",
      description = "wordnet, structural, lm, format or pipeline (default: ${DEFAULT-VALUE}).")
  String method;

  @Option(
      names = "--model",
      paramLabel = "DIR",
      description = "Local Hugging Face model directory for --method lm (run on ONNX Runtime).")
  Path model;

  /** Where the local model of {@code --method lm} runs. */
  @Mixin DeviceOption device = new DeviceOption();

  @Option(
      names = "--endpoint",
      paramLabel = "URL",
      description = "OpenAI-compatible server for --method lm, for example http://localhost:8000.")
  String endpoint;

  @Option(
      names = "--endpoint-model",
      paramLabel = "NAME",
      description = "Model name sent to --endpoint.")
  String endpointModel;

  @Option(
      names = "--api-key-env",
      paramLabel = "VAR",
      description = "Environment variable holding the API key for --endpoint (never printed).")
  String apiKeyEnv;

  @Option(
      names = "--lm-template",
      paramLabel = "FILE",
      description = "Prompt template for --method lm ({n}, {instruction}, {protected}).")
  Path lmTemplate;

  @Option(
      names = "--min-cosine",
      paramLabel = "X",
      defaultValue = "0",
      description = "Drop paraphrases whose MiniLM embedding cosine to the original is below X"
          + " (0 = no meaning filter; default: ${DEFAULT-VALUE}).")
  double minCosine;

  private LanguageModel languageModel;
  private EmbeddingSimilarity embeddings;

  /** The configured paraphraser; opens the model and the encoder when needed. */
  Paraphraser paraphraser() throws IOException {
    if (!(minCosine >= 0 && minCosine <= 1)) {
      throw new IllegalArgumentException("--min-cosine must be in [0, 1], found " + minCosine);
    }
    Optional<QualityFilter.MeaningSimilarity> meaning = Optional.empty();
    if (minCosine > 0) {
      embeddings = EmbeddingSimilarity.miniLm();
      meaning = Optional.of(embeddings::similarity);
    }
    Paraphraser p;
    QualityFilter filter;
    switch (method) {
      case "lm" -> {
        LmParaphraserConfig config = LmParaphraserConfig.defaults();
        if (lmTemplate != null) {
          config = config.withTemplate(Files.readString(lmTemplate));
        }
        p = Paraphrasers.languageModel(openModel(), config, ProtectionRules.defaults());
        filter = QualityFilter.defaults();
      }
      case "pipeline" -> {
        p = Paraphrasers.ruleBased();
        filter = Paraphrasers.pipelineFilter();
      }
      default -> {
        p = Paraphrasers.byName(method);
        filter = null;
      }
    }
    if (meaning.isPresent()) {
      QualityFilter f = (filter == null ? QualityFilter.nearDuplicates(1) : filter)
          .withMeaningCheck(meaning.get(), minCosine);
      return Paraphrasers.filtered(p, f, method.equals("pipeline") ? 8 : 2);
    }
    if (filter != null) {
      return Paraphrasers.filtered(p, filter, method.equals("pipeline") ? 8 : 2);
    }
    return p;
  }

  private LanguageModel openModel() {
    if (endpoint != null) {
      if (endpointModel == null || endpointModel.isBlank()) {
        throw new IllegalArgumentException("--endpoint needs --endpoint-model NAME");
      }
      HttpModelConfig.Builder b = HttpModelConfig.builder(endpoint, endpointModel);
      if (apiKeyEnv != null) {
        b.apiKeyEnv(apiKeyEnv);
      }
      languageModel = HttpModels.open(b.build());
      return languageModel;
    }
    if (model != null) {
      languageModel = LocalModels.open(model, null, OnnxLanguageModel.PromptOverflow.ERROR, false,
          device.runtime());
      return languageModel;
    }
    throw new IllegalArgumentException(
        "--method lm needs a language model: give --model DIR (local) or --endpoint URL"
            + " --endpoint-model NAME (OpenAI-compatible server)");
  }


  @Override
  public void close() {
    if (languageModel != null) {
      languageModel.close();
    }
    if (embeddings != null) {
      embeddings.close();
    }
  }
}
