package org.consistency4j.paraphrase;

import java.util.List;
import org.consistency4j.internal.Check;
import org.consistency4j.lm.LanguageModel;

/**
 * Standard paraphrasers and their composition. The names used on the command line map to
 * paraphrasers here and nowhere else: {@code wordnet}, {@code structural}, {@code format}, {@code
 * lm} and {@code pipeline}.
 */
public final class Paraphrasers {
  private Paraphrasers() {}

  /** The method names understood by {@link #byName(String)} (plus {@code lm}, which needs a model). */
  public static final List<String> NAMES = List.of("wordnet", "structural", "lm", "format", "pipeline");

  /**
   * WordNet synonym substitution with {@link WordNetOptions#defaults()} and default protection. The
   * first call loads WordNet 3.1 from the classpath (about half a second), shared afterwards.
   */
  public static Paraphraser wordNet() {
    return wordNet(WordNetOptions.defaults(), ProtectionRules.defaults());
  }

  /** WordNet synonym substitution with the given options and protection rules. */
  public static Paraphraser wordNet(WordNetOptions options, ProtectionRules rules) {
    Check.notNull(options, "options");
    Check.notNull(rules, "rules");
    return new WordNetParaphraser(WordNetLexicon.shared(), options, rules);
  }

  /** Structural rewrites (mood, framing, clause and sentence order, split, merge, phrasing). */
  public static Paraphraser structural() {
    return structural(ProtectionRules.defaults());
  }

  /** Structural rewrites with the given protection rules. */
  public static Paraphraser structural(ProtectionRules rules) {
    return new StructuralParaphraser(Check.notNull(rules, "rules"));
  }

  /** FormatSpread-style format perturbations (casing, whitespace, separators, punctuation). */
  public static Paraphraser format() {
    return format(ProtectionRules.defaults());
  }

  /** Format perturbations with the given protection rules. */
  public static Paraphraser format(ProtectionRules rules) {
    return new FormatParaphraser(Check.notNull(rules, "rules"));
  }

  /** Applies {@code second} to every result of {@code first} (default protection rules). */
  public static Paraphraser chain(Paraphraser first, Paraphraser second) {
    return new ChainParaphraser(first, second, ProtectionRules.defaults());
  }

  /** Interleaves the results of {@code members}, dropping repeated texts. */
  public static Paraphraser union(List<Paraphraser> members) {
    return new UnionParaphraser(members);
  }

  /**
   * The rule-based generator of the default pipeline, before filtering: structural rewrites followed
   * by WordNet synonyms, and WordNet synonyms followed by structural rewrites, interleaved.
   */
  public static Paraphraser ruleBased() {
    Paraphraser structural = structural();
    Paraphraser wordNet = wordNet();
    return union(List.of(chain(structural, wordNet), chain(wordNet, structural)));
  }

  /**
   * The filter of the default pipeline: exact and near duplicates (ROUGE-L F >= 0.95 to the
   * original or to each other) and a diversity floor (ROUGE-L F to the original {@code < 0.9}).
   */
  public static QualityFilter pipelineFilter() {
    return QualityFilter.defaults().withDiversityFloor(0.9);
  }

  /**
   * The default non-LM pipeline: {@link #ruleBased()} filtered by {@link #pipelineFilter()},
   * oversampling eight times.
   */
  public static Paraphraser pipeline() {
    return pipeline(pipelineFilter());
  }

  /** {@link #ruleBased()} filtered by {@code filter}, oversampling eight times. */
  public static Paraphraser pipeline(QualityFilter filter) {
    return filtered(ruleBased(), filter, 8);
  }

  /** {@code source} filtered by {@code filter}: asks for 3n candidates and keeps the first n. */
  public static Paraphraser filtered(Paraphraser source, QualityFilter filter) {
    return filtered(source, filter, 3);
  }

  /** {@code source} filtered by {@code filter}, asking for {@code oversample * n} candidates. */
  public static Paraphraser filtered(Paraphraser source, QualityFilter filter, int oversample) {
    return new FilteredParaphraser(source, filter, oversample);
  }

  /**
   * Paraphrasing by prompting {@code model} with {@link LmParaphraserConfig#defaults()}, filtered for
   * exact and near duplicates (asking the model for 2n rewrites). The model is not closed by the
   * paraphraser.
   */
  public static Paraphraser languageModel(LanguageModel model) {
    return filtered(
        languageModel(model, LmParaphraserConfig.defaults(), ProtectionRules.defaults()),
        QualityFilter.defaults(),
        2);
  }

  /** Paraphrasing by prompting {@code model} with the given settings (unfiltered). */
  public static Paraphraser languageModel(
      LanguageModel model, LmParaphraserConfig config, ProtectionRules rules) {
    return new LmParaphraser(model, config, rules);
  }

  /**
   * The paraphraser registered under {@code name}: {@code wordnet}, {@code structural}, {@code
   * format} or {@code pipeline} ({@code lm} needs a model: use {@link #languageModel}).
   *
   * @throws IllegalArgumentException for an unknown name or {@code lm}
   */
  public static Paraphraser byName(String name) {
    Check.notNull(name, "name");
    return switch (name) {
      case "wordnet" -> wordNet();
      case "structural" -> structural();
      case "format" -> format();
      case "pipeline" -> pipeline();
      case "lm" -> throw new IllegalArgumentException(
          "method lm needs a language model: use Paraphrasers.languageModel(model)");
      default -> throw new IllegalArgumentException(
          "method must be one of " + NAMES + ", found \"" + name + "\"");
    };
  }
}
