package org.consistency4j.paraphrase;

import java.util.List;
import org.consistency4j.internal.Check;

/** Asks its source for {@code oversample * n} candidates and keeps the first n that pass. */
final class FilteredParaphraser implements Paraphraser {
  private final Paraphraser source;
  private final QualityFilter filter;
  private final int oversample;

  FilteredParaphraser(Paraphraser source, QualityFilter filter, int oversample) {
    this.source = Check.notNull(source, "source");
    this.filter = Check.notNull(filter, "filter");
    this.oversample = Check.positive(oversample, "oversample");
  }

  @Override
  public List<Paraphrase> paraphrase(Instruction instruction, int n, long seed) {
    Check.notNull(instruction, "instruction");
    Check.positive(n, "n");
    int asked = (int) Math.min(Integer.MAX_VALUE / 2, (long) n * oversample);
    List<Paraphrase> candidates = source.paraphrase(instruction, asked, seed);
    return filter.apply(instruction.text(), candidates, n);
  }

  @Override
  public String name() {
    return source.name();
  }
}
