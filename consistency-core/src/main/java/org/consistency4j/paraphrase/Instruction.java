package org.consistency4j.paraphrase;

import java.util.List;
import org.consistency4j.internal.Check;

/**
 * An instruction to paraphrase, with the terms that must survive every paraphrase unchanged.
 *
 * <p>Besides {@code protectedTerms}, paraphrasers protect what {@link ProtectionRules} detects in
 * the text (quoted strings, placeholders, numbers, code). Typical protected terms are the label
 * words that define a task's output space ({@code "POS"}, {@code "NEG"}); see {@link
 * org.consistency4j.data.SniTask#labelWords()}.
 *
 * @param text the instruction, not blank
 * @param protectedTerms literal terms matched as whole words, case-insensitively (with simple
 *     inflections: {@code s}, {@code es}, {@code d}, {@code ed}, {@code ing}); none blank
 */
public record Instruction(String text, List<String> protectedTerms) {

  /** Validates and copies. */
  public Instruction {
    Check.notNull(text, "text");
    Check.argument(!text.isBlank(), "text must not be blank");
    protectedTerms = List.copyOf(Check.notNull(protectedTerms, "protectedTerms"));
    for (String term : protectedTerms) {
      Check.argument(!term.isBlank(), "protectedTerms must not contain a blank term");
    }
  }

  /** An instruction with no extra protected terms. */
  public static Instruction of(String text) {
    return new Instruction(text, List.of());
  }

  /** An instruction with the given protected terms. */
  public static Instruction of(String text, List<String> protectedTerms) {
    return new Instruction(text, protectedTerms);
  }
}
