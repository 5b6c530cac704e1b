package org.consistency4j.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.consistency4j.ConsistencyException;
import org.consistency4j.internal.Check;
import org.consistency4j.lm.Continuation;
import org.consistency4j.lm.ContinuationScore;
import org.consistency4j.lm.Generation;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.lm.LanguageModel;
import org.consistency4j.lm.Sampling;
import org.consistency4j.lm.TokenLogProb;
import org.consistency4j.lm.YesNoTokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link LanguageModel} served by an OpenAI-compatible HTTP server (vLLM, llama.cpp server, Ollama,
 * OpenAI), through {@code /v1/chat/completions} or {@code /v1/completions}.
 *
 * <p><b>Generation.</b> Each prompt is one request (chat: one user message, after the optional
 * system message; completions: the raw prompt). Requests of one call run in parallel, at most {@link
 * HttpModelConfig#maxConcurrency()} at once per model. Prompt {@code i} is sent with the seed {@code
 * Sampling.rng(config.seed(), i).nextInt(Integer.MAX_VALUE)}; whether the server honours seeds is up
 * to the server. {@code topK > 0} is sent as {@code top_k} and {@code stopAtEos == false} as {@code
 * ignore_eos: true} (vLLM and llama.cpp extensions; OpenAI rejects them). At most four stop strings
 * are sent (OpenAI's limit); every stop string is also applied to the returned text, so the result
 * ends before the first stop string whatever the server did. Finish reasons: {@code length} maps to
 * {@link Generation.FinishReason#LENGTH}, a stop string (vLLM's {@code stop_reason}, or found in the
 * text) to {@link Generation.FinishReason#STOP_STRING}, anything else to {@link
 * Generation.FinishReason#EOS}. Token ids are not available over HTTP: {@link Generation#tokenIds()}
 * is empty.
 *
 * <p><b>Next-token probabilities.</b> {@link #nextTokenLogProbs}, {@link #nextTokenDistribution} and
 * {@link #probabilityOfYes(List, YesNoTokens)} request one token with {@code logprobs: true,
 * top_logprobs: N} (chat) or {@code logprobs: N} (completions), N = {@link
 * HttpModelConfig#topLogprobs()}. Only the top N tokens are known: a candidate outside them is absent
 * from the result, and {@code probabilityOfYes} counts it as probability 0. A server that returns no
 * log-probabilities makes these methods throw {@link UnsupportedOperationException}.
 *
 * <p><b>Scoring.</b> {@link #score(List)} needs the completions endpoint and a server that supports
 * {@code echo: true} with {@code logprobs} (vLLM does; llama.cpp and OpenAI's current models do not):
 * the prompt and continuation are sent as one text and the log-probabilities of the tokens that end
 * after the prompt are returned (a token that straddles the boundary counts as continuation).
 * Otherwise it throws {@link UnsupportedOperationException}.
 *
 * <p><b>Failures.</b> HTTP 408, 429 and 5xx, timeouts and connection errors are retried up to {@link
 * HttpModelConfig#maxRetries()} times with exponential backoff and seeded jitter, waiting at least
 * what a {@code Retry-After} header asks (capped at {@link HttpModelConfig#maxBackoff()}). Other
 * statuses and exhausted retries throw {@link ConsistencyException} naming the URL and the status.
 * Response bodies larger than 16 MiB are refused.
 *
 * <p><b>API key.</b> Read once, at {@link #open}, from the environment variable named by {@link
 * HttpModelConfig#apiKeyEnv()} and sent as {@code Authorization: Bearer}. It never appears in logs,
 * exception messages (server messages are scrubbed of it) or {@link #toString()}.
 *
 * <p>Thread-safe. The model owns a small thread pool; {@link #close()} stops it (idempotent), after
 * which calls throw {@link IllegalStateException}.
 */
public final class HttpLanguageModel implements LanguageModel {
  private static final Logger LOG = LoggerFactory.getLogger(HttpLanguageModel.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_RESPONSE_BYTES = 16 << 20;
  private static final int MAX_SERVER_STOP_STRINGS = 4;
  private static final int SNIPPET_CHARS = 300;
  private static final String REDACTED = "[redacted]";
  private static final AtomicInteger POOL_IDS = new AtomicInteger();

  /** Waits between retries; replaced in tests to observe the delays without waiting. */
  interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  private final HttpModelConfig config;
  private final String apiKey;
  private final HttpClient client;
  private final ExecutorService pool;
  private final Sleeper sleeper;
  private final Clock clock;
  private final URI chatUri;
  private final URI completionsUri;
  private final AtomicBoolean closed = new AtomicBoolean();

  private HttpLanguageModel(
      HttpModelConfig config, Function<String, String> environment, Sleeper sleeper, Clock clock) {
    this.config = Check.notNull(config, "config");
    Check.notNull(environment, "environment");
    this.apiKey =
        config
            .apiKeyEnv()
            .map(
                name -> {
                  String value = environment.apply(name);
                  if (value == null || value.isBlank()) {
                    throw new ConsistencyException(
                        "environment variable "
                            + name
                            + " (the configured apiKeyEnv) is not set or empty; set it to the API key of "
                            + config.baseUrl());
                  }
                  return value.strip();
                })
            .orElse(null);
    this.sleeper = sleeper;
    this.clock = clock;
    this.chatUri = config.resolve("chat/completions");
    this.completionsUri = config.resolve("completions");
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(config.connectTimeout())
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
    int poolId = POOL_IDS.incrementAndGet();
    AtomicInteger threadIds = new AtomicInteger();
    ThreadFactory threads =
        r -> {
          Thread t = new Thread(r, "consistency4j-http-" + poolId + "-" + threadIds.incrementAndGet());
          t.setDaemon(true);
          return t;
        };
    this.pool = Executors.newFixedThreadPool(config.maxConcurrency(), threads);
  }

  /**
   * Opens a model with the API key (if any) read from the process environment.
   *
   * @throws ConsistencyException if {@link HttpModelConfig#apiKeyEnv()} names a variable that is
   *     not set
   */
  public static HttpLanguageModel open(HttpModelConfig config) {
    return open(config, System::getenv);
  }

  /**
   * Opens a model with the API key (if any) looked up in {@code environment} (a function from
   * variable name to value, {@code null} when unset) instead of the process environment.
   *
   * @throws ConsistencyException if {@link HttpModelConfig#apiKeyEnv()} names a variable that is
   *     not set
   */
  public static HttpLanguageModel open(
      HttpModelConfig config, Function<String, String> environment) {
    return new HttpLanguageModel(
        config, environment, d -> Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000), Clock.systemUTC());
  }

  /** For tests: a model whose retry waits go to {@code sleeper}. */
  static HttpLanguageModel open(
      HttpModelConfig config, Function<String, String> environment, Sleeper sleeper) {
    return new HttpLanguageModel(config, environment, sleeper, Clock.systemUTC());
  }

  /** For tests: a model whose retry waits go to {@code sleeper} and whose clock is {@code clock}. */
  static HttpLanguageModel open(
      HttpModelConfig config, Function<String, String> environment, Sleeper sleeper, Clock clock) {
    return new HttpLanguageModel(config, environment, sleeper, clock);
  }

  /** The configuration (which holds the API key's variable name, never the key). */
  public HttpModelConfig config() {
    return config;
  }

  @Override
  public String name() {
    return config.model() + "@" + HttpModelConfig.redactCredentials(config.baseUrl().toString());
  }

  @Override
  public String toString() {
    return "HttpLanguageModel[model="
        + config.model()
        + ", url="
        + shown(endpointUri())
        + ", apiKeyEnv="
        + config.apiKeyEnv().orElse("none")
        + "]";
  }

  private URI endpointUri() {
    return config.endpoint() == HttpModelConfig.Endpoint.CHAT ? chatUri : completionsUri;
  }

  // ---------------------------------------------------------------- generation

  @Override
  public List<Generation> generate(List<String> prompts, GenerationConfig generationConfig) {
    Check.notEmpty(prompts, "prompts");
    Check.notNull(generationConfig, "config");
    for (int i = 0; i < prompts.size(); i++) {
      Check.notNull(prompts.get(i), "prompts[" + i + "]");
    }
    List<String> copy = List.copyOf(prompts);
    return runAll(copy.size(), i -> generateOne(copy.get(i), i, generationConfig));
  }

  private Generation generateOne(String prompt, int index, GenerationConfig g) {
    ObjectNode body = requestBody(prompt);
    body.put("max_tokens", g.maxNewTokens());
    body.put("temperature", g.temperature());
    body.put("top_p", g.topP());
    if (g.topK() > 0) {
      body.put("top_k", g.topK());
    }
    body.put("seed", Sampling.rng(g.seed(), index).nextInt(Integer.MAX_VALUE));
    if (!g.stopStrings().isEmpty()) {
      ArrayNode stop = body.putArray("stop");
      g.stopStrings().stream().limit(MAX_SERVER_STOP_STRINGS).forEach(stop::add);
    }
    if (!g.stopAtEos()) {
      body.put("ignore_eos", true);
    }
    URI uri = endpointUri();
    JsonNode choice = firstChoice(post(uri, body, index), uri);
    JsonNode textNode =
        config.endpoint() == HttpModelConfig.Endpoint.CHAT
            ? choice.path("message").path("content")
            : choice.path("text");
    String finish = choice.path("finish_reason").asText("");
    if (!textNode.isTextual()) {
      throw noAnswer(uri, choice, textNode, finish);
    }
    String text = textNode.asText();
    Generation.FinishReason reason;
    if ("length".equals(finish)) {
      reason = Generation.FinishReason.LENGTH;
    } else if (choice.path("stop_reason").isTextual()
        && g.stopStrings().contains(choice.path("stop_reason").asText())) {
      reason = Generation.FinishReason.STOP_STRING;
    } else {
      reason = Generation.FinishReason.EOS;
    }
    int cut = g.firstStop(text);
    if (cut >= 0) {
      text = text.substring(0, cut);
      reason = Generation.FinishReason.STOP_STRING;
    }
    return new Generation(text, List.of(), reason);
  }

  /**
   * The error for a choice without text. OpenAI-compatible servers send {@code content: null} when
   * the model called a tool ({@code tool_calls}), refused ({@code refusal}) or was stopped by a
   * content filter: none of these is an answer, and an empty answer in its place would be scored as
   * if the model had said nothing. Not retried: the same request would get the same reply.
   */
  private ConsistencyException noAnswer(URI uri, JsonNode choice, JsonNode textNode, String finish) {
    String field = config.endpoint() == HttpModelConfig.Endpoint.CHAT ? "choices[0].message.content" : "choices[0].text";
    StringBuilder why = new StringBuilder();
    why.append("finish_reason ").append(finish.isEmpty() ? "absent" : "\"" + finish + "\"");
    JsonNode message = choice.path("message");
    if (message.path("refusal").isTextual()) {
      why.append(", refusal: ").append(snippet(message.path("refusal").asText()));
    }
    if (message.path("tool_calls").isArray() && !message.path("tool_calls").isEmpty()) {
      why.append(", ").append(message.path("tool_calls").size()).append(" tool call(s)");
    }
    String found = textNode.isMissingNode() ? "missing" : textNode.isNull() ? "null" : snippet(textNode.toString());
    return new ConsistencyException(
        "POST " + shown(uri) + " returned no answer text: " + field + " is " + found + " (" + why
            + "); a tool call, refusal or filtered reply is not an answer");
  }

  private ObjectNode requestBody(String prompt) {
    ObjectNode body = JSON.createObjectNode();
    body.put("model", config.model());
    if (config.endpoint() == HttpModelConfig.Endpoint.CHAT) {
      ArrayNode messages = body.putArray("messages");
      config
          .systemPrompt()
          .ifPresent(s -> messages.addObject().put("role", "system").put("content", s));
      messages.addObject().put("role", "user").put("content", prompt);
    } else {
      body.put("prompt", prompt);
    }
    return body;
  }

  // ---------------------------------------------------------------- next-token probabilities

  @Override
  public List<List<TokenLogProb>> nextTokenDistribution(List<String> prompts, int topK) {
    Check.notEmpty(prompts, "prompts");
    Check.inRange(topK, 1, config.topLogprobs(), "topK");
    List<String> copy = List.copyOf(prompts);
    return runAll(
        copy.size(),
        i -> {
          List<TokenLogProb> top = topNextTokens(copy.get(i), i, topK);
          return top.size() > topK ? List.copyOf(top.subList(0, topK)) : top;
        });
  }

  @Override
  public List<Map<String, Double>> nextTokenLogProbs(
      List<String> prompts, Collection<String> candidates) {
    Check.notEmpty(prompts, "prompts");
    Check.notNull(candidates, "candidates");
    List<String> copy = List.copyOf(prompts);
    List<String> wanted = List.copyOf(candidates);
    return runAll(
        copy.size(),
        i -> {
          Map<String, Double> byText = new LinkedHashMap<>();
          for (TokenLogProb t : topNextTokens(copy.get(i), i, config.topLogprobs())) {
            // Two ids can decode to the same text: their probabilities add up.
            byText.merge(t.text(), t.logProb(), HttpLanguageModel::logAddExp);
          }
          Map<String, Double> result = new LinkedHashMap<>();
          for (String c : wanted) {
            Double lp = byText.get(c);
            if (lp != null) {
              result.put(c, lp);
            }
          }
          return result;
        });
  }

  /**
   * {@inheritDoc}
   *
   * <p>Over HTTP only the top {@link HttpModelConfig#topLogprobs()} next tokens are known, so a
   * variant outside them counts as probability 0.
   *
   * @throws ConsistencyException if no yes variant and no no-variant is among the top tokens
   * @throws UnsupportedOperationException if the server returns no log-probabilities
   */
  @Override
  public double[] probabilityOfYes(List<String> prompts, YesNoTokens tokens) {
    Check.notNull(tokens, "tokens");
    List<Map<String, Double>> logProbs = nextTokenLogProbs(prompts, tokens.all());
    double[] result = new double[prompts.size()];
    for (int i = 0; i < result.length; i++) {
      double pYes = 0;
      double pNo = 0;
      for (Map.Entry<String, Double> e : logProbs.get(i).entrySet()) {
        if (tokens.yes().contains(e.getKey())) {
          pYes += Math.exp(e.getValue());
        } else {
          pNo += Math.exp(e.getValue());
        }
      }
      if (pYes + pNo == 0) {
        throw new ConsistencyException(
            name()
                + ": none of the variants "
                + tokens.all()
                + " is among the top "
                + config.topLogprobs()
                + " next tokens of prompt "
                + i);
      }
      result[i] = pYes / (pYes + pNo);
    }
    return result;
  }

  private List<TokenLogProb> topNextTokens(String prompt, int index, int n) {
    ObjectNode body = requestBody(prompt);
    body.put("max_tokens", 1);
    body.put("temperature", 0.0);
    body.put("seed", 0);
    URI uri = endpointUri();
    List<TokenLogProb> top = new ArrayList<>();
    if (config.endpoint() == HttpModelConfig.Endpoint.CHAT) {
      body.put("logprobs", true);
      body.put("top_logprobs", n);
      JsonNode choice = firstChoice(post(uri, body, index), uri);
      JsonNode entries = choice.path("logprobs").path("content").path(0).path("top_logprobs");
      if (!entries.isArray() || entries.isEmpty()) {
        throw noLogprobs(uri, "logprobs: true, top_logprobs: " + n);
      }
      for (JsonNode e : entries) {
        top.add(tokenLogProb(e.path("token"), e.path("logprob"), uri));
      }
    } else {
      body.put("logprobs", n);
      JsonNode choice = firstChoice(post(uri, body, index), uri);
      JsonNode entries = choice.path("logprobs").path("top_logprobs").path(0);
      if (!entries.isObject() || entries.isEmpty()) {
        throw noLogprobs(uri, "logprobs: " + n);
      }
      Iterator<Map.Entry<String, JsonNode>> it = entries.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        top.add(tokenLogProb(JSON.getNodeFactory().textNode(e.getKey()), e.getValue(), uri));
      }
    }
    top.sort((a, b) -> Double.compare(b.logProb(), a.logProb()));
    return List.copyOf(top);
  }

  private TokenLogProb tokenLogProb(JsonNode token, JsonNode logProb, URI uri) {
    if (!token.isTextual() || !logProb.isNumber()) {
      throw new ConsistencyException(
          "POST " + shown(uri) + " returned a malformed top_logprobs entry: token " + snippet(token.toString())
              + ", logprob " + snippet(logProb.toString()));
    }
    // Servers print log(1) as a tiny positive number now and then; a probability cannot exceed 1.
    double lp = Math.min(0.0, logProb.asDouble());
    if (Double.isNaN(lp)) {
      throw new ConsistencyException("POST " + shown(uri) + " returned a NaN logprob for token " + snippet(token.asText()));
    }
    return new TokenLogProb(-1, token.asText(), lp);
  }

  private UnsupportedOperationException noLogprobs(URI uri, String requested) {
    return new UnsupportedOperationException(
        name()
            + ": the server at "
            + shown(uri)
            + " returned no log-probabilities although the request asked for them ("
            + requested
            + "); it does not support logprobs, so next-token probabilities and probabilityOfYes are"
            + " unavailable with this server");
  }

  private static double logAddExp(double a, double b) {
    double max = Math.max(a, b);
    if (max == Double.NEGATIVE_INFINITY) {
      return max;
    }
    return max + Math.log(Math.exp(a - max) + Math.exp(b - max));
  }

  // ---------------------------------------------------------------- scoring

  /**
   * {@inheritDoc}
   *
   * @throws UnsupportedOperationException with the chat endpoint, or when the server does not
   *     return echoed log-probabilities
   */
  @Override
  public List<ContinuationScore> score(List<Continuation> requests) {
    Check.notEmpty(requests, "requests");
    if (config.endpoint() != HttpModelConfig.Endpoint.COMPLETIONS) {
      throw new UnsupportedOperationException(
          name()
              + ": scoring needs the completions endpoint with echo and logprobs (for example vLLM);"
              + " the chat endpoint cannot score a given continuation. Configure"
              + " Endpoint.COMPLETIONS (CLI: --endpoint completions).");
    }
    List<Continuation> copy = List.copyOf(requests);
    return runAll(copy.size(), i -> scoreOne(copy.get(i), i));
  }

  private ContinuationScore scoreOne(Continuation c, int index) {
    String full = c.prompt() + c.continuation();
    ObjectNode body = requestBody(full);
    body.put("max_tokens", 1);
    body.put("temperature", 0.0);
    body.put("echo", true);
    body.put("logprobs", 1);
    URI uri = completionsUri;
    JsonNode logprobs = firstChoice(post(uri, body, index), uri).path("logprobs");
    JsonNode lps = logprobs.path("token_logprobs");
    JsonNode offsets = logprobs.path("text_offset");
    if (!lps.isArray() || !offsets.isArray() || lps.size() != offsets.size() || lps.isEmpty()) {
      throw new UnsupportedOperationException(
          name()
              + ": the server at "
              + shown(uri)
              + " returned no echoed token log-probabilities (request: echo: true, logprobs: 1); it"
              + " cannot score continuations");
    }
    // Servers report offsets in code points of the echoed text.
    int promptEnd = c.prompt().codePointCount(0, c.prompt().length());
    int textEnd = full.codePointCount(0, full.length());
    List<Double> scores = new ArrayList<>();
    for (int j = 0; j < offsets.size(); j++) {
      int start = offsets.get(j).asInt();
      if (start >= textEnd) {
        break; // the generated token after the echo
      }
      int end = j + 1 < offsets.size() ? Math.min(offsets.get(j + 1).asInt(), textEnd) : textEnd;
      if (end <= promptEnd) {
        continue;
      }
      JsonNode lp = lps.get(j);
      if (!lp.isNumber()) {
        throw new ConsistencyException(
            name()
                + ": the server at "
                + shown(uri)
                + " gave no log-probability for continuation token "
                + j
                + " (the first token of a text has none; use a non-empty prompt)");
      }
      scores.add(Math.min(0.0, lp.asDouble()));
    }
    if (scores.isEmpty()) {
      throw new ConsistencyException(
          name() + ": the server at " + shown(uri) + " echoed no token after the prompt of request " + index);
    }
    return new ContinuationScore(scores);
  }

  // ---------------------------------------------------------------- transport

  private JsonNode firstChoice(JsonNode response, URI uri) {
    JsonNode choice = response.path("choices").path(0);
    if (!choice.isObject()) {
      throw new ConsistencyException(
          "POST " + shown(uri) + " returned no choices[0]: " + snippet(response.toString()));
    }
    return choice;
  }

  private <T> List<T> runAll(int n, IntFunction<T> task) {
    checkOpen();
    List<Future<T>> futures = new ArrayList<>(n);
    try {
      for (int i = 0; i < n; i++) {
        int index = i;
        futures.add(pool.submit(() -> task.apply(index)));
      }
      List<T> results = new ArrayList<>(n);
      for (Future<T> f : futures) {
        results.add(f.get());
      }
      return results;
    } catch (RejectedExecutionException e) {
      cancel(futures);
      throw new IllegalStateException(this + " is closed", e);
    } catch (InterruptedException e) {
      cancel(futures);
      Thread.currentThread().interrupt();
      throw new ConsistencyException("interrupted while waiting for " + name(), e);
    } catch (ExecutionException e) {
      cancel(futures);
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      if (cause instanceof Error) {
        throw (Error) cause;
      }
      throw new ConsistencyException(name() + ": " + cause, cause);
    }
  }

  private static void cancel(List<? extends Future<?>> futures) {
    for (Future<?> f : futures) {
      f.cancel(true);
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException(this + " is closed");
    }
  }

  /** POSTs {@code body} as JSON, retrying as configured, and parses the JSON response. */
  private JsonNode post(URI uri, ObjectNode body, int index) {
    String json;
    try {
      json = JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new ConsistencyException("cannot serialize the request to " + shown(uri), e);
    }
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(config.requestTimeout())
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
    if (apiKey != null) {
      request.header("Authorization", "Bearer " + apiKey);
    }
    HttpRequest built = request.build();
    SplittableRandom jitter = Sampling.rng(config.retrySeed(), index);
    int attempts = config.maxRetries() + 1;
    for (int attempt = 1; ; attempt++) {
      String problem;
      Throwable cause = null;
      Optional<Duration> retryAfter = Optional.empty();
      try {
        HttpResponse<byte[]> response = send(built, uri);
        int status = response.statusCode();
        String text = new String(response.body(), StandardCharsets.UTF_8);
        LOG.debug("POST {} -> HTTP {} (attempt {})", shown(uri), status, attempt);
        if (status >= 200 && status < 300) {
          try {
            return JSON.readTree(text);
          } catch (JsonProcessingException e) {
            throw new ConsistencyException(
                "POST " + shown(uri) + " returned HTTP " + status + " with a body that is not JSON: " + snippet(text));
          }
        }
        problem = "HTTP " + status + ": " + snippet(text);
        if (!(status == 408 || status == 429 || status >= 500)) {
          String hint =
              status == 401 || status == 403
                  ? config.apiKeyEnv().isPresent()
                      ? " (check the API key in environment variable " + config.apiKeyEnv().get() + ")"
                      : " (the server wants an API key: set apiKeyEnv, CLI --api-key-env)"
                  : "";
          throw new ConsistencyException("POST " + shown(uri) + " failed with " + problem + hint);
        }
        retryAfter = retryAfter(response.headers().firstValue("Retry-After"));
      } catch (HttpTimeoutException e) {
        problem = "timed out after " + config.requestTimeout() + " (" + e.getMessage() + ")";
        cause = e;
      } catch (IOException e) {
        problem =
            "connection error ("
                + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + redact(e.getMessage()))
                + ")";
        cause = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ConsistencyException("interrupted during POST " + shown(uri), e);
      }
      if (attempt >= attempts) {
        ConsistencyException failure =
            new ConsistencyException(
                "POST " + shown(uri) + " failed after " + attempts + " attempt" + (attempts == 1 ? "" : "s")
                    + ", last with " + problem);
        if (cause != null) {
          failure.initCause(cause);
        }
        throw failure;
      }
      Duration wait = backoff(attempt, jitter, retryAfter);
      LOG.warn("POST {} attempt {} of {} failed with {}; retrying in {} ms", shown(uri), attempt, attempts, problem, wait.toMillis());
      try {
        sleeper.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ConsistencyException("interrupted while waiting to retry POST " + shown(uri), e);
      }
    }
  }

  /**
   * The wait before retry number {@code attempt} (1-based): {@code initialBackoff * 2^(attempt-1)},
   * capped at {@code maxBackoff}, jittered uniformly into its upper half, and at least the server's
   * {@code Retry-After} (also capped at {@code maxBackoff}).
   */
  Duration backoff(int attempt, SplittableRandom jitter, Optional<Duration> retryAfter) {
    long max = config.maxBackoff().toMillis();
    long base = config.initialBackoff().toMillis();
    long exp = base;
    for (int k = 1; k < attempt && exp < max; k++) {
      exp *= 2;
    }
    exp = Math.min(exp, max);
    long wait = exp / 2 + jitter.nextLong(exp - exp / 2 + 1);
    if (retryAfter.isPresent()) {
      wait = Math.max(wait, Math.min(max, retryAfter.get().toMillis()));
    }
    return Duration.ofMillis(Math.max(0, wait));
  }

  private Optional<Duration> retryAfter(Optional<String> header) {
    if (header.isEmpty()) {
      return Optional.empty();
    }
    String value = header.get().strip();
    try {
      long seconds = Long.parseLong(value);
      return Optional.of(Duration.ofSeconds(Math.max(0, Math.min(seconds, 86_400))));
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration d = Duration.between(clock.instant(), at.toInstant());
        return Optional.of(d.isNegative() ? Duration.ZERO : d);
      } catch (DateTimeParseException notDate) {
        LOG.debug("ignoring unparseable Retry-After header {}", snippet(value));
        return Optional.empty();
      }
    }
  }

  /**
   * Sends {@code request} and reads the whole response within {@link
   * HttpModelConfig#requestTimeout()}: the JDK client's own timeout stops at the response headers, so
   * a server that sends headers and then stalls in the body would otherwise block forever. A body
   * over {@value #MAX_RESPONSE_BYTES} bytes is refused.
   *
   * @throws HttpTimeoutException if the headers or the body do not arrive in time (retried)
   */
  private HttpResponse<byte[]> send(HttpRequest request, URI uri)
      throws IOException, InterruptedException {
    CompletableFuture<HttpResponse<byte[]>> pending =
        client.sendAsync(request, info -> new LimitedBody(shown(uri)));
    try {
      return pending.get(config.requestTimeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      pending.cancel(true); // aborts the exchange and closes its connection
      throw new HttpTimeoutException(
          "no complete response (headers and body) within the request timeout");
    } catch (InterruptedException e) {
      pending.cancel(true);
      throw e;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new IOException(cause);
    }
  }

  /** Collects a response body of at most {@value #MAX_RESPONSE_BYTES} bytes. */
  private static final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {
    private final String shownUri;
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private Flow.Subscription subscription;

    LimitedBody(String shownUri) {
      this.shownUri = shownUri;
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (result.isDone()) {
        return;
      }
      for (ByteBuffer b : items) {
        if (bytes.size() + (long) b.remaining() > MAX_RESPONSE_BYTES) {
          subscription.cancel();
          result.completeExceptionally(
              new ConsistencyException(
                  "POST " + shownUri + " returned a response larger than " + MAX_RESPONSE_BYTES + " bytes"));
          return;
        }
        byte[] chunk = new byte[b.remaining()];
        b.get(chunk);
        bytes.write(chunk, 0, chunk.length);
      }
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      result.complete(bytes.toByteArray());
    }
  }

  /** A URL as it may be shown: user information and key-like query parameters redacted. */
  private static String shown(URI uri) {
    return HttpModelConfig.redactCredentials(uri.toString());
  }

  private String snippet(String text) {
    return oneLineSnippet(redact(text));
  }

  private static String oneLineSnippet(String text) {
    String oneLine = text.replaceAll("\\p{Cntrl}+", " ").strip();
    return oneLine.length() <= SNIPPET_CHARS ? oneLine : oneLine.substring(0, SNIPPET_CHARS) + "...";
  }

  private String redact(String text) {
    return apiKey == null || apiKey.isEmpty() ? text : text.replace(apiKey, REDACTED);
  }

  /** Stops the thread pool; requests in flight are interrupted. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      pool.shutdownNow();
    }
  }
}
