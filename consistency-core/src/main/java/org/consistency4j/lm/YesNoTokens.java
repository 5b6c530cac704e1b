package org.consistency4j.lm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.consistency4j.ConsistencyException;
import org.consistency4j.internal.Check;

/**
 * The token variants that count as "yes" and as "no" for {@link LanguageModel#probabilityOfYes}.
 *
 * @param yes variants of "yes" (for example {@code "Yes", " Yes", "yes"}), not empty
 * @param no variants of "no", not empty
 */
public record YesNoTokens(List<String> yes, List<String> no) {
  private static final YesNoTokens DEFAULTS =
      new YesNoTokens(
          List.of("Yes", " Yes", "yes", " yes", "YES", " YES"),
          List.of("No", " No", "no", " no", "NO", " NO"));

  /** Validates and copies. */
  public YesNoTokens {
    yes = List.copyOf(Check.notEmpty(yes, "yes"));
    no = List.copyOf(Check.notEmpty(no, "no"));
    for (String y : yes) {
      Check.argument(!no.contains(y), "\"" + y + "\" is both a yes and a no variant");
    }
  }

  /** "Yes"/"No" with and without a leading space, in title, lower and upper case. */
  public static YesNoTokens defaults() {
    return DEFAULTS;
  }

  /** Every variant, yes first. */
  public List<String> all() {
    List<String> all = new ArrayList<>(yes);
    all.addAll(no);
    return all;
  }

  /**
   * {@code P(yes) / (P(yes) + P(no))} from log-probabilities keyed by variant: next-token
   * log-probabilities, or the log-probabilities of each variant's whole token sequence after the
   * prompt. Variants missing from the map (with next-token log-probabilities: those that are not
   * single tokens of the model) count as probability 0.
   *
   * @param logProbs log-probability per variant
   * @param modelName used in the error message
   * @throws ConsistencyException if no yes variant or no no-variant is present, or both have
   *     probability 0
   */
  public double probabilityOfYes(Map<String, Double> logProbs, String modelName) {
    double pYes = sum(logProbs, yes, modelName, "yes");
    double pNo = sum(logProbs, no, modelName, "no");
    if (pYes + pNo == 0) {
      throw new ConsistencyException(
          modelName + ": P(yes) and P(no) are both 0 for variants " + yes + " / " + no);
    }
    return pYes / (pYes + pNo);
  }

  private static double sum(
      Map<String, Double> logProbs, List<String> variants, String modelName, String what) {
    double p = 0;
    boolean any = false;
    for (String v : variants) {
      Double lp = logProbs.get(v);
      if (lp != null) {
        any = true;
        p += Math.exp(lp);
      }
    }
    if (!any) {
      throw new ConsistencyException(
          modelName + ": none of the " + what + " variants " + variants + " is a single token");
    }
    return p;
  }
}
