package org.consistency4j.paraphrase;

import java.util.ArrayList;
import java.util.List;
import org.consistency4j.internal.Check;

/**
 * One paraphrase of an instruction with its provenance.
 *
 * @param text the paraphrased instruction, not blank
 * @param method the name of the paraphraser that produced it, for example {@code "wordnet"} or
 *     {@code "structural+wordnet"} for a chain
 * @param edits the edits applied, in order, each a short human-readable description such as {@code
 *     "synonym:determine->ascertain"} or {@code "question-form"}; may be empty for methods that do
 *     not report edits (a language model)
 */
public record Paraphrase(String text, String method, List<String> edits) {

  /** Validates and copies. */
  public Paraphrase {
    Check.notNull(text, "text");
    Check.argument(!text.isBlank(), "text must not be blank");
    Check.notNull(method, "method");
    Check.argument(!method.isBlank(), "method must not be blank");
    edits = List.copyOf(Check.notNull(edits, "edits"));
  }

  /**
   * This paraphrase transformed further by another method: the text is replaced, methods are joined
   * with {@code '+'} and edits concatenated.
   */
  Paraphrase andThen(Paraphrase next) {
    List<String> all = new ArrayList<>(edits);
    all.addAll(next.edits());
    return new Paraphrase(next.text(), method + "+" + next.method(), all);
  }
}
