package org.consistency4j.paraphrase;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.consistency4j.internal.Check;

/**
 * Which spans of an instruction are detected automatically and protected from paraphrasing.
 * Immutable. {@link #defaults()} turns every rule on.
 *
 * <ul>
 *   <li>{@code quotedStrings}: text in double, single (not apostrophes), curly quotes or backticks,
 *       up to 200 characters on one line;
 *   <li>{@code placeholders}: {@code {input}}, {@code {{x}}}, {@code <sep>}, {@code [MASK]};
 *   <li>{@code numbers}: digits with optional decimals and ordinal suffixes ({@code 2nd}) and the
 *       number words zero to twenty;
 *   <li>{@code code}: fenced code blocks, tokens containing symbols such as {@code _ # = / & @}, all-caps
 *       words of two or more letters ({@code POS}, {@code RDF}) and symbol groups in parentheses
 *       ({@code (?)});
 *   <li>{@code extraPatterns}: further regular expressions (Java syntax) whose matches are protected.
 * </ul>
 *
 * @param quotedStrings protect quoted strings
 * @param placeholders protect template placeholders
 * @param numbers protect numbers
 * @param code protect code, symbols and all-caps words
 * @param extraPatterns further regular expressions, each valid and not matching the empty string
 *     alone
 */
public record ProtectionRules(
    boolean quotedStrings,
    boolean placeholders,
    boolean numbers,
    boolean code,
    List<String> extraPatterns) {

  /** Validates and copies; an invalid pattern is reported with its text. */
  public ProtectionRules {
    extraPatterns = List.copyOf(Check.notNull(extraPatterns, "extraPatterns"));
    for (String p : extraPatterns) {
      try {
        Check.argument(!Pattern.compile(p).matcher("").matches(),
            "extraPatterns must not match the empty string, found \"" + p + "\"");
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException(
            "extraPatterns must be valid regular expressions, found \"" + p + "\": "
                + e.getDescription(), e);
      }
    }
  }

  /** Every rule on, no extra patterns. */
  public static ProtectionRules defaults() {
    return new ProtectionRules(true, true, true, true, List.of());
  }

  /** No automatic protection: only an instruction's explicit terms are protected. */
  public static ProtectionRules none() {
    return new ProtectionRules(false, false, false, false, List.of());
  }

  /** These rules plus one more pattern. */
  public ProtectionRules withPattern(String regex) {
    List<String> all = new ArrayList<>(extraPatterns);
    all.add(Check.notNull(regex, "regex"));
    return new ProtectionRules(quotedStrings, placeholders, numbers, code, all);
  }

  static final List<Pattern> QUOTED =
      List.of(
          Pattern.compile("\"[^\"\\n]{0,200}\""),
          Pattern.compile("\u201C[^\u201D\\n]{0,200}\u201D"),
          Pattern.compile("(?<![\\p{L}\\p{N}])'[^'\\n]{1,200}'(?![\\p{L}\\p{N}])"),
          Pattern.compile("\u2018[^\u2019\\n]{1,200}\u2019(?![\\p{L}\\p{N}])"),
          Pattern.compile("`[^`\\n]{1,200}`"));

  static final List<Pattern> PLACEHOLDERS =
      List.of(
          Pattern.compile("\\{\\{[^{}\\n]{0,60}\\}\\}"),
          Pattern.compile("\\{[^{}\\n]{0,60}\\}"),
          Pattern.compile("<[A-Za-z_/][^<>\\n]{0,40}>"),
          Pattern.compile("\\[[^\\[\\]\\n]{0,80}\\]"));

  static final List<Pattern> NUMBERS =
      List.of(
          Pattern.compile("(?<![\\p{L}\\p{N}])\\d+(?:[.,]\\d+)*(?:st|nd|rd|th)?(?![\\p{L}\\p{N}])"),
          Pattern.compile(
              "(?i)(?<![\\p{L}\\p{N}])(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|"
                  + "eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|"
                  + "twenty)(?![\\p{L}\\p{N}])"));

  static final List<Pattern> CODE =
      List.of(
          Pattern.compile("(?s)```.*?```"),
          Pattern.compile("[^\\s\"'`]*[_#<>|=\\\\^~@$%&*+/][^\\s\"'`]*(?<![.,;:!?])"),
          Pattern.compile("(?<![\\p{L}\\p{N}])\\p{Lu}[\\p{Lu}\\p{N}]+(?![\\p{L}\\p{N}])"),
          Pattern.compile("\\([^\\p{L}\\p{N}\\s]{1,3}\\)"),
          Pattern.compile("[\\uE000-\\uF8FF]+"));

  /** The patterns of the enabled rules, compiled. */
  List<Pattern> patterns() {
    List<Pattern> all = new ArrayList<>();
    if (code) {
      all.addAll(CODE);
    }
    if (quotedStrings) {
      all.addAll(QUOTED);
    }
    if (placeholders) {
      all.addAll(PLACEHOLDERS);
    }
    if (numbers) {
      all.addAll(NUMBERS);
    }
    for (String p : extraPatterns) {
      all.add(Pattern.compile(p));
    }
    return all;
  }
}
