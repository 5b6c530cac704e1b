/**
 * Metrics: ROUGE compatible with Google's {@code rouge-score}, and consistency metrics over
 * instruction groups ({@link org.consistency4j.metrics.ConsistencyRate}, {@link
 * org.consistency4j.metrics.MajorityAgreement}, accuracy and spread per verbalization) with pluggable
 * {@link org.consistency4j.metrics.ResponseSimilarity response similarities} and seeded bootstrap
 * intervals and paired comparisons. Pure Java; every type here is immutable or stateless.
 */
package org.consistency4j.metrics;
