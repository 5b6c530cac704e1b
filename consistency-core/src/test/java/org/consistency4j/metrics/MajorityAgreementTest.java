package org.consistency4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class MajorityAgreementTest {

  @Test
  void agreement_is_the_share_of_the_modal_answer() {
    AgreementResult r =
        MajorityAgreement.of(Similarities.exactMatch())
            .compute(
                List.of(
                    ResponseGroup.of("g1", List.of("Paris", "paris.", "Lyon")),
                    ResponseGroup.of("g2", List.of("no", "yes", "Yes", "yes!")),
                    ResponseGroup.of("g3", List.of("alone"))));
    GroupAgreement g1 = r.groups().get(0);
    assertEquals(2, g1.agreeing());
    assertEquals("Paris", g1.majority());
    assertEquals(2.0 / 3, g1.share(), 1e-15);
    GroupAgreement g2 = r.groups().get(1);
    assertEquals(1, g2.majorityIndex());
    assertEquals(3, g2.agreeing());
    assertEquals((2.0 / 3 + 0.75) / 2, r.macro(), 1e-15);
    assertEquals(List.of("g3"), r.excludedIds());
  }

  @Test
  void ties_pick_the_first_response() {
    GroupAgreement g =
        MajorityAgreement.of(Similarities.exactMatch())
            .score(ResponseGroup.of("g", List.of("a b", "c", "c", "a b")));
    assertEquals(0, g.majorityIndex());
    assertEquals(0.5, g.share());
  }

  @Test
  void graded_similarities_agree_at_the_threshold() {
    // tokenF1("big red cat", "big cat") = 0.8, tokenF1("big red cat", "dog") = 0.
    ResponseGroup group = ResponseGroup.of("g", List.of("big red cat", "big cat", "dog"));
    assertEquals(2, MajorityAgreement.of(Similarities.tokenF1(), 0.8).score(group).agreeing());
    assertEquals(1, MajorityAgreement.of(Similarities.tokenF1(), 0.81).score(group).agreeing());
  }

  @Test
  void the_threshold_must_be_in_the_unit_interval() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> MajorityAgreement.of(Similarities.exactMatch(), 0));
    assertEquals("threshold must be in (0, 1], found 0.0", e.getMessage());
  }
}
