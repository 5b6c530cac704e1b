package org.consistency4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.Supplier;
import org.consistency4j.InvalidInputException;
import org.consistency4j.data.JsonLines;
import org.consistency4j.internal.Check;
import org.consistency4j.tokenizer.ChatMessage;
import org.consistency4j.tokenizer.ChatTemplate;
import org.consistency4j.tokenizer.ChatTemplateException;
import org.consistency4j.tokenizer.Tokenizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads supervised fine-tuning data from JSONL: each non-blank line is either {@code {"prompt": ...,
 * "completion": ...}} or {@code {"messages": [{"role": ..., "content": ...}, ...]}} whose last message is
 * the assistant's answer. With the chat template on (the default), a prompt becomes {@link
 * Tokenizer#instructionPrompt} (one user turn and the generation prompt, when the model has a Jinja
 * template) and chat examples are rendered with the tokenizer's chat template: the prompt is the
 * conversation before the last message with the generation prompt, the completion is the rest of the
 * full rendering. With it off, prompts are used as given and chat examples use the plain
 * {@code "role: content"} lines of {@link ChatTemplate#plain()}. Prompt and completion are tokenized separately (as TRL does), the completion followed
 * by the end-of-sequence token when asked; only completion tokens are targets. Lines longer than {@code
 * maxLength} tokens are truncated; examples left without targets are skipped with a warning. The file
 * is read under the rules of {@link JsonLines} (one JSON object per line, duplicate keys refused,
 * lines longer than {@link JsonLines#DEFAULT_MAX_LINE_BYTES} refused unless another limit is given).
 * Stateless.
 */
public final class SftData {
  private static final Logger LOG = LoggerFactory.getLogger(SftData.class);

  private SftData() {}

  /**
   * Reads and tokenizes a JSONL file with the model's chat template (when it has one) and the
   * {@linkplain JsonLines#DEFAULT_MAX_LINE_BYTES default line limit}.
   *
   * @param file the data file
   * @param tokenizer tokenizer (and chat template) of the model
   * @param maxLength longest example in tokens, &gt; 0
   * @param appendEos whether to end each completion with the tokenizer's EOS token (if it has one)
   * @throws InvalidInputException naming file and line for a malformed line
   * @throws org.consistency4j.ConsistencyException if the file cannot be read
   */
  public static List<SftExample> read(Path file, Tokenizer tokenizer, int maxLength, boolean appendEos) {
    return read(file, tokenizer, maxLength, appendEos, true);
  }

  /**
   * Reads and tokenizes a JSONL file with the {@linkplain JsonLines#DEFAULT_MAX_LINE_BYTES default
   * line limit}.
   *
   * @param file the data file
   * @param tokenizer tokenizer (and chat template) of the model
   * @param maxLength longest example in tokens, &gt; 0
   * @param appendEos whether to end each completion with the tokenizer's EOS token (if it has one)
   * @param chatTemplate whether prompts and chats are rendered with the model's chat template
   * @throws InvalidInputException naming file and line for a malformed line
   * @throws org.consistency4j.ConsistencyException if the file cannot be read
   */
  public static List<SftExample> read(
      Path file, Tokenizer tokenizer, int maxLength, boolean appendEos, boolean chatTemplate) {
    return read(file, tokenizer, maxLength, appendEos, chatTemplate, JsonLines.DEFAULT_MAX_LINE_BYTES);
  }

  /**
   * Reads and tokenizes a JSONL file.
   *
   * @param file the data file
   * @param tokenizer tokenizer (and chat template) of the model
   * @param maxLength longest example in tokens, &gt; 0
   * @param appendEos whether to end each completion with the tokenizer's EOS token (if it has one)
   * @param chatTemplate whether prompts and chats are rendered with the model's chat template
   * @param maxLineBytes the longest accepted line in UTF-8 bytes, &gt; 0
   * @throws InvalidInputException naming file and line for a malformed line
   * @throws org.consistency4j.ConsistencyException if the file cannot be read
   */
  public static List<SftExample> read(
      Path file,
      Tokenizer tokenizer,
      int maxLength,
      boolean appendEos,
      boolean chatTemplate,
      int maxLineBytes) {
    Check.notNull(file, "file");
    Check.notNull(tokenizer, "tokenizer");
    Check.positive(maxLength, "maxLength");
    OptionalInt eosId = appendEos ? tokenizer.eosTokenId() : OptionalInt.empty();
    List<SftExample> out = new ArrayList<>();
    JsonLines.forEach(file, maxLineBytes, line -> {
      SftExample ex =
          parse(line.json(), line.source(), line.number(), tokenizer, eosId, chatTemplate)
              .truncate(maxLength);
      if (ex.targetCount() == 0) {
        LOG.warn(
            "{}:{}: skipped, no completion tokens within maxLength {}",
            line.source(), line.number(), maxLength);
        return;
      }
      out.add(ex);
    });
    return out;
  }

  static SftExample parse(
      JsonNode node, String source, long line, Tokenizer tok, OptionalInt eos, boolean chatTemplate) {
    String prompt;
    String completion;
    if (node.has("messages")) {
      JsonNode msgs = node.get("messages");
      Check.input(msgs.isArray() && !msgs.isEmpty(), source, line,
          "messages must be a non-empty array");
      List<ChatMessage> messages = new ArrayList<>();
      for (int i = 0; i < msgs.size(); i++) {
        JsonNode m = msgs.get(i);
        String role = text(m, "role", source, line, "messages[" + i + "].role");
        String content = text(m, "content", source, line, "messages[" + i + "].content");
        messages.add(new ChatMessage(role, content));
      }
      Check.input(messages.get(messages.size() - 1).role().equals("assistant"), source, line,
          "the last message must have role assistant, found "
              + messages.get(messages.size() - 1).role());
      ChatTemplate template = chatTemplate ? tok.chatTemplate() : ChatTemplate.plain();
      List<ChatMessage> context = messages.subList(0, messages.size() - 1);
      prompt = rendered(() -> template.render(context, true), source, line);
      String full = rendered(() -> template.render(messages, false), source, line);
      Check.input(full.startsWith(prompt), source, line,
          "the chat template renders the conversation without the generation prompt as a prefix");
      completion = full.substring(prompt.length());
    } else if (node.has("prompt") || node.has("completion")) {
      prompt = text(node, "prompt", source, line, "prompt");
      completion = text(node, "completion", source, line, "completion");
      if (chatTemplate) {
        String instruction = prompt;
        prompt = rendered(() -> tok.instructionPrompt(instruction), source, line);
      }
    } else {
      throw new InvalidInputException(source, line,
          "expected fields prompt and completion, or messages");
    }
    Check.input(!completion.isEmpty(), source, line, "completion must not be empty");
    int[] p = tok.encode(prompt, false);
    int[] c = SftExample.withEos(tok.encode(completion, false), eos);
    Check.input(c.length != 0, source, line, "completion encodes to no tokens");
    return SftExample.of(p, c);
  }

  /** Runs a chat template render; its failure becomes an error naming the data file and line. */
  private static String rendered(Supplier<String> render, String source, long line) {
    try {
      return render.get();
    } catch (ChatTemplateException e) {
      throw new InvalidInputException(source, line, e.getMessage()
          + " (train with --no-chat-template to use the text as given)");
    }
  }

  private static String text(JsonNode node, String field, String source, long line, String name) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      throw new InvalidInputException(source, line, name + " is missing");
    }
    Check.input(v.isTextual(), source, line,
        name + " must be a string, found " + v.getNodeType().toString().toLowerCase());
    return v.asText();
  }
}
