package org.consistency4j.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class HttpModelConfigTest {
  private static HttpModelConfig.Builder valid() {
    return HttpModelConfig.builder("http://127.0.0.1:8000", "m");
  }

  private static void rejects(String message, Supplier<HttpModelConfig> build) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::get);
    assertEquals(message, e.getMessage());
  }

  @Test
  void defaults_are_the_documented_ones() {
    HttpModelConfig c = valid().build();
    assertEquals(HttpModelConfig.Endpoint.CHAT, c.endpoint());
    assertEquals(Duration.ofSeconds(10), c.connectTimeout());
    assertEquals(Duration.ofSeconds(120), c.requestTimeout());
    assertEquals(4, c.maxRetries());
    assertEquals(Duration.ofMillis(500), c.initialBackoff());
    assertEquals(Duration.ofSeconds(30), c.maxBackoff());
    assertEquals(4, c.maxConcurrency());
    assertEquals(20, c.topLogprobs());
    assertEquals(c, c.toBuilder().build());
  }

  @Test
  void every_field_is_validated_with_a_message_naming_it() {
    rejects("baseUrl must be an absolute http or https URL, found \"ftp://x\"",
        () -> HttpModelConfig.builder("ftp://x", "m").build());
    rejects("baseUrl must be an absolute http or https URL, found \"localhost:8000\"",
        () -> HttpModelConfig.builder("localhost:8000", "m").build());
    rejects("baseUrl must be an absolute http or https URL, found \"http://a b\"",
        () -> HttpModelConfig.builder("http://a b", "m").build());
    rejects("baseUrl must not have a query or fragment, found \"http://h/v1?x=1\"",
        () -> HttpModelConfig.builder("http://h/v1?x=1", "m").build());
    rejects("model must not be blank", () -> HttpModelConfig.builder("http://h", " ").build());
    rejects("apiKeyEnv must be an environment variable name, found \"A=B\"",
        () -> valid().apiKeyEnv("A=B").build());
    rejects("connectTimeout must be > 0, found PT0S", () -> valid().connectTimeout(Duration.ZERO).build());
    rejects("requestTimeout must be > 0, found PT-1S",
        () -> valid().requestTimeout(Duration.ofSeconds(-1)).build());
    rejects("maxRetries must be in [0, 100], found -1", () -> valid().maxRetries(-1).build());
    rejects("maxRetries must be in [0, 100], found 101", () -> valid().maxRetries(101).build());
    rejects("requestTimeout must be <= PT24H, found PT24H0.001S",
        () -> valid().requestTimeout(Duration.ofHours(24).plusMillis(1)).build());
    rejects("connectTimeout must be <= PT24H, found PT48H",
        () -> valid().connectTimeout(Duration.ofDays(2)).build());
    rejects("initialBackoff must be > 0, found PT0S", () -> valid().initialBackoff(Duration.ZERO).build());
    rejects("maxBackoff must be >= initialBackoff (PT0.5S), found PT0.1S",
        () -> valid().maxBackoff(Duration.ofMillis(100)).build());
    rejects("maxConcurrency must be in [1, 256], found 0", () -> valid().maxConcurrency(0).build());
    rejects("maxConcurrency must be in [1, 256], found 257", () -> valid().maxConcurrency(257).build());
    rejects("topLogprobs must be in [1, 20], found 21", () -> valid().topLogprobs(21).build());
    rejects("endpoint must be one of [chat, completions], found \"embed\"",
        () -> valid().endpoint(HttpModelConfig.Endpoint.parse("embed")).build());
    NullPointerException npe =
        assertThrows(NullPointerException.class, () -> valid().endpoint(null).build());
    assertEquals("endpoint must not be null", npe.getMessage());
  }

  @Test
  void endpoint_names_parse_case_insensitively() {
    assertEquals(HttpModelConfig.Endpoint.CHAT, HttpModelConfig.Endpoint.parse("Chat"));
    assertEquals(HttpModelConfig.Endpoint.COMPLETIONS, HttpModelConfig.Endpoint.parse("completions"));
  }

  @Test
  void urls_resolve_under_v1() {
    assertEquals("http://h:1/v1/completions",
        HttpModelConfig.builder("http://h:1", "m").build().resolve("completions").toString());
    assertEquals("https://api.openai.com/v1/chat/completions",
        HttpModelConfig.builder("https://api.openai.com/v1", "m").build().resolve("chat/completions").toString());
    assertEquals("http://h/proxy/v1/completions",
        HttpModelConfig.builder("http://h/proxy/", "m").build().resolve("completions").toString());
  }
}
