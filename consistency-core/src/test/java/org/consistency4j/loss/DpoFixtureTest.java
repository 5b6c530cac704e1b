package org.consistency4j.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/**
 * The DPO case of the tiny-llama PyTorch reference ({@code fixtures/tiny-llama-reference_grads.json},
 * see the README.txt next to it), at the loss level: from its policy and reference log-probabilities
 * and beta, the loss and the per-pair DPO logits.
 */
class DpoFixtureTest {

  @Test
  void dpo_reproduces_the_pytorch_loss_and_logits_of_the_tiny_llama_fixture() throws IOException {
    JsonNode dpo;
    try (InputStream in =
        getClass().getResourceAsStream("/fixtures/tiny-llama-reference_grads.json")) {
      dpo = new ObjectMapper().readTree(in).get("dpo");
    }
    double beta = dpo.get("beta").asDouble();
    int n = dpo.get("policy_chosen_logps_f64").size();
    double[] pc = new double[n];
    double[] pr = new double[n];
    double[] rc = new double[n];
    double[] rr = new double[n];
    int[] nc = new int[n];
    int[] nr = new int[n];
    for (int i = 0; i < n; i++) {
      pc[i] = dpo.get("policy_chosen_logps_f64").get(i).asDouble();
      pr[i] = dpo.get("policy_rejected_logps_f64").get(i).asDouble();
      rc[i] = dpo.get("reference_chosen_logps_f64").get(i).asDouble();
      rr[i] = dpo.get("reference_rejected_logps_f64").get(i).asDouble();
      nc[i] = countTargets(dpo.get("chosen_labels").get(i));
      nr[i] = countTargets(dpo.get("rejected_labels").get(i));
    }
    assertEquals(2, n);
    assertEquals(8, nc[0]);

    LossValue v = Losses.dpo(beta).compute(PreferenceBatch.withReference(pc, pr, nc, nr, rc, rr));

    assertEquals(dpo.get("loss_f64").asDouble(), v.value(), 1e-12);
    for (int i = 0; i < n; i++) {
      assertEquals(dpo.get("dpo_logits_f64").get(i).asDouble(), v.pairMargins().get(i), 1e-12);
      // d loss / d pi_c = -(beta / n) * sigmoid(-logit): the seed of the model's backward pass
      double logit = dpo.get("dpo_logits_f64").get(i).asDouble();
      double expected = -beta / n / (1 + Math.exp(logit));
      assertEquals(expected, v.chosenGradients().get(i), 1e-15);
      assertEquals(-expected, v.rejectedGradients().get(i), 1e-15);
    }
  }

  private static int countTargets(JsonNode labels) {
    int count = 0;
    for (JsonNode l : labels) {
      if (l.asInt() != -100) {
        count++;
      }
    }
    return count;
  }
}
