package org.consistency4j.pairs;

import java.util.OptionalDouble;
import org.consistency4j.internal.Check;

/**
 * One preference pair in the TRL format: a prompt, a preferred ("chosen") and a dispreferred
 * ("rejected") completion, and optionally their scores. Scores are present for pairs built here;
 * pairs imported from other TRL datasets may lack them.
 *
 * @param prompt the prompt both completions answer, not null (may be empty)
 * @param chosen the preferred completion, not empty
 * @param rejected the dispreferred completion, not empty, different from {@code chosen} after
 *     stripping leading and trailing whitespace
 * @param scoreChosen the chosen completion's reward, finite, if known
 * @param scoreRejected the rejected completion's reward, finite, if known
 */
public record PreferencePair(
    String prompt,
    String chosen,
    String rejected,
    OptionalDouble scoreChosen,
    OptionalDouble scoreRejected) {

  /** Validates; messages name the field. */
  public PreferencePair {
    Check.notNull(prompt, "prompt");
    Check.notNull(chosen, "chosen");
    Check.notNull(rejected, "rejected");
    Check.argument(!chosen.isEmpty(), "chosen must not be empty");
    Check.argument(!rejected.isEmpty(), "rejected must not be empty");
    Check.argument(
        !sameText(chosen, rejected), "chosen and rejected must differ, both are \"" + abbreviate(chosen) + "\"");
    Check.notNull(scoreChosen, "scoreChosen");
    Check.notNull(scoreRejected, "scoreRejected");
    if (scoreChosen.isPresent()) {
      Check.finite(scoreChosen.getAsDouble(), "scoreChosen");
    }
    if (scoreRejected.isPresent()) {
      Check.finite(scoreRejected.getAsDouble(), "scoreRejected");
    }
  }

  /** A pair with both scores. */
  public PreferencePair(
      String prompt, String chosen, String rejected, double scoreChosen, double scoreRejected) {
    this(prompt, chosen, rejected, OptionalDouble.of(scoreChosen), OptionalDouble.of(scoreRejected));
  }

  /** A pair without scores. */
  public static PreferencePair unscored(String prompt, String chosen, String rejected) {
    return new PreferencePair(
        prompt, chosen, rejected, OptionalDouble.empty(), OptionalDouble.empty());
  }

  /**
   * Whether two responses count as the same text for pairing: equal after stripping leading and
   * trailing whitespace (a pair that differs only there teaches nothing).
   */
  public static boolean sameText(String a, String b) {
    return a.strip().equals(b.strip());
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }
}
