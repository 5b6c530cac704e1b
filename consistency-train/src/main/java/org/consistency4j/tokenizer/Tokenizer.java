package org.consistency4j.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.consistency4j.ModelLoadException;
import org.consistency4j.internal.Check;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Hugging Face tokenizer ({@code tokenizer.json}) run by DJL's binding of the Rust {@code
 * tokenizers} library, with the chat template of the model's {@code tokenizer_config.json}.
 *
 * <p>Loaded only from local paths. Before the first tokenizer is created this class sets the system
 * properties {@code ai.djl.offline=true} and {@code OPT_OUT_TRACKING=true} (unless already set), so
 * DJL neither downloads anything nor reports usage. DJL extracts its native library to {@code
 * ~/.djl.ai}, or to {@code DJL_CACHE_DIR} when that environment variable is set.
 *
 * <p>Ids are {@code int}s. {@link #encode(String)} adds exactly the special tokens the tokenizer's
 * post-processor adds (for example a BOS token for Llama tokenizers; nothing for a ByteLevel
 * post-processor). Thread-safe for concurrent encode/decode. Owns a native tokenizer handle: close it
 * (idempotent); use after close throws {@link IllegalStateException}.
 */
public final class Tokenizer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Tokenizer.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  static {
    // DJL reads these (environment variable or system property) when it first initializes; without
    // them it contacts a cloud metadata address and a telemetry endpoint.
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    if (System.getProperty("OPT_OUT_TRACKING") == null) {
      System.setProperty("OPT_OUT_TRACKING", "true");
    }
  }

  private final Path source;
  private final HuggingFaceTokenizer tokenizer;
  private final Map<String, Integer> tokenToId;
  private final String[] idToToken;
  private final ChatTemplate chatTemplate;
  private final Optional<String> bosToken;
  private final Optional<String> eosToken;
  private volatile boolean closed;

  private Tokenizer(
      Path source,
      HuggingFaceTokenizer tokenizer,
      Map<String, Integer> tokenToId,
      ChatTemplate chatTemplate,
      Optional<String> bosToken,
      Optional<String> eosToken) {
    this.source = source;
    this.tokenizer = tokenizer;
    this.tokenToId = Map.copyOf(tokenToId);
    int size = 0;
    for (int id : tokenToId.values()) {
      size = Math.max(size, id + 1);
    }
    this.idToToken = new String[size];
    tokenToId.forEach((t, id) -> idToToken[id] = t);
    this.chatTemplate = chatTemplate;
    this.bosToken = bosToken;
    this.eosToken = eosToken;
  }

  /**
   * Loads {@code tokenizer.json} and, if present, {@code tokenizer_config.json} (chat template,
   * BOS/EOS token strings) from a model directory.
   *
   * @param modelDir a Hugging Face model directory
   * @throws ModelLoadException if {@code tokenizer.json} is missing or invalid (the message names the
   *     file)
   */
  public static Tokenizer load(Path modelDir) {
    Check.notNull(modelDir, "modelDir");
    Path file = modelDir.resolve("tokenizer.json");
    Check.modelFile(Files.isRegularFile(file), file + ": file not found");
    Map<String, Integer> vocab = readVocabulary(file);
    Path configFile = modelDir.resolve("tokenizer_config.json");
    JsonNode config = Files.isRegularFile(configFile) ? readJson(configFile) : null;
    Optional<String> bos = config == null ? Optional.empty() : tokenString(config, "bos_token");
    Optional<String> eos = config == null ? Optional.empty() : tokenString(config, "eos_token");
    ChatTemplate template = chatTemplate(configFile, config);
    HuggingFaceTokenizer hf;
    try {
      hf =
          HuggingFaceTokenizer.newInstance(
              file,
              Map.of(
                  "addSpecialTokens", "true",
                  "truncation", "false",
                  "padding", "false"));
    } catch (IOException | RuntimeException e) {
      throw new ModelLoadException(file + ": cannot load tokenizer: " + e.getMessage(), e);
    }
    LOG.debug("loaded tokenizer {} ({} tokens)", file, vocab.size());
    return new Tokenizer(file, hf, vocab, template, bos, eos);
  }

  /**
   * Encodes text; adds the special tokens the tokenizer's post-processor adds.
   *
   * @param text any text; special-token strings inside it become their ids
   */
  public int[] encode(String text) {
    return encode(text, true);
  }

  /**
   * Encodes text.
   *
   * @param text any text
   * @param addSpecialTokens whether the post-processor may add special tokens (BOS, EOS)
   */
  public int[] encode(String text, boolean addSpecialTokens) {
    Check.notNull(text, "text");
    ensureOpen();
    Encoding enc = tokenizer.encode(text, addSpecialTokens, false);
    long[] ids = enc.getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = Math.toIntExact(ids[i]);
    }
    return out;
  }

  /** Decodes ids to text, keeping special tokens. */
  public String decode(int[] ids) {
    return decode(ids, false);
  }

  /**
   * Decodes ids to text.
   *
   * @param ids token ids, each in {@code [0, vocabSize())}
   * @param skipSpecialTokens whether special tokens (BOS, EOS, ...) are left out
   * @throws IllegalArgumentException if an id is out of range
   */
  public String decode(int[] ids, boolean skipSpecialTokens) {
    Check.notNull(ids, "ids");
    ensureOpen();
    long[] l = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      Check.inRange(ids[i], 0, vocabSize() - 1, "ids[" + i + "]");
      l[i] = ids[i];
    }
    return tokenizer.decode(l, skipSpecialTokens);
  }

  /** The id of a vocabulary entry (in the tokenizer's own symbols, e.g. {@code "Ġthe"}). */
  public OptionalInt tokenToId(String token) {
    Integer id = tokenToId.get(Check.notNull(token, "token"));
    return id == null ? OptionalInt.empty() : OptionalInt.of(id);
  }

  /** The vocabulary entry of an id, in the tokenizer's own symbols, if the id has one. */
  public Optional<String> idToToken(int id) {
    return id >= 0 && id < idToToken.length ? Optional.ofNullable(idToToken[id]) : Optional.empty();
  }

  /** One more than the largest id in the vocabulary (model vocabulary plus added tokens). */
  public int vocabSize() {
    return idToToken.length;
  }

  /** The BOS token string of {@code tokenizer_config.json}, if any. */
  public Optional<String> bosToken() {
    return bosToken;
  }

  /** The EOS token string of {@code tokenizer_config.json}, if any. */
  public Optional<String> eosToken() {
    return eosToken;
  }

  /** The id of {@link #eosToken()}, if there is one and the vocabulary has it. */
  public OptionalInt eosTokenId() {
    return eosToken.isPresent() ? tokenToId(eosToken.get()) : OptionalInt.empty();
  }

  /** The model's chat template, or the plain fallback when it has none. */
  public ChatTemplate chatTemplate() {
    return chatTemplate;
  }

  /**
   * The prompt an instruction-tuned model expects for one user instruction: this tokenizer's Jinja
   * chat template rendered with a single user message and the generation prompt, or {@code
   * instruction} unchanged when the model has no Jinja chat template (the plain fallback is not
   * applied).
   *
   * @throws ChatTemplateException if the template fails (the message names the template line)
   */
  public String instructionPrompt(String instruction) {
    Check.notNull(instruction, "instruction");
    return chatTemplate.source().isPresent()
        ? chatTemplate.render(List.of(ChatMessage.user(instruction)), true)
        : instruction;
  }

  /** {@link ChatTemplate#render} with this tokenizer's template. */
  public String applyChatTemplate(List<ChatMessage> messages, boolean addGenerationPrompt) {
    return chatTemplate.render(messages, addGenerationPrompt);
  }

  /** The {@code tokenizer.json} this was loaded from. */
  public Path source() {
    return source;
  }

  /** Releases the native tokenizer. Idempotent. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      tokenizer.close();
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("tokenizer " + source + " is closed");
    }
  }

  private static JsonNode readJson(Path file) {
    try {
      JsonNode n = JSON.readTree(Files.readAllBytes(file));
      Check.modelFile(n != null && n.isObject(), file + ": must hold a JSON object");
      return n;
    } catch (NoSuchFileException e) {
      throw new ModelLoadException(file + ": file not found", e);
    } catch (JsonProcessingException e) {
      throw new ModelLoadException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new ModelLoadException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  /** model.vocab (object for BPE/WordPiece/WordLevel, [piece, score] list for Unigram) + added. */
  private static Map<String, Integer> readVocabulary(Path file) {
    JsonNode root = readJson(file);
    Map<String, Integer> vocab = new HashMap<>();
    JsonNode v = root.path("model").path("vocab");
    if (v.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> it = v.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        vocab.put(e.getKey(), tokenId(file, "model.vocab[\"" + e.getKey() + "\"]", e.getValue()));
      }
    } else if (v.isArray()) {
      for (int i = 0; i < v.size(); i++) {
        vocab.put(v.get(i).path(0).asText(), i);
      }
    } else {
      throw new ModelLoadException(file + ": model.vocab must be an object or a list, found " + v);
    }
    for (JsonNode added : root.path("added_tokens")) {
      vocab.put(
          added.path("content").asText(), tokenId(file, "added_tokens.id", added.path("id")));
    }
    Check.modelFile(!vocab.isEmpty(), file + ": model.vocab must not be empty");
    return vocab;
  }

  private static int tokenId(Path file, String field, JsonNode n) {
    // Ids index arrays: bound them so a hostile file cannot make us allocate gigabytes.
    if (!n.isIntegralNumber() || n.longValue() < 0 || n.longValue() > 16_000_000) {
      throw new ModelLoadException(
          file + ": " + field + " must be a token id in [0, 16000000], found " + n);
    }
    return n.intValue();
  }

  private static Optional<String> tokenString(JsonNode config, String field) {
    JsonNode n = config.get(field);
    if (n == null || n.isNull()) {
      return Optional.empty();
    }
    if (n.isTextual()) {
      return Optional.of(n.asText());
    }
    JsonNode content = n.get("content");
    return content != null && content.isTextual() ? Optional.of(content.asText()) : Optional.empty();
  }

  private static final List<String> SPECIAL_TOKENS = List.of("bos_token", "eos_token",
      "unk_token", "sep_token", "pad_token", "cls_token", "mask_token");

  /**
   * The chat template of {@code tokenizer_config.json} (or of {@code chat_template.jinja} beside it,
   * where newer checkpoints keep it), with the special tokens of the config as transformers passes
   * them. A template the engine cannot parse does not stop the model from loading: rendering it
   * fails with the parse error, naming the file.
   */
  private static ChatTemplate chatTemplate(Path file, JsonNode config) {
    String source = null;
    String origin = file.toString();
    JsonNode t = config == null ? null : config.get("chat_template");
    if (t != null && t.isTextual()) {
      source = t.asText();
    } else if (t != null && t.isArray()) {
      // Several named templates: use the one named "default".
      for (JsonNode named : t) {
        if ("default".equals(named.path("name").asText()) && named.path("template").isTextual()) {
          source = named.get("template").asText();
        }
      }
      Check.modelFile(source != null,
          file + ": chat_template is a list without a \"default\" entry");
    } else if (t != null && !t.isNull()) {
      throw new ModelLoadException(
          file + ": chat_template must be a string or a list with a \"default\" entry, found "
              + (t.toString().length() > 200 ? t.toString().substring(0, 200) + "..." : t));
    } else {
      Path jinja = file.resolveSibling("chat_template.jinja");
      if (Files.isRegularFile(jinja)) {
        try {
          source = Files.readString(jinja);
          origin = jinja.toString();
        } catch (IOException e) {
          throw new ModelLoadException(jinja + ": cannot read: " + e.getMessage(), e);
        }
      }
    }
    if (source == null) {
      return ChatTemplate.plain();
    }
    ChatTemplate.Builder builder = ChatTemplate.builder(source);
    for (String name : SPECIAL_TOKENS) {
      if (config != null) {
        tokenString(config, name).ifPresent(v -> builder.specialToken(name, v));
      }
    }
    try {
      return builder.build();
    } catch (ChatTemplateException e) {
      LOG.warn("{}: chat template cannot be used: {}", origin, e.getMessage());
      return ChatTemplate.unusable(source, origin + ": " + e.getMessage());
    }
  }
}
