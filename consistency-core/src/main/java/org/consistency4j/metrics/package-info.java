/**
 * Text metrics whose numbers agree exactly with the Python implementations the field reports:
 * ROUGE-N, ROUGE-L and ROUGE-Lsum as computed by Google's {@code rouge-score} 0.1.2
 * ({@link org.consistency4j.metrics.Rouge}, {@link org.consistency4j.metrics.RougeScorer}), and
 * metric objects with stable names for reports ({@link org.consistency4j.metrics.Metrics}).
 * All functions are pure and thread-safe.
 */
package org.consistency4j.metrics;
