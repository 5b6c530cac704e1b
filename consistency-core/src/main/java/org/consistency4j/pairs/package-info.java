/**
 * Preference pairs for consistency alignment: responses of one instruction group ranked by reward
 * ({@link org.consistency4j.pairs.ScoredResponse}), pairing strategies ({@link
 * org.consistency4j.pairs.PairingStrategies}: best vs the rest, best vs worst, all ordered pairs above a
 * margin) and the TRL-compatible JSONL format ({@link org.consistency4j.pairs.PreferencePairsJsonl}).
 */
package org.consistency4j.pairs;
