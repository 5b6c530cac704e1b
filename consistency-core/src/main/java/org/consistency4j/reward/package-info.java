/**
 * Self-rewards of consistency alignment (method section 3): {@link
 * org.consistency4j.reward.ResponseSampler} samples responses for every verbalization of an instruction
 * group, {@link org.consistency4j.reward.SelfRewardScorer} scores them with the model's own quality and
 * agreement judgements and with agreement frequency, and {@link org.consistency4j.reward.JudgeAccuracy}
 * measures how well the judge agrees with labels. Scored groups feed the pairing strategies of package
 * {@code pairs}.
 */
package org.consistency4j.reward;
