package org.consistency4j.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.consistency4j.ConsistencyException;
import org.consistency4j.lm.Continuation;
import org.consistency4j.lm.ContinuationScore;
import org.consistency4j.lm.Generation;
import org.consistency4j.lm.GenerationConfig;
import org.consistency4j.lm.Sampling;
import org.consistency4j.lm.TokenLogProb;

/**
 * The OpenAI-compatible protocol of {@link HttpLanguageModel}: the request JSON of each operation
 * (generation, top next tokens, echo scoring) for the chat or completions endpoint, and the reading
 * of the replies into the library's value types, with errors that name the URL and the field. It
 * sends nothing itself; {@link HttpTransport} does. Immutable and thread-safe.
 */
final class OpenAiProtocol {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_SERVER_STOP_STRINGS = 4;

  /** The text and finish reason of a generation, before the stop strings are applied. */
  record Answer(String text, Generation.FinishReason reason) {}

  private final HttpModelConfig config;
  private final HttpTransport transport;
  private final String modelName;
  private final URI chatUri;
  private final URI completionsUri;

  /**
   * @param config the model id, endpoint, system prompt and top-logprobs count
   * @param transport sends the requests (and redacts what error messages quote)
   * @param modelName how errors name the model
   */
  OpenAiProtocol(HttpModelConfig config, HttpTransport transport, String modelName) {
    this.config = config;
    this.transport = transport;
    this.modelName = modelName;
    this.chatUri = config.resolve("chat/completions");
    this.completionsUri = config.resolve("completions");
  }

  /** The URL of the configured endpoint. */
  URI endpointUri() {
    return chat() ? chatUri : completionsUri;
  }

  private boolean chat() {
    return config.endpoint() == HttpModelConfig.Endpoint.CHAT;
  }

  // ---------------------------------------------------------------- generation

  /**
   * Generates the completion of prompt {@code index} of a call: {@code max_tokens}, {@code
   * temperature}, {@code top_p}, {@code top_k} if set, the seed drawn from stream {@code (seed,
   * index)}, at most four stop strings and {@code ignore_eos} when EOS must not stop.
   */
  Answer generate(String prompt, int index, GenerationConfig g) {
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
    JsonNode textNode = chat() ? choice.path("message").path("content") : choice.path("text");
    String finish = choice.path("finish_reason").asText("");
    if (!textNode.isTextual()) {
      throw noAnswer(uri, choice, textNode, finish);
    }
    Generation.FinishReason reason;
    if ("length".equals(finish)) {
      reason = Generation.FinishReason.LENGTH;
    } else if (choice.path("stop_reason").isTextual()
        && g.stopStrings().contains(choice.path("stop_reason").asText())) {
      reason = Generation.FinishReason.STOP_STRING;
    } else {
      reason = Generation.FinishReason.EOS;
    }
    return new Answer(textNode.asText(), reason);
  }

  /**
   * The error for a choice without text. OpenAI-compatible servers send {@code content: null} when
   * the model called a tool ({@code tool_calls}), refused ({@code refusal}) or was stopped by a
   * content filter: none of these is an answer, and an empty answer in its place would be scored as
   * if the model had said nothing. Not retried: the same request would get the same reply.
   */
  private ConsistencyException noAnswer(URI uri, JsonNode choice, JsonNode textNode, String finish) {
    String field = chat() ? "choices[0].message.content" : "choices[0].text";
    StringBuilder why = new StringBuilder();
    why.append("finish_reason ").append(finish.isEmpty() ? "absent" : "\"" + finish + "\"");
    JsonNode message = choice.path("message");
    if (message.path("refusal").isTextual()) {
      why.append(", refusal: ").append(transport.snippet(message.path("refusal").asText()));
    }
    if (message.path("tool_calls").isArray() && !message.path("tool_calls").isEmpty()) {
      why.append(", ").append(message.path("tool_calls").size()).append(" tool call(s)");
    }
    String found = textNode.isMissingNode() ? "missing" : textNode.isNull() ? "null" : transport.snippet(textNode.toString());
    return new ConsistencyException(
        "POST " + HttpTransport.shown(uri) + " returned no answer text: " + field + " is " + found + " (" + why
            + "); a tool call, refusal or filtered reply is not an answer");
  }

