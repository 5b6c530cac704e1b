package org.consistency4j.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.consistency4j.ConsistencyException;
import org.consistency4j.internal.Check;

/**
 * Renders a chat as the prompt string a model was trained on: the Jinja {@code chat_template} of a
 * Hugging Face {@code tokenizer_config.json} (rendered with HubSpot's Jinjava, with Hugging Face's
 * {@code trim_blocks} and {@code lstrip_blocks} settings), or, when the model has none, the plain
 * fallback of one {@code "role: content\n"} line per message followed by {@code "assistant: "} when
 * a generation prompt is asked for.
 *
 * <p>Template variables: {@code messages} (a list of {@code {role, content}} maps), {@code
 * add_generation_prompt}, {@code bos_token}, {@code eos_token}, and the function {@code
 * raise_exception(message)}. Immutable and thread-safe.
 */
public final class ChatTemplate {
  private static final JinjavaConfig CONFIG =
      JinjavaConfig.newBuilder()
          .withTrimBlocks(true)
          // Jinjava's lstrip_blocks also strips spaces before a tag in mid-line ("assistant: {%"),
          // unlike Jinja2; lstripBlocks() below implements Jinja2's rule instead.
          .withLstripBlocks(false)
          .withMaxOutputSize(64L << 20)
          .build();

  private final Optional<String> template;
  private final String bosToken;
  private final String eosToken;
  private final Jinjava jinjava;

  private static final Pattern LINE_START_BEFORE_BLOCK =
      Pattern.compile("(?m)^[ \\t]+(?=\\{[%#](?!\\+))");

  private ChatTemplate(Optional<String> template, String bosToken, String eosToken) {
    this.template = template.map(ChatTemplate::lstripBlocks);
    this.bosToken = bosToken;
    this.eosToken = eosToken;
    this.jinjava = template.isPresent() ? newJinjava() : null;
  }

  /**
   * A Jinja chat template.
   *
   * @param template the template source
   * @param bosToken the value of {@code bos_token} (empty if the model has none)
   * @param eosToken the value of {@code eos_token} (empty if the model has none)
   */
  public static ChatTemplate jinja(String template, String bosToken, String eosToken) {
    Check.notNull(template, "template");
    return new ChatTemplate(
        Optional.of(template), Check.notNull(bosToken, "bosToken"),
        Check.notNull(eosToken, "eosToken"));
  }

  /** The plain fallback: {@code "role: content\n"} lines, then {@code "assistant: "}. */
  public static ChatTemplate plain() {
    return new ChatTemplate(Optional.empty(), "", "");
  }

  /** The Jinja source, or empty for the plain fallback. */
  public Optional<String> source() {
    return template;
  }

  /**
   * Renders the chat.
   *
   * @param messages the conversation so far, not empty
   * @param addGenerationPrompt whether to append the text that starts the assistant's turn
   * @return the prompt text (special tokens appear as text and are matched by the tokenizer)
   * @throws ConsistencyException if the template fails (for example calls {@code raise_exception})
   */
  public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
    Check.notEmpty(messages, "messages");
    if (template.isEmpty()) {
      StringBuilder sb = new StringBuilder();
      for (ChatMessage m : messages) {
        sb.append(m.role()).append(": ").append(m.content()).append('\n');
      }
      if (addGenerationPrompt) {
        sb.append("assistant: ");
      }
      return sb.toString();
    }
    List<Map<String, Object>> list = new ArrayList<>();
    for (ChatMessage m : messages) {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("role", m.role());
      map.put("content", m.content());
      list.add(map);
    }
    Map<String, Object> context = new HashMap<>();
    context.put("messages", list);
    context.put("add_generation_prompt", addGenerationPrompt);
    context.put("bos_token", bosToken);
    context.put("eos_token", eosToken);
    RenderResult result = jinjava.renderForResult(template.get(), context);
    for (TemplateError e : result.getErrors()) {
      if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
        throw new ConsistencyException(
            "chat template failed at line " + e.getLineno() + ": " + e.getMessage()
                + rootCauseMessage(e.getException()));
      }
    }
    return result.getOutput();
  }

  /**
   * Jinja2's {@code lstrip_blocks}: spaces and tabs between the start of a line and a block or
   * comment tag are removed (not before {@code {%+}).
   */
  static String lstripBlocks(String source) {
    return LINE_START_BEFORE_BLOCK.matcher(source).replaceAll("");
  }

  /** Called by templates as {@code raise_exception(message)}; always throws. */
  public static String raiseException(String message) {
    throw new ConsistencyException("chat template raised: " + message);
  }

  private static String rootCauseMessage(Throwable t) {
    if (t == null) {
      return "";
    }
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return " (" + t.getMessage() + ")";
  }

  private static Jinjava newJinjava() {
    Jinjava j = new Jinjava(CONFIG);
    try {
      j.getGlobalContext()
          .registerFunction(
              new ELFunctionDefinition(
                  "", "raise_exception", ChatTemplate.class.getMethod("raiseException", String.class)));
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException(e);
    }
    return j;
  }
}
