package org.consistency4j.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.consistency4j.ConsistencyException;
import org.consistency4j.judge.YesNoJudge;
import org.consistency4j.lm.Capability;
import org.consistency4j.lm.Continuation;
import org.consistency4j.lm.ContinuationScore;
import org.consistency4j.lm.Generation;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.lm.Sampling;
import org.consistency4j.lm.TokenLogProb;
import org.consistency4j.lm.YesNoTokens;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpLanguageModelTest {
  private static final String SECRET = "sk-test-5ecr3t-value-0123456789";

  private FakeOpenAiServer server;
  private final List<Duration> sleeps = Collections.synchronizedList(new ArrayList<>());

  @BeforeEach
  void startServer() {
    server = FakeOpenAiServer.start();
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  private HttpModelConfig.Builder config() {
    return HttpModelConfig.builder(server.baseUrl(), "fake-model")
        .initialBackoff(Duration.ofMillis(100))
        .maxBackoff(Duration.ofSeconds(5))
        .retrySeed(7);
  }

  private HttpLanguageModel open(HttpModelConfig config) {
    return HttpLanguageModel.open(config, name -> null, sleeps::add);
  }

  private HttpLanguageModel openWithKey(HttpModelConfig config) {
    return HttpLanguageModel.open(config, name -> name.equals("TEST_KEY") ? SECRET : null, sleeps::add);
  }

  @Test
  void chat_generation_returns_one_answer_per_prompt_in_order() {
    server.answers(p -> "answer to " + p);
    try (HttpLanguageModel model = open(config().build())) {
      List<Generation> out = model.generate(List.of("a", "b", "c"), GenerationConfig.greedy(16));
      assertEquals(List.of("answer to a", "answer to b", "answer to c"),
          out.stream().map(Generation::text).toList());
      assertTrue(out.stream().allMatch(g -> g.finishReason() == Generation.FinishReason.EOS));
      assertTrue(out.stream().allMatch(g -> g.tokenIds().isEmpty()));
    }
    JsonNode body = server.requests().get(0).body();
    assertEquals("/v1/chat/completions", server.requests().get(0).path());
    assertEquals("fake-model", body.get("model").asText());
    assertEquals("user", body.get("messages").get(0).get("role").asText());
    assertEquals(16, body.get("max_tokens").asInt());
    assertEquals(0.0, body.get("temperature").asDouble());
    assertFalse(body.has("top_k"));
    assertFalse(body.has("ignore_eos"));
  }

  @Test
  void chat_requests_carry_the_system_prompt_before_the_user_message() {
    try (HttpLanguageModel model = open(config().systemPrompt("Be brief.").build())) {
      model.generate("hi", GenerationConfig.greedy(4));
    }
    JsonNode messages = server.requests().get(0).body().get("messages");
    assertEquals("system", messages.get(0).get("role").asText());
    assertEquals("Be brief.", messages.get(0).get("content").asText());
    assertEquals("hi", messages.get(1).get("content").asText());
  }

  @Test
  void completions_generation_sends_the_raw_prompt_to_v1_completions() {
    server.answers(p -> p.toUpperCase());
    HttpModelConfig cfg =
        config().endpoint(HttpModelConfig.Endpoint.COMPLETIONS).build();
    try (HttpLanguageModel model = open(cfg)) {
      assertEquals("HELLO THERE", model.generate("hello there", GenerationConfig.greedy(8)).text());
    }
    assertEquals("/v1/completions", server.requests().get(0).path());
    assertEquals("hello there", server.requests().get(0).body().get("prompt").asText());
  }

  @Test
  void a_base_url_that_already_ends_with_v1_is_not_extended_twice() {
    HttpModelConfig cfg = HttpModelConfig.builder(server.baseUrl() + "/v1/", "m").build();
    try (HttpLanguageModel model = open(cfg)) {
      assertEquals("ok", model.generate("x", GenerationConfig.greedy(4)).text());
    }
    assertEquals("/v1/chat/completions", server.requests().get(0).path());
  }

  @Test
  void max_new_tokens_cut_gives_finish_reason_length() {
    server.answers(p -> "one two three four five");
    try (HttpLanguageModel model = open(config().build())) {
      Generation g = model.generate("x", GenerationConfig.greedy(2));
      assertEquals("one two", g.text());
      assertEquals(Generation.FinishReason.LENGTH, g.finishReason());
    }
  }

  @Test
  void stop_strings_are_sent_and_reported_and_the_fifth_is_applied_on_the_client() {
    server.answers(p -> p.equals("a") ? "alpha. beta" : "gamma delta; epsilon");
    GenerationConfig g =
        GenerationConfig.builder()
            .maxNewTokens(10)
            .stopStrings(List.of(".", "#1", "#2", "#3", ";"))
            .build();
    try (HttpLanguageModel model = open(config().build())) {
      List<Generation> out = model.generate(List.of("a", "b"), g);
      assertEquals("alpha", out.get(0).text());
      assertEquals(Generation.FinishReason.STOP_STRING, out.get(0).finishReason());
      // ";" is not sent (OpenAI accepts at most 4), yet the client stops there.
      assertEquals("gamma delta", out.get(1).text());
      assertEquals(Generation.FinishReason.STOP_STRING, out.get(1).finishReason());
    }
    JsonNode stop = server.requests().get(0).body().get("stop");
    assertEquals(4, stop.size());
    assertEquals(".", stop.get(0).asText());
  }

  @Test
  void each_prompt_gets_the_seed_derived_from_the_config_seed_and_its_index() {
    GenerationConfig g =
        GenerationConfig.builder().maxNewTokens(3).temperature(0.7).topK(5).seed(42).build();
    try (HttpLanguageModel model = open(config().maxConcurrency(1).build())) {
      model.generate(List.of("p0", "p1", "p2"), g);
    }
    Map<String, Integer> seeds = new LinkedHashMap<>();
    for (FakeOpenAiServer.Recorded r : server.requests()) {
      seeds.put(r.body().get("messages").get(0).get("content").asText(), r.body().get("seed").asInt());
      assertEquals(0.7, r.body().get("temperature").asDouble());
      assertEquals(5, r.body().get("top_k").asInt());
    }
    for (int i = 0; i < 3; i++) {
      assertEquals(Sampling.rng(42, i).nextInt(Integer.MAX_VALUE), seeds.get("p" + i));
    }
    assertNotEquals(seeds.get("p0"), seeds.get("p1"));
  }

  @Test
  void stop_at_eos_false_sends_ignore_eos() {
    try (HttpLanguageModel model = open(config().build())) {
      model.generate("x", GenerationConfig.builder().stopAtEos(false).build());
    }
    assertTrue(server.requests().get(0).body().get("ignore_eos").asBoolean());
  }

  @Test
  void http_429_is_retried_after_the_servers_retry_after_then_succeeds() {
    server.failNext(2, 429, "1");
    try (HttpLanguageModel model = open(config().build())) {
      assertEquals("ok", model.generate("x", GenerationConfig.greedy(4)).text());
    }
    assertEquals(3, server.requests().size());
    assertEquals(List.of(Duration.ofSeconds(1), Duration.ofSeconds(1)), sleeps);
  }

  @Test
  void an_http_date_retry_after_is_honoured_against_the_injected_clock() {
    server.failNext(1, 503, "Wed, 21 Oct 2026 07:28:10 GMT").answers(prompt -> "ok");
    java.time.Clock clock =
        java.time.Clock.fixed(java.time.Instant.parse("2026-10-21T07:28:07Z"), java.time.ZoneOffset.UTC);
    try (HttpLanguageModel model =
        HttpLanguageModel.open(config().build(), name -> null, sleeps::add, clock)) {
      assertEquals("ok", model.generate("x", GenerationConfig.greedy(4)).text());
    }
    assertEquals(List.of(Duration.ofSeconds(3)), sleeps);
    assertEquals(2, server.requests().size());
  }

  @Test
  void retry_after_longer_than_max_backoff_is_capped() {
    server.failNext(1, 503, "3600");
    try (HttpLanguageModel model = open(config().build())) {
      model.generate("x", GenerationConfig.greedy(4));
    }
    assertEquals(List.of(Duration.ofSeconds(5)), sleeps);
  }

  @Test
  void exhausted_retries_on_500_name_the_url_the_status_and_the_attempts() {
    server.failNext(10, 500, null);
    try (HttpLanguageModel model = open(config().maxRetries(2).build())) {
      ConsistencyException e =
          assertThrows(
              ConsistencyException.class, () -> model.generate("x", GenerationConfig.greedy(4)));
      assertEquals(
          "POST " + server.baseUrl() + "/v1/chat/completions failed after 3 attempts, last with HTTP"
              + " 500: {\"error\":{\"message\":\"scripted failure\"}}",
          e.getMessage());
    }
    assertEquals(3, server.requests().size());
    // Exponential backoff with jitter into the upper half: [50, 100] ms, then [100, 200] ms.
    assertEquals(2, sleeps.size());
    assertTrue(sleeps.get(0).toMillis() >= 50 && sleeps.get(0).toMillis() <= 100, sleeps.toString());
    assertTrue(sleeps.get(1).toMillis() >= 100 && sleeps.get(1).toMillis() <= 200, sleeps.toString());
  }

  @Test
  void backoff_jitter_is_reproducible_for_a_seed_and_capped() {
    HttpModelConfig cfg = config().build();
    List<Duration> a = new ArrayList<>();
    List<Duration> b = new ArrayList<>();
    SplittableRandom ra = Sampling.rng(7, 0);
    SplittableRandom rb = Sampling.rng(7, 0);
    for (int attempt = 1; attempt <= 10; attempt++) {
      a.add(HttpTransport.backoff(cfg, attempt, ra, Optional.empty()));
      b.add(HttpTransport.backoff(cfg, attempt, rb, Optional.empty()));
    }
    assertEquals(a, b);
    assertTrue(a.stream().allMatch(d -> d.toMillis() <= 5000), a.toString());
    assertTrue(a.get(9).toMillis() >= 2500, a.toString());
  }

  @Test
  void a_client_error_is_not_retried() {
    server.failNext(1, 400, null, "{\"error\":\"bad request: unknown field\"}");
    try (HttpLanguageModel model = open(config().build())) {
      ConsistencyException e =
          assertThrows(
              ConsistencyException.class, () -> model.generate("x", GenerationConfig.greedy(4)));
      assertTrue(e.getMessage().contains("failed with HTTP 400: {\"error\":\"bad request"), e.getMessage());
    }
    assertEquals(1, server.requests().size());
    assertTrue(sleeps.isEmpty());
  }

  @Test
  void a_request_that_takes_longer_than_the_timeout_fails_with_a_timeout_message() {
    // The server answers only after 3 s: a result would mean the 200 ms timeout was not applied.
    server.delay(Duration.ofSeconds(3));
    HttpModelConfig cfg = config().requestTimeout(Duration.ofMillis(200)).maxRetries(1).build();
    try (HttpLanguageModel model = open(cfg)) {
      ConsistencyException e =
          assertThrows(
              ConsistencyException.class, () -> model.generate("x", GenerationConfig.greedy(4)));
      assertTrue(
          e.getMessage().contains("failed after 2 attempts, last with timed out after PT0.2S"),
          e.getMessage());
      assertTrue(e.getMessage().contains(server.baseUrl() + "/v1/chat/completions"), e.getMessage());
    }
    assertEquals(1, sleeps.size(), "one retry wait between the two attempts");
  }

  private static final String CHAT_OK =
      "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Paris\"},"
          + "\"finish_reason\":\"stop\"}]}";

  @Test
  void a_server_that_stalls_in_the_body_times_out_and_is_retried() throws Exception {
    try (ScriptedHttpServer stalling =
        new ScriptedHttpServer(
            ScriptedHttpServer.Reply.stallAfter(CHAT_OK, 10),
            ScriptedHttpServer.Reply.stallAfter(CHAT_OK, 10))) {
      HttpModelConfig cfg =
          HttpModelConfig.builder(stalling.baseUrl(), "m")
              .requestTimeout(Duration.ofMillis(300))
              .maxRetries(1)
              .build();
      try (HttpLanguageModel model = open(cfg)) {
        ConsistencyException e =
            assertThrows(
                ConsistencyException.class, () -> model.generate("x", GenerationConfig.greedy(4)));
        assertEquals(
            "POST " + stalling.baseUrl() + "/v1/chat/completions failed after 2 attempts, last with"
                + " timed out after PT0.3S (no complete response (headers and body) within the"
                + " request timeout)",
            e.getMessage());
      }
      assertEquals(2, stalling.requests());
      assertEquals(1, sleeps.size());
    }
  }

  @Test
  void a_stalled_body_is_retried_and_the_next_complete_answer_is_used() throws Exception {
    try (ScriptedHttpServer stalling =
        new ScriptedHttpServer(
            ScriptedHttpServer.Reply.stallAfter(CHAT_OK, 25), ScriptedHttpServer.Reply.json(CHAT_OK))) {
      HttpModelConfig cfg =
          HttpModelConfig.builder(stalling.baseUrl(), "m")
              .requestTimeout(Duration.ofMillis(300))
              .maxRetries(2)
              .build();
      try (HttpLanguageModel model = open(cfg)) {
        assertEquals("Paris", model.generate("x", GenerationConfig.greedy(4)).text());
      }
      assertEquals(2, stalling.requests());
      assertEquals(1, sleeps.size());
    }
  }

  @Test
  void null_content_is_an_error_naming_the_finish_reason_and_the_refusal() throws Exception {
    String refusal =
        "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
            + "\"refusal\":\"I can't help with that.\"},\"finish_reason\":\"stop\"}]}";
    String toolCall =
        "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
            + "\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\"}]},\"finish_reason\":\"tool_calls\"}]}";
    try (ScriptedHttpServer s =
        new ScriptedHttpServer(
            ScriptedHttpServer.Reply.json(refusal), ScriptedHttpServer.Reply.json(toolCall))) {
      try (HttpLanguageModel model = open(HttpModelConfig.builder(s.baseUrl(), "m").build())) {
        ConsistencyException first =
            assertThrows(
                ConsistencyException.class, () -> model.generate("x", GenerationConfig.greedy(4)));
        assertEquals(
            "POST " + s.baseUrl() + "/v1/chat/completions returned no answer text:"
                + " choices[0].message.content is null (finish_reason \"stop\", refusal: I can't help"
                + " with that.); a tool call, refusal or filtered reply is not an answer",
            first.getMessage());
        ConsistencyException second =
            assertThrows(
                ConsistencyException.class, () -> model.generate("x", GenerationConfig.greedy(4)));
        assertTrue(
            second.getMessage().contains(
                "choices[0].message.content is null (finish_reason \"tool_calls\", 1 tool call(s))"),
            second.getMessage());
      }
      assertEquals(2, s.requests(), "a reply without text is not retried");
      assertTrue(sleeps.isEmpty());
    }
  }

  @Test
  void an_empty_string_content_is_a_valid_empty_answer() throws Exception {
    String empty =
        "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"\"},"
            + "\"finish_reason\":\"stop\"}]}";
    try (ScriptedHttpServer s = new ScriptedHttpServer(ScriptedHttpServer.Reply.json(empty));
        HttpLanguageModel model = open(HttpModelConfig.builder(s.baseUrl(), "m").build())) {
      assertEquals("", model.generate("x", GenerationConfig.greedy(4)).text());
    }
  }

  @Test
  void credentials_in_the_base_url_never_appear_in_names_messages_or_logs() throws Exception {
    String key = "sk-url-5ecr3t-0123456789";
    try (ScriptedHttpServer s =
        new ScriptedHttpServer(new ScriptedHttpServer.Reply(500, "{\"error\":\"down\"}", false, 0))) {
      String url = "http://user:" + key + "@127.0.0.1:" + s.port();
      HttpModelConfig cfg = HttpModelConfig.builder(url, "m").maxRetries(0).build();
      try (HttpLanguageModel model = open(cfg)) {
        assertEquals("m@http://[redacted]@127.0.0.1:" + s.port(), model.name());
        assertFalse(model.toString().contains(key), model.toString());
        assertFalse(cfg.toString().contains(key), cfg.toString());
        ConsistencyException e =
            assertThrows(
                ConsistencyException.class, () -> model.generate("x", GenerationConfig.greedy(4)));
        assertFalse(e.getMessage().contains(key), e.getMessage());
        assertTrue(e.getMessage().startsWith("POST http://[redacted]@127.0.0.1:"), e.getMessage());
      }
    }
    IllegalArgumentException bad =
        assertThrows(
            IllegalArgumentException.class,
            () -> HttpModelConfig.builder("http://h/v1?api-key=" + key, "m").build());
    assertEquals(
        "baseUrl must not have a query or fragment, found \"http://h/v1?api-key=[redacted]\"",
        bad.getMessage());
  }

  @Test
  void redaction_removes_user_information_and_key_like_query_values_only() {
    assertEquals(
        "https://[redacted]@api.example.com/v1",
        HttpModelConfig.redactCredentials("https://user:p@ss@api.example.com/v1"));
    assertEquals(
        "http://h:8000/v1?model=x&api_key=[redacted]&access_token=[redacted]#f",
        HttpModelConfig.redactCredentials("http://h:8000/v1?model=x&api_key=k1&access_token=t2#f"));
    assertEquals("http://h:8000/v1", HttpModelConfig.redactCredentials("http://h:8000/v1"));
    assertEquals("models/tiny@v2", HttpModelConfig.redactCredentials("models/tiny@v2"));
  }

  @Test
  void connection_refused_is_retried_and_then_reported() {
    String url = server.baseUrl();
    server.close();
    HttpModelConfig cfg = HttpModelConfig.builder(url, "m").maxRetries(1).build();
    try (HttpLanguageModel model = open(cfg)) {
      ConsistencyException e =
          assertThrows(
              ConsistencyException.class, () -> model.generate("x", GenerationConfig.greedy(4)));
      assertTrue(e.getMessage().startsWith("POST " + url + "/v1/chat/completions failed after 2 attempts, last with connection error (ConnectException"),
          e.getMessage());
    }
    assertEquals(1, sleeps.size());
  }

  @Test
  void the_api_key_is_sent_as_bearer_token_but_never_shown() {
    server.failNext(1, 500, null, "{\"error\":\"invalid key " + SECRET + "\"}");
    server.failNext(1, 401, null, "{\"error\":\"invalid key " + SECRET + "\"}");
    PrintStream originalErr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    HttpModelConfig cfg = config().apiKeyEnv("TEST_KEY").build();
    ConsistencyException e;
    try (HttpLanguageModel model = openWithKey(cfg)) {
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      try {
        e = assertThrows(
            ConsistencyException.class, () -> model.generate("x", GenerationConfig.greedy(4)));
      } finally {
        System.setErr(originalErr);
      }
      assertFalse(model.toString().contains(SECRET));
      assertTrue(model.toString().contains("TEST_KEY"));
    }
    assertEquals("Bearer " + SECRET, server.requests().get(0).authorization());
    assertFalse(e.getMessage().contains(SECRET), e.getMessage());
    assertTrue(e.getMessage().contains("invalid key [redacted]"), e.getMessage());
    assertTrue(e.getMessage().contains("check the API key in environment variable TEST_KEY"), e.getMessage());
    String logs = captured.toString(StandardCharsets.UTF_8);
    assertTrue(logs.contains("retrying"), "the retry was not logged: " + logs);
    assertFalse(logs.contains(SECRET), logs);
    assertFalse(cfg.toString().contains(SECRET));
  }

  @Test
  void no_authorization_header_is_sent_without_an_api_key() {
    try (HttpLanguageModel model = open(config().build())) {
      model.generate("x", GenerationConfig.greedy(4));
    }
    assertEquals(null, server.requests().get(0).authorization());
  }

  @Test
  void a_missing_api_key_variable_is_reported_by_name() {
    HttpModelConfig cfg = config().apiKeyEnv("NO_SUCH_KEY_VAR").build();
    ConsistencyException e = assertThrows(ConsistencyException.class, () -> open(cfg));
    assertTrue(e.getMessage().startsWith(
        "environment variable NO_SUCH_KEY_VAR (the configured apiKeyEnv) is not set or empty"),
        e.getMessage());
  }

  @Test
  void concurrent_requests_never_exceed_the_limit() {
    // The first three requests are held until all three are in flight, so the limit is reached
    // however slow the machine is; the delay gives a broken limit the chance to show.
    server.holdFirst(3, Duration.ofSeconds(10));
    server.delay(Duration.ofMillis(100));
    List<String> prompts = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      prompts.add("p" + i);
    }
    try (HttpLanguageModel model = open(config().maxConcurrency(3).build())) {
      assertEquals(12, model.generate(prompts, GenerationConfig.greedy(2)).size());
    }
    assertEquals(3, server.maxConcurrentRequests());
  }

  @Test
  void probability_of_yes_uses_chat_top_logprobs() {
    server.logprobs(p -> Map.of("Yes", Math.log(0.6), "No", Math.log(0.2), "Maybe", Math.log(0.2)));
    try (HttpLanguageModel model = open(config().build())) {
      assertEquals(0.75, model.probabilityOfYes("Is it?"), 1e-12);
    }
    JsonNode body = server.requests().get(0).body();
    assertTrue(body.get("logprobs").asBoolean());
    assertEquals(20, body.get("top_logprobs").asInt());
    assertEquals(1, body.get("max_tokens").asInt());
  }

  @Test
  void probability_of_yes_uses_completions_logprobs_and_counts_absent_no_as_zero() {
    server.logprobs(p -> p.equals("a")
        ? Map.of(" yes", Math.log(0.5), " no", Math.log(0.5))
        : Map.of(" Yes", Math.log(0.9), "Sure", Math.log(0.1)));
    HttpModelConfig cfg = config().endpoint(HttpModelConfig.Endpoint.COMPLETIONS).topLogprobs(5).build();
    try (HttpLanguageModel model = open(cfg)) {
      assertArrayEquals(new double[] {0.5, 1.0},
          model.probabilityOfYes(List.of("a", "b"), YesNoTokens.defaults()), 1e-12);
    }
    assertEquals(5, server.requests().get(0).body().get("logprobs").asInt());
  }

  @Test
  void next_token_distribution_is_sorted_and_cut_to_top_k() {
    server.logprobs(p -> Map.of("a", -3.0, "b", -0.5, "c", -1.0));
    try (HttpLanguageModel model = open(config().build())) {
      List<TokenLogProb> top = model.nextTokenDistribution(List.of("x"), 2).get(0);
      assertEquals(List.of(new TokenLogProb(-1, "b", -0.5), new TokenLogProb(-1, "c", -1.0)), top);
      Map<String, Double> lp = model.nextTokenLogProbs(List.of("x"), List.of("a", "zzz")).get(0);
      assertEquals(Map.of("a", -3.0), lp);
    }
  }

  @Test
  void a_server_without_logprobs_gives_a_clear_unsupported_operation_error() {
    try (HttpLanguageModel model = open(config().build())) {
      UnsupportedOperationException e =
          assertThrows(UnsupportedOperationException.class, () -> model.probabilityOfYes("Is it?"));
      assertTrue(e.getMessage().contains("returned no log-probabilities although the request asked"
          + " for them (logprobs: true, top_logprobs: 20)"), e.getMessage());
    }
  }

  @Test
  void score_returns_the_echoed_log_probabilities_of_the_continuation_tokens() {
    HttpModelConfig cfg = config().endpoint(HttpModelConfig.Endpoint.COMPLETIONS).build();
    try (HttpLanguageModel model = open(cfg)) {
      List<ContinuationScore> scores = model.score(List.of(
          new Continuation("The cat", " sat down"), new Continuation("Q: 2+2?", " 4")));
      assertEquals(List.of(FakeOpenAiServer.echoLogProbOf(" sat"), FakeOpenAiServer.echoLogProbOf(" down")),
          scores.get(0).tokenLogProbs());
      assertEquals(List.of(FakeOpenAiServer.echoLogProbOf(" 4")), scores.get(1).tokenLogProbs());
    }
    JsonNode body = server.requests().get(0).body();
    assertTrue(body.get("echo").asBoolean());
    assertEquals(1, body.get("logprobs").asInt());
  }

  @Test
  void capabilities_follow_the_endpoint_and_a_judge_on_the_chat_endpoint_is_accepted() {
    try (HttpLanguageModel chat = open(config().build());
        HttpLanguageModel completions =
            open(config().endpoint(HttpModelConfig.Endpoint.COMPLETIONS).build())) {
      assertEquals(Set.of(Capability.NEXT_TOKEN_LOGPROBS), chat.capabilities());
      assertEquals(Set.of(Capability.SCORE, Capability.NEXT_TOKEN_LOGPROBS),
          completions.capabilities());
      YesNoJudge.of(chat);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Capability.SCORE.require(chat, "reference log-probabilities"));
      assertEquals("reference log-probabilities needs a model that can score continuations"
          + " (capability SCORE), but model fake-model@" + server.baseUrl() + " cannot (its"
          + " capabilities: [NEXT_TOKEN_LOGPROBS])", e.getMessage());
    }
    assertTrue(server.requests().isEmpty());
  }

  @Test
  void score_needs_the_completions_endpoint() {
    try (HttpLanguageModel model = open(config().build())) {
      UnsupportedOperationException e =
          assertThrows(UnsupportedOperationException.class, () -> model.score("a", "b"));
      assertTrue(e.getMessage().contains("scoring needs the completions endpoint with echo and logprobs"),
          e.getMessage());
    }
    assertTrue(server.requests().isEmpty());
  }

  @Test
  void score_on_a_server_without_echo_logprobs_is_unsupported() {
    server.echoSupported(false);
    HttpModelConfig cfg = config().endpoint(HttpModelConfig.Endpoint.COMPLETIONS).build();
    try (HttpLanguageModel model = open(cfg)) {
      UnsupportedOperationException e =
          assertThrows(UnsupportedOperationException.class, () -> model.score("a", " b"));
      assertTrue(e.getMessage().contains("returned no echoed token log-probabilities"), e.getMessage());
    }
  }

  @Test
  void a_closed_model_refuses_calls_and_close_is_idempotent() {
    HttpLanguageModel model = open(config().build());
    model.close();
    model.close();
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> model.generate("x", GenerationConfig.greedy(1)));
    assertTrue(e.getMessage().endsWith(" is closed"), e.getMessage());
  }

  @Test
  void name_holds_model_and_base_url() {
    try (HttpLanguageModel model = open(config().build())) {
      assertEquals("fake-model@" + server.baseUrl(), model.name());
    }
  }
}
