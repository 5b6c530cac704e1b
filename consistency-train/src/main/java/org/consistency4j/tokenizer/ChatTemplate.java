package org.consistency4j.tokenizer;

import java.lang.reflect.Array;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.consistency4j.internal.Check;

/**
 * Renders a chat as the prompt string a model was trained on: the Jinja {@code chat_template} of a
 * Hugging Face {@code tokenizer_config.json}, or, when the model has none, the plain fallback of one
 * {@code "role: content\n"} line per message followed by {@code "assistant: "} when a generation
 * prompt is asked for.
 *
 * <p>Templates run on the library's own interpreter of the Jinja subset chat templates use, with
 * the semantics transformers gives them: Jinja2's {@code ImmutableSandboxedEnvironment} with {@code
 * trim_blocks}, {@code lstrip_blocks} and loop controls, transformers' {@code tojson} ({@code
 * json.dumps} with {@code ensure_ascii=False}), {@code raise_exception(message)}, {@code
 * strftime_now(format)} (local time of the {@link Builder#clock clock}), {@code namespace()},
 * Python's str/dict/list methods, slicing and Python's printing of values. The template sees
 * {@code messages} (a list of {@code {role, content}} maps), {@code add_generation_prompt}, {@code
 * tools} and {@code documents} (None unless given as variables), the special tokens it was built
 * with (for example {@code bos_token}) and any extra variables passed to {@link #render(List,
 * boolean, Map)}. Anything the engine does not support (an unknown filter, test or tag, a Java or
 * Python method outside the supported list, {@code include}/{@code import}/{@code extends}) fails
 * with a {@link ChatTemplateException} naming the template line, never by rendering empty text.
 * Renders are bounded by {@link ChatTemplateLimits}. Immutable and thread-safe.
 */
public final class ChatTemplate {
  private final Optional<String> source;
  private final List<JinjaParser.Stmt> program;
  private final Map<String, String> specialTokens;
  private final Clock clock;
  private final ChatTemplateLimits limits;
  private final String unusable;

  private ChatTemplate(Optional<String> source, Map<String, String> specialTokens, Clock clock,
      ChatTemplateLimits limits, String unusable) {
    this.source = source;
    this.specialTokens = Map.copyOf(specialTokens);
    this.clock = clock;
    this.limits = limits;
    this.unusable = unusable;
    if (source.isPresent() && unusable == null) {
      List<JinjaParser.Stmt> parsed = JinjaParser.parse(source.get(), limits.maxNestingDepth());
      JinjaFilters.checkNames(parsed);
      this.program = List.copyOf(parsed);
    } else {
      this.program = List.of();
    }
  }

  /**
   * A Jinja chat template whose {@code bos_token} and {@code eos_token} are the given strings.
   *
   * @param template the template source
   * @param bosToken the value of {@code bos_token}
   * @param eosToken the value of {@code eos_token}
   * @throws ChatTemplateException if the template does not parse or uses a filter or test the
   *     engine does not have (the message names the line)
   */
  public static ChatTemplate jinja(String template, String bosToken, String eosToken) {
    return builder(template)
        .specialToken("bos_token", Check.notNull(bosToken, "bosToken"))
        .specialToken("eos_token", Check.notNull(eosToken, "eosToken"))
        .build();
  }

  /**
   * A builder for a Jinja chat template; set the special tokens the model's tokenizer config
   * defines (a token that is not set is undefined in the template, as in transformers).
   *
   * @param template the template source
   */
  public static Builder builder(String template) {
    return new Builder(Check.notNull(template, "template"));
  }

  /** The plain fallback: {@code "role: content\n"} lines, then {@code "assistant: "}. */
  public static ChatTemplate plain() {
    return new ChatTemplate(Optional.empty(), Map.of(), Clock.systemDefaultZone(),
        ChatTemplateLimits.defaults(), null);
  }

  /**
   * A template that could not be parsed, kept so that a model directory still loads for uses that
   * need no chat template; every render throws a {@link ChatTemplateException} with {@code
   * message}.
   */
  static ChatTemplate unusable(String source, String message) {
    return new ChatTemplate(Optional.of(source), Map.of(), Clock.systemDefaultZone(),
        ChatTemplateLimits.defaults(), message);
  }

  /** The Jinja source, or empty for the plain fallback. */
  public Optional<String> source() {
    return source;
  }

  /** The limits each render runs under. */
  public ChatTemplateLimits limits() {
    return limits;
  }

