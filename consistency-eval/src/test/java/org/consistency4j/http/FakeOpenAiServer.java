package org.consistency4j.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local server speaking the OpenAI-compatible protocol, for tests and examples: {@code POST
 * /v1/chat/completions} and {@code POST /v1/completions}, bound to 127.0.0.1 on a free port.
 *
 * <p>Answers come from a deterministic function of the prompt ({@link #answers}); {@code
 * max_tokens} cuts answers at whitespace-separated words ({@code finish_reason: length}) and stop
 * strings cut them like vLLM does ({@code finish_reason: stop, stop_reason: the string}).
 * Next-token log-probabilities come from {@link #logprobs} (a function returning {@code null} makes
 * the server omit them, like a server without logprobs support). Echo scoring tokenizes the text into
 * words with their leading whitespace and gives each token the log-probability {@code -0.1 *
 * length}. Failures and delays can be scripted; every request is recorded and the most concurrent
 * requests are counted. Thread-safe.
 */
public final class FakeOpenAiServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern TOKEN = Pattern.compile("\\s*\\S+|\\s+$");

  /** One request as received. */
  public record Recorded(String path, String authorization, JsonNode body) {}

  private record Failure(int status, String retryAfter, String body) {}

  private final HttpServer server;
  private final ExecutorService executor;
  private final List<Recorded> requests = new ArrayList<>();
  private final Deque<Failure> failures = new ArrayDeque<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private volatile Function<String, String> answers = prompt -> "ok";
  private volatile Function<String, Map<String, Double>> logprobs = prompt -> null;
  private volatile boolean echoSupported = true;
  private volatile Duration delay = Duration.ZERO;
  private volatile java.util.concurrent.CountDownLatch gate;
  private volatile Duration gateTimeout = Duration.ZERO;

  private FakeOpenAiServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    executor = Executors.newFixedThreadPool(16);
    server.setExecutor(executor);
    server.createContext("/v1/chat/completions", ex -> handle(ex, true));
    server.createContext("/v1/completions", ex -> handle(ex, false));
    server.start();
  }

  /** Starts a server on 127.0.0.1 and a free port. */
  public static FakeOpenAiServer start() {
    try {
      return new FakeOpenAiServer();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the fake server", e);
    }
  }

  /** The base URL, {@code http://127.0.0.1:PORT} (without {@code /v1}). */
  public String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Sets the answer for each prompt (the last user message, or the raw completions prompt). */
  public FakeOpenAiServer answers(Function<String, String> answerOfPrompt) {
    this.answers = answerOfPrompt;
    return this;
  }

  /** Sets the top next-token log-probabilities of each prompt; {@code null} omits logprobs. */
  public FakeOpenAiServer logprobs(Function<String, Map<String, Double>> topOfPrompt) {
    this.logprobs = topOfPrompt;
    return this;
  }

  /** Whether {@code echo: true} returns echoed token log-probabilities (default true). */
  public FakeOpenAiServer echoSupported(boolean supported) {
    this.echoSupported = supported;
    return this;
  }

  /**
   * Holds each of the first {@code n} requests until {@code n} requests have arrived (or {@code
   * atMost} has passed), so that a test sees them in flight together whatever the machine's speed.
   */
  public FakeOpenAiServer holdFirst(int n, Duration atMost) {
    this.gate = new java.util.concurrent.CountDownLatch(n);
    this.gateTimeout = atMost;
    return this;
  }

  /** Makes every request wait this long before answering. */
  public FakeOpenAiServer delay(Duration perRequest) {
    this.delay = perRequest;
    return this;
  }

  /** The next {@code count} requests fail with {@code status} (and a Retry-After header if given). */
  public FakeOpenAiServer failNext(int count, int status, String retryAfter) {
    return failNext(count, status, retryAfter, "{\"error\":{\"message\":\"scripted failure\"}}");
  }

  /** Like {@link #failNext(int, int, String)} with the given response body. */
  public synchronized FakeOpenAiServer failNext(
      int count, int status, String retryAfter, String body) {
    for (int i = 0; i < count; i++) {
      failures.add(new Failure(status, retryAfter, body));
    }
    return this;
  }

  /** Every request received so far, in arrival order. */
  public synchronized List<Recorded> requests() {
    return List.copyOf(requests);
  }

  /** The largest number of requests that were being handled at the same time. */
  public int maxConcurrentRequests() {
    return maxInFlight.get();
  }

  private void handle(HttpExchange ex, boolean chat) throws IOException {
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    try {
      if (!"POST".equals(ex.getRequestMethod())) {
        reply(ex, 405, "{\"error\":\"method not allowed\"}", null);
        return;
      }
      JsonNode body = JSON.readTree(ex.getRequestBody().readAllBytes());
      Failure failure;
      synchronized (this) {
        requests.add(
            new Recorded(
                ex.getRequestURI().getPath(),
                ex.getRequestHeaders().getFirst("Authorization"),
                body));
        failure = failures.poll();
      }
      java.util.concurrent.CountDownLatch held = gate;
      if (held != null && held.getCount() > 0) {
        held.countDown();
        held.await(gateTimeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
      }
      if (!delay.isZero()) {
        Thread.sleep(delay.toMillis());
      }
      if (failure != null) {
        reply(ex, failure.status(), failure.body(), failure.retryAfter());
        return;
      }
      reply(ex, 200, JSON.writeValueAsString(respond(body, chat)), null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      reply(ex, 400, JSON.createObjectNode().put("error", String.valueOf(e.getMessage())).toString(), null);
    } finally {
      inFlight.decrementAndGet();
    }
  }

  private ObjectNode respond(JsonNode body, boolean chat) {
    String prompt;
    if (chat) {
      JsonNode messages = body.get("messages");
      prompt = messages.get(messages.size() - 1).get("content").asText();
    } else {
      prompt = body.get("prompt").asText();
    }
    ObjectNode response = JSON.createObjectNode();
    response.put("id", "fake-1").put("object", chat ? "chat.completion" : "text_completion");
    response.put("model", body.path("model").asText());
    ObjectNode choice = response.putArray("choices").addObject();
    choice.put("index", 0);
    if (!chat && body.path("echo").asBoolean(false)) {
      choice.put("text", prompt);
      choice.put("finish_reason", "length");
      if (echoSupported) {
        echoLogprobs(prompt, choice.putObject("logprobs"));
      }
      return response;
    }
    String answer = answers.apply(prompt);
    String finish = "stop";
    String stopReason = null;
    int maxTokens = body.path("max_tokens").asInt(Integer.MAX_VALUE);
    List<String> words = new ArrayList<>();
    Matcher m = TOKEN.matcher(answer);
    while (m.find()) {
      words.add(m.group());
    }
    if (words.size() > maxTokens) {
      answer = String.join("", words.subList(0, maxTokens));
      finish = "length";
    }
    for (JsonNode stop : body.path("stop")) {
      int at = answer.indexOf(stop.asText());
      if (at >= 0) {
        answer = answer.substring(0, at);
        finish = "stop";
        stopReason = stop.asText();
      }
    }
    if (chat) {
      choice.putObject("message").put("role", "assistant").put("content", answer);
    } else {
      choice.put("text", answer);
    }
    choice.put("finish_reason", finish);
    if (stopReason != null) {
      choice.put("stop_reason", stopReason);
    }
    boolean wantsLogprobs =
        chat ? body.path("logprobs").asBoolean(false) : body.path("logprobs").isInt();
    Map<String, Double> top = wantsLogprobs ? logprobs.apply(prompt) : null;
    if (top != null) {
      int n = chat ? body.path("top_logprobs").asInt(0) : body.path("logprobs").asInt();
      Map<String, Double> limited = new LinkedHashMap<>();
      top.entrySet().stream()
          .sorted((a, b) -> Double.compare(b.getValue(), a.getValue()))
          .limit(n)
          .forEach(e -> limited.put(e.getKey(), e.getValue()));
      String first = limited.isEmpty() ? "" : limited.keySet().iterator().next();
      if (chat) {
        ObjectNode entry = choice.putObject("logprobs").putArray("content").addObject();
        entry.put("token", first).put("logprob", limited.getOrDefault(first, 0.0));
        ArrayNode alternatives = entry.putArray("top_logprobs");
        limited.forEach((k, v) -> alternatives.addObject().put("token", k).put("logprob", v));
      } else {
        ObjectNode lp = choice.putObject("logprobs");
        lp.putArray("tokens").add(first);
        lp.putArray("token_logprobs").add(limited.getOrDefault(first, 0.0));
        lp.putArray("text_offset").add(prompt.length());
        ObjectNode alternatives = lp.putArray("top_logprobs").addObject();
        limited.forEach(alternatives::put);
      }
    }
    return response;
  }

  /** Echo scoring: word tokens with leading whitespace, log-probability -0.1 per character. */
  private static void echoLogprobs(String text, ObjectNode logprobs) {
    ArrayNode tokens = logprobs.putArray("tokens");
    ArrayNode lps = logprobs.putArray("token_logprobs");
    ArrayNode offsets = logprobs.putArray("text_offset");
    Matcher m = TOKEN.matcher(text);
    boolean first = true;
    while (m.find()) {
      tokens.add(m.group());
      if (first) {
        lps.addNull();
        first = false;
      } else {
        lps.add(-0.1 * m.group().length());
      }
      offsets.add(m.start());
    }
    // The one generated token after the echo.
    tokens.add(" x");
    lps.add(-0.5);
    offsets.add(text.length());
  }

  /** The expected echo score of {@code token}, as {@link #echoLogprobs} computes it. */
  public static double echoLogProbOf(String token) {
    return -0.1 * token.length();
  }

  private static void reply(HttpExchange ex, int status, String body, String retryAfter)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    if (retryAfter != null) {
      ex.getResponseHeaders().set("Retry-After", retryAfter);
    }
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** Stops the server at once. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  /** The base URL as a URI. */
  public URI uri() {
    return URI.create(baseUrl());
  }
}
