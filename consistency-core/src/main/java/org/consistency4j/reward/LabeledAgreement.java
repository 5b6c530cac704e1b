package org.consistency4j.reward;

import org.consistency4j.internal.Check;

/**
 * Two responses with a known verdict on whether they give the same answer, for measuring the
 * agreement judge ({@link JudgeAccuracy}).
 *
 * @param query the instruction, input and both responses
 * @param same whether both give the same answer (the judge should say Yes)
 */
public record LabeledAgreement(AgreementQuery query, boolean same) {
  /** Validates. */
  public LabeledAgreement {
    Check.notNull(query, "query");
  }
}
