/**
 * Text metrics whose numbers agree exactly with the Python implementations the field reports:
 * ROUGE-N, ROUGE-L and ROUGE-Lsum as computed by Google's {@code rouge-score} 0.1.2
 * ({@link org.consistency4j.metrics.Rouge}, {@link org.consistency4j.metrics.RougeScorer}), and
 * metric objects with stable names for reports ({@link org.consistency4j.metrics.Metrics}).
 * Consistency metrics over instruction groups ({@link org.consistency4j.metrics.ConsistencyRate},
 * {@link org.consistency4j.metrics.MajorityAgreement}, accuracy and spread per verbalization with
 * {@link org.consistency4j.metrics.TaskEvaluator}) use pluggable {@link
 * org.consistency4j.metrics.ResponseSimilarity response similarities} ({@link
 * org.consistency4j.metrics.Similarities}) and seeded bootstrap intervals and paired comparisons
 * ({@link org.consistency4j.metrics.Bootstrap}). All functions are pure and thread-safe.
 */
package org.consistency4j.metrics;
