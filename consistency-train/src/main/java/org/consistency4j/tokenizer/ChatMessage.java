package org.consistency4j.tokenizer;

import org.consistency4j.internal.Check;

/**
 * One message of a chat, as passed to a chat template ({@code {"role": ..., "content": ...}}).
 *
 * @param role for example {@code system}, {@code user} or {@code assistant}; not empty
 * @param content the message text
 */
public record ChatMessage(String role, String content) {
  /** Validates. */
  public ChatMessage {
    Check.notNull(role, "role");
    Check.argument(!role.isEmpty(), "role must not be empty");
    Check.notNull(content, "content");
  }

  /** A {@code user} message. */
  public static ChatMessage user(String content) {
    return new ChatMessage("user", content);
  }

  /** An {@code assistant} message. */
  public static ChatMessage assistant(String content) {
    return new ChatMessage("assistant", content);
  }

  /** A {@code system} message. */
  public static ChatMessage system(String content) {
    return new ChatMessage("system", content);
  }
}
