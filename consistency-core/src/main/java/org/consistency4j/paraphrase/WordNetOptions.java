package org.consistency4j.paraphrase;

import org.consistency4j.internal.Check;

/**
 * Settings of the WordNet synonym paraphraser. Only synonyms from a word's first (most frequent)
 * sense are used, and only when that sense dominates the word's uses in WordNet's sense-tagged
 * corpus counts; a synonym must itself be attested in that sense and rank among its own first
 * senses. These filters are what keeps "list" from becoming "heel".
 *
 * @param minSynonymCount the least corpus count (WordNet {@code cntlist}) a synonym needs in the
 *     shared sense, {@code >= 0}; default 3
 * @param minSenseShare the least share of the word's corpus count its first sense must have, in
 *     [0, 1]; default 0.4
 * @param maxSynonymSenseRank the shared sense must be among the synonym's first this many senses,
 *     {@code >= 1}; default 3
 * @param substitutionRate the largest share of substitutable words replaced in one paraphrase, in
 *     (0, 1]; default 0.5
 * @param maxSynonymWords the most words a synonym may have ({@code "sum up"} has two), {@code >= 1};
 *     default 2
 */
public record WordNetOptions(
    int minSynonymCount,
    double minSenseShare,
    int maxSynonymSenseRank,
    double substitutionRate,
    int maxSynonymWords) {

  /** Validates. */
  public WordNetOptions {
    Check.nonNegative(minSynonymCount, "minSynonymCount");
    Check.inRange(minSenseShare, 0, 1, "minSenseShare");
    Check.positive(maxSynonymSenseRank, "maxSynonymSenseRank");
    Check.argument(
        substitutionRate > 0 && substitutionRate <= 1,
        "substitutionRate must be in (0, 1], found " + substitutionRate);
    Check.positive(maxSynonymWords, "maxSynonymWords");
  }

  /** The documented defaults. */
  public static WordNetOptions defaults() {
    return new WordNetOptions(3, 0.4, 3, 0.5, 2);
  }
}
