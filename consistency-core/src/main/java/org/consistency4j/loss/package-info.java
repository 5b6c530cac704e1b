/**
 * Pairwise preference losses over sequence log-probabilities, in pure Java: the paper-style ranking
 * loss (RRHF hinge plus SFT), DPO, IPO, SimPO, ORPO and hinge/SLiC. Each {@link
 * org.consistency4j.loss.PairwiseLoss} returns its value and its exact gradient with respect to the
 * policy's sequence log-probability sums, so that a training engine can back-propagate through the
 * model. The standard losses are the records of the sealed {@link org.consistency4j.loss.StandardLoss},
 * each carrying only its own parameters; {@link org.consistency4j.loss.Losses} creates them and maps
 * the CLI names and defaults to them.
 */
package org.consistency4j.loss;
