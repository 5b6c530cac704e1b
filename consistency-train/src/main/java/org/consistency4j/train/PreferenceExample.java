package org.consistency4j.train;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.consistency4j.internal.Check;
import org.consistency4j.pairs.PreferencePair;
import org.consistency4j.tokenizer.Tokenizer;

/**
 * A tokenized preference pair: the chosen and the rejected response to one prompt, each as an
 * {@link SftExample} whose targets are the response tokens (the prompt is masked).
 *
 * @param chosen prompt + chosen response
 * @param rejected prompt + rejected response
 */
public record PreferenceExample(SftExample chosen, SftExample rejected) {
  /** Validates that both sides have target tokens. */
  public PreferenceExample {
    Check.notNull(chosen, "chosen");
    Check.notNull(rejected, "rejected");
    Check.argument(chosen.targetCount() > 0, "chosen must have target tokens");
    Check.argument(rejected.targetCount() > 0, "rejected must have target tokens");
  }

  /** Tokens of the longer side. */
  public int length() {
    return Math.max(chosen.length(), rejected.length());
  }

  /**
   * Tokenizes pairs: prompt and responses are encoded without special tokens, the responses end with
   * the EOS token when {@code appendEos} and the tokenizer has one, and both sequences are truncated to
   * {@code maxLength} tokens.
   *
   * @throws IllegalArgumentException naming the pair's index if a side has no response token within
   *     {@code maxLength}
   */
  public static List<PreferenceExample> tokenize(
      List<PreferencePair> pairs, Tokenizer tokenizer, int maxLength, boolean appendEos) {
    return tokenize(pairs, tokenizer, maxLength, appendEos, true);
  }

  /**
   * Tokenizes pairs as {@link #tokenize(List, Tokenizer, int, boolean)} does; with {@code
   * chatTemplate} each prompt is first rendered as {@link Tokenizer#instructionPrompt} (one user
   * turn and the generation prompt, when the model has a Jinja chat template).
   */
  public static List<PreferenceExample> tokenize(List<PreferencePair> pairs, Tokenizer tokenizer,
      int maxLength, boolean appendEos, boolean chatTemplate) {
    return tokenize(pairs, tokenizer, maxLength, appendEos, chatTemplate, "pairs");
  }

  /**
   * Tokenizes as {@link #tokenize(List, Tokenizer, int, boolean, boolean)}; an error names a pair
   * as {@code name[i]}, so that training and validation pairs can be told apart.
   */
  static List<PreferenceExample> tokenize(List<PreferencePair> pairs, Tokenizer tokenizer,
      int maxLength, boolean appendEos, boolean chatTemplate, String name) {
    Check.notNull(pairs, "pairs");
    Check.notNull(tokenizer, "tokenizer");
    Check.positive(maxLength, "maxLength");
    OptionalInt eos = appendEos ? tokenizer.eosTokenId() : OptionalInt.empty();
    List<PreferenceExample> out = new ArrayList<>(pairs.size());
    for (int i = 0; i < pairs.size(); i++) {
      PreferencePair p = pairs.get(i);
      int[] prompt = tokenizer.encode(
          chatTemplate ? tokenizer.instructionPrompt(p.prompt()) : p.prompt(), false);
      SftExample c = SftExample.of(prompt,
          SftExample.withEos(tokenizer.encode(p.chosen(), false), eos)).truncate(maxLength);
      SftExample r = SftExample.of(prompt,
          SftExample.withEos(tokenizer.encode(p.rejected(), false), eos)).truncate(maxLength);
      Check.argument(c.targetCount() > 0 && r.targetCount() > 0,
          name + "[" + i + "]: the prompt leaves no response token within maxLength " + maxLength
              + " (prompt has " + prompt.length + " tokens)");
      out.add(new PreferenceExample(c, r));
    }
    return out;
  }

  /**
   * One micro-batch of {@code 2 * pairs.size()} right-padded rows: the chosen sequences first, then
   * the rejected ones in the same order.
   */
  public static TrainingSession.Batch collate(List<PreferenceExample> pairs, int padId) {
    Check.notEmpty(pairs, "pairs");
    List<SftExample> rows = new ArrayList<>(2 * pairs.size());
    for (PreferenceExample p : pairs) {
      rows.add(p.chosen());
    }
    for (PreferenceExample p : pairs) {
      rows.add(p.rejected());
    }
    return Batching.collate(rows, padId);
  }
}
