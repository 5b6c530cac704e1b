package org.consistency4j.spark;

import java.time.Duration;
import org.consistency4j.http.HttpLanguageModel;
import org.consistency4j.http.HttpModelConfig;
import org.consistency4j.internal.Check;
import org.consistency4j.lm.LanguageModel;

/**
 * An OpenAI-compatible HTTP server, opened as {@code consistency evaluate --model URL} opens it. The
 * model is thread-safe, so an executor JVM holds one instance shared by all its tasks, and {@code
 * maxConcurrency} bounds the requests in flight <em>per executor</em> (a cluster of N executors sends
 * at most N x maxConcurrency concurrent requests).
 *
 * <p>The API key is read on each executor from the environment variable {@code apiKeyEnv} (set it with
 * {@code spark.executorEnv.VAR}); it is never serialized with the task.
 *
 * @param baseUrl the server URL ({@code http://host:port} or {@code .../v1})
 * @param model the model id the server expects
 * @param endpoint chat or completions
 * @param apiKeyEnv the environment variable holding the API key, or null for none
 * @param maxConcurrency most concurrent requests per executor JVM
 * @param timeoutSeconds request timeout in seconds
 * @param maxRetries retries on 429/5xx/timeouts
 * @param retrySeed the seed of the retry jitter
 */
public record HttpModelSource(
    String baseUrl, String model, HttpModelConfig.Endpoint endpoint, String apiKeyEnv,
    int maxConcurrency, long timeoutSeconds, int maxRetries, long retrySeed) implements ModelSource {
  private static final long serialVersionUID = 1L;

  /** Validates by building the configuration once (messages name the bad setting). */
  public HttpModelSource {
    Check.notNull(baseUrl, "baseUrl");
    Check.notNull(model, "model");
    Check.notNull(endpoint, "endpoint");
    config(baseUrl, model, endpoint, apiKeyEnv, maxConcurrency, timeoutSeconds, maxRetries, retrySeed);
  }

  /** The HTTP model's configuration. */
  public HttpModelConfig config() {
    return config(baseUrl, model, endpoint, apiKeyEnv, maxConcurrency, timeoutSeconds, maxRetries, retrySeed);
  }

  private static HttpModelConfig config(String baseUrl, String model, HttpModelConfig.Endpoint endpoint,
      String apiKeyEnv, int maxConcurrency, long timeoutSeconds, int maxRetries, long retrySeed) {
    Check.inRange(timeoutSeconds, 1, HttpModelConfig.MAX_DURATION.toSeconds(), "timeoutSeconds");
    return HttpModelConfig.builder(baseUrl, model)
        .endpoint(endpoint)
        .apiKeyEnv(apiKeyEnv)
        .maxConcurrency(maxConcurrency)
        .requestTimeout(Duration.ofSeconds(timeoutSeconds))
        .maxRetries(maxRetries)
        .retrySeed(retrySeed)
        .build();
  }

  /** The name {@link HttpLanguageModel#name()} gives: {@code MODEL@URL} with credentials redacted. */
  @Override
  public String name() {
    HttpModelConfig c = config();
    return c.model() + "@" + HttpModelConfig.redactCredentials(c.baseUrl().toString());
  }

  @Override
  public String cacheKey() {
    return "http|" + baseUrl + "|" + model + "|" + endpoint + "|" + apiKeyEnv + "|" + maxConcurrency
        + "|" + timeoutSeconds + "|" + maxRetries + "|" + retrySeed;
  }

  @Override
  public boolean threadSafe() {
    return true;
  }

  @Override
  public LanguageModel open() {
    return HttpLanguageModel.open(config());
  }
}