  /**
   * Renders the chat.
   *
   * @param messages the conversation so far, not empty
   * @param addGenerationPrompt whether to append the text that starts the assistant's turn
   * @return the prompt text (special tokens appear as text and are matched by the tokenizer)
   * @throws ChatTemplateException if the template fails (for example calls {@code raise_exception})
   *     or exceeds a limit; the message names the template line
   */
  public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
    return render(messages, addGenerationPrompt, Map.of());
  }

  /**
   * Renders the chat with extra template variables, for example {@code enable_thinking} (Qwen3,
   * SmolLM3) or {@code tools} (a list of JSON-schema maps).
   *
   * @param messages the conversation so far, not empty
   * @param addGenerationPrompt whether to append the text that starts the assistant's turn
   * @param variables names to values: strings, booleans, numbers, null, lists/arrays and maps of
   *     these; not {@code messages} or {@code add_generation_prompt}
   * @throws IllegalArgumentException if a variable has another type or a reserved name
   * @throws ChatTemplateException if the template fails or exceeds a limit
   */
  public String render(
      List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, ?> variables) {
    Check.notEmpty(messages, "messages");
    Check.notNull(variables, "variables");
    if (unusable != null) {
      throw new ChatTemplateException(0, 0, unusable);
    }
    if (source.isEmpty()) {
      StringBuilder sb = new StringBuilder();
      for (ChatMessage m : messages) {
        sb.append(m.role()).append(": ").append(m.content()).append('\n');
      }
      if (addGenerationPrompt) {
        sb.append("assistant: ");
      }
      return sb.toString();
    }
    List<Object> list = new ArrayList<>();
    for (ChatMessage m : messages) {
      Map<Object, Object> map = new LinkedHashMap<>();
      map.put("role", m.role());
      map.put("content", m.content());
      list.add(map);
    }
    Map<String, Object> context = new HashMap<>(specialTokens);
    context.put("tools", null);
    context.put("documents", null);
    for (Map.Entry<String, ?> e : variables.entrySet()) {
      String name = Check.notNull(e.getKey(), "variable name");
      Check.argument(!name.equals("messages") && !name.equals("add_generation_prompt"),
          "variables must not contain '" + name + "' (it is set from the arguments)");
      context.put(name, toPython(e.getValue(), "variables['" + name + "']", 0));
    }
    context.put("messages", list);
    context.put("add_generation_prompt", addGenerationPrompt);
    try {
      return new JinjaRenderer(limits, clock).render(program, context);
    } catch (PyOps.PyError e) {
      throw new ChatTemplateException(0, 0, "chat template failed: " + e.getMessage());
    } catch (StackOverflowError e) {
      throw new ChatTemplateException(0, 0,
          "chat template failed: nesting too deep for the Java stack (lower ChatTemplateLimits"
              + ".maxNestingDepth)");
    }
  }

  private static Object toPython(Object v, String where, int depth) {
    Check.argument(depth < 100, where + " is nested deeper than 100 levels");
    if (v == null || v instanceof String || v instanceof Boolean || v instanceof Long
        || v instanceof Double) {
      return v;
    }
    if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    if (v instanceof Float f) {
      return f.doubleValue();
    }
    if (v instanceof Collection<?> c) {
      List<Object> out = new ArrayList<>();
      int i = 0;
      for (Object o : c) {
        out.add(toPython(o, where + "[" + i++ + "]", depth + 1));
      }
      return out;
    }
    if (v.getClass().isArray()) {
      List<Object> out = new ArrayList<>();
      for (int i = 0; i < Array.getLength(v); i++) {
        out.add(toPython(Array.get(v, i), where + "[" + i + "]", depth + 1));
      }
      return out;
    }
    if (v instanceof Map<?, ?> m) {
      Map<Object, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        Check.argument(e.getKey() instanceof String,
            where + " keys must be strings, found " + e.getKey());
        out.put(e.getKey(), toPython(e.getValue(), where + "['" + e.getKey() + "']", depth + 1));
      }
      return out;
    }
    throw new IllegalArgumentException(where + " must be a string, boolean, number, null, list or"
        + " map, found a " + v.getClass().getName());
  }

  /** Builds a Jinja {@link ChatTemplate}; not thread-safe. */
  public static final class Builder {
    private final String template;
    private final Map<String, String> specialTokens = new LinkedHashMap<>();
    private Clock clock = Clock.systemDefaultZone();
    private ChatTemplateLimits limits = ChatTemplateLimits.defaults();

    private Builder(String template) {
      this.template = template;
    }

    /**
     * Defines a special-token variable, for example {@code ("bos_token", "<s>")}.
     *
     * @param name a variable name ending in {@code _token}
     * @param value the token text
     */
    public Builder specialToken(String name, String value) {
      Check.notNull(name, "name");
      Check.argument(name.endsWith("_token"), "special token name must end with _token, found " + name);
      specialTokens.put(name, Check.notNull(value, "value"));
      return this;
    }

    /**
     * The clock {@code strftime_now} reads (its zone gives the local time, as Python's {@code
     * datetime.now()}); default the system clock in the default zone. Pin it for reproducible
     * prompts.
     */
    public Builder clock(Clock value) {
      this.clock = Check.notNull(value, "clock");
      return this;
    }

    /** The render limits; default {@link ChatTemplateLimits#defaults()}. */
    public Builder limits(ChatTemplateLimits value) {
      this.limits = Check.notNull(value, "limits");
      return this;
    }

    /**
     * Parses the template.
     *
     * @throws ChatTemplateException if it does not parse, nests deeper than the limit or uses a
     *     filter, test or tag the engine does not have (the message names the line)
     */
    public ChatTemplate build() {
      return new ChatTemplate(Optional.of(template), specialTokens, clock, limits, null);
    }
  }
}
