package org.consistency4j.http;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.consistency4j.internal.Check;

/**
 * Settings of an {@link HttpLanguageModel}: where the OpenAI-compatible server is, which model and
 * endpoint to use, and how to behave when the network or the server misbehaves. Immutable; build with
 * {@link #builder(String, String)} and change with {@link #toBuilder()}.
 *
 * <p>The API key itself is never part of the configuration: {@link #apiKeyEnv()} holds only the
 * <em>name</em> of the environment variable that holds it, so configurations can be logged and written
 * into reports safely.
 *
 * <p>Defaults: {@link Endpoint#CHAT}, no API key, connect timeout 10 s, request timeout 120 s, 4
 * retries, backoff starting at 500 ms and capped at 30 s, retry seed 0, 4 concurrent requests, 20 top
 * log-probabilities, no system prompt.
 *
 * @param baseUrl the server's base URL, for example {@code http://localhost:8000} or {@code
 *     https://api.openai.com/v1}; {@code /v1} is appended when the URL does not already end with it.
 *     Must be an absolute {@code http} or {@code https} URL.
 * @param model the model name sent in every request (the server's model id), not blank
 * @param endpoint chat completions or plain completions
 * @param apiKeyEnv the name of the environment variable holding the API key, sent as {@code
 *     Authorization: Bearer}; empty when the server needs no key
 * @param connectTimeout time allowed to open a connection, {@code > 0} and at most {@link
 *     #MAX_DURATION}
 * @param requestTimeout time allowed for one request from sending to the complete response (headers
 *     and body), {@code > 0} and at most {@link #MAX_DURATION}
 * @param maxRetries how many times a request is retried after HTTP 408, 429, 5xx, a timeout or a
 *     connection error, in [0, {@value #MAX_RETRIES}]
 * @param initialBackoff the wait before the first retry; it doubles on each further retry, {@code >
 *     0}
 * @param maxBackoff the longest wait between two attempts, also the cap of a server's {@code
 *     Retry-After}, {@code >= initialBackoff}
 * @param retrySeed seed of the random jitter of the backoff
 * @param maxConcurrency the most requests this model has in flight at once, in [1, {@value
 *     #MAX_CONCURRENCY}]
 * @param topLogprobs how many alternatives per position are requested for next-token
 *     probabilities, in [1, 20]
 * @param systemPrompt an optional system message put before every chat prompt (chat endpoint only)
 */
