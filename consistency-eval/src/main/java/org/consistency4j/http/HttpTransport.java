package org.consistency4j.http;

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
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.consistency4j.ConsistencyException;
import org.consistency4j.lm.Sampling;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport of {@link HttpLanguageModel}: POSTs a JSON text and returns the body of a 2xx reply,
 * knowing nothing of what the JSON means. It owns the JDK HTTP client and applies the configured
 * connect and request timeouts (the request timeout covers headers and body), the 16 MiB body limit,
 * the bearer API key, and the retries: HTTP 408, 429 and 5xx, timeouts and connection errors are
 * retried with exponential backoff and seeded jitter, at least a {@code Retry-After} apart. Every
 * message it writes has the API key replaced and URLs {@linkplain HttpModelConfig#redactCredentials
 * redacted}. Thread-safe; holds no resource that needs closing.
 */
final class HttpTransport {
  // Logs under the model class, the category users configure for HTTP models.
  private static final Logger LOG = LoggerFactory.getLogger(HttpLanguageModel.class);
  static final int MAX_RESPONSE_BYTES = 16 << 20;
  private static final int SNIPPET_CHARS = 300;
  private static final String REDACTED = "[redacted]";

  /** Waits between retries; replaced in tests to observe the delays without waiting. */
  interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  /** A 2xx reply: its status and its body as UTF-8 text. */
  record Reply(int status, String body) {}

  private final HttpModelConfig config;
  private final String apiKey;
  private final HttpClient client;
  private final Sleeper sleeper;
  private final Clock clock;

  /**
   * @param config timeouts, retries, backoff and the API key's variable name (for hints)
   * @param apiKey the API key sent as bearer token, or {@code null} for none
   * @param sleeper waits between attempts
   * @param clock the time a {@code Retry-After} date is measured from
   */
  HttpTransport(HttpModelConfig config, String apiKey, Sleeper sleeper, Clock clock) {
    this.config = config;
    this.apiKey = apiKey;
    this.sleeper = sleeper;
    this.clock = clock;
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(config.connectTimeout())
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
  }

  /**
   * POSTs {@code json}, retrying as configured.
   *
   * @param uri where to
   * @param json the request body
   * @param index the request's index in its call, which picks the jitter stream {@code (retrySeed,
   *     index)}
   * @return the first 2xx reply
   * @throws ConsistencyException on a status that is not retried or when the attempts are used up,
   *     naming the URL and the last problem
   */
  Reply post(URI uri, String json, int index) {
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
          return new Reply(status, text);
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
      Duration wait = backoff(config, attempt, jitter, retryAfter);
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
  static Duration backoff(
      HttpModelConfig config, int attempt, SplittableRandom jitter, Optional<Duration> retryAfter) {
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
  static String shown(URI uri) {
    return HttpModelConfig.redactCredentials(uri.toString());
  }

  /** {@code text} without the API key, on one line, cut at 300 characters. */
  String snippet(String text) {
    String oneLine = redact(text).replaceAll("\\p{Cntrl}+", " ").strip();
    return oneLine.length() <= SNIPPET_CHARS ? oneLine : oneLine.substring(0, SNIPPET_CHARS) + "...";
  }

  private String redact(String text) {
    return apiKey == null || apiKey.isEmpty() ? text : text.replace(apiKey, REDACTED);
  }
}