  private ObjectNode requestBody(String prompt) {
    ObjectNode body = JSON.createObjectNode();
    body.put("model", config.model());
    if (chat()) {
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

  /**
   * The top {@code n} next tokens after prompt {@code index} of a call, most likely first: one
   * greedy token with {@code logprobs: true, top_logprobs: n} (chat) or {@code logprobs: n}
   * (completions).
   *
   * @throws UnsupportedOperationException if the server returns no log-probabilities
   */
  List<TokenLogProb> topNextTokens(String prompt, int index, int n) {
    ObjectNode body = requestBody(prompt);
    body.put("max_tokens", 1);
    body.put("temperature", 0.0);
    body.put("seed", 0);
    URI uri = endpointUri();
    List<TokenLogProb> top = new ArrayList<>();
    if (chat()) {
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
          "POST " + HttpTransport.shown(uri) + " returned a malformed top_logprobs entry: token "
              + transport.snippet(token.toString()) + ", logprob " + transport.snippet(logProb.toString()));
    }
    // Servers print log(1) as a tiny positive number now and then; a probability cannot exceed 1.
    double lp = Math.min(0.0, logProb.asDouble());
    if (Double.isNaN(lp)) {
      throw new ConsistencyException("POST " + HttpTransport.shown(uri)
          + " returned a NaN logprob for token " + transport.snippet(token.asText()));
    }
    return new TokenLogProb(-1, token.asText(), lp);
  }

  private UnsupportedOperationException noLogprobs(URI uri, String requested) {
    return new UnsupportedOperationException(
        modelName
            + ": the server at "
            + HttpTransport.shown(uri)
            + " returned no log-probabilities although the request asked for them ("
            + requested
            + "); it does not support logprobs, so next-token probabilities and probabilityOfYes are"
            + " unavailable with this server");
  }

  // ---------------------------------------------------------------- scoring

  /**
   * Scores request {@code index} of a call on the completions endpoint: prompt and continuation are
   * sent as one text with {@code echo: true, logprobs: 1}, and the log-probabilities of the tokens
   * that end after the prompt are returned (a token that straddles the boundary counts as
   * continuation).
   *
   * @throws UnsupportedOperationException if the server returns no echoed log-probabilities
   */
  ContinuationScore score(Continuation c, int index) {
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
          modelName
              + ": the server at "
              + HttpTransport.shown(uri)
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
            modelName
                + ": the server at "
                + HttpTransport.shown(uri)
                + " gave no log-probability for continuation token "
                + j
                + " (the first token of a text has none; use a non-empty prompt)");
      }
      scores.add(Math.min(0.0, lp.asDouble()));
    }
    if (scores.isEmpty()) {
      throw new ConsistencyException(modelName + ": the server at " + HttpTransport.shown(uri)
          + " echoed no token after the prompt of request " + index);
    }
    return new ContinuationScore(scores);
  }

  // ---------------------------------------------------------------- replies

  /** POSTs {@code body} through the transport and parses the reply as JSON. */
  private JsonNode post(URI uri, ObjectNode body, int index) {
    String json;
    try {
      json = JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new ConsistencyException("cannot serialize the request to " + HttpTransport.shown(uri), e);
    }
    HttpTransport.Reply reply = transport.post(uri, json, index);
    try {
      return JSON.readTree(reply.body());
    } catch (JsonProcessingException e) {
      throw new ConsistencyException("POST " + HttpTransport.shown(uri) + " returned HTTP "
          + reply.status() + " with a body that is not JSON: " + transport.snippet(reply.body()));
    }
  }

  private JsonNode firstChoice(JsonNode response, URI uri) {
    JsonNode choice = response.path("choices").path(0);
    if (!choice.isObject()) {
      throw new ConsistencyException(
          "POST " + HttpTransport.shown(uri) + " returned no choices[0]: "
              + transport.snippet(response.toString()));
    }
    return choice;
  }
}
