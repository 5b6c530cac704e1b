package org.consistency4j.http;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.consistency4j.ConsistencyException;
import org.consistency4j.internal.Check;
import org.consistency4j.lm.Capability;
import org.consistency4j.lm.Continuation;
import org.consistency4j.lm.ContinuationScore;
import org.consistency4j.lm.Generation;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.lm.LanguageModel;
import org.consistency4j.lm.TokenLogProb;
import org.consistency4j.lm.YesNoTokens;

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
 * <p><b>Layout.</b> This class maps the {@link LanguageModel} calls onto requests and runs the
 * requests of one call in parallel; {@code OpenAiProtocol} writes the request JSON and reads the
 * replies, and {@code HttpTransport} sends them (client, timeouts, retries, size limit, redaction).
 *
 * <p>Thread-safe. The model owns a small thread pool; {@link #close()} stops it (idempotent), after
 * which calls throw {@link IllegalStateException}.
 */
public final class HttpLanguageModel implements LanguageModel {
  private static final AtomicInteger POOL_IDS = new AtomicInteger();

  private final HttpModelConfig config;
  private final OpenAiProtocol protocol;
  private final ExecutorService pool;
  private final AtomicBoolean closed = new AtomicBoolean();

  private HttpLanguageModel(HttpModelConfig config, Function<String, String> environment,
      HttpTransport.Sleeper sleeper, Clock clock) {
    this.config = Check.notNull(config, "config");
    Check.notNull(environment, "environment");
    String apiKey =
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
    this.protocol =
        new OpenAiProtocol(config, new HttpTransport(config, apiKey, sleeper, clock), name());
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

  /** A model whose retry waits go to {@code sleeper} (tests observe the delays without waiting). */
  static HttpLanguageModel open(HttpModelConfig config, Function<String, String> environment,
      HttpTransport.Sleeper sleeper) {
    return new HttpLanguageModel(config, environment, sleeper, Clock.systemUTC());
  }

  /** A model whose retry waits go to {@code sleeper} and whose clock is {@code clock}. */
  static HttpLanguageModel open(HttpModelConfig config, Function<String, String> environment,
      HttpTransport.Sleeper sleeper, Clock clock) {
    return new HttpLanguageModel(config, environment, sleeper, clock);
  }

  /**
   * {@link Capability#NEXT_TOKEN_LOGPROBS} on both endpoints, and {@link Capability#SCORE} on the
   * completions endpoint. These are what this client can request; a server that returns no
   * log-probabilities (or does not echo the prompt when scoring) still makes those calls throw
   * {@link UnsupportedOperationException} naming the URL.
   */
  @Override
  public Set<Capability> capabilities() {
    return config.endpoint() == HttpModelConfig.Endpoint.COMPLETIONS
        ? Set.of(Capability.SCORE, Capability.NEXT_TOKEN_LOGPROBS)
        : Set.of(Capability.NEXT_TOKEN_LOGPROBS);
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
        + HttpTransport.shown(protocol.endpointUri())
        + ", apiKeyEnv="
        + config.apiKeyEnv().orElse("none")
        + "]";
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
    OpenAiProtocol.Answer answer = protocol.generate(prompt, index, g);
    String text = answer.text();
    Generation.FinishReason reason = answer.reason();
    int cut = g.firstStop(text);
    if (cut >= 0) {
      text = text.substring(0, cut);
      reason = Generation.FinishReason.STOP_STRING;
    }
    return new Generation(text, List.of(), reason);
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
          List<TokenLogProb> top = protocol.topNextTokens(copy.get(i), i, topK);
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
          for (TokenLogProb t : protocol.topNextTokens(copy.get(i), i, config.topLogprobs())) {
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
    return runAll(copy.size(), i -> protocol.score(copy.get(i), i));
  }

  // ---------------------------------------------------------------- concurrency

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

  /** Stops the thread pool; requests in flight are interrupted. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      pool.shutdownNow();
    }
  }
}
