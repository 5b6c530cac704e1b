package org.consistency4j.examples;

import java.util.List;
import org.consistency4j.metrics.ConsistencyRate;
import org.consistency4j.metrics.ConsistencyResult;
import org.consistency4j.metrics.ResponseGroup;
import org.consistency4j.metrics.Rouge;
import org.consistency4j.metrics.RougeScore;
import org.consistency4j.metrics.Similarities;

/**
 * ROUGE and the consistency rate in a few lines: pure Java, no native library.
 *
 * <pre>
 * java ... org.consistency4j.examples.RougeAndConsistency
 * </pre>
 */
public final class RougeAndConsistency {
  private RougeAndConsistency() {}

  /** Prints a ROUGE-L score and the consistency rate of two answer groups. */
  public static void main(String[] args) {
    RougeScore rouge = rougeL();
    ConsistencyResult cr = consistency();
    System.out.printf("ROUGE-L F %.4f; consistency rate macro %.4f, pooled %.4f%n", rouge.fmeasure(),
        cr.macro(), cr.pooled());
  }

  /** ROUGE-L of a prediction against a target, with the Porter stemmer (as rouge-score computes it). */
  public static RougeScore rougeL() {
    return Rouge.rougeL("the cats are sitting on the mat", "a cat sat on the mat", true);
  }

  /**
   * The consistency rate of the answers a model gave to three wordings of two questions: per group
   * the mean agreement over pairs of answers, then the mean over groups (macro, the paper's) or over
   * all pairs (pooled).
   */
  public static ConsistencyResult consistency() {
    List<ResponseGroup> groups = List.of(
        ResponseGroup.of("capital-of-france", List.of("Paris", "paris.", "Paris")),
        ResponseGroup.of("review-sentiment", List.of("positive", "negative", "Positive")));
    return ConsistencyRate.of(Similarities.exactMatch()).compute(groups);
  }
}