public record HttpModelConfig(
    URI baseUrl,
    String model,
    Endpoint endpoint,
    Optional<String> apiKeyEnv,
    Duration connectTimeout,
    Duration requestTimeout,
    int maxRetries,
    Duration initialBackoff,
    Duration maxBackoff,
    long retrySeed,
    int maxConcurrency,
    int topLogprobs,
    Optional<String> systemPrompt) {

  private static final Pattern USER_INFO = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@");
  private static final Pattern SECRET_PARAM =
      Pattern.compile(
          "([?&;][^=&;#]*(?:key|token|secret|password|passwd|pwd|sig|signature|auth|credential)[^=&;#]*=)"
              + "[^&;#]*",
          Pattern.CASE_INSENSITIVE);

  /** What replaces a credential in {@link #redactCredentials}. */
  public static final String REDACTED = "[redacted]";

  /** The longest timeout or backoff accepted: 24 hours. */
  public static final Duration MAX_DURATION = Duration.ofHours(24);

  /** The largest {@link #maxConcurrency()} accepted: 256 requests in flight per model. */
  public static final int MAX_CONCURRENCY = 256;

  /** The largest {@link #maxRetries()} accepted: 100. */
  public static final int MAX_RETRIES = 100;

  /** The largest {@link #topLogprobs()} accepted (OpenAI's limit for chat completions). */
  public static final int MAX_TOP_LOGPROBS = 20;

  /** Which OpenAI-compatible endpoint requests go to. */
  public enum Endpoint {
    /** {@code POST /v1/chat/completions}: each prompt is sent as one user message. */
    CHAT,
    /** {@code POST /v1/completions}: each prompt is sent as raw text. */
    COMPLETIONS;

    /** Parses {@code chat} or {@code completions} (case-insensitive). */
    public static Endpoint parse(String value) {
      Check.notNull(value, "endpoint");
      switch (value.toLowerCase(Locale.ROOT)) {
        case "chat":
          return CHAT;
        case "completions":
        case "completion":
          return COMPLETIONS;
        default:
          throw new IllegalArgumentException(
              "endpoint must be one of [chat, completions], found \"" + value + "\"");
      }
    }
  }

  /** Validates; messages name the field. */
  public HttpModelConfig {
    Check.notNull(baseUrl, "baseUrl");
    String scheme = baseUrl.getScheme();
    Check.argument(
        baseUrl.isAbsolute()
            && ("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))
            && baseUrl.getHost() != null,
        "baseUrl must be an absolute http or https URL, found \""
            + redactCredentials(baseUrl.toString()) + "\"");
    Check.argument(
        baseUrl.getRawQuery() == null && baseUrl.getRawFragment() == null,
        "baseUrl must not have a query or fragment, found \""
            + redactCredentials(baseUrl.toString()) + "\"");
    Check.notNull(model, "model");
    Check.argument(!model.isBlank(), "model must not be blank");
    Check.notNull(endpoint, "endpoint");
    Check.notNull(apiKeyEnv, "apiKeyEnv");
    apiKeyEnv.ifPresent(
        name ->
            Check.argument(
                !name.isBlank() && name.indexOf('=') < 0,
                "apiKeyEnv must be an environment variable name, found \"" + name + "\""));
    positive(connectTimeout, "connectTimeout");
    positive(requestTimeout, "requestTimeout");
    Check.inRange(maxRetries, 0, MAX_RETRIES, "maxRetries");
    positive(initialBackoff, "initialBackoff");
    positive(maxBackoff, "maxBackoff");
    Check.argument(
        maxBackoff.compareTo(initialBackoff) >= 0,
        "maxBackoff must be >= initialBackoff (" + initialBackoff + "), found " + maxBackoff);
    Check.inRange(maxConcurrency, 1, MAX_CONCURRENCY, "maxConcurrency");
    Check.inRange(topLogprobs, 1, MAX_TOP_LOGPROBS, "topLogprobs");
    Check.notNull(systemPrompt, "systemPrompt");
  }

  private static void positive(Duration d, String name) {
    Check.notNull(d, name);
    Check.argument(!d.isNegative() && !d.isZero(), name + " must be > 0, found " + d);
    Check.argument(
        d.compareTo(MAX_DURATION) <= 0, name + " must be <= " + MAX_DURATION + ", found " + d);
  }

  /** A builder for {@code model} served at {@code baseUrl}, with the documented defaults. */
  public static Builder builder(String baseUrl, String model) {
    Check.notNull(baseUrl, "baseUrl");
    URI uri;
    try {
      uri = URI.create(baseUrl.strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "baseUrl must be an absolute http or https URL, found \"" + redactCredentials(baseUrl) + "\"",
          e);
    }
    return new Builder(uri, model);
  }

  /**
   * {@code text} with the credentials a URL can carry replaced by {@value #REDACTED}: the user
   * information before {@code @} ({@code http://user:sk-...@host} becomes {@code
   * http://[redacted]@host}) and the values of query parameters whose name contains key, token,
   * secret, password, pwd, sig, auth or credential ({@code ?api-key=...}). Works on any string, also
   * one that is not a valid URL, so it can be applied to command-line values before they are shown.
   *
   * @param text a URL or any other text (returned unchanged when it holds no URL credentials)
   */
  public static String redactCredentials(String text) {
    Check.notNull(text, "text");
    String s = USER_INFO.matcher(text.strip()).replaceFirst("$1" + Matcher.quoteReplacement(REDACTED) + "@");
    return SECRET_PARAM.matcher(s).replaceAll("$1" + Matcher.quoteReplacement(REDACTED));
  }

  /** Like the record's own, with {@link #baseUrl()} {@linkplain #redactCredentials redacted}. */
  @Override
  public String toString() {
    return "HttpModelConfig[baseUrl=" + redactCredentials(baseUrl.toString())
        + ", model=" + model + ", endpoint=" + endpoint + ", apiKeyEnv=" + apiKeyEnv
        + ", connectTimeout=" + connectTimeout + ", requestTimeout=" + requestTimeout
        + ", maxRetries=" + maxRetries + ", initialBackoff=" + initialBackoff
        + ", maxBackoff=" + maxBackoff + ", retrySeed=" + retrySeed
        + ", maxConcurrency=" + maxConcurrency + ", topLogprobs=" + topLogprobs
        + ", systemPrompt=" + systemPrompt + "]";
  }

  /** A builder initialised with this configuration's values. */
  public Builder toBuilder() {
    return new Builder(baseUrl, model)
        .endpoint(endpoint)
        .apiKeyEnv(apiKeyEnv.orElse(null))
        .connectTimeout(connectTimeout)
        .requestTimeout(requestTimeout)
        .maxRetries(maxRetries)
        .initialBackoff(initialBackoff)
        .maxBackoff(maxBackoff)
        .retrySeed(retrySeed)
        .maxConcurrency(maxConcurrency)
        .topLogprobs(topLogprobs)
        .systemPrompt(systemPrompt.orElse(null));
  }

  /**
   * The full URL of {@code path} ({@code "chat/completions"} or {@code "completions"}) under the
   * base URL's {@code /v1}.
   */
  URI resolve(String path) {
    String base = baseUrl.toString();
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    if (!base.endsWith("/v1")) {
      base = base + "/v1";
    }
    return URI.create(base + "/" + path);
  }

  /** Builder of {@link HttpModelConfig}; setters are named after the fields. */
  public static final class Builder {
    private final URI baseUrl;
    private final String model;
    private Endpoint endpoint = Endpoint.CHAT;
    private String apiKeyEnv;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(120);
    private int maxRetries = 4;
    private Duration initialBackoff = Duration.ofMillis(500);
    private Duration maxBackoff = Duration.ofSeconds(30);
    private long retrySeed = 0;
    private int maxConcurrency = 4;
    private int topLogprobs = MAX_TOP_LOGPROBS;
    private String systemPrompt;

    private Builder(URI baseUrl, String model) {
      this.baseUrl = baseUrl;
      this.model = model;
    }

    /** See {@link HttpModelConfig#endpoint()}. */
    public Builder endpoint(Endpoint value) {
      this.endpoint = value;
      return this;
    }

    /** See {@link HttpModelConfig#apiKeyEnv()}; {@code null} for none. */
    public Builder apiKeyEnv(String value) {
      this.apiKeyEnv = value;
      return this;
    }

    /** See {@link HttpModelConfig#connectTimeout()}. */
    public Builder connectTimeout(Duration value) {
      this.connectTimeout = value;
      return this;
    }

    /** See {@link HttpModelConfig#requestTimeout()}. */
    public Builder requestTimeout(Duration value) {
      this.requestTimeout = value;
      return this;
    }

    /** See {@link HttpModelConfig#maxRetries()}. */
    public Builder maxRetries(int value) {
      this.maxRetries = value;
      return this;
    }

    /** See {@link HttpModelConfig#initialBackoff()}. */
    public Builder initialBackoff(Duration value) {
      this.initialBackoff = value;
      return this;
    }

    /** See {@link HttpModelConfig#maxBackoff()}. */
    public Builder maxBackoff(Duration value) {
      this.maxBackoff = value;
      return this;
    }

    /** See {@link HttpModelConfig#retrySeed()}. */
    public Builder retrySeed(long value) {
      this.retrySeed = value;
      return this;
    }

    /** See {@link HttpModelConfig#maxConcurrency()}. */
    public Builder maxConcurrency(int value) {
      this.maxConcurrency = value;
      return this;
    }

    /** See {@link HttpModelConfig#topLogprobs()}. */
    public Builder topLogprobs(int value) {
      this.topLogprobs = value;
      return this;
    }

    /** See {@link HttpModelConfig#systemPrompt()}; {@code null} for none. */
    public Builder systemPrompt(String value) {
      this.systemPrompt = value;
      return this;
    }

    /** Validates and builds. */
    public HttpModelConfig build() {
      return new HttpModelConfig(
          baseUrl,
          model,
          endpoint,
          Optional.ofNullable(apiKeyEnv),
          connectTimeout,
          requestTimeout,
          maxRetries,
          initialBackoff,
          maxBackoff,
          retrySeed,
          maxConcurrency,
          topLogprobs,
          Optional.ofNullable(systemPrompt));
    }
  }
}
