package org.consistency4j.examples;

import java.util.List;
import org.consistency4j.paraphrase.Instruction;
import org.consistency4j.paraphrase.Paraphrase;
import org.consistency4j.paraphrase.Paraphraser;
import org.consistency4j.paraphrase.Paraphrasers;

/**
 * Paraphrases an instruction with the rule-based pipeline (WordNet synonyms, structural rewrites),
 * keeping the label words and placeholders intact.
 *
 * <pre>
 * java ... org.consistency4j.examples.ParaphraseInstruction "Classify the review as POS or NEG."
 * </pre>
 */
public final class ParaphraseInstruction {
  private ParaphraseInstruction() {}

  /** Prints ten paraphrases of the argument (or of a built-in instruction). */
  public static void main(String[] args) {
    String text = args.length > 0 ? args[0]
        : "Classify the sentiment of the review as \"POS\" or \"NEG\": {input}";
    for (Paraphrase p : paraphrase(text, 10, 42)) {
      System.out.println(p.method() + "\t" + p.text());
    }
  }

  /**
   * {@code n} distinct paraphrases, deterministic for {@code seed}; the words POS and NEG are
   * protected (quoted strings and {placeholders} are protected anyway).
   */
  public static List<Paraphrase> paraphrase(String instruction, int n, long seed) {
    Paraphraser pipeline = Paraphrasers.ruleBased();
    return pipeline.paraphrase(new Instruction(instruction, List.of("POS", "NEG")), n, seed);
  }
}
